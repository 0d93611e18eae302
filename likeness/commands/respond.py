"""``likeness respond``: the agent's face reacting to the user, then speaking its reply."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

OUTPUT_SUFFIXES = (".json", ".csv", ".mp4")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "respond",
        help="animate a face hearing the user and speaking a reply (surprise, calm, warmth...)",
        description="Builds the agent's face for one exchange: while the user speaks it reacts "
        "(surprise at unexpected news, a calm face when the user is tense, warmth at thanks), "
        "then speaks the reply with lip-sync, emotion read sentence by sentence, blinks, gaze "
        "and idle motion. The reaction comes from the built-in rules, or from an "
        "OpenAI-compatible chat endpoint when --brain-url (or LIKENESS_BRAIN_URL) is set; its "
        "key is read from LIKENESS_BRAIN_API_KEY.",
        epilog='example:\n  likeness respond --user "Guess what, I got the job!" '
        '--reply "That is wonderful news!" -o reply.json',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--user", required=True, help="what the other side said")
    parser.add_argument("--reply", required=True, help="what the agent answers")
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help="animation .json or Live Link Face .csv; .mp4 renders video",
    )
    parser.add_argument("--fps", type=float, default=60.0, help="frame rate (default 60)")
    parser.add_argument("--seed", type=int, default=0, help="seed of blinks, gaze and idle motion")
    parser.add_argument("--brain-url", help="OpenAI-compatible API root, e.g. http://host:8000/v1")
    parser.add_argument("--brain-model", help="model name for --brain-url")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from likeness.behave.respond import brain_from_settings, respond
    from likeness.errors import InputError
    from likeness.formats import write_animation

    suffix = Path(args.output).suffix.lower()
    if suffix not in OUTPUT_SUFFIXES:
        raise InputError(
            f"{args.output}: unknown output type {suffix!r}, expected {', '.join(OUTPUT_SUFFIXES)}"
        )
    if suffix == ".mp4":
        try:
            from likeness.render import video
        except ImportError as e:
            raise InputError(
                f"{args.output}: video needs likeness.render.video, which is not "
                "installed in this build; write .json or .csv instead"
            ) from e
    response = respond(
        args.user,
        args.reply,
        brain=brain_from_settings(args.brain_url, args.brain_model),
        fps=args.fps,
        seed=args.seed,
    )
    print(f"reaction: {response.reaction.reason}", file=sys.stderr)
    if suffix != ".mp4":
        write_animation(response.animation, args.output)
        return 0
    if response.audio is None or not response.sr:
        video.render_video(response.animation, args.output)
        return 0
    import tempfile

    import numpy as np

    lead_s = response.animation.metadata["reply_start_s"]
    lead = np.zeros(int(round(lead_s * response.sr)), np.float32)
    with tempfile.TemporaryDirectory() as folder:
        wav = Path(folder) / "reply.wav"
        _write_wav(wav, np.concatenate([lead, response.audio]), int(response.sr))
        video.render_video(response.animation, args.output, audio_path=wav)
    return 0


def _write_wav(path: Path, audio: np.ndarray, sr: int) -> None:
    """16-bit mono WAV."""
    import wave

    import numpy as np

    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(sr)
        out.writeframes((np.clip(audio, -1.0, 1.0) * 32767).astype("<i2").tobytes())
