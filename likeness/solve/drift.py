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
untouched picture (:mod:`likeness_lab.drift`; regenerate with ``python -m likeness_lab.drift``,
which needs the renderer's EGL and takes about a minute).
"""

from __future__ import annotations

import math
from functools import lru_cache
from importlib import resources

import numpy as np

DATA = "data/tracker_drift.npz"
AXES = ("yaw", "pitch", "roll", "scale")
"""The pose changes the drift is measured along: turns (radians), in-picture roll (radians) and
the natural log of the face's size in the picture."""


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
