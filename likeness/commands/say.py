"""``likeness say``: text -> speech (espeak-ng) -> talking face animation, with its audio."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from likeness.errors import InputError

ANIMATION_SUFFIXES = (".csv", ".json")
VIDEO_SUFFIXES = (".mp4",)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "say",
        help="speak text and animate a face saying it",
        description="Speaks TEXT with espeak-ng (bundled, no system install) and animates the "
        "face from the synthesizer's exact phoneme timings: visemes, coarticulated mouth "
        "curves, nods on stressed syllables, a questioning or exclaiming face where the text "
        "ends in ? or !. OUT is a Live Link Face .csv, the project's .json (with phoneme and "
        "viseme tracks) or, once the renderer is installed, an .mp4 of the talking avatar. The "
        "speech is written beside an animation file as a .wav of the same name (--audio-out to "
        "choose).",
    )
    parser.add_argument("text", metavar="TEXT", help="what to say")
    parser.add_argument("-o", "--output", required=True, metavar="OUT",
                        help="out.csv, out.json or out.mp4")
    parser.add_argument("--voice", default="en-us",
                        help="espeak-ng voice: en-us (default), en (British), en-us+f3 (a female "
                        "variant), de, fr, ...")
    parser.add_argument("--rate", type=int, default=175, metavar="WPM",
                        help="speaking rate in words per minute (80..450, default 175)")
    parser.add_argument("--fps", type=float, default=60.0, help="frame rate (default 60)")
    parser.add_argument("--audio-out", metavar="WAV",
                        help="where to write the speech (default: OUT with .wav)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    output = Path(args.output)
    suffix = output.suffix.lower()
    if suffix not in ANIMATION_SUFFIXES + VIDEO_SUFFIXES:
        raise InputError(f"{output}: expected .csv, .json or .mp4 output, got {suffix!r}")
    render_video = _renderer(output) if suffix in VIDEO_SUFFIXES else None
    audio_out = Path(args.audio_out) if args.audio_out else output.with_suffix(".wav")
    if audio_out.suffix.lower() != ".wav":
        raise InputError(f"{audio_out}: the speech is written as WAV, expected a .wav path")
    if audio_out.resolve() == output.resolve():
        raise InputError(f"{audio_out}: the audio would overwrite the output")

    from likeness.sources.audio import write_wav
    from likeness.speech.lipsync import say

    animation, speech = say(args.text, voice=args.voice, rate_wpm=args.rate, fps=args.fps)
    if render_video is not None:
        import tempfile

        with tempfile.TemporaryDirectory() as folder:
            wav = Path(folder) / "speech.wav"
            write_wav(wav, speech.pcm, speech.sample_rate_hz)
            render_video(animation, output, audio_path=wav, fps=args.fps)
        if args.audio_out:
            write_wav(audio_out, speech.pcm, speech.sample_rate_hz)
        print(f"say: {animation.duration_s:.2f} s of talking avatar -> {output}", file=sys.stderr)
    else:
        from likeness.formats import write_animation

        write_wav(audio_out, speech.pcm, speech.sample_rate_hz)
        write_animation(animation, output)
        print(f"say: {len(animation)} frames ({animation.duration_s:.2f} s) -> {output}, "
              f"speech -> {audio_out}", file=sys.stderr)
    return 0


def _renderer(output: Path):  # -> render_video
    """The video renderer, or a clear error while it is not part of the installation."""
    try:
        from likeness.render.video import render_video
    except ImportError as e:
        raise InputError(f"{output}: .mp4 output needs the renderer (likeness.render.video), "
                         f"which is not available ({e}); write .csv or .json") from e
    return render_video
