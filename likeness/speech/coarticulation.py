"""Phones -> ARKit mouth and jaw curves, with coarticulation.

Each phone has a target mouth shape (its viseme's, refined per phoneme) and a *dominance* over
the lips and over the jaw that is full inside the phone and decays exponentially outside it,
more slowly before it (anticipation) than after it (carry-over). At every instant each articulator
takes the dominance-weighted mean of the targets around it (Cohen and Massaro, 1993). So a
/t/ between two /u/ keeps the rounded lips, a /p/ overrides everything on the lips, and the
mouth starts shaping a sound before it is heard.

Two articulatory facts are then imposed on the blend: the lips seal whenever a bilabial stop or
/m/ dominates them (mouthClose cancels the jaw's opening at the lips, mouthPress adds contact,
the jaw rises), and the jaw's opening follows loudness.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from scipy.ndimage import gaussian_filter1d

from likeness.blas import single_threaded_blas
from likeness.blendshapes import INDEX, N_BLENDSHAPES
from likeness.errors import InputError
from likeness.speech.phonemes import BILABIALS, LABIODENTALS, SILENCE, VOWELS, Phone, viseme_of


def _pose(**weights: float) -> np.ndarray:
    vector = np.zeros(N_BLENDSHAPES, np.float32)
    for name, value in weights.items():
        vector[INDEX[name]] = value
    return vector


def _both(name: str, value: float) -> dict[str, float]:
    return {name + "Left": value, name + "Right": value}


VISEME_POSES: Mapping[str, np.ndarray] = MappingProxyType({
    "sil": _pose(),
    "PP": _pose(jawOpen=0.05, mouthClose=0.05, mouthRollLower=0.1, mouthRollUpper=0.05,
                **_both("mouthPress", 0.35)),
    "FF": _pose(jawOpen=0.08, mouthRollLower=0.55, mouthShrugUpper=0.1,
                **_both("mouthUpperUp", 0.25), **_both("mouthPress", 0.1)),
    "TH": _pose(jawOpen=0.12, tongueOut=0.25, **_both("mouthLowerDown", 0.15)),
    "DD": _pose(jawOpen=0.14, **_both("mouthLowerDown", 0.1), **_both("mouthStretch", 0.1)),
    "kk": _pose(jawOpen=0.18, **_both("mouthStretch", 0.12)),
    "CH": _pose(jawOpen=0.1, mouthFunnel=0.45, mouthPucker=0.25, mouthShrugUpper=0.15,
                **_both("mouthUpperUp", 0.15)),
    "SS": _pose(jawOpen=0.06, **_both("mouthStretch", 0.3), **_both("mouthSmile", 0.1),
                **_both("mouthLowerDown", 0.1)),
    "nn": _pose(jawOpen=0.12, **_both("mouthStretch", 0.08)),
    "RR": _pose(jawOpen=0.12, mouthFunnel=0.3, mouthPucker=0.3),
    "aa": _pose(jawOpen=0.5, **_both("mouthLowerDown", 0.3), **_both("mouthUpperUp", 0.1)),
    "E": _pose(jawOpen=0.3, **_both("mouthStretch", 0.25), **_both("mouthLowerDown", 0.2),
               **_both("mouthSmile", 0.1)),
    "ih": _pose(jawOpen=0.12, **_both("mouthStretch", 0.35), **_both("mouthSmile", 0.2)),
    "oh": _pose(jawOpen=0.35, mouthFunnel=0.55, mouthPucker=0.2, **_both("mouthLowerDown", 0.1)),
    "ou": _pose(jawOpen=0.1, mouthPucker=0.75, mouthFunnel=0.3),
})
"""ARKit weights of each Oculus viseme, as articulated at full loudness."""

JAW_OPEN: Mapping[str, float] = MappingProxyType({
    "AA": 0.6, "AE": 0.5, "AH": 0.4, "AO": 0.5, "AW": 0.55, "AY": 0.55, "EH": 0.35,
    "EY": 0.3, "ER": 0.18, "IH": 0.15, "IY": 0.1, "OW": 0.35, "OY": 0.4, "UH": 0.15, "UW": 0.1,
})
"""Per-vowel jaw opening, from open /a/ to close /i/ and /u/ (vowels sharing a viseme differ)."""

# (lips, jaw) dominance: consonants made with the tongue leave the lips to their neighbours.
_DOMINANCE: Mapping[str, tuple[float, float]] = MappingProxyType({
    "bilabial": (6.0, 2.0), "labiodental": (5.0, 1.5), "rounded": (2.0, 1.0),
    "vowel": (1.2, 2.0), "lingual": (0.3, 0.7), "silence": (2.0, 2.0),
})
_ROUNDED = frozenset({"W", "SH", "ZH", "CH", "JH", "R"})
JAW = INDEX["jawOpen"]
_OPENING = [INDEX[n] for n in ("mouthFunnel", "mouthLowerDownLeft", "mouthLowerDownRight",
                               "mouthUpperUpLeft", "mouthUpperUpRight", "mouthStretchLeft",
                               "mouthStretchRight", "tongueOut")]
_PRESS = [INDEX["mouthPressLeft"], INDEX["mouthPressRight"]]
_BLOCK = 1024
"""Frames blended at once."""
_REACH = 12
"""Dominance time constants beyond which a phone's influence (< 1e-5) is left out."""


@dataclass(frozen=True)
class CoarticulationOptions:
    """How phones blend into each other.

    anticipation_s: decay time of a phone's dominance before it starts (the mouth prepares).
    carryover_s: decay time after it ends (shorter: articulators release quickly).
    smoothing_s: Gaussian smoothing of the blended curves; with the dominance spread it keeps
        every swing of the mouth slower than the ~120 ms period that reads as flutter.
    closure_share: share of lip dominance held by a bilabial at which the lips fully seal.
    """

    anticipation_s: float = 0.06
    carryover_s: float = 0.04
    smoothing_s: float = 0.04
    closure_share: float = 0.6

    def __post_init__(self) -> None:
        for name in ("anticipation_s", "carryover_s", "closure_share"):
            if not getattr(self, name) > 0:
                raise InputError(f"CoarticulationOptions.{name} must be positive, "
                                 f"got {getattr(self, name)}")
        if self.smoothing_s < 0:
            raise InputError(
                f"CoarticulationOptions.smoothing_s must be >= 0, got {self.smoothing_s}")


DEFAULT_OPTIONS = CoarticulationOptions()


def _class_of(phoneme: str) -> str:
    if phoneme == SILENCE:
        return "silence"
    if phoneme in BILABIALS:
        return "bilabial"
    if phoneme in LABIODENTALS:
        return "labiodental"
    if phoneme in VOWELS:
        return "rounded" if viseme_of(phoneme) in ("oh", "ou") else "vowel"
    return "rounded" if phoneme in _ROUNDED else "lingual"


def _smoothstep(x: np.ndarray) -> np.ndarray:
    """0 below 0, 1 above 1, a smooth S between."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def phone_target(phoneme: str) -> np.ndarray:
    """ARKit weights (52,) a phoneme aims for at full loudness."""
    pose = VISEME_POSES[viseme_of(phoneme)].copy()
    if phoneme in JAW_OPEN:
        pose[JAW] = JAW_OPEN[phoneme]
    return pose


def mouth_curves(
    phones: Sequence[Phone],
    t_s: np.ndarray,
    loudness: np.ndarray,
    options: CoarticulationOptions = DEFAULT_OPTIONS,
) -> np.ndarray:
    """Blend phones into mouth and jaw weights at the given times.

    Parameters
    ----------
    phones : sequence of Phone
        Timed phones in order (gaps are silence).
    t_s : ndarray, float, shape (n,)
        Evenly spaced frame times in seconds.
    loudness : ndarray, float, shape (n,)
        0..1 speech loudness at those times; scales the jaw.

    Returns
    -------
    ndarray, float32, shape (n, 52)
        ARKit weights; only mouth, jaw and tongue channels are non-zero.
    """
    t_s = np.asarray(t_s, np.float64)
    n = len(t_s)
    if not len(phones) or not n:
        return np.zeros((n, N_BLENDSHAPES), np.float32)
    starts = np.array([p.start_s for p in phones])
    ends = np.array([p.end_s for p in phones])
    classes = [_class_of(p.phoneme) for p in phones]
    alpha = np.array([_DOMINANCE[c] for c in classes])  # (m, 2): lips, jaw
    targets = np.stack([phone_target(p.phoneme) for p in phones])  # (m, 52)
    silent = np.array([c == "silence" for c in classes])
    bilabial = np.array([c == "bilabial" for c in classes])

    weights = np.empty((n, N_BLENDSHAPES))
    share = np.empty(n)
    # Blocks of frames against the phones within reach keep memory linear in the take's length.
    reach_s = _REACH * max(options.anticipation_s, options.carryover_s)
    for first in range(0, n, _BLOCK):
        t = t_s[first:first + _BLOCK]
        near = np.flatnonzero((ends >= t[0] - reach_s) & (starts <= t[-1] + reach_s))
        if not len(near):
            near = np.array([int(np.argmin(np.abs(starts - t[0])))])
        before = np.maximum(starts[near][None, :] - t[:, None], 0.0)
        after = np.maximum(t[:, None] - ends[near][None, :], 0.0)
        decay = np.exp(-before / options.anticipation_s - after / options.carryover_s)
        # Silence gives way quickly at its edges, so speech is not muted by the pause around it.
        decay[:, silent[near]] **= 2
        lips = decay * alpha[near, 0][None, :] + 1e-9
        jaw = decay * alpha[near, 1][None, :] + 1e-9
        block = slice(first, first + len(t))
        with single_threaded_blas():
            weights[block] = (lips @ targets[near]) / lips.sum(axis=1, keepdims=True)
            weights[block, JAW] = (jaw @ targets[near, JAW]) / jaw.sum(axis=1)
        share[block] = lips[:, bilabial[near]].sum(axis=1) / lips.sum(axis=1)

    # Loudness scales the jaw before smoothing, so the jaw does not pick up its faster ripples.
    weights[:, JAW] *= 0.35 + 0.85 * np.clip(loudness, 0.0, 1.0)
    if options.smoothing_s > 0 and n > 1:
        sigma = options.smoothing_s / float(np.median(np.diff(t_s)))
        weights = gaussian_filter1d(weights, sigma, axis=0, mode="nearest")
        share = gaussian_filter1d(share, sigma, mode="nearest")

    seal = _smoothstep(share / options.closure_share)
    weights[:, JAW] *= 1.0 - 0.5 * seal
    weights[:, _OPENING] *= (1.0 - seal)[:, None]
    weights[:, INDEX["mouthClose"]] = np.maximum(weights[:, INDEX["mouthClose"]] * (1 - seal),
                                                 seal * weights[:, JAW])
    weights[:, _PRESS] = np.maximum(weights[:, _PRESS], 0.35 * seal[:, None])
    return np.clip(weights, 0.0, 1.0).astype(np.float32)


def lip_aperture(weights: np.ndarray) -> np.ndarray:
    """How far apart the lips are (0 = sealed), from ARKit weights (..., 52).

    The jaw opens the lips unless mouthClose cancels it; lowering the lower lip or raising the
    upper one, or funnelling, opens them further.
    """
    w = np.asarray(weights)
    lift = (w[..., INDEX["mouthLowerDownLeft"]] + w[..., INDEX["mouthLowerDownRight"]]
            + w[..., INDEX["mouthUpperUpLeft"]] + w[..., INDEX["mouthUpperUpRight"]]) / 4
    jaw_gap = np.maximum(w[..., JAW] - w[..., INDEX["mouthClose"]], 0.0)
    return jaw_gap + lift + 0.5 * w[..., INDEX["mouthFunnel"]]
