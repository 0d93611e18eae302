"""``likeness keys``: this installation's identity, signing CA and C2PA signer; trusted subjects
and trusted makers of twins."""

from __future__ import annotations

import argparse
from pathlib import Path

from likeness.errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "keys",
        help="create and show signing keys; trust a subject's public key",
        description="Keys live under LIKENESS_HOME (default ~/.likeness)/keys, private keys with "
        "mode 0600. `init` makes an Ed25519 identity (signs consent grants, revocations and audit "
        "records) and a local CA with a C2PA end-entity certificate (signs provenance manifests). "
        "`trust` registers the public key that speaks for a subject's likeness; `trust-maker` "
        "accepts the twins another installation made (their grants are still needed).",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    init = actions.add_parser("init", help="create the identity, CA and C2PA signer")
    init.add_argument("--name", help="name put in the local CA's certificates (default "
                      "'likeness user')")
    init.add_argument(
        "--subject", metavar="ID", help="also trust the new identity as the key of subject ID"
    )
    init.add_argument("--force", action="store_true", help="replace existing keys")
    init.add_argument(
        "--chain",
        type=Path,
        metavar="PEM",
        help="bring your own C2PA signing chain (leaf first) instead of the local CA",
    )
    init.add_argument("--key", type=Path, metavar="PEM", help="the private key of --chain's leaf")
    actions.add_parser("show", help="print the public key and where the keys are")
    trust = actions.add_parser("trust", help="register SUBJECT's public key (ed25519:...)")
    trust.add_argument("subject", metavar="SUBJECT")
    trust.add_argument("public_key", metavar="KEY")
    maker = actions.add_parser(
        "trust-maker", help="accept the twins made by the installation whose identity is KEY")
    maker.add_argument("name", metavar="NAME")
    maker.add_argument("public_key", metavar="KEY")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from likeness.trust import keys

    if args.action == "init":
        if args.name is not None and args.chain is not None:
            raise InputError("--name goes into the local CA's certificates; with --chain your "
                             "own certificates sign, and carry their own names")
        paths = keys.init_keys(name=args.name or "likeness user", subject=args.subject,
                               force=args.force, chain=args.chain, key=args.key)
        print(f"identity: {keys.public_key_text(keys.load_identity())}")
        print(f"keys in {paths.keys}")
    elif args.action == "show":
        paths = keys.key_paths()
        print(f"identity: {keys.public_key_text(keys.load_identity())}")
        print(f"C2PA chain: {paths.signer_chain}\nCA (trust anchor): {paths.ca_cert}")
        for subject, key in sorted(keys.trusted_subjects().items()):
            print(f"trusted subject {subject}: {key}")
        for name, key in sorted(keys.trusted_makers().items()):
            print(f"trusted maker {name}: {key}")
    elif args.action == "trust-maker":
        keys.trust_maker(args.name, args.public_key)
        print(f"accepting twins made by {args.name}: {args.public_key}")
    else:
        keys.trust_subject(args.subject, args.public_key)
        print(f"trusted {args.subject}: {args.public_key}")
    return 0
