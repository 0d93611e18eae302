"""``likeness respond``: the agent's face reacting to the user, then speaking its reply."""

from __future__ import annotations

import argparse
import sys

from likeness.commands.outputs import add_output_arguments, command_guard, write_output


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
        help="animation .json or Live Link Face .csv; .mp4 (with the reply's voice), .png "
        "or .gif render the avatar",
    )
    parser.add_argument("--fps", type=float, default=60.0, help="frame rate (default 60)")
    parser.add_argument("--seed", type=int, default=0, help="seed of blinks, gaze and idle motion")
    parser.add_argument("--brain-url", help="OpenAI-compatible API root, e.g. http://host:8000/v1")
    parser.add_argument("--brain-model", help="model name for --brain-url")
    add_output_arguments(parser, send=False, avatar=True)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from likeness.behave.respond import brain_from_settings, respond

    guard = command_guard(args, [args.output], media=True)
    response = respond(
        args.user,
        args.reply,
        brain=brain_from_settings(args.brain_url, args.brain_model),
        fps=args.fps,
        seed=args.seed,
    )
    print(f"reaction: {response.reaction.reason}", file=sys.stderr)
    speech = None
    if response.audio is not None and response.sr:
        # The reply is heard only after the listening turn.
        lead_s = response.animation.metadata["reply_start_s"]
        lead = np.zeros(int(round(lead_s * response.sr)), np.float32)
        speech = (np.concatenate([lead, response.audio]), int(response.sr))
    texts = [args.user.encode("utf-8"), args.reply.encode("utf-8")]
    write_output(response.animation, args.output, guard, avatar=args.avatar, ingredients=texts,
                 speech=speech)
    return 0
