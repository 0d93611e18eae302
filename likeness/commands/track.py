"""``likeness track``: a video or a camera to ARKit-52 animation (Live Link Face CSV or JSON)."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import logging
import sys
import time
from pathlib import Path

from likeness.commands.behaviour import BEHAVE_OPTIONS, add_behave_arguments
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
                        "the reported head distance")
    parser.add_argument("--max-seconds", type=float, default=None, metavar="S",
                        help="stop a camera after S seconds (a file: after S seconds of video)")
    add_behave_arguments(parser)
    add_output_arguments(parser, avatar=True)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from likeness.behave.layers import behave_from_args, behave_layers
    from likeness.commands.outputs import command_guard
    from likeness.errors import InputError
    from likeness.solve import PinholeCamera, SolverOptions, load_calibration

    output = Path(args.output)
    guard = command_guard(args, [output], media=bool(args.avatar), likeness_asset=_likeness(args))
    for path in (output, args.preview):
        if path and not Path(path).resolve().parent.is_dir():
            raise InputError(f"{path}: folder {Path(path).parent} does not exist")
    if args.max_faces < 1:
        raise InputError(f"--max-faces must be at least 1, got {args.max_faces}")
    live = str(args.input).startswith("camera:")
    if behave_layers(args) and live and args.send:
        raise InputError(f"{BEHAVE_OPTIONS} work on the whole take once the camera stops; the "
                         "live --send stream goes out as tracked: leave them out, or track a "
                         "recorded video")
    camera = PinholeCamera() if args.hfov is None else PinholeCamera(args.hfov)
    options = SolverOptions(camera=camera)
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
    takes = [dataclasses.replace(t, animation=behave_from_args(t.animation, args)) for t in takes]
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
    takes = track_takes(args.input, max_faces=args.max_faces, filtered=not args.no_filter,
                        calibration=calibration, progress=True, max_frames=max_frames,
                        solver_options=options)
    if args.preview and takes:
        write_preview(args.input, [t.animation for t in takes], args.preview, progress=True)
    return takes


def _track_camera(args: argparse.Namespace, options, calibration, sinks):
    """Track live until Ctrl-C or --max-seconds, reporting fps and per-stage latency."""
    from likeness.frame import Animation, FaceFrame
    from likeness.sources.video import open_video
    from likeness.track import LiveTracker, TrackedTake
    from likeness.track.preview import PreviewWriter

    rows: list[tuple[float, list]] = []
    with open_video(args.input) as source, LiveTracker(
        args.max_faces, filtered=not args.no_filter, calibration=calibration,
        solver_options=options,
    ) as tracker, contextlib.ExitStack() as stack:
        preview = (stack.enter_context(PreviewWriter(args.preview, source.fps))
                   if args.preview else None)
        latency_ms: list[float] = []
        start = last_status = time.perf_counter()
        n_at_status = 0
        try:
            for t_s, rgb in source:
                frames = tracker(rgb, t_s)
                rows.append((t_s, frames))
                if frames and frames[0].found:
                    sinks.send(frames[0])
                latency_ms.append(1e3 * sum(tracker.stage_s.values()))
                if preview:
                    preview.send(rgb, frames)
                now = time.perf_counter()
                if now - last_status >= STATUS_EVERY_S:
                    fps_now = (len(rows) - n_at_status) / (now - last_status)
                    print(f"\r{_status(fps_now, latency_ms[n_at_status:], tracker)}, faces "
                          f"{sum(f.found for f in frames)}   ", end="", file=sys.stderr)
                    n_at_status, last_status = len(rows), now
                if args.max_seconds is not None and t_s >= args.max_seconds:
                    break
        except KeyboardInterrupt:
            log.info("stopped after %d frames", len(rows))
        elapsed_s = max(time.perf_counter() - start, 1e-9)
        print(f"\r{len(rows)} frames: {_status(len(rows) / elapsed_s, latency_ms, tracker)}",
              file=sys.stderr)
        fps = source.fps
    takes = []
    for face_id, solver in sorted(tracker.solvers.items()):
        # Rows from before this face first appeared have no frame for it.
        frames = [next((f for f in row if f.face_id == face_id), None)
                  or FaceFrame.neutral(t_s, found=False, confidence=0.0, face_id=face_id)
                  for t_s, row in rows]
        animation = Animation.from_frames(frames, fps, metadata={
            "source": args.input, "face_id": face_id, "camera_hfov_deg": options.camera.hfov_deg})
        takes.append(TrackedTake(animation, solver.calibration_so_far(args.input)))
    return takes


def _status(fps: float, latency_ms: list[float], tracker) -> str:
    """One line of live figures: frames per second, median latency, the latest stage times."""
    import numpy as np

    stages = " ".join(f"{k} {1e3 * v:.1f}" for k, v in tracker.stage_s.items())
    median_ms = float(np.median(latency_ms)) if latency_ms else 0.0
    return f"{fps:5.1f} fps, latency {median_ms:.1f} ms ({stages} ms)"


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
