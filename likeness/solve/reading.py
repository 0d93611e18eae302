"""The channels the measures read directly, from how far each measure is from the person's rest.

The rig says how much each channel at full strength changes each measure (the matrix ``J``,
from the same fields the avatar's morph targets use, scaled to what MediaPipe reports of them).
The measured channels' weights are the bounded least-squares fit of the measures' changes by
``J``: a small system (a score of measures, a score of channels) in which each channel has
measures of its own, so a jaw drop that lowers the mouth corners is not read as a frown, and a
one-sided smile that shifts the mouth is not read as the mouth moving sideways.
"""

from __future__ import annotations

import numpy as np

from likeness.blendshapes import index
from likeness.solve.bounded_lsq import solve_box_qp
from likeness.solve.measures import MEASURES, N_MEASURES, measure_index

READINGS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    (("jawOpen",), ("lip_gap",)),
    (("jawLeft", "jawRight"), ("chin_shift",)),
    (("mouthLeft", "mouthRight"), ("mouth_shift",)),
    (("mouthSmileLeft",), ("corner_rise_left", "corner_out_left")),
    (("mouthSmileRight",), ("corner_rise_right", "corner_out_right")),
    (("eyeBlinkLeft",), ("opening_left",)),
    (("eyeBlinkRight",), ("opening_right",)),
    (("eyeWideLeft",), ("upper_lid_left",)),
    (("eyeWideRight",), ("upper_lid_right",)),
    (("eyeSquintLeft",), ("lower_lid_left",)),
    (("eyeSquintRight",), ("lower_lid_right",)),
    (("browDownLeft",), ("brow_inner_left", "brow_outer_left")),
    (("browDownRight",), ("brow_inner_right", "brow_outer_right")),
    (("browInnerUp",), ("brow_inner_left", "brow_inner_right")),
    (("browOuterUpLeft",), ("brow_outer_left",)),
    (("browOuterUpRight",), ("brow_outer_right",)),
)
"""The channels read from the measures, and the measures that show each best. A pair of
antagonists (the jaw or the mouth to one side or the other) is one signed variable: both on at
once would cancel, free to explain traces of anything."""

MEASURED = np.array([index(c) for channels, _ in READINGS for c in channels], np.intp)
"""The channels read from the measures; the expression fit reads the others."""
USED = np.array(sorted({measure_index(n) for _, names in READINGS for n in names}), np.intp)
"""The measures the reading uses."""
_SIGNED = np.array([len(channels) == 2 for channels, _ in READINGS])
_OF = np.array([k for k, (channels, _) in enumerate(READINGS) for _ in channels], np.intp)
"""The variable each measured channel is read from."""
_SIGN = np.array([1.0 if j == 0 else -1.0 for channels, _ in READINGS
                  for j in range(len(channels))])
_SHIFT = np.array([-_SIGN[i] if _SIGNED[k] else 0.0 for i, k in enumerate(_OF)])

EYE_MEASURES = np.array([measure_index(n) for n in (
    "opening_left", "upper_lid_left", "lower_lid_left",
    "opening_right", "upper_lid_right", "lower_lid_right")], np.intp)
OPENINGS = np.array([measure_index("opening_left"), measure_index("opening_right")], np.intp)
PROPORTION_LIMITS = (0.6, 1.6)
"""How far a person's eyes may differ in size from the rig's and still scale their channels:
beyond that a measure is more likely wrong than the face."""


OVERSHOOT = 1.5
"""How far past the rig's full strength a channel is read: a real face's broadest smile moves its
mouth corners further than the rig's smile does, and the rest learns that person's range
(likeness.solve.rest). A smile's squint raises the lower lids further than the rig's squint too:
held at 1, the rest of that rise was read as a blink with eyeWide to reopen the eye (eyeWide 1.0
in a grin, in one of four real videos). Not a blink: a closed eye is as closed as it gets."""
MAIN_EFFECT = 0.1
"""Effects of a channel smaller than this share of its largest are left out of the reading."""
RIDGE = 1e-3
"""Pull toward 0, as a share of each channel's own effect: keeps the fit well posed."""


def channel_effects(fields_m: np.ndarray, neutral_m: np.ndarray) -> np.ndarray:
    """How each channel at weight 1 changes each measure: (52, n_measures), metres."""
    rest = MEASURES(neutral_m)
    return MEASURES(np.asarray(neutral_m, np.float64) + fields_m) - rest


class MeasuredReading:
    """Reads the :data:`MEASURED` channels from measures and the person's rest measures.

    Parameters
    ----------
    effects_m : ndarray (52, n_measures)
        :func:`channel_effects` of the fields the rest of the solver fits.
    rig_rest : ndarray (n_measures,)
        The measures of the face ``effects_m`` were taken on: a person whose eyes open twice
        as wide has twice the range of blink, squint and wide eyes. (The mouth has no such
        size at rest: its width is as much the expression as the face.)
    """

    def __init__(self, effects_m: np.ndarray, rig_rest: np.ndarray) -> None:
        effects = np.asarray(effects_m, np.float64)[:, USED]
        columns = []
        for channels, _ in READINGS:
            column = effects[index(channels[0])]
            if len(channels) == 2:
                column = (column - effects[index(channels[1])]) / 2
            # Only the variable's main effects: its traces elsewhere are the rig's detail.
            columns.append(column * (np.abs(column) >= MAIN_EFFECT * np.abs(column).max()))
        self._effects = np.array(columns)
        self._rig_rest = np.asarray(rig_rest, np.float64)
        # A signed variable s in -1..1 is solved as s + 1 in 0..2.
        blinks = np.array([channels[0].startswith("eyeBlink") for channels, _ in READINGS])
        self._upper = np.where(_SIGNED, 2.0, np.where(blinks, 1.0, OVERSHOOT))
        self.reset()
        self.scale_for(self._rig_rest)

    def reset(self) -> None:
        """Forget the previous frame (the warm start)."""
        self._solved = _SIGNED.astype(np.float64)

    def scale_for(self, rest: np.ndarray) -> None:
        """Scale the channels' ranges to a person whose rest measures are ``rest``."""
        scale = np.ones(N_MEASURES)
        ratio = np.mean(rest[OPENINGS]) / np.mean(self._rig_rest[OPENINGS])
        scale[EYE_MEASURES] = np.clip(ratio, *PROPORTION_LIMITS)
        design = self._effects * scale[USED]
        gram = design @ design.T
        ridge = RIDGE * np.diag(gram)
        self._design = design
        self._gram = gram + np.diag(ridge)
        # Shifting the signed variables by 1 moves the measures by their effect, and their
        # pull toward 0 becomes a pull toward 1.
        self._offset = design[_SIGNED].sum(0)
        self._ridge_pull = ridge * _SIGNED

    def __call__(self, change_m: np.ndarray) -> np.ndarray:
        """The :data:`MEASURED` channels' weights (n_measured,) float64, 0..OVERSHOOT, from the
        measures' change from rest (n_measures,), metres."""
        self._solved = self._solve(change_m, self._solved)
        # A signed variable's two channels: its excess over 1, and its shortfall.
        return np.maximum(self._solved[_OF] * _SIGN + _SHIFT, 0.0)

    def read_once(self, change_m: np.ndarray) -> np.ndarray:
        """:meth:`__call__` of a face on its own: neither started from the previous frame's
        answer nor its start for the next."""
        solved = self._solve(change_m, _SIGNED.astype(np.float64))
        return np.maximum(solved[_OF] * _SIGN + _SHIFT, 0.0)

    def _solve(self, change_m: np.ndarray, start: np.ndarray) -> np.ndarray:
        rhs = self._design @ (change_m[USED] + self._offset) + self._ridge_pull
        return solve_box_qp(self._gram, rhs, self._upper, start)
