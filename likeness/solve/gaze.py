"""Per-eye gaze from the iris against the eye corners, in the head frame."""

from __future__ import annotations

import numpy as np

from likeness.rig import landmarks as lm

IRIS_TRAVEL_M = (8.1e-3, 6.0e-3)
"""How far MediaPipe's iris centre moves against the eye's corners per unit sine of the eye's
turn, across and up or down. A real iris sits 10-11 mm in front of the eye's centre of
rotation (the avatar's 10.5 mm) and moves that far, but MediaPipe's iris landmarks follow only
part of it. Taking 11.5 mm, the avatar's gaze was read at 0.68-0.75 of its turns across and
0.43-0.51 up and down, and on four real videos likeness's eyeLook weights moved 0.68-0.84 as
far across and a median 0.56 as far up and down as MediaPipe's own model's. Across, the
avatar's 8.1 mm (``python -m likeness_lab.mesh_turn``) reads them as far (0.81-1.21). Up and
down MediaPipe's iris follows the avatar's the less the further it looks (4.1-4.7 mm over
glances of 20 degrees, 5.4 over 14), and MediaPipe's model reads the real videos' glances as if
it moved 6.4: 6.0 reads the avatar's glances of 14 degrees at 0.82-1.00 and the real ones at a
median 1.08 of MediaPipe's model's. What a glance does to the lids is allowed for at
:data:`likeness.solve.solver.LIDS_FOLLOW_GLANCE`."""

# Rows: left eye, right eye. Columns: iris centre, outer corner, inner corner.
_EYE_POINTS = np.array([
    [lm.LEFT_IRIS_CENTER, lm.LEFT_EYE_OUTER_CORNER, lm.LEFT_EYE_INNER_CORNER],
    [lm.RIGHT_IRIS_CENTER, lm.RIGHT_EYE_OUTER_CORNER, lm.RIGHT_EYE_INNER_CORNER],
])
# Iris centre minus the corners' midpoint, per eye, as one (2, 6) product with the six points.
_IRIS_MINUS_MIDPOINT = np.kron(np.eye(2), [1.0, -0.5, -0.5])
_PITCH_DOWN = np.array([1.0, -1.0])
_TRAVEL = np.array(IRIS_TRAVEL_M)


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
    shift = (iris_offsets_m(head_points_m) - neutral_offsets_m) / _TRAVEL
    return (np.arcsin(np.clip(shift, -1.0, 1.0)) * _PITCH_DOWN).astype(np.float32)
