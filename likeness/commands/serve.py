"""``likeness serve``: a live avatar in the browser (FastAPI + uvicorn)."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction) -> None:
    from likeness.commands.outputs import add_consent_arguments

    parser = subparsers.add_parser(
        "serve",
        help="serve the live avatar page and its WebSocket sessions",
        description="Serves a web page whose three.js avatar is driven by face frames over "
        "WebSockets: watch a channel (a file the server plays with --watch, or anything the CLI "
        "sends with --send ws://HOST:PORT/ws/publish/NAME), talk (type text, hear and see the "
        "avatar say it) or mirror (the webcam, tracked on the server). Open http://HOST:PORT/; "
        "the HTTP API is described at /openapi.json.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: %(default)s)"
    )
    parser.add_argument("--port", type=int, default=8000, help="port (default: %(default)s)")
    parser.add_argument(
        "--watch",
        action="append",
        default=[],
        metavar="NAME=FILE",
        help="play an animation file (.csv, .json) in a loop as channel NAME (repeatable)",
    )
    parser.add_argument(
        "--max-upload-mb",
        type=float,
        default=32.0,
        help="largest avatar GLB a client may upload (default: %(default)s)",
    )
    parser.add_argument(
        "--max-sessions",
        type=int,
        default=256,
        help="concurrent WebSocket sessions (default: %(default)s)",
    )
    add_consent_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from likeness.errors import InputError
    from likeness.server import ServerOptions, create_app

    watch = []
    for spec in args.watch:
        name, sep, path = spec.partition("=")
        if not sep or not name or not path:
            raise InputError(f"--watch {spec!r}: expected NAME=FILE, e.g. take=take.csv")
        watch.append((name, path))
    options = ServerOptions(
        watch=tuple(watch),
        max_upload_bytes=int(args.max_upload_mb * 1024 * 1024),
        max_sessions=args.max_sessions,
        consent_grant=None if args.consent is None else str(args.consent),
        consent_context=args.context,
        audit=args.audit,
    )
    app = create_app(options)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        ws="websockets-sansio",
        ws_max_size=options.max_image_bytes + 64,
        log_level="info" if args.verbose else "warning",
    )
    return 0
