"""The whole offline path: a video file (or a camera, for a while) to one Animation per face,
through the tracking stages in two passes (see likeness.track.stages)."""

from __future__ import annotations

import dataclasses
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from likeness.errors import InputError
from likeness.frame import N_LANDMARKS, Animation, FaceFrame
from likeness.pipeline import IterSource, Recorder, RunOptions, run
from likeness.solve import Calibration
from likeness.solve.solver import rest_of_take
from likeness.sources.video import open_video
from likeness.track.stages import (
    Landmarks,
    TrackedPicture,
    TrackingOptions,
    frames_by_face,
    solve_stages,
)

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


def track_video(spec: str | os.PathLike[str], options: TrackingOptions | None = None, *,
                calibration: Calibration | None = None, progress: bool = False,
                max_frames: int | None = None) -> list[Animation]:
    """Track every face in a video into animations.

    Frames are tracked in order (MediaPipe's video mode). Each face is then solved against the
    rest the whole take gives (likeness.solve.rest; or ``calibration``), so the start of the
    take is read as well as the rest of it, and finally filtered.

    Parameters
    ----------
    spec : str or path
        A video file PyAV can read, or ``camera:N`` (then give ``max_frames``).
    options : TrackingOptions, optional
        Most faces, filtering, solver and filter options (the defaults if omitted).
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
    takes = track_takes(spec, options, calibration=calibration, progress=progress,
                        max_frames=max_frames)
    return [take.animation for take in takes]


def track_takes(spec: str | os.PathLike[str], options: TrackingOptions | None = None, *,
                calibration: Calibration | None = None, progress: bool = False,
                max_frames: int | None = None) -> list[TrackedTake]:
    """:func:`track_video`, also returning the calibration each face was solved against."""
    from tqdm import tqdm

    options = options or TrackingOptions()
    landmarks = Landmarks(options.max_faces)
    found = Recorder()
    with open_video(spec) as source:
        total = source.n_frames
        if max_frames is not None:
            total = max_frames if total is None else min(total, max_frames)
        with tqdm(total=total, unit="frame", desc="track", disable=not progress,
                  leave=False) as bar:
            try:
                run(source, [landmarks, _without_picture], [found, _Bar(bar)],
                    options=RunOptions(max_items=max_frames, interruptible=False))
            finally:
                landmarks.close()
        fps = source.fps
    pictures: list[TrackedPicture] = found.items
    if not pictures:
        raise InputError(f"{spec}: the video has no frames")
    seen = {face.face_id: face for picture in pictures for face in picture.faces}
    if not seen:
        log.warning("%s: no face in any of %d frames", spec, len(pictures))
        return []
    # Each face's rest from its whole take, unless the user's is given (or none is wanted).
    rests: dict[int, Calibration] = {}
    if calibration is None and options.solver.auto_calibrate:
        for face_id, face in sorted(seen.items()):
            rows = [f.landmarks for p in pictures for f in p.faces if f.face_id == face_id]
            rests[face_id] = rest_of_take(rows, face.image_size, options=options.solver, fps=fps,
                                          source=str(spec))
    solved = Recorder()
    run(IterSource(pictures), solve_stages(options, calibration=calibration or rests, fps=fps),
        [solved], options=RunOptions(interruptible=False))
    return [_take(face_id, frames, pictures, fps, options, calibration or rests.get(face_id),
                  str(spec))
            for face_id, frames in frames_by_face(solved.items).items()]


def _without_picture(picture: TrackedPicture) -> TrackedPicture:
    """The landmarks without the picture they were found in: the whole take is kept."""
    return dataclasses.replace(picture, rgb=None)


class _Bar:
    """A sink moving a progress bar on by one for every picture."""

    def __init__(self, bar: Any) -> None:
        self.bar = bar

    def send(self, picture: TrackedPicture) -> None:
        self.bar.update()

    def close(self) -> None:
        """The bar is closed by its owner."""


def _take(face_id: int, frames: list[FaceFrame], pictures: list[TrackedPicture], fps: float,
          options: TrackingOptions, calibration: Calibration | None,
          source: str) -> TrackedTake:
    """One face's frames as an Animation, with the landmarks it was last seen with in every row
    (its first ones before it appeared)."""
    rows = [next((f.landmarks for f in p.faces if f.face_id == face_id), None) for p in pictures]
    image_size = next(f.image_size for p in pictures for f in p.faces if f.face_id == face_id)
    held = np.empty((len(rows), N_LANDMARKS, 3), np.float32)
    last = next(r for r in rows if r is not None)
    for row, landmarks in enumerate(rows):
        last = landmarks if landmarks is not None else last
        held[row] = last
    animation = Animation.from_frames(frames, fps, metadata={
        "source": source,
        "face_id": face_id,
        "image_size": list(image_size),
        "filtered": options.filtered,
        "camera_hfov_deg": options.solver.camera.hfov_deg,
        "calibration": None if calibration is None else {
            "n_frames": calibration.n_frames, "source": calibration.source},
    })
    animation.landmarks = held
    return TrackedTake(animation, calibration)
