"""``likeness consent``: grant, delegate, verify, revoke and list consent for a likeness."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from likeness.errors import InputError


def _date(text: str) -> dt.datetime:
    from likeness.trust.consent import parse_time

    try:
        return parse_time(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(
            f"expected an ISO date or time, e.g. 2027-01-31, got {text!r}"
        ) from e


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "consent",
        help="signed consent grants for a person's likeness",
        description="A grant is a person's signed permission to animate their likeness (an "
        "avatar, calibration or voice file, bound by SHA-256) for named contexts and output kinds "
        "until a date. render, say, track --send, exports and the server check it with "
        "--consent GRANT --context C.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    grant = actions.add_parser("grant", help="sign a grant (as the subject, or a delegate)")
    grant.add_argument("--subject", required=True, metavar="ID", help="whose likeness it is")
    grant.add_argument(
        "--likeness",
        required=True,
        type=Path,
        metavar="ASSET",
        help="the avatar/calibration/voice file the grant is for",
    )
    grant.add_argument(
        "--context",
        required=True,
        action="append",
        metavar="C",
        help="a use the subject agrees to (repeatable)",
    )
    grant.add_argument(
        "--outputs",
        default="render,stream,export",
        help="comma-separated output kinds (default render,stream,export)",
    )
    grant.add_argument("--expires", required=True, type=_date, metavar="DATE")
    grant.add_argument(
        "--key",
        type=Path,
        metavar="PEM",
        help="signing key (default: this installation's identity)",
    )
    grant.add_argument(
        "--delegation",
        type=Path,
        metavar="JSON",
        help="sign as a delegate, with the subject's delegation",
    )
    grant.add_argument("-o", "--output", required=True, type=Path, metavar="GRANT")
    deleg = actions.add_parser("delegate", help="as the subject, let another key grant for you")
    deleg.add_argument("--subject", required=True, metavar="ID")
    deleg.add_argument("--to", required=True, metavar="KEY", help="the delegate's ed25519:... key")
    deleg.add_argument("--context", required=True, action="append", metavar="C")
    deleg.add_argument("--expires", required=True, type=_date, metavar="DATE")
    deleg.add_argument("-o", "--output", required=True, type=Path, metavar="JSON")
    verify = actions.add_parser(
        "verify", help="check a grant (signatures, expiry, revocation, use)"
    )
    verify.add_argument("grant", type=Path, metavar="GRANT")
    verify.add_argument("--likeness", type=Path, metavar="ASSET", help="check it is for this asset")
    verify.add_argument("--context", help="check it covers this context (default: its first)")
    verify.add_argument("--output-kind", default="render", choices=("render", "stream", "export"))
    revoke = actions.add_parser("revoke", help="sign a revocation of a grant")
    revoke.add_argument("grant", type=Path, metavar="GRANT")
    revoke.add_argument("--reason", default="")
    revoke.add_argument(
        "--key",
        type=Path,
        metavar="PEM",
        help="the subject's or signer's key (default: this installation's identity)",
    )
    actions.add_parser("list", help="grants signed on this installation, with their status")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from likeness.trust import consent, keys

    key = keys.load_private_key(args.key) if getattr(args, "key", None) else None
    if args.action == "grant":
        delegation = json.loads(args.delegation.read_text("utf-8")) if args.delegation else None
        doc = consent.make_grant(
            subject=args.subject,
            likeness_asset=args.likeness,
            contexts=args.context,
            outputs=tuple(o.strip() for o in args.outputs.split(",") if o.strip()),
            expires=args.expires,
            signing_key=key or keys.load_identity(),
            delegation=delegation,
        )
        consent.write_grant(doc, args.output)
        consent.store_grant(doc)
        print(
            f"grant {doc['grant_id']} for {doc['subject']} ({', '.join(doc['contexts'])}) "
            f"until {doc['expires']}, signed by {doc['signer_key']} -> {args.output}"
        )
        from likeness.trust.gate import subject_key_problem

        problem = subject_key_problem(doc["subject"], doc["subject_key"])
        if problem is not None:
            print(f"likeness consent grant: warning: outputs checked on this installation will "
                  f"refuse this grant as wrong-key: {problem}", file=sys.stderr)
    elif args.action == "delegate":
        doc = consent.delegate(
            args.subject, keys.load_identity(), args.to, contexts=args.context, expires=args.expires
        )
        consent.write_grant(doc, args.output)
        print(f"delegation for {args.to} -> {args.output}")
    elif args.action == "verify":
        from likeness.trust.gate import authorize

        doc = consent.read_grant(args.grant)
        auth = authorize(
            args.output_kind,
            likeness_asset=args.likeness,
            grant=args.grant,
            context=args.context or doc["contexts"][0],
        )
        print(
            f"valid: grant {auth.grant_id} for {auth.subject}, context {auth.context}, "
            f"{auth.output_kind}, until {auth.expires}"
            + ("" if args.likeness else " (likeness not checked: pass --likeness ASSET)")
        )
    elif args.action == "revoke":
        from likeness.trust.revocation import revoke

        doc = consent.read_grant(args.grant)
        entry = revoke(doc, key or keys.load_identity(), reason=args.reason)
        print(f"revoked grant {entry['grant_id']} at {entry['revoked_at']}")
    else:
        _list()
    return 0


def _list() -> None:
    from likeness.errors import ConsentError
    from likeness.trust import consent
    from likeness.trust.gate import authorize

    paths = sorted(consent.grants_dir().glob("*.json"))
    if not paths:
        print("no grants signed on this installation")
    for path in paths:
        doc = consent.read_grant(path)
        try:
            authorize(
                doc["outputs"][0], likeness_asset=None, grant=path, context=doc["contexts"][0]
            )
            status = "valid"
        except ConsentError as e:
            status = getattr(e, "reason", "invalid")
        except InputError as e:
            status = f"invalid ({e})"
        print(
            f"{doc['grant_id']}  {doc['subject']:<16} {','.join(doc['contexts']):<24} "
            f"until {doc['expires']}  {status}"
        )
