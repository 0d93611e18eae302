"""Measuring how far MediaPipe's landmarks drift when only the head's pose changes, which
:mod:`likeness.solve.drift` reads (its docstring says how and why).

Run ``python -m likeness_lab.drift`` (needs the renderer's EGL; about a minute) to rewrite
``likeness/solve/data/tracker_drift.npz``.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np

from likeness.errors import TrackingError
from likeness.solve import drift

log = logging.getLogger(__name__)

YAWS_DEG = (-30.0, -24.0, -18.0, -12.0, -6.0, 6.0, 12.0, 18.0, 24.0, 30.0)
PITCHES_DEG = (-20.0, -15.0, -10.0, -5.0, 5.0, 10.0, 15.0, 20.0)
ROLLS_DEG = (-24.0, -18.0, -12.0, -6.0, 6.0, 12.0, 18.0, 24.0)
SCALES = (0.6, 0.7, 0.8, 0.9, 1.12, 1.25, 1.4)
CANVAS = (640, 480)
"""The picture the render is placed in (width, height), as a webcam frame."""


def measure_drift(size_px: int = 512) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Render, track and difference the neutral avatar along each pose axis (see
    :mod:`likeness.solve.drift`).

    Returns what :func:`likeness.solve.drift.drift_samples_m` reads: offsets (n, 478, 3),
    axis (n,), change (n,).
    """
    import cv2
    from tqdm import tqdm

    from likeness.frame import FaceFrame, quaternions_from_euler
    from likeness.render import Renderer
    from likeness.rig import landmark_mirror, neutral_m
    from likeness.solve.camera import PinholeCamera
    from likeness.solve.pose import HeadPose, PoseAnchors
    from likeness.track.mesh import FaceTracker

    template = PoseAnchors.of_neutral(neutral_m())
    mirror = landmark_mirror()
    face_centre = (size_px / 2, size_px * 0.49)  # where the renderer frames the face
    jobs: list[tuple[int, float, tuple[float, float], float, float]] = (
        [(0, math.radians(a), (a, 0.0), 0.0, 1.0) for a in YAWS_DEG]
        + [(1, math.radians(a), (0.0, a), 0.0, 1.0) for a in PITCHES_DEG]
        + [(2, math.radians(a), (0.0, 0.0), a, 1.0) for a in ROLLS_DEG]
        + [(3, math.log(s), (0.0, 0.0), 0.0, s) for s in SCALES])
    with Renderer(size=size_px) as renderer, FaceTracker() as tracker:
        renders: dict[tuple[float, float], np.ndarray] = {}

        def head_points(turn: tuple[float, float], roll_deg: float, scale: float,
                        flipped: bool) -> np.ndarray:
            if turn not in renders:
                rotation = quaternions_from_euler(np.radians([[turn[0], turn[1], 0.0]]))[0]
                renders[turn] = renderer.render(FaceFrame(
                    t_s=0.0, weights=np.zeros(52, np.float32), head_rotation=rotation))
            rgb = renders[turn]
            matrix = np.array(cv2.getRotationMatrix2D(face_centre, roll_deg, scale), np.float64)
            matrix[:, 2] += np.array(CANVAS) / 2 - face_centre
            background = tuple(int(v) for v in rgb[0, 0])
            picture = cv2.warpAffine(rgb, matrix, CANVAS, flags=cv2.INTER_LINEAR,
                                     borderMode=cv2.BORDER_CONSTANT, borderValue=background)
            if flipped:
                picture = np.ascontiguousarray(picture[:, ::-1])
            tracker.reset()  # every picture detected afresh: no state carried between them
            faces = tracker(picture)
            if not faces:
                raise TrackingError("the tracker lost the avatar while measuring its drift")
            pose = HeadPose.from_landmarks(faces[0].landmarks, template, CANVAS, PinholeCamera())
            points = pose.landmarks_to_head(faces[0].landmarks, CANVAS)
            # A mirror image's drift, relabelled as the unmirrored face's: a symmetric sample.
            return points[mirror] * np.array([-1.0, 1.0, 1.0]) if flipped else points

        offsets, axes, changes = [], [], []
        for flipped in (False, True):
            rest = head_points((0.0, 0.0), 0.0, 1.0, flipped)
            for axis, change, turn, roll_deg, scale in tqdm(jobs, desc="drift", unit="picture"):
                offsets.append(head_points(turn, roll_deg, scale, flipped) - rest)
                axes.append(int(axis))
                changes.append(float(change))
    return (np.array(offsets, np.float32), np.array(axes, np.int8),
            np.array(changes, np.float32))


def main() -> None:
    """Measure the drift and write it into the package."""
    logging.basicConfig(level=logging.INFO)
    offsets, axis, change = measure_drift()
    out = Path(drift.__file__).resolve().parent / drift.DATA
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, drift_m=offsets, axis=axis, change=change)
    log.info("wrote %s (%d pictures)", out, len(offsets))


if __name__ == "__main__":
    main()
