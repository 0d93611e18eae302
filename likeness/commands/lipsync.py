"""``likeness lipsync``: audio (a file, or the microphone live) -> face animation."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from likeness.commands.options import BEHAVE_OPTIONS, add_behave_arguments, behaviour_options
from likeness.commands.outputs import (
    add_output_arguments,
    command_guard,
    guarded_sinks,
    play,
    write_output,
)
from likeness.errors import InputError
from likeness.speech.recognizers import RECOGNIZERS

if TYPE_CHECKING:
    from likeness.trust.guard import OutputGuard

CHUNK_S = 0.02


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "lipsync",
        help="animate a face from speech audio (a file, or the microphone live)",
        description="Turns speech into ARKit-52 face animation: phonemes (aligned to --text when "
        "given, recognised otherwise) become visemes and coarticulated mouth curves; pitch and "
        "loudness move the brows, nod the head and scale the jaw. Reads WAV, FLAC, MP3, OGG at "
        "any rate. OUT is a Live Link Face .csv or the project's .json (which also keeps the "
        "phoneme and viseme tracks). With --mic (or --stream on a file) frames are made live, "
        "about 120 ms behind the audio; --send streams them to engines (a file's take is "
        "played to them in real time).",
    )
    parser.add_argument("audio", nargs="?", metavar="AUDIO", help="speech audio file")
    parser.add_argument("-o", "--output", metavar="OUT", help="animation file: .csv or .json")
    text = parser.add_mutually_exclusive_group()
    text.add_argument("--text", metavar="TEXT", help="what is said (enables forced alignment)")
    text.add_argument("--text-file", metavar="FILE", help="read the transcript from FILE")
    parser.add_argument("--fps", type=float, default=60.0, help="frame rate (default 60)")
    parser.add_argument("--recognizer", choices=RECOGNIZERS,
                        help="phone recogniser of a file without a transcript: accurate "
                        "(default), or fast (1.6x faster, fewer lip closures)")
    live = parser.add_mutually_exclusive_group()
    live.add_argument("--mic", action="store_true",
                      help="listen to the microphone (needs the sounddevice package)")
    live.add_argument("--stream", action="store_true",
                      help="run AUDIO through the live path chunk by chunk, as if it were the mic")
    parser.add_argument("--device", metavar="ID",
                        help="with --mic: microphone device (sounddevice id or name)")
    parser.add_argument("--duration", type=float, metavar="S",
                        help="with --mic or --stream: stop after S s of audio")
    add_behave_arguments(parser)
    add_output_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    guard = command_guard(args, [args.output])
    if args.mic and args.audio:
        raise InputError("give either an AUDIO file or --mic, not both")
    if not (args.mic or args.audio):
        raise InputError("give an AUDIO file, or --mic to listen to the microphone")
    live = args.mic or args.stream
    if live and (args.text or args.text_file):
        raise InputError("--text needs the whole recording; live audio is recognised")
    if args.device is not None and not args.mic:
        raise InputError("--device picks the microphone: it needs --mic")
    if args.duration is not None and not live:
        raise InputError("--duration stops the live path: it needs --mic or --stream")
    if args.duration is not None and not args.duration > 0:
        raise InputError(f"--duration {args.duration}: expected a positive number of seconds")
    if args.recognizer and (live or args.text or args.text_file):
        raise InputError(
            "--recognizer chooses how a file without a transcript is recognised; "
            + ("the live path (--mic, --stream) has its own streaming recogniser" if live
               else "with --text the transcript is aligned instead")
        )
    behaviour = behaviour_options(args)
    if behaviour.layers and live:
        raise InputError(f"{BEHAVE_OPTIONS} work on a whole take; the live path (--mic, "
                         "--stream) sends frames as the audio comes: leave them out there")
    if not (args.output or args.send):
        raise InputError("nowhere to put the animation: give -o OUT and/or --send URL")

    if live:
        animation = _live(args, guard)
    else:
        from likeness.speech.lipsync import lipsync_file

        text = _transcript(args)
        animation = lipsync_file(args.audio, text=text, fps=args.fps,
                                 recognizer=args.recognizer or "accurate")
        if behaviour.layers:
            from likeness.behave.layers import apply_behaviour

            animation = apply_behaviour(animation, behaviour, text=text)
    ingredients = [args.audio] if args.audio else []
    if args.output:
        write_output(animation, args.output, guard, ingredients=ingredients)
        print(f"lipsync: {len(animation)} frames ({animation.duration_s:.2f} s) -> {args.output}",
              file=sys.stderr)
    if args.send and not live:
        with guarded_sinks(args, guard, ingredients=ingredients) as sinks:
            play(animation, sinks)
    return 0


def _transcript(args: argparse.Namespace) -> str | None:
    if args.text_file:
        from likeness.fileio import existing_file

        return existing_file(args.text_file, "transcript file").read_text(encoding="utf-8")
    return args.text


def _live(args: argparse.Namespace, guard: OutputGuard):  # -> Animation
    from likeness.frame import Animation
    from likeness.pipeline import Expand, Recorder, run
    from likeness.sources.audio import AudioFileSource, MicSource
    from likeness.speech.stream import StreamingLipsync, StreamOptions

    source = (MicSource(chunk_s=CHUNK_S, device=_device(args.device), duration_s=args.duration)
              if args.mic else
              AudioFileSource(args.audio, chunk_s=CHUNK_S, duration_s=args.duration))
    stream = StreamingLipsync(options=StreamOptions(fps=args.fps))
    recorder = Recorder()
    ingredients = [args.audio] if args.audio else []
    with guarded_sinks(args, guard, ingredients=ingredients) as sinks, source:
        if args.mic:
            print("lipsync: listening (Ctrl-C to stop)", file=sys.stderr)
        run(source, [Expand(stream)], [sinks, recorder])
    report = stream.latency_report()
    print(f"lipsync: latency median {report['latency_median_ms']:.0f} ms, "
          f"p95 {report['latency_p95_ms']:.0f} ms (audio in -> frame out)", file=sys.stderr)
    animation = Animation.from_frames(recorder.items, args.fps)
    animation.metadata["speech"] = {"phones_from": "streaming recognition", **report}
    return animation


def _device(value: str | None) -> int | str | None:
    return int(value) if value is not None and value.isdigit() else value
