"""Options every likeness-output command shares: ``--consent``, ``--context``, ``--audit``.

In a command module::

    from likeness.trust.cli_args import add_consent_arguments, authorize_from_args

    def register(subparsers):
        parser = subparsers.add_parser("render", ...)
        add_consent_arguments(parser)

    def run(args):
        auth = authorize_from_args(args, "render", likeness_asset=args.avatar)
        ...
        record_output(auth, inputs=[...], outputs=[out], audit=args.audit)
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from likeness.trust.gate import Authorization


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


def authorize_from_args(
    args: argparse.Namespace, output_kind: str, *, likeness_asset: str | os.PathLike[str] | None
) -> Authorization:
    """:func:`likeness.trust.gate.authorize` with the options of :func:`add_consent_arguments`."""
    from likeness.trust.gate import authorize  # cryptography: not needed to build a parser

    return authorize(
        output_kind, likeness_asset=likeness_asset, grant=args.consent, context=args.context
    )
