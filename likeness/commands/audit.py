"""``likeness audit``: verify, list and export the hash-chained, signed audit log."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "audit",
        help="verify, list or export the audit log of every output",
        description="Every render, stream session and export appends a signed record to an "
        "append-only, hash-chained log: SQLite under LIKENESS_HOME by default, or PostgreSQL with "
        "--audit postgresql://user@host/db (or LIKENESS_AUDIT). `verify` names the first record "
        "that was altered, deleted, inserted or reordered; exit status 0 when intact, 1 if not.",
    )
    parser.add_argument("--audit", metavar="URL", help="postgresql://... or a .sqlite path")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    verify = actions.add_parser("verify", help="check the whole chain")
    verify.add_argument(
        "--trust-key",
        action="append",
        default=[],
        metavar="KEY",
        help="another signer's ed25519:... key to accept (repeatable)",
    )
    listing = actions.add_parser("list", help="one line per record")
    listing.add_argument("--last", type=int, metavar="N", help="only the last N records")
    export = actions.add_parser("export", help="write every record as JSON lines")
    export.add_argument("-o", "--output", type=Path, required=True, metavar="FILE.jsonl")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from likeness.trust.audit import open_audit, trusted_audit_keys

    with open_audit(args.audit) as log:
        if args.action == "verify":
            result = log.verify(trusted_audit_keys(extra=tuple(args.trust_key)))
            if result.ok:
                print(
                    f"{log.location}: {result.n_records} records, chain intact, "
                    f"head {result.head_hash}"
                )
                return 0
            print(f"{log.location}: record {result.first_bad_seq} is bad: {result.problem}")
            return 1
        if args.action == "list":
            records = list(log.records())
            for body in records[-args.last :] if args.last else records:
                outputs = ", ".join(o["name"] for o in body["outputs"])
                print(
                    f"{body['seq']:>6}  {body['time']}  {body['kind']:<6} {body['subject']}  "
                    f"context={body['context']}  grant={body['grant_id']}  -> {outputs}"
                )
            return 0
        from likeness.fileio import atomic_open

        n = 0
        with atomic_open(args.output, "w", encoding="utf-8") as handle:
            for body in log.records():
                handle.write(json.dumps(body, sort_keys=True) + "\n")
                n += 1
        print(f"{n} records -> {args.output}", file=sys.stderr)
    return 0
