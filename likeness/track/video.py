"""The whole offline path: a video file (or a camera, for a while) to one Animation per face."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from likeness.errors import InputError
from likeness.filters import FilterOptions, FrameFilter
from likeness.frame import N_LANDMARKS, Animation
from likeness.solve import Calibration, FaceSolver, SolverOptions
from likeness.solve.solver import rest_of_take
from likeness.sources.video import open_video
from likeness.track.mesh import FaceTracker

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrackedTake:
    """One face's animation and the neutral it was solved against (None: the generic one)."""

    animation: Animation
    calibration: Calibration | None


def output_paths(output: str | os.PathLike[str], n_faces: int) -> list[Path]:
    """Where each face's take goes: OUT, then OUT.face1.ext, OUT.face2.ext..."""
    out = Path(output)
    return [out] + [out.with_name(f"{out.stem}.face{k}{out.suffix}") for k in range(1, n_faces)]


def track_video(spec: str | os.PathLike[str], *, max_faces: int = 1, filtered: bool = True,
                calibration: Calibration | None = None, progress: bool = False,
                max_frames: int | None = None, solver_options: SolverOptions | None = None,
                filter_options: FilterOptions | None = None) -> list[Animation]:
    """Track every face in a video into animations.

    Frames are tracked in order (MediaPipe's video mode). Each face is then solved against the
    rest the whole take gives (likeness.solve.rest; or ``calibration``), so the start of the
    take is read as well as the rest of it, and finally filtered.

    Parameters
    ----------
    spec : str or path
        A video file PyAV can read, or ``camera:N`` (then give ``max_frames``).
    max_faces : int
        Most faces tracked at once.
    filtered : bool
        Smooth with the One Euro frame filter (blinks keep their timing).
    calibration : Calibration, optional
        The user's neutral from an earlier session, used for every face.
    progress : bool
        Show a progress bar on standard error.
    max_frames : int, optional
        Stop after this many frames.

    Returns
    -------
    list of Animation
        One per face id in order of first appearance (``metadata["face_id"]``), each with a row
        per source frame and the tracker's landmarks; in frames where that face was not seen,
        ``found`` is False and the last seen values are held. Empty if no frame had a face.

    Raises
    ------
    InputError
        Missing file, not a video, or a video without frames.
    SourceError
        Decoding or the camera failed part way.
    """
    takes = track_takes(spec, max_faces=max_faces, filtered=filtered, calibration=calibration,
                        progress=progress, max_frames=max_frames,
                        solver_options=solver_options, filter_options=filter_options)
    return [take.animation for take in takes]


def track_takes(spec: str | os.PathLike[str], *, max_faces: int = 1, filtered: bool = True,
                calibration: Calibration | None = None, progress: bool = False,
                max_frames: int | None = None, solver_options: SolverOptions | None = None,
                filter_options: FilterOptions | None = None) -> list[TrackedTake]:
    """:func:`track_video`, also returning the calibration each face was solved against."""
    from tqdm import tqdm

    options = solver_options or SolverOptions()
    times: list[float] = []
    per_face: dict[int, dict[int, np.ndarray]] = {}
    image_size = (0, 0)
    with open_video(spec) as source, FaceTracker(max_faces) as tracker:
        total = source.n_frames
        if max_frames is not None:
            total = max_frames if total is None else min(total, max_frames)
        bar = tqdm(total=total, unit="frame", desc="track", disable=not progress, leave=False)
        with bar:
            for t_s, rgb in source:
                row = len(times)
                times.append(t_s)
                image_size = (rgb.shape[1], rgb.shape[0])
                for face in tracker(rgb, t_s):
                    per_face.setdefault(face.face_id, {})[row] = face.landmarks
                bar.update()
                if max_frames is not None and len(times) >= max_frames:
                    break
        fps = source.fps
    if not times:
        raise InputError(f"{spec}: the video has no frames")
    if not per_face:
        log.warning("%s: no face in any of %d frames", spec, len(times))
    return [
        _solve_face(face_id, rows, np.array(times), image_size, fps, filtered, calibration,
                    options, filter_options, str(spec))
        for face_id, rows in sorted(per_face.items())
    ]


def _solve_face(face_id: int, rows: dict[int, np.ndarray], times: np.ndarray,
                image_size: tuple[int, int], fps: float, filtered: bool,
                calibration: Calibration | None, options: SolverOptions,
                filter_options: FilterOptions | None, source: str) -> TrackedTake:
    """Calibrate, solve and filter one face's landmarks into an Animation."""
    if calibration is None and options.auto_calibrate:
        calibration = rest_of_take(rows.values(), image_size, options=options, fps=fps,
                                   source=source)
    solver = FaceSolver(options, calibration=calibration, fps=fps)
    smooth = FrameFilter(filter_options) if filtered else None
    frames = []
    held = np.empty((len(times), N_LANDMARKS, 3), np.float32)
    last = next(iter(rows.values()))
    for row, t_s in enumerate(times):
        if row in rows:
            last = rows[row]
            frame = solver(last, float(t_s), image_size, face_id=face_id)
        else:
            frame = solver.missing(float(t_s), face_id=face_id)
        held[row] = last
        frames.append(smooth(frame) if smooth else frame)
    animation = Animation.from_frames(frames, fps, metadata={
        "source": source,
        "face_id": face_id,
        "image_size": list(image_size),
        "filtered": filtered,
        "camera_hfov_deg": options.camera.hfov_deg,
        "calibration": None if calibration is None else {
            "n_frames": calibration.n_frames, "source": calibration.source},
    })
    animation.landmarks = held
    return TrackedTake(animation, calibration)
