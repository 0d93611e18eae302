"""``likeness render``: an animation file -> MP4 (with audio), PNG still or GIF preview."""

from __future__ import annotations

import argparse

from likeness.commands.outputs import add_consent_arguments


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "render",
        help="render an animation on an avatar to .mp4, .png or .gif",
        description="Renders ANIM (a Live Link Face .csv, frame rate read from its timecodes, or "
        "the project's .json) on the built-in avatar or on --avatar FILE (a `likeness twin`, a "
        "glTF with ARKit-named morph targets, or a VRM 0.x/1.0). .mp4 is H.264 with --audio "
        "muxed as AAC, in sync from the first frame; .png is one still (the middle of the take, "
        "or --at); .gif a preview. "
        "Bad input (unknown columns, NaN, weights outside -0.5..1.5, unreadable audio) stops "
        "with an error and leaves no partial file; a recording's slight overshoot of 0..1 is "
        "clamped, with a warning. Every output carries a C2PA manifest and (video) an "
        "invisible watermark, and is recorded in the audit log; a --avatar of a real person "
        "needs their consent grant (--consent GRANT --context C).",
    )
    parser.add_argument("animation", metavar="ANIM", help="animation file: .csv or .json")
    parser.add_argument("-o", "--output", required=True, metavar="OUT", help=".mp4, .png or .gif")
    parser.add_argument("--audio", metavar="FILE", help="audio to mux into the .mp4")
    parser.add_argument(
        "--avatar", metavar="FILE", help="a .glb or .vrm avatar: ARKit morph targets or VRM "
        "expressions (channels it lacks are made from the others it has, and reported)"
    )
    parser.add_argument(
        "--size", type=int, default=512, metavar="N", help="N x N pixels (default 512)"
    )
    parser.add_argument(
        "--fps",
        type=float,
        metavar="N",
        help="frame rate of ANIM and the output (default: from the file)",
    )
    parser.add_argument("--at", type=float, metavar="S", help="for .png: the time of the still")
    parser.add_argument(
        "--quality",
        choices=("full", "fast", "preview"),
        default="full",
        help="full: 4x anti-aliased, per-pixel skin (default); fast: no anti-aliasing, about "
        "twice as fast; preview: per-vertex lighting, about four times as fast",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_consent_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from likeness.commands.outputs import command_guard
    from likeness.fileio import existing_file
    from likeness.formats import read_animation
    from likeness.render.video import render_video

    animation = read_animation(args.animation, fps=args.fps)
    if args.audio:
        existing_file(args.audio, "audio file")
    guard = command_guard(args, likeness_asset=args.avatar)
    avatar = None
    if args.avatar:
        from likeness.avatar.gltf import read_glb

        avatar = read_glb(args.avatar)
    render_video(
        animation,
        args.output,
        guard=guard,
        ingredients=[p for p in (args.animation, args.audio) if p],
        audio_path=args.audio,
        avatar=avatar,
        size=args.size,
        fps=args.fps,
        progress=not args.no_progress,
        at_s=args.at,
        quality=args.quality,
    )
    return 0
