"""Per-eye gaze from the iris against the eye corners, in the head frame."""

from __future__ import annotations

import numpy as np

from likeness.rig import landmarks as lm

EYEBALL_RADIUS_M = 0.0115
"""From the eye's centre of rotation to the iris plane: the iris centre moves sideways by this
times the sine of the eye's rotation."""

# Rows: left eye, right eye. Columns: iris centre, outer corner, inner corner.
_EYE_POINTS = np.array([
    [lm.LEFT_IRIS_CENTER, lm.LEFT_EYE_OUTER_CORNER, lm.LEFT_EYE_INNER_CORNER],
    [lm.RIGHT_IRIS_CENTER, lm.RIGHT_EYE_OUTER_CORNER, lm.RIGHT_EYE_INNER_CORNER],
])
# Iris centre minus the corners' midpoint, per eye, as one (2, 6) product with the six points.
_IRIS_MINUS_MIDPOINT = np.kron(np.eye(2), [1.0, -0.5, -0.5])
_PITCH_DOWN = np.array([1.0, -1.0])


def iris_offsets_m(head_points_m: np.ndarray) -> np.ndarray:
    """(2, 2) iris centre minus the midpoint of the eye's corners, (x, y) metres, per eye."""
    return _IRIS_MINUS_MIDPOINT @ head_points_m[_EYE_POINTS.ravel(), :2]


def eyes_rad(head_points_m: np.ndarray, neutral_m: np.ndarray, *,
             neutral_offsets_m: np.ndarray | None = None) -> np.ndarray:
    """Eye rotations from the iris displacement against the user's neutral.

    Parameters
    ----------
    head_points_m : ndarray (478, 3)
        This frame's landmarks in the head frame, metres.
    neutral_m : ndarray (478, 3)
        The user's neutral (eyes looking ahead).
    neutral_offsets_m : ndarray (2, 2), optional
        ``iris_offsets_m(neutral_m)``, when the caller keeps it from frame to frame.

    Returns
    -------
    ndarray float32 (2, 2): (left, right) x (yaw, pitch) radians; yaw positive toward the
    subject's left (+x), pitch positive down (-y).
    """
    if neutral_offsets_m is None:
        neutral_offsets_m = iris_offsets_m(neutral_m)
    shift = (iris_offsets_m(head_points_m) - neutral_offsets_m) / EYEBALL_RADIUS_M
    return (np.arcsin(np.clip(shift, -1.0, 1.0)) * _PITCH_DOWN).astype(np.float32)
