"""The jobs a batch can run: each is a single-file command, run on one input.

A job does not re-implement its command: it writes the command line the user would type for one
input (``likeness lipsync line.wav -o out/line.csv --fps 60``) and runs that command's own
``run`` in the worker process, through the same parser. So a batch output is byte-identical to
the single-file command's, and consent, provenance and audit apply per file exactly as there,
however the command evolves. A command that fails on an input raises, and that input is
recorded as failed.

Job options are a plain dict (JSON-able: they key the ledger and travel to the workers), checked
by the job before any work starts, so a bad flag fails the batch once instead of every file.
"""

from __future__ import annotations

import argparse
import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from likeness.batch.inputs import BatchItem
from likeness.errors import InputError, LikenessError

ANIMATION_FORMATS = ("csv", "json")
AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".m4a", ".aac", ".opus")
VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".webm", ".avi", ".m4v")
TEXT_SUFFIXES = (".txt",)


@dataclass(frozen=True)
class Job:
    """One kind of batch work.

    name: the ``--job`` value, and the single-file command it runs.
    summary: one line for ``--help``.
    input_suffixes: extensions picked up when the input is a folder.
    flags: the job-option destinations it takes (the batch command declares every job's flags
        once, default None, and refuses those a job does not take).
    options_from_args: parsed flags -> the options dict (defaults filled in, values checked).
    argv: (item, output path, options) -> the command line, without the leading ``likeness``.
    companions: (output path, options) -> other files the command may write beside the output
        (a say's .wav, track's extra faces); those present after the run are recorded too.
    side_inputs: (item, options) -> other input files the command reads for it (render's audio
        beside the animation); their content is part of the output's key.
    """

    name: str
    summary: str
    input_suffixes: tuple[str, ...]
    flags: tuple[str, ...]
    options_from_args: Callable[[argparse.Namespace], dict[str, Any]]
    argv: Callable[[BatchItem, Path, dict[str, Any]], list[str]]
    companions: Callable[[Path, dict[str, Any]], list[Path]] = lambda output, options: []
    side_inputs: Callable[[BatchItem, dict[str, Any]], list[Path]] = lambda item, options: []

    @staticmethod
    def output_suffix(options: dict[str, Any]) -> str:
        """The output file's extension: every job takes ``--format``."""
        return "." + options["format"]

    def process(self, item: BatchItem, output: Path, options: dict[str, Any]) -> list[Path]:
        """Run the command for ``item``; returns every file it wrote, ``output`` first."""
        argv = self.argv(item, output, options)
        try:
            args = _command_parser().parse_args(argv)
        except SystemExit as e:  # argparse printed why to the worker's log; it never exits it
            raise LikenessError(
                f"likeness {self.name} refused the command line {argv}: this "
                f"version of the command lacks one of its options"
            ) from e
        status = args.run(args)
        if status:
            raise LikenessError(f"likeness {self.name} exited with status {status}")
        if not output.is_file():
            raise InputError(
                f"{item.path or item.name}: likeness {self.name} wrote no {output.name}")
        return [output] + [p for p in self.companions(output, options) if p.is_file()]


@functools.lru_cache(maxsize=1)
def _command_parser() -> argparse.ArgumentParser:
    """The ``likeness`` parser, built once per worker process."""
    from likeness.cli import build_parser

    return build_parser()


def _input(item: BatchItem, job: str) -> str:
    """The item's input file, or an InputError for a manifest row that gives only text."""
    if item.path is None:
        raise InputError(f"{item.name}: the {job} job needs an input file, the row gives none")
    return str(item.path)


def _choice(flag: str, value: str | None, choices: tuple[str, ...]) -> str:
    """``value`` if it is one of ``choices`` (None: the first), else an InputError."""
    if value is None:
        return choices[0]
    if value not in choices:
        raise InputError(
            f"--{flag} must be one of {', '.join(choices)} for this job, got {value!r}")
    return value


def _fps(value: float | None) -> float:
    """The frame rate option: 60 by default, 1..240."""
    fps = 60.0 if value is None else float(value)
    if not (math.isfinite(fps) and 1.0 <= fps <= 240.0):
        raise InputError(f"--fps must be in 1..240, got {fps}")
    return fps


# lipsync: speech audio (+ transcript) -> animation ---------------------------------------------

def _lipsync_options(args: argparse.Namespace) -> dict[str, Any]:
    return {"fps": _fps(args.fps), "format": _choice("format", args.format, ANIMATION_FORMATS)}


def _lipsync_transcript(item: BatchItem, options: dict[str, Any]) -> list[Path]:
    """Without a transcript in the manifest, NAME.txt beside NAME.wav (as games keep them)."""
    if item.text is not None or item.path is None:
        return []
    return [p for p in (item.path.with_suffix(".txt"),) if p.is_file()]


def _lipsync_argv(item: BatchItem, output: Path, options: dict[str, Any]) -> list[str]:
    argv = ["lipsync", _input(item, "lipsync"), "-o", str(output), f"--fps={options['fps']!r}"]
    if item.text:
        return argv + [f"--text={item.text}"]
    return argv + [f"--text-file={p}" for p in _lipsync_transcript(item, options)]


# say: a line of text -> speech + animation -----------------------------------------------------

def _say_options(args: argparse.Namespace) -> dict[str, Any]:
    from likeness.speech.tts import DEFAULT_VOICE, MAX_RATE_WPM, MIN_RATE_WPM

    rate_wpm = 175 if args.rate is None else int(args.rate)
    if not MIN_RATE_WPM <= rate_wpm <= MAX_RATE_WPM:
        raise InputError(f"--rate must be {MIN_RATE_WPM}..{MAX_RATE_WPM} words per minute, "
                         f"got {rate_wpm}")
    return {"fps": _fps(args.fps), "format": _choice("format", args.format, ANIMATION_FORMATS),
            "voice": args.voice or DEFAULT_VOICE, "rate_wpm": rate_wpm}


def _say_text(item: BatchItem) -> str:
    """The line to speak: the row's text, else the .txt file's content (outer blank space off)."""
    if item.text is not None:
        return item.text
    try:
        return Path(_input(item, "say")).read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as e:
        raise InputError(f"{item.path}: cannot read the line to say ({e})") from e


def _say_argv(item: BatchItem, output: Path, options: dict[str, Any]) -> list[str]:
    return ["say", "-o", str(output), f"--fps={options['fps']!r}", f"--voice={options['voice']}",
            f"--rate={options['rate_wpm']}", "--", _say_text(item)]


# track: a video -> tracked animation per face --------------------------------------------------

def _track_options(args: argparse.Namespace) -> dict[str, Any]:
    max_faces = 1 if args.max_faces is None else int(args.max_faces)
    if max_faces < 1:
        raise InputError(f"--max-faces must be at least 1, got {max_faces}")
    if args.hfov is not None and not 1.0 <= args.hfov <= 179.0:
        raise InputError(f"--hfov must be in 1..179 degrees, got {args.hfov}")
    return {"format": _choice("format", args.format, ANIMATION_FORMATS), "max_faces": max_faces,
            "filtered": not args.no_filter, "hfov_deg": args.hfov}


def _track_argv(item: BatchItem, output: Path, options: dict[str, Any]) -> list[str]:
    argv = ["track", _input(item, "track"), "-o", str(output),
            f"--max-faces={options['max_faces']}"]
    if not options["filtered"]:
        argv.append("--no-filter")
    if options["hfov_deg"] is not None:
        argv.append(f"--hfov={options['hfov_deg']!r}")
    return argv


def _track_companions(output: Path, options: dict[str, Any]) -> list[Path]:
    from likeness.track.video import output_paths

    return output_paths(output, options["max_faces"])[1:]


# render: an animation (+ the speech beside it) -> video on an avatar ----------------------------

VIDEO_FORMATS = ("mp4", "gif", "png")


def _render_options(args: argparse.Namespace) -> dict[str, Any]:
    size = 512 if args.size is None else int(args.size)
    if not 16 <= size <= 4096:
        raise InputError(f"--size must be 16..4096 pixels, got {size}")
    avatar = None
    if args.avatar is not None:
        from likeness.batch.ledger import file_sha256
        from likeness.fileio import existing_file

        path = existing_file(args.avatar, "avatar").resolve()
        avatar = {"path": str(path), "sha256": file_sha256(path)}
    return {"format": _choice("format", args.format, VIDEO_FORMATS), "size": size,
            "fps": None if args.fps is None else _fps(args.fps), "avatar": avatar}


def _render_audio(item: BatchItem, options: dict[str, Any]) -> list[Path]:
    """For an .mp4, the speech beside the animation (NAME.wav for NAME.csv, as ``batch --job
    say`` leaves it)."""
    if item.path is None or options["format"] != "mp4":
        return []
    return [p for p in (item.path.with_suffix(s) for s in AUDIO_SUFFIXES) if p.is_file()][:1]


def _render_argv(item: BatchItem, output: Path, options: dict[str, Any]) -> list[str]:
    argv = ["render", _input(item, "render"), "-o", str(output), f"--size={options['size']}",
            "--no-progress"]
    argv += [f"--audio={audio}" for audio in _render_audio(item, options)]
    if options["fps"] is not None:
        argv.append(f"--fps={options['fps']!r}")
    if options["avatar"] is not None:
        argv.append(f"--avatar={options['avatar']['path']}")
    # The grant goes to the command, which checks it against the avatar; a render command that
    # takes no grant refuses the line, so a grant is never silently ignored.
    if item.consent is not None:
        argv.append(f"--consent={item.consent}")
    if item.context is not None:
        argv.append(f"--context={item.context}")
    return argv


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job(
            name="lipsync",
            summary="speech audio (+ transcript) -> lip-synced animation",
            input_suffixes=AUDIO_SUFFIXES,
            flags=("fps", "format"),
            options_from_args=_lipsync_options,
            argv=_lipsync_argv,
            side_inputs=_lipsync_transcript,
        ),
        Job(
            name="say",
            summary="lines of text -> speech (.wav) and talking-face animation",
            input_suffixes=TEXT_SUFFIXES,
            flags=("fps", "format", "voice", "rate"),
            options_from_args=_say_options,
            argv=_say_argv,
            companions=lambda output, options: [output.with_suffix(".wav")],
        ),
        Job(
            name="track",
            summary="videos -> tracked ARKit-52 animation, head pose and gaze",
            input_suffixes=VIDEO_SUFFIXES,
            flags=("format", "max_faces", "no_filter", "hfov"),
            options_from_args=_track_options,
            argv=_track_argv,
            companions=_track_companions,
        ),
        Job(
            name="render",
            summary="animations (+ NAME.wav beside each) -> videos of the avatar",
            input_suffixes=(".csv", ".json"),
            flags=("format", "size", "fps", "avatar"),
            options_from_args=_render_options,
            argv=_render_argv,
            side_inputs=_render_audio,
        ),
    )
}
