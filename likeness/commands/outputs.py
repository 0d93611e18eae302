"""Where commands put likeness output — animation files, rendered media, live streams — each
through the command's one consent guard (:mod:`likeness.trust.guard`), made from its
``--consent/--context/--audit`` flags and checked once, before any work."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from likeness.errors import InputError
from likeness.pipeline import IterSource, RunOptions, run
from likeness.sinks.url import add_send_argument

if TYPE_CHECKING:
    from likeness.frame import Animation
    from likeness.sinks.fanout import FanOut
    from likeness.trust.guard import Ingredient, OutputGuard

ANIMATION_SUFFIXES = (".csv", ".json")
MEDIA_SUFFIXES = (".mp4", ".png", ".gif")


def add_consent_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--consent GRANT``, ``--context C`` and ``--audit URL`` to ``parser``."""
    group = parser.add_argument_group(
        "consent and audit",
        "Output of a real person's likeness needs their signed consent grant for this context; "
        "the built-in synthetic avatar needs none. Every output is recorded in the audit log.",
    )
    group.add_argument("--consent", type=Path, metavar="GRANT", help="consent grant (JSON)")
    group.add_argument("--context", metavar="C", help="the use, as named in the grant")
    group.add_argument(
        "--audit",
        metavar="URL",
        help="audit log: postgresql://... or an .sqlite path "
        "(default: LIKENESS_AUDIT, else LIKENESS_HOME/audit.sqlite)",
    )


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


def output_kind(path: str | os.PathLike[str], *, media: bool) -> str:
    """``export`` for an animation file, ``render`` for media; InputError for anything else."""
    suffix = Path(path).suffix.lower()
    if suffix in ANIMATION_SUFFIXES:
        return "export"
    if media and suffix in MEDIA_SUFFIXES:
        return "render"
    allowed = ANIMATION_SUFFIXES + (MEDIA_SUFFIXES if media else ())
    raise InputError(f"{path}: unknown output type {suffix!r}, expected {' or '.join(allowed)}")


def command_guard(
    args: argparse.Namespace,
    outputs: Sequence[str | os.PathLike[str] | None] = (),
    *,
    media: bool = False,
    likeness_asset: str | os.PathLike[str] | None = None,
) -> OutputGuard:
    """The command's one output guard, from ``--consent/--context/--audit``.

    The grant is checked once, for the likeness shown: the ``--avatar`` that rendered media
    shows, else ``likeness_asset``. Outputs of a kind it does not allow (those of the paths in
    ``outputs``, None entries skipped, and streaming with ``--send``) are refused now, before
    any work, and so are malformed ``--send`` destinations.
    """
    from likeness.commands.options import sink_options
    from likeness.trust.guard import output_guard

    kinds = {output_kind(path, media=media) for path in outputs if path is not None}
    if sink_options(args):
        kinds.add("stream")
    avatar = getattr(args, "avatar", None)
    shown = avatar if avatar and "render" in kinds else likeness_asset
    guard = output_guard(shown, grant=args.consent, context=args.context, audit=args.audit)
    guard.require(*sorted(kinds))
    return guard


def write_output(
    animation: Animation,
    path: str | os.PathLike[str],
    guard: OutputGuard,
    *,
    avatar: str | os.PathLike[str] | None = None,
    ingredients: Sequence[Ingredient] = (),
    speech: tuple | None = None,
) -> None:
    """Write ``animation`` to ``path`` (.csv/.json, or rendered on ``avatar`` (a file; default
    the built-in one) to .mp4/.png/.gif) through ``guard``.

    ``speech``: (pcm float32 mono, sample rate) muxed into an .mp4, starting with the animation.
    """
    if output_kind(path, media=True) == "export":
        from likeness.formats import write_animation

        write_animation(animation, path, guard=guard, ingredients=ingredients)
        return
    from likeness.render.video import render_video
    from likeness.sources.audio import write_wav

    with tempfile.TemporaryDirectory() as folder:
        wav = None
        if speech is not None and Path(path).suffix.lower() == ".mp4":
            wav = Path(folder) / "speech.wav"
            write_wav(wav, *speech)
        shown = None
        if avatar is not None:
            from likeness.avatar.gltf import read_glb

            shown = read_glb(avatar)
        render_video(animation, path, guard=guard, ingredients=ingredients, audio_path=wav,
                     avatar=shown)


@contextlib.contextmanager
def guarded_sinks(
    args: argparse.Namespace, guard: OutputGuard, *, ingredients: Sequence[Ingredient] = ()
) -> Iterator[FanOut]:
    """The ``--send`` destinations, opened through ``guard`` (audited when closed); their
    figures are printed at the end."""
    from likeness.commands.options import sink_options
    from likeness.sinks.url import open_sinks

    sinks = open_sinks(sink_options(args), guard=guard, ingredients=ingredients)
    try:
        yield sinks
    finally:
        sinks.close()
        for name, s in sinks.stats().items():
            print(f"{name}: sent {s.n_sent}, dropped {s.n_dropped}, errors {s.n_errors}",
                  file=sys.stderr)


def play(
    animation,  # Animation
    sinks,  # FanOut
    *,
    clock: Callable[[], float] = time.perf_counter,
    sleep: Callable[[float], object] = time.sleep,
) -> None:
    """Send a finished take to ``sinks`` at its own pace, as if it were live, then close them
    (Ctrl-C stops it early).

    Each frame goes out ``t_s - t_s[0]`` seconds after the first by ``clock`` (seconds); a frame
    that is already late goes out at once, and none is skipped.
    """
    run(IterSource(animation), [], [sinks], options=RunOptions(realtime=True), clock=clock,
        sleep=sleep)
