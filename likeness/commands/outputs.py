"""Where commands put likeness output — animation files, rendered media, live streams — each
through the consent guard, so no command can produce output without consent, provenance and an
audit record."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from likeness.errors import InputError
from likeness.sinks.url import add_send_argument
from likeness.trust.cli_args import add_consent_arguments

ANIMATION_SUFFIXES = (".csv", ".json")
MEDIA_SUFFIXES = (".mp4", ".png", ".gif")

Ingredient = str | os.PathLike[str] | bytes


def add_output_arguments(
    parser: argparse.ArgumentParser, *, send: bool = True, avatar: bool = False
) -> None:
    """``--send URL`` (if ``send``), ``--avatar FILE`` (if ``avatar``: the face rendered media
    shows) and ``--consent/--context/--audit``."""
    if send:
        add_send_argument(parser)
    if avatar:
        parser.add_argument(
            "--avatar",
            metavar="FILE",
            help="for .mp4/.png/.gif: render on this avatar (a `likeness twin`, a glTF with ARKit "
            "morph targets or a VRM); a real person's needs their grant",
        )
    add_consent_arguments(parser)


def _shown(
    args: argparse.Namespace, kind: str, likeness_asset: str | os.PathLike[str] | None
) -> str | os.PathLike[str] | None:
    """The likeness an output of ``kind`` shows: the --avatar of rendered media, else the
    asset the command named."""
    avatar = getattr(args, "avatar", None)
    return avatar if kind == "render" and avatar else likeness_asset


def output_kind(path: str | os.PathLike[str], *, media: bool) -> str:
    """``export`` for an animation file, ``render`` for media; InputError for anything else."""
    suffix = Path(path).suffix.lower()
    if suffix in ANIMATION_SUFFIXES:
        return "export"
    if media and suffix in MEDIA_SUFFIXES:
        return "render"
    allowed = ANIMATION_SUFFIXES + (MEDIA_SUFFIXES if media else ())
    raise InputError(f"{path}: unknown output type {suffix!r}, expected {' or '.join(allowed)}")


def check_consent(
    args: argparse.Namespace,
    outputs: Sequence[str | os.PathLike[str] | None],
    *,
    media: bool,
    likeness_asset: str | os.PathLike[str] | None = None,
) -> None:
    """Refuse at once, before any work, what the consent grant would refuse at the end.

    Checks the output kind of every path in ``outputs`` (None entries are skipped) and, with
    ``--send``, streaming.
    """
    from likeness.trust.cli_args import authorize_from_args

    kinds = {output_kind(path, media=media) for path in outputs if path is not None}
    if getattr(args, "send", None):
        kinds.add("stream")
    for kind in sorted(kinds):
        authorize_from_args(args, kind, likeness_asset=_shown(args, kind, likeness_asset))


def write_output(
    animation,  # Animation
    path: str | os.PathLike[str],
    args: argparse.Namespace,
    *,
    ingredients: Sequence[Ingredient] = (),
    speech: tuple | None = None,
    likeness_asset: str | os.PathLike[str] | None = None,
) -> None:
    """Write ``animation`` to ``path`` (.csv/.json, or rendered .mp4/.png/.gif) under consent.

    ``speech``: (pcm float32 mono, sample rate) muxed into an .mp4, starting with the animation.
    """
    from likeness.trust.guard import guard_from_args

    kind = output_kind(path, media=True)
    shown = _shown(args, kind, likeness_asset)
    guard = guard_from_args(args, kind, likeness_asset=shown, ingredients=ingredients)
    with guard.writing(path) as tmp, tempfile.TemporaryDirectory() as folder:
        if kind == "export":
            from likeness.formats import write_animation

            write_animation(animation, tmp)
        else:
            from likeness.render.video import render_video
            from likeness.sources.audio import write_wav

            wav = None
            if speech is not None and tmp.suffix.lower() == ".mp4":
                wav = Path(folder) / "speech.wav"
                write_wav(wav, *speech)
            avatar = None
            if shown is not None and shown != likeness_asset:
                from likeness.avatar.gltf import read_glb

                avatar = read_glb(shown)
            render_video(animation, tmp, audio_path=wav, avatar=avatar,
                         frame_hook=guard.frame_hook(tmp))
    guard.finish([path], details={"frames": len(animation), "fps": animation.fps})


@contextlib.contextmanager
def guarded_sinks(
    args: argparse.Namespace,
    *,
    ingredients: Sequence[Ingredient] = (),
    likeness_asset: str | os.PathLike[str] | None = None,
) -> Iterator:  # -> FanOut
    """The ``--send`` destinations, opened under a ``stream`` grant and audited when closed
    (no destinations: an empty fan-out, and nothing to authorize or record)."""
    from likeness.sinks.url import open_sinks
    from likeness.trust.guard import guard_from_args

    if not args.send:
        yield open_sinks([])
        return
    guard = guard_from_args(args, "stream", likeness_asset=likeness_asset, ingredients=ingredients)
    sinks = open_sinks(args.send)
    try:
        yield sinks
    finally:
        sinks.close()
        stats = {name: s.as_dict() for name, s in sinks.stats().items()}
        summary = json.dumps({"destinations": stats}, sort_keys=True).encode()
        guard.finish([summary], details={"destinations": stats})
        for name, s in stats.items():
            print(f"{name}: sent {s['n_sent']}, dropped {s['n_dropped']}, errors {s['n_errors']}",
                  file=sys.stderr)


def play(
    animation,  # Animation
    sinks,  # FanOut
    *,
    clock: Callable[[], float] = time.perf_counter,
    sleep: Callable[[float], object] = time.sleep,
) -> None:
    """Send a finished take to ``sinks`` at its own pace, as if it were live (Ctrl-C stops).

    Each frame goes out ``t_s - t_s[0]`` seconds after the first by ``clock`` (seconds); a frame
    that is already late goes out at once, and none is skipped.
    """
    start = clock()
    with contextlib.suppress(KeyboardInterrupt):
        for frame in animation:
            delay_s = frame.t_s - animation.t_s[0] - (clock() - start)
            if delay_s > 0:
                sleep(delay_s)
            sinks.send(frame)
