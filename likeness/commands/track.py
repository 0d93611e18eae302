"""``likeness track``: a video or a camera to ARKit-52 animation (Live Link Face CSV or JSON)."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import logging
import sys
from pathlib import Path

from likeness.commands.options import (
    BEHAVE_OPTIONS,
    add_behave_arguments,
    behaviour_options,
    tracking_options,
)
from likeness.commands.outputs import add_output_arguments, guarded_sinks, play

log = logging.getLogger(__name__)

STATUS_EVERY_S = 1.0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "track",
        help="track faces in a video or camera into ARKit-52 blendshapes, head pose and gaze",
        description="Tracks the faces in INPUT (any video PyAV reads, or camera:N for a live "
        "camera) with MediaPipe's face mesh, solves every frame into the 52 ARKit blendshapes, "
        "head pose and per-eye gaze, smooths them, and writes OUT: .csv exactly as the Live "
        "Link Face app records takes, or .json (every frame field). With several faces the "
        "first is written to OUT and the others to OUT's name plus .face1, .face2... "
        "(take.csv, take.face1.csv). A camera runs until Ctrl-C or --max-seconds. --send streams "
        "the frames live (a camera) or at the video's pace (a file) to engines. With --avatar, "
        "OUT may be .mp4, .png or .gif: the performance retargeted onto that avatar (a twin, a "
        "VRM...), whose grant it then needs. Every output is audited; a presented --consent "
        "grant is verified and must name the --calibrate file (or the --avatar shown).",
    )
    parser.add_argument("input", metavar="INPUT", help="video file, or camera:N")
    parser.add_argument("-o", "--output", required=True, metavar="OUT",
                        help="animation file: .csv (Live Link Face) or .json; with --avatar also "
                        ".mp4, .png or .gif")
    parser.add_argument("--preview", metavar="VIDEO.mp4",
                        help="also write the video with landmarks and a bar chart of the weights")
    parser.add_argument("--no-filter", action="store_true",
                        help="raw per-frame solves, without One Euro smoothing")
    parser.add_argument("--max-faces", type=int, default=1, metavar="N",
                        help="most faces to track at once (default 1)")
    parser.add_argument("--calibrate", metavar="FILE",
                        help="the user's rest face: read from FILE if it exists (then nothing is "
                        "learned), else the rest learned from the take saved to FILE")
    parser.add_argument("--hfov", type=float, default=None, metavar="DEG",
                        help="camera's horizontal field of view in degrees (default 60); scales "
                        "the reported head distance and the turn toward the lens of a face off "
                        "the picture's centre")
    parser.add_argument("--max-seconds", type=float, default=None, metavar="S",
                        help="stop a camera after S seconds (a file: after S seconds of video)")
    add_behave_arguments(parser)
    add_output_arguments(parser, avatar=True)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from likeness.behave.layers import apply_behaviour
    from likeness.commands.outputs import command_guard
    from likeness.errors import InputError
    from likeness.solve import load_calibration

    output = Path(args.output)
    guard = command_guard(args, [output], media=bool(args.avatar), likeness_asset=_likeness(args))
    for path in (output, args.preview):
        if path and not Path(path).resolve().parent.is_dir():
            raise InputError(f"{path}: folder {Path(path).parent} does not exist")
    options = tracking_options(args)
    behaviour = behaviour_options(args)
    live = str(args.input).startswith("camera:")
    if behaviour.layers and live and args.send:
        raise InputError(f"{BEHAVE_OPTIONS} work on the whole take once the camera stops; the "
                         "live --send stream goes out as tracked: leave them out, or track a "
                         "recorded video")
    calibration = None
    if args.calibrate and Path(args.calibrate).exists():
        calibration = load_calibration(args.calibrate)
        log.info("using the neutral from %s", args.calibrate)
    if live:
        with guarded_sinks(args, guard) as sinks:
            takes = _track_camera(args, options, calibration, sinks)
    else:
        takes = _track_file(args, options, calibration)
    if not takes:
        raise InputError(f"{args.input}: no face found in any frame; nothing written")
    if behaviour.layers:
        takes = [dataclasses.replace(t, animation=apply_behaviour(t.animation, behaviour))
                 for t in takes]
    _write(args, guard, takes, calibration)
    if args.send and not live:
        with guarded_sinks(args, guard, ingredients=[args.input]) as sinks:
            play(takes[0].animation, sinks)
    return 0


def _likeness(args: argparse.Namespace) -> str | None:
    """The likeness a presented grant must name: the user's calibration, when one is read.

    Tracking exports motion, not appearance, so it needs no grant of its own; a grant that is
    presented is still verified, and then binds the calibration (the user's face).
    """
    if args.consent and args.calibrate and Path(args.calibrate).exists():
        return args.calibrate
    return None


def _track_file(args: argparse.Namespace, options, calibration):
    from likeness.sources.video import open_video
    from likeness.track import track_takes
    from likeness.track.preview import write_preview

    max_frames = None
    if args.max_seconds is not None:
        with open_video(args.input) as source:
            max_frames = max(1, int(round(args.max_seconds * source.fps)))
    takes = track_takes(args.input, options, calibration=calibration, progress=True,
                        max_frames=max_frames)
    if args.preview and takes:
        write_preview(args.input, [t.animation for t in takes], args.preview, progress=True)
    return takes


def _track_camera(args: argparse.Namespace, options, calibration, sinks):
    """Track live until Ctrl-C or --max-seconds, reporting fps and per-stage latency."""
    from likeness.pipeline import RunOptions
    from likeness.sources.video import open_video
    from likeness.track import track_live
    from likeness.track.preview import PreviewWriter

    first_face = _FirstFace(sinks)
    with open_video(args.input) as source, contextlib.ExitStack() as stack:
        outputs: list = [first_face]
        if args.preview:
            outputs.append(stack.enter_context(PreviewWriter(args.preview, source.fps)))
        takes, report = track_live(
            source, options, calibration=calibration, sinks=outputs, name=args.input,
            run_options=RunOptions(max_s=args.max_seconds, status_every_s=STATUS_EVERY_S),
            progress=lambda p: print(f"\r{p.line()}, faces {first_face.n_faces}   ", end="",
                                     file=sys.stderr))
    if report.interrupted:
        log.info("stopped after %d frames", report.n_items)
    print(f"\r{report.n_items} frames: {report.line()}", file=sys.stderr)
    return takes


class _FirstFace:
    """Sends the first face of every tracked picture, when it is found, on to the --send
    destinations, and counts the faces found in the latest picture."""

    def __init__(self, sinks) -> None:  # FanOut
        self.sinks = sinks
        self.n_faces = 0

    def send(self, picture) -> None:  # TrackedPicture
        self.n_faces = sum(f.found for f in picture.frames)
        if picture.frames and picture.frames[0].found:
            self.sinks.send(picture.frames[0])

    def close(self) -> None:
        self.sinks.close()


def _write(args: argparse.Namespace, guard, takes, calibration) -> None:
    from likeness.commands.outputs import write_output
    from likeness.solve import save_calibration
    from likeness.track.video import output_paths

    inputs = [] if str(args.input).startswith("camera:") else [args.input]
    for take, path in zip(takes, output_paths(args.output, len(takes)), strict=True):
        write_output(take.animation, path, guard, avatar=args.avatar, ingredients=inputs)
        n_found = int(take.animation.found.sum())
        print(f"{path}: {len(take.animation)} frames, face in {n_found}", file=sys.stderr)
    if args.calibrate and calibration is None and takes[0].calibration is not None:
        save_calibration(takes[0].calibration, args.calibrate)
        print(f"{args.calibrate}: rest learned from {takes[0].calibration.n_frames} frames",
              file=sys.stderr)
