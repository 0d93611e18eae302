"""``likeness watermark``: detect the invisible output id in a video; embed one."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "watermark",
        help="detect (or embed) the invisible output id in video frames",
        description="Rendered frames carry a 32-bit output id in an invisible, tiled "
        "spread-spectrum watermark that survives H.264 re-encoding, scaling and cropping. "
        "`detect` averages up to --frames frames and reports the id and a confidence; exit "
        "status 0 when a watermark was found, 1 when not.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    detect = actions.add_parser("detect", help="report the id in FILE and a confidence")
    detect.add_argument("file", type=Path, metavar="FILE")
    detect.add_argument("--frames", type=int, default=300, help="frames to use at most (300)")
    detect.add_argument("--json", action="store_true", help="print every measurement as JSON")
    embed = actions.add_parser("embed", help="re-encode a video with ID in every frame")
    embed.add_argument("file", type=Path, metavar="INPUT")
    embed.add_argument("--id", type=lambda s: int(s, 0), required=True, help="0 .. 2**32-1")
    embed.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.mp4")
    embed.add_argument("--crf", type=int, default=18, help="H.264 quality of OUT (default 18)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from likeness.fileio import existing_file
    from likeness.trust import watermark

    source = existing_file(args.file, "video")
    if args.action == "embed":
        n_frames = watermark.embed_video(source, args.output, args.id, crf=args.crf)
        print(f"{args.output}: {n_frames} frames carry id {args.id}")
        return 0
    report = watermark.detect_frames(watermark.read_frames(source, max_frames=args.frames))
    if args.json:
        fields = {k: v for k, v in vars(report).items() if k != "code_bits"}
        json.dump(fields, sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif report.id is None:
        print(f"{source}: no watermark found (z {report.z:.1f}, {report.n_frames} frames)")
    else:
        print(
            f"{source}: id {report.id} (0x{report.id:08x}), confidence {report.confidence:.6f}, "
            f"scale {report.scale:.3f}, {report.n_frames} frames"
        )
    return 0 if report.id is not None else 1
