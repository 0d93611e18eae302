"""Expression measures: a few distances on the face that mean the same on every face.

A lip gap, an eye's opening, a brow's height above the eye, the mouth's width: each is a
weighted sum of head-frame landmark coordinates (pose removed, scaled to the rig's face), so all
of them together are one small matrix product per frame. Faces differ in these distances at
rest by millimetres, but an expression changes them by the same amount on every face, so read
against the person's own rest (:mod:`likeness.solve.rest`) they give the channels MediaPipe's
landmarks show best without depending on a generic neutral that looks like nobody.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from likeness.frame import N_LANDMARKS
from likeness.rig import landmarks as lm

X, Y = 0, 1

_Term = tuple[tuple[int, ...], int, float]
"""(landmarks, axis, coefficient): coefficient times the mean of those landmarks' coordinate."""


def _between(a: tuple[int, ...], b: tuple[int, ...], axis: int = Y) -> tuple[_Term, ...]:
    """The mean coordinate of ``a`` minus that of ``b``."""
    return ((a, axis, 1.0), (b, axis, -1.0))


def _eye(upper: tuple[int, ...], lower: tuple[int, ...], outer: int,
         inner: int) -> dict[str, tuple[_Term, ...]]:
    """An eye's opening and each lid's height above the line of its corners."""
    corners = ((outer, inner), Y, -1.0)
    middle_upper, middle_lower = upper[3:6], lower[3:6]
    return {
        "opening": _between(middle_upper, middle_lower),
        "upper_lid": ((middle_upper, Y, 1.0), corners),
        "lower_lid": ((middle_lower, Y, 1.0), corners),
    }


def _brow(inner: tuple[int, ...], outer: tuple[int, ...]) -> dict[str, tuple[_Term, ...]]:
    """A brow's inner and outer heights in the head frame (whose origin, between the eyes, no
    expression moves; the eyes' corners follow the gaze a little)."""
    return {"brow_inner": ((inner, Y, 1.0),), "brow_outer": ((outer, Y, 1.0),)}


def _sided(side: str, parts: dict[str, tuple[_Term, ...]]) -> dict[str, tuple[_Term, ...]]:
    return {f"{name}_{side}": terms for name, terms in parts.items()}


_UPPER_LIP_INNER = lm.LIPS_INNER_UPPER[4:7]
_LOWER_LIP_INNER = lm.LIPS_INNER_LOWER[4:7]
_SUBNASALE = (2,)

DEFINITIONS: dict[str, tuple[_Term, ...]] = {
    # The mouth. Corner heights are taken from the base of the nose, which no expression moves.
    "lip_gap": _between(_UPPER_LIP_INNER, _LOWER_LIP_INNER),
    "mouth_width": _between((lm.MOUTH_LEFT_CORNER,), (lm.MOUTH_RIGHT_CORNER,), X),
    "mouth_shift": (((lm.MOUTH_LEFT_CORNER, lm.MOUTH_RIGHT_CORNER), X, 1.0),),
    "chin_shift": (((lm.CHIN,), X, 1.0),),
    "corner_rise_left": _between((lm.MOUTH_LEFT_CORNER,), _SUBNASALE),
    "corner_rise_right": _between((lm.MOUTH_RIGHT_CORNER,), _SUBNASALE),
    "corner_out_left": (((lm.MOUTH_LEFT_CORNER,), X, 1.0),),
    "corner_out_right": (((lm.MOUTH_RIGHT_CORNER,), X, -1.0),),
    **_sided("left", _eye(lm.LEFT_EYE_UPPER_LID, lm.LEFT_EYE_LOWER_LID,
                          lm.LEFT_EYE_OUTER_CORNER, lm.LEFT_EYE_INNER_CORNER)),
    **_sided("right", _eye(lm.RIGHT_EYE_UPPER_LID, lm.RIGHT_EYE_LOWER_LID,
                           lm.RIGHT_EYE_OUTER_CORNER, lm.RIGHT_EYE_INNER_CORNER)),
    **_sided("left", _brow(lm.LEFT_BROW_UPPER[3:] + lm.LEFT_BROW_LOWER[3:],
                           lm.LEFT_BROW_UPPER[:2] + lm.LEFT_BROW_LOWER[:2])),
    **_sided("right", _brow(lm.RIGHT_BROW_UPPER[3:] + lm.RIGHT_BROW_LOWER[3:],
                            lm.RIGHT_BROW_UPPER[:2] + lm.RIGHT_BROW_LOWER[:2])),
}
"""Each measure, metres in the head frame, as terms over landmark coordinates."""

NAMES = tuple(DEFINITIONS)
N_MEASURES = len(NAMES)


def measure_index(name: str) -> int:
    """Position of measure ``name`` in :data:`NAMES`."""
    return NAMES.index(name)


def _matrix() -> np.ndarray:
    matrix = np.zeros((N_MEASURES, N_LANDMARKS, 3))
    for row, terms in enumerate(DEFINITIONS.values()):
        for points, axis, coefficient in terms:
            matrix[row, list(points), axis] += coefficient / len(points)
    return matrix.reshape(N_MEASURES, -1)


@dataclass(frozen=True)
class Measures:
    """The measures as one (n_measures, 478 * 3) matrix over flattened landmarks, restricted to
    the coordinates they use (a dozen dozen of the 1434)."""

    columns: np.ndarray
    matrix: np.ndarray

    @classmethod
    def build(cls) -> Measures:
        full = _matrix()
        columns = np.flatnonzero(np.abs(full).max(0) > 0)
        return cls(columns, np.ascontiguousarray(full[:, columns]))

    def __call__(self, points_m: np.ndarray) -> np.ndarray:
        """Measures of head-frame landmarks (..., 478, 3), metres -> (..., n_measures)."""
        flat = np.asarray(points_m, np.float64).reshape(*np.shape(points_m)[:-2], -1)
        return flat[..., self.columns] @ self.matrix.T


MEASURES = Measures.build()
"""The measures, ready to apply."""
