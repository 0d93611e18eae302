"""``likeness say``: text -> speech (espeak-ng) -> talking face animation, with its audio."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from likeness.commands.options import add_behave_arguments, behaviour_options
from likeness.commands.outputs import (
    ANIMATION_SUFFIXES,
    add_output_arguments,
    command_guard,
    guarded_sinks,
    play,
    write_output,
)
from likeness.errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "say",
        help="speak text and animate a face saying it",
        description="Speaks TEXT with espeak-ng (bundled, no system install) and animates the "
        "face from the synthesizer's exact phoneme timings: visemes, coarticulated mouth "
        "curves, nods on stressed syllables, a questioning or exclaiming face where the text "
        "ends in ? or !. OUT is a Live Link Face .csv, the project's .json (with phoneme and "
        "viseme tracks), or the talking avatar rendered to .mp4 (speech muxed in), .png or .gif. "
        "The speech is written beside an animation file as a .wav of the same name (--audio-out "
        "to choose). --behave adds blinks, gaze, idle motion and emotion from the text.",
    )
    parser.add_argument("text", metavar="TEXT", help="what to say")
    parser.add_argument("-o", "--output", required=True, metavar="OUT",
                        help="out.csv, out.json, out.mp4, out.png or out.gif")
    parser.add_argument("--voice", default="en-us",
                        help="espeak-ng voice: en-us (default), en (British), en-us+f3 (a female "
                        "variant), de, fr, ...")
    parser.add_argument("--rate", type=int, default=175, metavar="WPM",
                        help="speaking rate in words per minute (80..450, default 175)")
    parser.add_argument("--fps", type=float, default=60.0, help="frame rate (default 60)")
    parser.add_argument("--audio-out", metavar="WAV",
                        help="where to write the speech (default: OUT with .wav, for .csv/.json)")
    add_behave_arguments(parser)
    add_output_arguments(parser, avatar=True)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    output = Path(args.output)
    guard = command_guard(args, [output], media=True)
    behaviour = behaviour_options(args)  # a contradiction among them stops before any work
    audio_out = None
    if args.audio_out or output.suffix.lower() in ANIMATION_SUFFIXES:
        audio_out = Path(args.audio_out) if args.audio_out else output.with_suffix(".wav")
        if audio_out.suffix.lower() != ".wav":
            raise InputError(f"{audio_out}: the speech is written as WAV, expected a .wav path")
        if audio_out.resolve() == output.resolve():
            raise InputError(f"{audio_out}: the audio would overwrite the output")

    from likeness.sources.audio import write_wav
    from likeness.speech.lipsync import say

    animation, speech = say(args.text, voice=args.voice, rate_wpm=args.rate, fps=args.fps)
    if behaviour.layers:
        from likeness.behave.layers import apply_behaviour

        animation = apply_behaviour(animation, behaviour, text=args.text, audio=speech.pcm,
                                    sr=speech.sample_rate_hz)
    text = args.text.encode("utf-8")
    write_output(animation, output, guard, avatar=args.avatar, ingredients=[text],
                 speech=(speech.pcm, speech.sample_rate_hz))
    if audio_out is not None:
        write_wav(audio_out, speech.pcm, speech.sample_rate_hz)
    print(f"say: {len(animation)} frames ({animation.duration_s:.2f} s) -> {output}"
          + (f", speech -> {audio_out}" if audio_out else ""), file=sys.stderr)
    if args.send:
        with guarded_sinks(args, guard, ingredients=[text]) as sinks:
            play(animation, sinks)
    return 0
