"""The live path: a camera (or a file read as one) tracked picture by picture, each tracked
picture handed to the sinks as it is made, the take kept for when the source stops."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from likeness.frame import Animation
from likeness.pipeline import Progress, Recorder, RunOptions, RunReport, Sink, Source, run
from likeness.solve import Calibration
from likeness.sources.video import DEFAULT_CAMERA_FPS, Picture
from likeness.track.stages import (
    Landmarks,
    Solve,
    TrackingOptions,
    frames_by_face,
    tracking_stages,
)
from likeness.track.video import TrackedTake


def track_live(source: Source[Picture], options: TrackingOptions | None = None, *,
               calibration: Calibration | None = None, sinks: Sequence[Sink[Any]] = (),
               run_options: RunOptions | None = None,
               progress: Callable[[Progress], object] | None = None,
               name: str = "") -> tuple[list[TrackedTake], RunReport]:
    """Track ``source`` until it ends, a stop condition of ``run_options`` or Ctrl-C.

    Parameters
    ----------
    source : Source of Picture
        An open camera or video file; its ``fps`` attribute, if any, is the take's frame rate
        (else 30).
    options : TrackingOptions, optional
    calibration : Calibration, optional
        The user's rest, for every face; otherwise each face's is learned as its frames come.
    sinks : sequence of Sink
        Each gets every :class:`~likeness.track.stages.TrackedPicture` as it is made; all are
        closed at the end.
    run_options, progress
        Pacing, stop conditions and the status line (see :func:`likeness.pipeline.run`).
    name : str
        The source's name, for the takes' metadata and calibration.

    Returns
    -------
    (takes, report)
        One take per face id, a row per picture (``found=False`` before the face appeared and
        where it was not seen), and the run's figures with each stage's latency.
    """
    options = options or TrackingOptions()
    stages = tracking_stages(options, calibration=calibration)
    recorder = Recorder()
    try:
        report = run(source, stages, [*sinks, recorder], options=run_options or RunOptions(),
                     progress=progress)
    finally:
        next(s for s in stages if isinstance(s, Landmarks)).close()
    solve = next(s for s in stages if isinstance(s, Solve))
    fps = getattr(source, "fps", DEFAULT_CAMERA_FPS)
    takes = [
        TrackedTake(Animation.from_frames(frames, fps, metadata={
            "source": name, "face_id": face_id,
            "camera_hfov_deg": options.solver.camera.hfov_deg}),
            solve.solvers[face_id].calibration_so_far(name))
        for face_id, frames in frames_by_face(recorder.items).items()
    ]
    return takes, report
