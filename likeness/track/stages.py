"""The tracking path as stages over pictures: landmarks, solve, filter.

One composition serves both paths. The live one (:func:`likeness.track.track_live`) puts each
picture through all three as it comes. The offline one (:func:`likeness.track.track_takes`)
runs the landmarks stage over the whole video first, learns each face's rest from its whole
take, then runs the solve and filter stages over the landmarks against that rest, so the start
of a take is read as well as the rest of it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from likeness.errors import InputError
from likeness.filters import FilterOptions, FrameFilter
from likeness.frame import FaceFrame
from likeness.solve import Calibration, FaceSolver, SolverOptions
from likeness.sources.video import Picture
from likeness.track.mesh import FaceTracker, TrackedFace


@dataclass(frozen=True)
class TrackingOptions:
    """How faces are tracked, solved and smoothed."""

    max_faces: int = 1  # most faces tracked at once; each gets its own solver and filter
    filtered: bool = True  # smooth with the One Euro frame filter (blinks keep their timing)
    solver: SolverOptions = field(default_factory=SolverOptions)
    filter: FilterOptions = field(default_factory=FilterOptions)

    def __post_init__(self) -> None:
        if self.max_faces < 1:
            raise InputError(f"max_faces must be at least 1, got {self.max_faces}")


@dataclass(frozen=True, slots=True)
class TrackedPicture:
    """One picture on its way through the tracking stages.

    Attributes
    ----------
    t_s : float
        The picture's time, seconds from the start of the source.
    rgb : ndarray uint8 (H, W, 3) or None
        The picture (None where it is no longer needed, as in the offline second pass).
    faces : tuple of TrackedFace
        The landmarks stage's: the faces in this picture, sorted by id.
    frames : tuple of FaceFrame
        The solve (and filter) stage's: one per face id seen so far, sorted by id; a face not in
        this picture has ``found=False`` and its last values.
    """

    t_s: float
    rgb: np.ndarray | None
    faces: tuple[TrackedFace, ...] = ()
    frames: tuple[FaceFrame, ...] = ()


class Landmarks:
    """Stage: a :class:`~likeness.sources.video.Picture` -> its faces' landmarks (MediaPipe's
    face mesh in video mode: call it with the pictures of one source, in order)."""

    def __init__(self, max_faces: int = 1) -> None:
        self.tracker = FaceTracker(max_faces)

    def __call__(self, picture: Picture) -> TrackedPicture:
        t_s, rgb = picture
        return TrackedPicture(t_s, rgb, tuple(self.tracker(rgb, t_s)))

    def close(self) -> None:
        """Release MediaPipe's graph."""
        self.tracker.close()


class Solve:
    """Stage: each face's landmarks -> its FaceFrame, by that face's own solver.

    Parameters
    ----------
    options : SolverOptions, optional
    calibration : Calibration or mapping of face id to Calibration, optional
        The user's rest, for every face; or each face's own. A face without one has its rest
        learned from its frames as they come (if ``options.auto_calibrate``).
    fps : float
        Frame rate, for how far back a learned rest looks.

    Attributes
    ----------
    solvers : dict of int to FaceSolver
        One per face id seen so far.
    """

    def __init__(self, options: SolverOptions | None = None, *,
                 calibration: Calibration | Mapping[int, Calibration] | None = None,
                 fps: float = 30.0) -> None:
        self.options = options or SolverOptions()
        self.calibration = calibration
        self.fps = fps
        self.solvers: dict[int, FaceSolver] = {}

    def __call__(self, picture: TrackedPicture) -> TrackedPicture:
        t_s = picture.t_s
        solved = {}
        for face in picture.faces:
            solver = self.solvers.get(face.face_id)
            if solver is None:
                solver = self.solvers[face.face_id] = FaceSolver(
                    self.options, calibration=self._calibration(face.face_id), fps=self.fps)
            solved[face.face_id] = solver(face.landmarks, t_s, face.image_size,
                                          face_id=face.face_id)
        frames = tuple(solved.get(i) or solver.missing(t_s, face_id=i)
                       for i, solver in sorted(self.solvers.items()))
        return dataclasses.replace(picture, frames=frames)

    def _calibration(self, face_id: int) -> Calibration | None:
        if isinstance(self.calibration, Mapping):
            return self.calibration.get(face_id)
        return self.calibration


class Filter:
    """Stage: each face's frames smoothed by its own :class:`~likeness.filters.FrameFilter`."""

    def __init__(self, options: FilterOptions | None = None) -> None:
        self.options = options or FilterOptions()
        self.filters: dict[int, FrameFilter] = {}

    def __call__(self, picture: TrackedPicture) -> TrackedPicture:
        frames = []
        for frame in picture.frames:
            smooth = self.filters.get(frame.face_id)
            if smooth is None:
                smooth = self.filters[frame.face_id] = FrameFilter(self.options)
            frames.append(smooth(frame))
        return dataclasses.replace(picture, frames=tuple(frames))


def solve_stages(options: TrackingOptions, *,
                 calibration: Calibration | Mapping[int, Calibration] | None = None,
                 fps: float = 30.0) -> list[Solve | Filter]:
    """The stages after the landmarks: solve, and filter unless ``options.filtered`` is off."""
    stages: list[Solve | Filter] = [Solve(options.solver, calibration=calibration, fps=fps)]
    if options.filtered:
        stages.append(Filter(options.filter))
    return stages


def tracking_stages(options: TrackingOptions, *,
                    calibration: Calibration | Mapping[int, Calibration] | None = None,
                    fps: float = 30.0) -> list[Landmarks | Solve | Filter]:
    """The whole tracking path, picture in, frames out: landmarks, solve and filter."""
    return [Landmarks(options.max_faces),
            *solve_stages(options, calibration=calibration, fps=fps)]


def frames_by_face(pictures: Sequence[TrackedPicture]) -> dict[int, list[FaceFrame]]:
    """Each face's frames, a row per picture, by face id: rows from before the face first
    appeared are ``found=False`` rest frames with confidence 0."""
    ids = sorted({frame.face_id for picture in pictures for frame in picture.frames})
    by_face: dict[int, list[FaceFrame]] = {}
    for face_id in ids:
        by_face[face_id] = [
            next((f for f in picture.frames if f.face_id == face_id), None)
            or FaceFrame.neutral(picture.t_s, found=False, confidence=0.0, face_id=face_id)
            for picture in pictures
        ]
    return by_face
