"""``likeness provenance``: sign media with a C2PA manifest, and verify one."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "provenance",
        help="C2PA manifests: sign an MP4/PNG/JPEG, verify one",
        description="Rendered files carry a C2PA manifest (created by trained algorithmic media, "
        "likeness as the software agent, hashed inputs, the consent grant). `verify` validates "
        "it with the C2PA SDK, trusting this installation's CA (and any --anchor); a file edited "
        "after signing fails. Exit status 0 when valid, 1 otherwise.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    sign = actions.add_parser("sign", help="embed a signed manifest in FILE (in place)")
    sign.add_argument("file", type=Path, metavar="FILE")
    sign.add_argument(
        "--ingredient",
        type=Path,
        action="append",
        default=[],
        metavar="INPUT",
        help="an input that drove the file (repeatable)",
    )
    sign.add_argument("--consent", type=Path, metavar="GRANT", help="the consent grant used")
    sign.add_argument("--context", help="the context of the grant")
    sign.add_argument("--likeness", type=Path, metavar="ASSET", help="the likeness asset shown")
    verify = actions.add_parser("verify", help="validate FILE's manifest")
    verify.add_argument("file", type=Path, metavar="FILE")
    verify.add_argument(
        "--anchor",
        type=Path,
        action="append",
        metavar="PEM",
        help="a CA to trust (repeatable; default: this installation's CA)",
    )
    verify.add_argument("--json", action="store_true", help="print the manifest as JSON")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from likeness.trust import provenance

    if args.action == "sign":
        from likeness.trust.gate import authorize

        auth = authorize(
            "export", likeness_asset=args.likeness, grant=args.consent, context=args.context
        )
        provenance.sign_media(args.file, ingredients=args.ingredient, authorization=auth)
        print(f"signed {args.file}")
        return 0
    report = provenance.verify_media(args.file, trust_anchors=args.anchor)
    if args.json:
        json.dump(report.manifest, sys.stdout, indent=2)
        sys.stdout.write("\n")
    print(
        f"{args.file}: {'valid' if report.valid else 'INVALID'} ({report.state})",
        file=sys.stderr if args.json else sys.stdout,
    )
    for failure in report.failures:
        print(f"  {failure}", file=sys.stderr)
    return 0 if report.valid else 1
