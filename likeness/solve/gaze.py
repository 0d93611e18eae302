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


def iris_offsets_m(head_points_m: np.ndarray) -> np.ndarray:
    """(2, 2) iris centre minus the midpoint of the eye's corners, (x, y) metres, per eye."""
    iris = head_points_m[_EYE_POINTS[:, 0], :2]
    corners = (head_points_m[_EYE_POINTS[:, 1], :2] + head_points_m[_EYE_POINTS[:, 2], :2]) / 2
    return iris - corners


def eyes_rad(head_points_m: np.ndarray, neutral_m: np.ndarray) -> np.ndarray:
    """Eye rotations from the iris displacement against the user's neutral.

    Parameters
    ----------
    head_points_m : ndarray (478, 3)
        This frame's landmarks in the head frame, metres.
    neutral_m : ndarray (478, 3)
        The user's neutral (eyes looking ahead).

    Returns
    -------
    ndarray float32 (2, 2): (left, right) x (yaw, pitch) radians; yaw positive toward the
    subject's left (+x), pitch positive down (-y).
    """
    shift = (iris_offsets_m(head_points_m) - iris_offsets_m(neutral_m)) / EYEBALL_RADIUS_M
    angles = np.arcsin(np.clip(shift, -1.0, 1.0))
    angles[:, 1] *= -1.0
    return angles.astype(np.float32)

