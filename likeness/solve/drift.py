"""How far MediaPipe's landmarks drift when only the head's pose changes, and how much of that
drift each blendshape's field could mistake for expression.

With the face unchanged, the landmarks in the head frame (after the rigid fit) still move by
1-3 mm as the head turns, rolls or changes size in the picture: MediaPipe's landmark model
does not see a face the same way at every pose. Which way they move depends on the face (the
avatar's drift does not predict a photo's), but how far, and into which broad patterns of
motion, does not: the astronaut photo's drift lies mostly in the span of the avatar's (10
directions hold about 70% of it, against 1% by chance), and the drift along each channel's
field on the two faces correlates at 0.76. So the solver does not subtract a predicted offset;
it raises each channel's turn-on threshold by the drift its field could pick up at the current
pose change (see ``ExpressionFit``). At the pose the take started in nothing changes.

The measurement: the avatar's neutral face rendered frontal, then turned in yaw and in pitch,
rolled in the picture and scaled in it (one axis at a time), each picture and its mirror image
tracked with a fresh tracker and brought into the head frame; the drift is the change from the
untouched picture. Regenerate with ``python -m likeness.solve.drift`` (needs the renderer's
EGL; about a minute).
"""

from __future__ import annotations

import logging
import math
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from likeness.errors import TrackingError

log = logging.getLogger(__name__)

DATA = "data/tracker_drift.npz"
AXES = ("yaw", "pitch", "roll", "scale")
"""The pose changes the drift is measured along: turns (radians), in-picture roll (radians) and
the natural log of the face's size in the picture."""
YAWS_DEG = (-30.0, -24.0, -18.0, -12.0, -6.0, 6.0, 12.0, 18.0, 24.0, 30.0)
PITCHES_DEG = (-20.0, -15.0, -10.0, -5.0, 5.0, 10.0, 15.0, 20.0)
ROLLS_DEG = (-24.0, -18.0, -12.0, -6.0, 6.0, 12.0, 18.0, 24.0)
SCALES = (0.6, 0.7, 0.8, 0.9, 1.12, 1.25, 1.4)
CANVAS = (640, 480)
"""The picture the render is placed in (width, height), as a webcam frame."""


def pose_change(rotation: np.ndarray, scale: float, reference: np.ndarray,
                reference_scale: float) -> np.ndarray:
    """(4,) the change from a reference pose along :data:`AXES`: yaw, pitch and roll (radians) of
    the relative rotation, and log of the scale ratio.

    Parameters
    ----------
    rotation, reference : ndarray (3, 3)
        ``HeadPose.rotation_fit`` now and at the reference.
    scale, reference_scale : float
        ``HeadPose.scale_px_per_m`` now and at the reference.
    """
    r = (reference.T @ rotation).tolist()
    yaw = math.asin(max(-1.0, min(1.0, r[0][2])))
    pitch = math.asin(max(-1.0, min(1.0, -r[1][2])))
    roll = math.atan2(r[1][0], r[0][0])
    return np.array([yaw, pitch, roll, math.log(scale / reference_scale)])


@lru_cache(maxsize=1)
def drift_samples_m() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The measured drift: (offsets (n, 478, 3) metres in the head frame, axis (n,) index into
    :data:`AXES`, change (n,) along that axis), read-only."""
    with resources.files("likeness.solve").joinpath(DATA).open("rb") as handle:
        data = np.load(handle)
        offsets, axis, change = (data[k] for k in ("drift_m", "axis", "change"))
    offsets = offsets.astype(np.float32)
    for array in (offsets, axis, change):
        array.setflags(write=False)
    return offsets, axis, change


def drift_along_m2(unit_fields: np.ndarray, weights_xyz: np.ndarray) -> np.ndarray:
    """(channels, 4) squared drift along each unit field per squared unit of pose change.

    Parameters
    ----------
    unit_fields : ndarray (channels, rows)
        Each channel's field over the first rows/3 landmarks, flattened, weighted as the fit
        weighs x, y and z, and of unit norm.
    weights_xyz : ndarray (3,)
        That weighting of x, y and z.

    The drift along a field grows with the pose change; per axis it is fitted as
    ``drift^2 = a * change^2`` over the measured samples (least squares, so the large, clean
    changes dominate the small ones, where tracker jitter would).
    """
    offsets, axis, change = drift_samples_m()
    n_points = unit_fields.shape[1] // 3
    along = (offsets[:, :n_points] * weights_xyz).reshape(len(offsets), -1) @ unit_fields.T
    out = np.zeros((len(unit_fields), len(AXES)))
    for k in range(len(AXES)):
        chosen = axis == k
        out[:, k] = (along[chosen] ** 2).sum(0) / (change[chosen] ** 2).sum()
    return out


def measure_drift(size_px: int = 512) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Render, track and difference the neutral avatar along each pose axis (module docstring).

    Returns what :func:`drift_samples_m` reads: offsets (n, 478, 3), axis (n,), change (n,).
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
    out = Path(__file__).resolve().parent / DATA
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out, drift_m=offsets, axis=axis, change=change)
    log.info("wrote %s (%d pictures)", out, len(offsets))


if __name__ == "__main__":
    main()
