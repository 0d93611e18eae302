"""Frames in, face frames out, one frame at a time: landmarks, solve and filter per face id,
with the time each stage took."""

from __future__ import annotations

import time

import numpy as np

from likeness.filters import FilterOptions, FrameFilter
from likeness.frame import FaceFrame
from likeness.solve import Calibration, FaceSolver, SolverOptions
from likeness.track.mesh import FaceTracker

STAGES = ("landmarks", "solve", "filter")


class LiveTracker:
    """The real-time tracking path for one source (a camera, or a file read in order).

    Parameters
    ----------
    max_faces : int
        Most faces tracked at once; each gets its own solver, calibration and filter.
    filtered : bool
        Smooth with :class:`likeness.filters.FrameFilter`.
    calibration : Calibration, optional
        The user's rest, used for every face; otherwise each face's rest is learned from its
        frames as they come (if ``solver_options.auto_calibrate``).
    """

    def __init__(self, max_faces: int = 1, *, filtered: bool = True,
                 calibration: Calibration | None = None,
                 solver_options: SolverOptions | None = None,
                 filter_options: FilterOptions | None = None) -> None:
        self.tracker = FaceTracker(max_faces)
        self.filtered = filtered
        self.calibration = calibration
        self.solver_options = solver_options or SolverOptions()
        self.filter_options = filter_options or FilterOptions()
        self.solvers: dict[int, FaceSolver] = {}
        self.filters: dict[int, FrameFilter] = {}
        self.stage_s = dict.fromkeys(STAGES, 0.0)
        """Seconds each stage took on the latest frame (all faces together)."""

    def reset(self) -> None:
        """Forget every face (a new source begins)."""
        self.tracker.reset()
        self.solvers.clear()
        self.filters.clear()

    def __call__(self, rgb: np.ndarray, t_s: float) -> list[FaceFrame]:
        """One frame per face id seen so far, sorted by id; faces not in this picture get
        ``found=False`` frames holding their last values."""
        start = time.perf_counter()
        faces = self.tracker(rgb, t_s)
        landmarks_done = time.perf_counter()
        solved = {}
        for face in faces:
            if face.face_id not in self.solvers:
                self.solvers[face.face_id] = FaceSolver(self.solver_options,
                                                        calibration=self.calibration)
                self.filters[face.face_id] = FrameFilter(self.filter_options)
            solved[face.face_id] = self.solvers[face.face_id](
                face.landmarks, t_s, face.image_size, face_id=face.face_id)
        frames = [solved.get(i) or solver.missing(t_s, face_id=i)
                  for i, solver in sorted(self.solvers.items())]
        solve_done = time.perf_counter()
        if self.filtered:
            frames = [self.filters[f.face_id](f) for f in frames]
        end = time.perf_counter()
        self.stage_s.update(landmarks=landmarks_done - start, solve=solve_done - landmarks_done,
                            filter=end - solve_done)
        return frames

    def close(self) -> None:
        """Release the face tracker."""
        self.tracker.close()

    def __enter__(self) -> LiveTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
