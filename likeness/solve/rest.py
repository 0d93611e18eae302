"""The person's rest: where their face returns to, learned while they move, from the first frame.

Before anything is known of a face, the rest of its mouth and jaw is a generic relaxed face's:
the rig's template with the smile and the open jaw of the photo it was built from taken out
(:data:`RELAXED`), so a real face at rest reads near zero from the first frame and a take that
starts mid-grin reads the grin. Eyelids and brows differ between faces by as much as
expressions move them, so their rest starts from the first frame's (:data:`FROM_FIRST_FRAME`).
Each frame then teaches the rest a little:

- the measures' rest is their typical value over the last :data:`WINDOW_S` seconds (the median,
  or another quantile where a measure rests at one end: :data:`REST_QUANTILES`), the lids' over
  the frames their eye is open in (:data:`OPEN_BELOW`);
- the landmark neutral the expression fit measures against is the median of the frames, with
  what the mouth's measures read in it against the rest as it is now taken out; its irises,
  which the gaze is measured from, the median of the frames their eye is open in;
- each channel the expression fit reads has a floor, the level its reading stays above a
  quarter of the time (:data:`FLOOR_QUANTILE`): what a face's shape or the tracker's habits
  make the fit read all along is not expression, and only what rises above it counts;
- each measured channel has a range, the level its reading reaches at its broadest
  (:data:`RANGE_QUANTILE`) where that is beyond the rig's full strength: a face whose smile
  goes further than the rig's is read to its full smile, not stopped at 1 half way there;
- each channel the expression fit reads has habits, how much of it the fit reads with each
  measured channel (:func:`habits_of`): on a real face MediaPipe moves the lips along with a
  smile or a squint further than the rig says, and the fit reads that as a shrug or a frown
  each time the person smiles; what rises with the measured channels all along is that face's
  cross-talk, not expression, and is taken out before the floor.

Three things keep one bad second from spoiling a take: the rest is a quantile over many
seconds, it takes over from the generic rest only over the first seconds (:data:`PRIOR_S`), and
at first strays no further from the generic rest than faces differ at rest
(:data:`REST_SPREAD_M`), further only as a face holds its shape for seconds (:data:`TRUST_S`). A
file is solved against the rest its whole take gives
(:func:`likeness.solve.solver.rest_of_take`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import nnls

from likeness.blendshapes import N_BLENDSHAPES, index
from likeness.rig import landmarks as lm
from likeness.rig import neutral_m as template_neutral_m
from likeness.rig.gaze import LOOK_INDICES
from likeness.rig.shapes import blendshape_deltas_m
from likeness.solve.measures import MEASURES, N_MEASURES, measure_index
from likeness.solve.reading import MEASURED

RELAXED = {"mouthSmileLeft": -1.5, "mouthSmileRight": -1.5, "jawOpen": -0.7,
           "mouthClose": -0.68, "mouthStretchLeft": -0.3, "mouthStretchRight": -0.11,
           "mouthUpperUpRight": 0.36, "mouthLowerDownLeft": 0.26,
           "mouthLowerDownRight": 0.26}
"""The rig's fields, at these weights, added to its template give a relaxed face. The template
comes from a photo of a broad, open smile: its mouth is 17 mm wider and its chin 14 mm lower
than real faces' at rest. Fitted (least squares, weights within +-1.5) to the median mouth and
jaw distances of four people at rest in real talking-head videos; the median mouth of the 96
LFW faces scikit-image ships is 2 mm wider (tests/track/test_real_faces.py)."""

WINDOW_S = 30.0
"""How far back the rest looks: long enough to include calm moments of a lively talker."""
PRIOR_S = 2.0
"""Seconds over which what is seen of the face takes over from the generic rest. Over one
second, a camera that first saw a smile took part of it for the rest and read what was left as
dimples and jawForward: on four real videos read live, a lip channel read above 0.5 where
MediaPipe's read under 0.2 in 7-58% of the first three seconds' frames (7-38% over two)."""
REST_SPREAD_M = {"lip_gap": 1.5e-3, "corner_rise_left": 2.5e-3, "corner_rise_right": 2.5e-3}
"""How far a person's rest measure may be from the generic one at first: how far real faces at
rest differ (mouth widths within about 3 mm of their mean, chins 4 mm, mouth corners 2 mm;
:data:`OTHER_SPREAD_M` for the rest). Lips rest closed, or nearly: a wider gap is an open
mouth."""
OTHER_SPREAD_M = 4e-3
TRUST_S = 2.0
"""Another spread is allowed for every this many seconds the face has been seen, so an unusual
face (the rig's template, a broad smile) is learned in seconds while a grin held through the
first second is still read as a grin."""
REST_QUANTILES = {"lip_gap": 10.0, "opening_left": 75.0,
                  "opening_right": 75.0, "upper_lid_left": 75.0, "upper_lid_right": 75.0}
"""Measures whose rest is not their median: the lips rest at their lowest gap; the upper
lids rest high, and blinks, squints and frowns lower them far more often than surprise raises
them."""
OPEN_BELOW = 0.5
"""An eye whose blink reads below this is open. Its lids' rest is taken over such frames only:
a person who looks down at notes for seconds lowers the lids nearly shut, and with those frames
in, the rest sank by up to 3 mm and every open eye after read eyeWide 1 (live, in one of the
four real videos). Until the eye has been seen open for :data:`MIN_OPEN_S` seconds all frames
count: a rest far too open at first reads every frame as a blink, and is learned from them."""
MIN_OPEN_S = 1.0
IRISES = ((lm.LEFT_IRIS_CENTER, *lm.LEFT_IRIS_RING), (lm.RIGHT_IRIS_CENTER, *lm.RIGHT_IRIS_RING))
"""Each eye's iris points, left and right, as in :data:`_LIDS`. Their rest is where they are
while the eye is open: with the frames of someone looking down at notes in, the gaze read 6-7
degrees up whenever she looked into the camera (1-2 degrees now; one of four real videos)."""
FROM_FIRST_FRAME = ("opening_left", "opening_right", "upper_lid_left", "upper_lid_right",
                    "lower_lid_left", "lower_lid_right", "brow_inner_left", "brow_inner_right",
                    "brow_outer_left", "brow_outer_right")
"""Measures whose generic rest is the first frame's own (see the module docstring)."""
FLOOR_QUANTILE = 75.0
"""A fitted channel's floor is this percentile of its readings: no expression but a resting
face's is held three quarters of the time."""
RANGE_QUANTILE = 99.0
"""A measured channel's range is this percentile of its readings, when above 1."""
MAX_FLOOR = 0.8
"""A channel read above this most of the time still shows its peaks."""
ROUNDING = (index("mouthPucker"), index("mouthFunnel"))
"""Lip rounding goes with the jaw in speech (an "oo" parts the lips): it has no habits."""
HABITS_S = 10.0
"""Habits are taken in full once the face has been seen this long, in proportion before: a few
seconds in which an expression happened to go with a smile are not a habit."""
HABIT_RIDGE = 0.1
"""Pull of each habit toward 0, as a share of the measured channels' mean variance: a channel
that hardly moves over the window (a jaw kept straight) cannot become a large habit by chance."""
_HABITUAL = np.array([c for c in range(N_BLENDSHAPES)
                      if c not in {*MEASURED.tolist(), *LOOK_INDICES, *ROUNDING}], np.intp)
KEEP_EVERY = 5
"""Frames between those kept for the landmark neutral (neighbouring frames add little)."""
UPDATE_EVERY = 30
"""Frames between updates of the rest's measures, floors, ranges and habits (about a second; an
update takes 2-3 ms, so it falls on under 5% of the frames)."""
NEUTRAL_EVERY = 90
"""Frames between updates of its landmarks (a median over the window takes a few
milliseconds)."""


def relaxed_neutral_m() -> np.ndarray:
    """The generic relaxed face (478, 3), head frame, metres (see :data:`RELAXED`)."""
    deltas = blendshape_deltas_m()
    relaxed = np.asarray(template_neutral_m(), np.float64).copy()
    for channel, weight in RELAXED.items():
        relaxed += weight * deltas[index(channel)]
    return relaxed


def _spread() -> np.ndarray:
    spread = np.full(N_MEASURES, OTHER_SPREAD_M)
    for name, metres in REST_SPREAD_M.items():
        spread[measure_index(name)] = metres
    return spread


@dataclass(frozen=True)
class Rest:
    """A face at rest.

    Attributes
    ----------
    measures_m : ndarray (n_measures,)
        Its measures (likeness.solve.measures), metres.
    neutral_m : ndarray (478, 3)
        Its landmarks, head frame, metres.
    floors : ndarray (52,)
        The floors of the channels the expression fit reads, 0..1.
    ranges : ndarray (52,)
        What reads as 1 of each channel, >= 1.
    habits : ndarray (52, n_measured)
        How much each channel the expression fit reads rises with each measured channel
        (:data:`likeness.solve.reading.MEASURED`) on this face: see :func:`habits_of`.
    """

    measures_m: np.ndarray
    neutral_m: np.ndarray
    floors: np.ndarray = field(default_factory=lambda: np.zeros(N_BLENDSHAPES))
    ranges: np.ndarray = field(default_factory=lambda: np.ones(N_BLENDSHAPES))
    habits: np.ndarray = field(default_factory=lambda: np.zeros((N_BLENDSHAPES, len(MEASURED))))


_QUANTILE_GROUPS = [(q, np.array([measure_index(n) for n, nq in REST_QUANTILES.items()
                                    if nq == q], np.intp))
                    for q in sorted(set(REST_QUANTILES.values()))]


_LID_MEASURES = {side: [f"{lid}_{side}" for lid in ("opening", "upper_lid", "lower_lid")]
                 for side in ("left", "right")}
_LIDS = tuple((index(f"eyeBlink{side.title()}"),
               np.array([measure_index(n) for n in names], np.intp),
               np.array([REST_QUANTILES.get(n, 50.0) for n in names]))
              for side, names in _LID_MEASURES.items())
"""Each eye's blink channel, the measures of its lids and their rest quantiles."""
_BLINKS = np.array([blink for blink, _, _ in _LIDS], np.intp)


def typical_measures(measures_m: np.ndarray, readings: np.ndarray, min_open: int) -> np.ndarray:
    """The rest of each measure over frames (n, n_measures), by :data:`REST_QUANTILES`, the
    lids' over the frames whose readings (n, 52) have that eye open (:data:`OPEN_BELOW`), if
    there are ``min_open`` of them."""
    typical = np.median(measures_m, axis=0)
    for quantile, columns in _QUANTILE_GROUPS:
        typical[columns] = np.percentile(measures_m[:, columns], quantile, axis=0)
    for blink, columns, quantiles in _LIDS:
        open_eye = readings[:, blink] < OPEN_BELOW
        if np.count_nonzero(open_eye) >= min_open:
            lids = measures_m[open_eye][:, columns]
            typical[columns] = [np.percentile(lids[:, k], q) for k, q in enumerate(quantiles)]
    return typical


def habits_of(readings: np.ndarray) -> np.ndarray:
    """(52, n_measured): how much each channel the expression fit reads rises with each
    measured channel over frames of readings (n, 52), by non-negative least squares of the one
    on the others (both centred; the rows of the measured channels, the gaze and
    :data:`ROUNDING` stay 0)."""
    habits = np.zeros((N_BLENDSHAPES, len(MEASURED)))
    if len(readings) < 2:
        return habits
    causes = readings[:, MEASURED] - readings[:, MEASURED].mean(axis=0)
    effects = readings[:, _HABITUAL] - readings[:, _HABITUAL].mean(axis=0)
    gram = causes.T @ causes
    gram[np.diag_indices_from(gram)] += HABIT_RIDGE * np.trace(gram) / len(gram) + 1e-12
    # The least squares over the frames, reduced to the small system of the causes' Gram
    # matrix: |Xb - y|^2 = |L'b - L^-1 X'y|^2 + const, for G = X'X = LL'.
    lower = np.linalg.cholesky(gram)
    targets = np.linalg.solve(lower, causes.T @ effects)
    for row, channel in enumerate(_HABITUAL):
        habits[channel] = nnls(lower.T, targets[:, row])[0]
    return habits


def channel_levels(readings: np.ndarray, seen_s: float, confidence: float = 1.0
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each channel's floor (52,), range (52,) and habits (52, n_measured) from its readings
    over frames (n, 52) (the weights read before floors and ranges) of a face seen for
    ``seen_s`` seconds: the habits scaled by how long that is (:data:`HABITS_S`), the floors,
    taken after the habits, by how far the rest has taken over from the generic one (0..1)."""
    habits = min(1.0, seen_s / HABITS_S) * habits_of(readings)
    # The measured channels have no habits: their columns are the readings themselves.
    unhabitual = readings - readings[:, MEASURED] @ habits.T
    floors, ranges = np.percentile(unhabitual, (FLOOR_QUANTILE, RANGE_QUANTILE), axis=0)
    return np.minimum(confidence * floors, MAX_FLOOR), np.maximum(ranges, 1.0), habits


Relax = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""``relax(points_m, rest_measures_m) -> points_m``: see :class:`RestTracker`."""

_FIRST = np.array([measure_index(n) for n in FROM_FIRST_FRAME], np.intp)


class RestTracker:
    """Learns a face's rest from its frames (see the module docstring).

    The frames are kept in ring buffers the size of the window, so that learning costs no
    allocation per frame and the occasional update only sorts what it must.

    Parameters
    ----------
    fps : float
        Frame rate, for how many frames make ``window_s``.
    window_s : float
        How many seconds back the rest looks.
    relax : callable, optional
        ``relax(points_m, rest_measures_m)``: head-frame landmarks (478, 3) with what their
        measures read against ``rest_measures_m`` taken out. The landmark neutral is the
        median of the kept frames, relaxed against the rest measures as they are when it is
        learned: relaxing each frame as it was seen would keep in the neutral what the rest,
        still moving then, has since taken in. Without it the median is the neutral.
    """

    def __init__(self, fps: float = 30.0, window_s: float = WINDOW_S,
                 relax: Relax | None = None) -> None:
        relaxed = relaxed_neutral_m()
        self.relaxed = Rest(MEASURES(relaxed), relaxed)
        self._spread = _spread()
        self._fps = fps
        self._relax = relax
        n_window = max(1, int(round(window_s * fps)))
        n_kept = n_window // KEEP_EVERY + 1
        self._measures = np.zeros((n_window, N_MEASURES))
        self._fitted = np.zeros((n_window, N_BLENDSHAPES))
        self._points = np.zeros((n_kept, *self.relaxed.neutral_m.shape), np.float32)
        self._rotations = np.zeros((n_kept, 3, 3))
        self._log_scales = np.zeros(n_kept)
        self._eyes_open = np.zeros((n_kept, len(_BLINKS)), bool)
        self.reset()

    def reset(self) -> None:
        """Forget the frames seen."""
        self.rest = self.generic = self.relaxed
        self.n_seen = 0

    def start(self, measures_m: np.ndarray, points_m: np.ndarray) -> None:
        """Take a first frame's measures (n_measures,) and head-frame landmarks (478, 3) as
        the first guess of the rest, where the generic face is no better a guess."""
        generic = self.relaxed.measures_m.copy()
        generic[_FIRST] = measures_m[_FIRST]
        neutral = np.asarray(points_m, np.float64)
        if self._relax is not None:
            neutral = self._relax(neutral, generic)
        self.rest = self.generic = Rest(generic, neutral)

    def update(self, measures_m: np.ndarray, points_m: np.ndarray, fitted: np.ndarray,
               pose: tuple[np.ndarray, float]) -> bool:
        """Learn from one frame: its measures (n_measures,), its head-frame landmarks (478, 3),
        the weights read before floors and ranges (52,), and its head pose
        (``HeadPose.rotation_fit``, ``scale_px_per_m``). True when the rest changed."""
        row = self.n_seen % len(self._measures)
        self._measures[row] = measures_m
        self._fitted[row] = fitted
        if self.n_seen % KEEP_EVERY == 0:
            kept = (self.n_seen // KEEP_EVERY) % len(self._points)
            self._points[kept] = points_m
            self._rotations[kept] = pose[0]
            self._log_scales[kept] = np.log(pose[1])
            self._eyes_open[kept] = fitted[_BLINKS] < OPEN_BELOW
        self.n_seen += 1
        if (self.n_seen - 1) % UPDATE_EVERY:
            return False
        self.rest = self.learned(neutral=(self.n_seen - 1) % NEUTRAL_EVERY == 0)
        return True

    def learned(self, *, neutral: bool = True) -> Rest:
        """The rest the frames seen so far give (``neutral=False``: its landmarks as they
        were)."""
        n = min(self.n_seen, len(self._measures))
        measures, fitted = self._measures[:n], self._fitted[:n]
        seen_s = n / self._fps
        allowed = self._spread * (1.0 + seen_s / TRUST_S)
        typical = typical_measures(measures, fitted, round(MIN_OPEN_S * self._fps))
        step = np.clip(typical - self.generic.measures_m, -allowed, allowed)
        confidence = min(1.0, seen_s / PRIOR_S)
        rest_measures = self.generic.measures_m + confidence * step
        points = self.rest.neutral_m
        if neutral:
            points = self._neutral_points()
            if self._relax is not None:
                points = self._relax(points, rest_measures)
        return Rest(rest_measures, points, *channel_levels(fitted, seen_s, confidence))

    def _neutral_points(self) -> np.ndarray:
        """The median of the kept frames' landmarks (478, 3), each iris's over the frames its
        eye is open in (:data:`IRISES`) once there are a second's worth of them."""
        n = self._n_kept()
        kept = self._points[:n]
        points = np.median(kept, axis=0).astype(np.float64)
        min_open = MIN_OPEN_S * self._fps / KEEP_EVERY
        for iris, open_eye in zip(IRISES, self._eyes_open[:n].T, strict=True):
            if np.count_nonzero(open_eye) >= min_open:
                points[list(iris)] = np.median(kept[open_eye][:, iris], axis=0)
        return points

    def _n_kept(self) -> int:
        return min((self.n_seen - 1) // KEEP_EVERY + 1, len(self._points))

    def capture_pose(self) -> tuple[np.ndarray, float]:
        """The kept frames' mean pose: the nearest rotation to their mean rotation matrix, and
        their mean size (the pose the tracker's drift is allowed for from)."""
        n = self._n_kept()
        u, _, vt = np.linalg.svd(self._rotations[:n].mean(axis=0))
        return u @ vt, float(np.exp(self._log_scales[:n].mean()))
