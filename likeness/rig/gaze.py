"""The link between eye rotation (``FaceFrame.eyes_rad``) and the eyeLook* blendshapes.

ARKit reports gaze twice: as eye rotations and as eyeLook{Up,Down,In,Out}{Left,Right} weights.
likeness keeps them consistent with one linear map: a weight of 1 is the eye turned to the
angle below, the far end of comfortable human eye rotation. Inputs that carry only weights
(a Live Link Face CSV) get rotations from them, and trackers that measure rotations get weights.
"""

from __future__ import annotations

import numpy as np

from likeness.blendshapes import index

HORIZONTAL_RANGE_RAD = np.deg2rad(30.0)
UP_RANGE_RAD = np.deg2rad(25.0)
DOWN_RANGE_RAD = np.deg2rad(30.0)

# Per eye (left, right): the blendshape that a positive yaw (toward the subject's own left)
# drives, the one a negative yaw drives, then down (positive pitch) and up.
_LOOK = np.array(
    [
        [
            index("eyeLookOutLeft"),
            index("eyeLookInLeft"),
            index("eyeLookDownLeft"),
            index("eyeLookUpLeft"),
        ],
        [
            index("eyeLookInRight"),
            index("eyeLookOutRight"),
            index("eyeLookDownRight"),
            index("eyeLookUpRight"),
        ],
    ]
)
LOOK_INDICES = tuple(int(i) for i in _LOOK.ravel())
"""The eight eyeLook* blendshape indices."""
# What drives each column of _LOOK: positive yaw, negative yaw, down (positive pitch), up, as
# the eye angle (0 yaw, 1 pitch) over the signed angle that gives weight 1.
_ANGLE_OF_COLUMN = [0, 0, 1, 1]
_RANGES_RAD = np.array([HORIZONTAL_RANGE_RAD, -HORIZONTAL_RANGE_RAD, DOWN_RANGE_RAD, -UP_RANGE_RAD])
_RANGES_RAD_F32 = _RANGES_RAD.astype(np.float32)


def look_weights_from_gaze(eyes_rad: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Write the eyeLook* weights implied by eye rotations into a copy of ``weights``.

    Parameters
    ----------
    eyes_rad : ndarray, shape (..., 2, 2)
        (left, right) x (yaw, pitch), radians.
    weights : ndarray, shape (..., 52)

    Returns
    -------
    ndarray, shape (..., 52), float32
    """
    out = np.array(weights, dtype=np.float32, copy=True)
    eyes_rad = np.asarray(eyes_rad)
    # Divided in the eyes' own precision, as an array divided by a scalar is.
    ranges_rad = _RANGES_RAD_F32 if eyes_rad.dtype == np.float32 else _RANGES_RAD
    drive = eyes_rad[..., _ANGLE_OF_COLUMN] / ranges_rad
    out[..., _LOOK] = np.minimum(np.maximum(drive, 0.0), 1.0)
    return out


def gaze_from_look_weights(weights: np.ndarray) -> np.ndarray:
    """Eye rotations (..., 2, 2), radians, implied by the eyeLook* weights of ``weights``."""
    w = np.asarray(weights, np.float32)
    yaw = (w[..., _LOOK[:, 0]] - w[..., _LOOK[:, 1]]) * HORIZONTAL_RANGE_RAD
    pitch = w[..., _LOOK[:, 2]] * DOWN_RANGE_RAD - w[..., _LOOK[:, 3]] * UP_RANGE_RAD
    return np.stack([yaw, pitch], axis=-1).astype(np.float32)
