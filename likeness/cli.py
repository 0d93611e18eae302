"""The ``likeness`` command.

Each subcommand lives in its own module under :mod:`likeness.commands` and exposes
``register(subparsers)``, which adds its parser and sets ``run(args) -> int``. Modules import their
heavy dependencies inside ``run`` so that ``likeness --help`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from likeness.errors import ConsentError, InputError, LikenessError

COMMAND_MODULES = (
    "likeness.commands.bench",
    "likeness.commands.track",
    "likeness.commands.avatar",
    "likeness.commands.twin",
    "likeness.commands.render",
    "likeness.commands.relay",
    "likeness.commands.batch",
    "likeness.commands.lipsync",
    "likeness.commands.say",
    "likeness.commands.respond",
    "likeness.commands.complete",
    "likeness.commands.keys",
    "likeness.commands.consent",
    "likeness.commands.provenance",
    "likeness.commands.watermark",
    "likeness.commands.audit",
    "likeness.commands.serve",
)

EXIT_CODES: tuple[tuple[type[LikenessError], int], ...] = (
    (InputError, 2),
    (ConsentError, 3),
    (LikenessError, 1),
)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand registered."""
    parser = argparse.ArgumentParser(
        prog="likeness",
        description="Real-time facial animation from video, voice and text: ARKit-52 blendshapes, "
        "head pose and gaze in; avatars, engine streams and files out; consent and provenance "
        "on every output.",
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="more log output (-vv: debug)"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    level = (logging.WARNING, logging.INFO, logging.DEBUG)[min(args.verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.run(args) or 0)
    except LikenessError as error:
        print(f"likeness {args.command}: error: {error}", file=sys.stderr)
        return next(code for kind, code in EXIT_CODES if isinstance(error, kind))
    except KeyboardInterrupt:
        print(f"likeness {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
