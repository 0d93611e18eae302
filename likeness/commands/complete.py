"""``likeness complete``: infer the upper face a VR headset hides, or train a person's model."""

from __future__ import annotations

import argparse
import sys

from likeness.commands.outputs import add_consent_arguments


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "complete",
        help="infer brows, lids and cheeks hidden by a VR headset; or train a person's model",
        description="With IN: fill what the headset hides (brows, eye squint and widening, cheek "
        "squint, nose) in a take (.csv Live Link Face or .json) from its visible mouth, jaw and "
        "gaze, using --model or the built-in prior, add blinks if the take has none, and write "
        "OUT. "
        "With --train: learn a person's own mapping from full-face takes (tracked or recorded "
        "with Live Link Face) and write a model .npz; the model kind (conditional Gaussian, "
        "ridge, small MLP) is chosen by its error on the last take, held out.",
        epilog="examples:\n  likeness complete headset.csv -o full.csv --hidden upper\n"
        "  likeness complete --train take1.csv take2.csv take3.csv -o me.npz\n"
        "  likeness complete headset.csv -o full.json --model me.npz",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("input", nargs="?", metavar="IN", help="take to complete (.csv or .json)")
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help="completed take (.csv or .json), or the model .npz with --train",
    )
    parser.add_argument(
        "--hidden",
        default="upper",
        choices=("upper",),
        help="which channels the headset hides (default: upper)",
    )
    parser.add_argument(
        "--model", metavar="FILE", help="a model from --train (default: built-in prior)"
    )
    parser.add_argument("--train", nargs="+", metavar="TAKES", help="full-face takes to learn from")
    parser.add_argument(
        "--no-blinks",
        action="store_true",
        help="do not add blinks to a take that has none (headsets without eye tracking)",
    )
    parser.add_argument("--seed", type=int, metavar="N",
                        help="seed of added blinks and of training (default 0)")
    add_consent_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from likeness.behave.complete import (
        CompletionModel,
        complete,
        hidden_channels,
        load_prior,
        train,
    )
    from likeness.commands.outputs import command_guard, write_output
    from likeness.errors import InputError
    from likeness.formats import read_animation

    if args.train:
        extra = [flag for flag, value in (("IN", args.input), ("--model", args.model),
                                          ("--no-blinks", args.no_blinks),
                                          ("--consent", args.consent),
                                          ("--context", args.context), ("--audit", args.audit))
                 if value]
        if extra:
            raise InputError(f"--train takes TAKES, -o model.npz, --hidden and --seed, not "
                             f"{', '.join(extra)} (those are for completing a take)")
        if not args.output.endswith(".npz"):
            raise InputError(f"{args.output}: a model is written as .npz")
        takes = [read_animation(path) for path in args.train]
        model = train(takes, hidden=args.hidden, seed=args.seed or 0)
        model.save(args.output)
        rmse = model.report["validation_rmse"]
        print(
            f"chose {model.kind}: held-out mean RMSE "
            + ", ".join(f"{k} {sum(v) / len(v):.4f}" for k, v in rmse.items()),
            file=sys.stderr,
        )
        return 0
    if not args.input:
        raise InputError("give a take to complete (IN) or --train TAKES")
    if args.no_blinks and args.seed is not None:
        raise InputError("--seed seeds the blinks added to a take; with --no-blinks none are")
    model = CompletionModel.load(args.model) if args.model else load_prior()
    if model.hidden != hidden_channels(args.hidden):
        raise InputError(
            f"{args.model}: the model fills other channels than --hidden {args.hidden}"
        )
    guard = command_guard(args, [args.output])
    take = read_animation(args.input)
    completed = complete(take, model, add_blinks=not args.no_blinks, seed=args.seed or 0)
    write_output(completed, args.output, guard,
                 ingredients=[args.input] + ([args.model] if args.model else []))
    return 0
