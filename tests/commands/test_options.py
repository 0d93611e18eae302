"""Parsed flags become stage options in one place (likeness.commands.options), and nothing below
``commands/`` sees a parsed command line."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

import likeness
from likeness.commands import options
from likeness.errors import InputError


def behave_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    options.add_behave_arguments(parser)
    return parser


def test_behaviour_flags_become_behaviour_options():
    from likeness.behave import BehaviourOptions

    parser = behave_parser()
    args = parser.parse_args(["--behave", "blink,gaze", "--emotion", "joy", "--look-at", "0,0.1,0"])
    assert args.behave == ("blink", "gaze") and args.look_at == (0.0, 0.1, 0.0)
    assert options.behaviour_options(args) == BehaviourOptions(
        ("blink", "gaze", "emotion"), emotion="joy", look_at=(0.0, 0.1, 0.0), seed=0)  # --emotion's
    assert parser.parse_args(["--behave", "all"]).behave == ("blink", "gaze", "idle", "emotion")
    assert options.behaviour_options(parser.parse_args([])).layers == ()
    assert options.behaviour_options(parser.parse_args(["--look-at", "ahead"])).layers == ("gaze",)
    for bad in (["--behave", "blink,wink"], ["--look-at", "1,2"], ["--emotion", "smug"]):
        with pytest.raises(SystemExit):
            parser.parse_args(bad)
    with pytest.raises(InputError, match="--behave-seed"):
        options.behaviour_options(parser.parse_args(["--emotion", "joy", "--behave-seed", "3"]))


def test_tracking_flags_become_tracking_options():
    from likeness.commands.track import register

    subparsers = argparse.ArgumentParser().add_subparsers()
    register(subparsers)
    parser = subparsers.choices["track"]
    args = parser.parse_args(["clip.mp4", "-o", "take.csv", "--no-filter", "--max-faces", "2",
                              "--hfov", "75"])
    tracking = options.tracking_options(args)
    assert (tracking.max_faces, tracking.filtered) == (2, False)
    assert tracking.solver.camera.hfov_deg == 75
    with pytest.raises(InputError, match="--max-faces must be at least 1, got 0"):
        options.tracking_options(parser.parse_args(["clip.mp4", "-o", "t.csv", "--max-faces", "0"]))


def test_no_parsed_command_line_below_commands():
    root = Path(likeness.__file__).parent
    offenders = sorted(
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if path.relative_to(root).parts[0] not in ("commands", "cli.py")
        and "argparse.Namespace" in path.read_text(encoding="utf-8")
    )
    assert offenders == []
