"""FACS action units as ARKit weights, emotion prototypes, and onset/apex/offset envelopes.

The action-unit table follows the FACS manual (Ekman, Friesen & Hager 2002) and the usual
ARKit correspondence (e.g. AU12 lip corner puller -> mouthSmile). The emotion prototypes are the
EMFACS predictions for the basic emotions (Ekman & Friesen 1978; Matsumoto & Ekman 2008):
happiness 6+12, sadness 1+4+15, surprise 1+2+5+26, fear 1+2+4+5+7+20+26, anger 4+5+7+23,
disgust 9+10+15+17, contempt unilateral 12+14. Only contempt is asymmetric: the others are
produced on both sides of the face.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np

from likeness.behave.names import EMOTIONS
from likeness.blendshapes import INDEX, N_BLENDSHAPES
from likeness.errors import InputError

ACTION_UNITS: Mapping[int, tuple[tuple[str, float], ...]] = MappingProxyType(
    {
        1: (("browInnerUp", 1.0),),  # inner brow raiser
        2: (("browOuterUpLeft", 1.0), ("browOuterUpRight", 1.0)),  # outer brow raiser
        4: (("browDownLeft", 1.0), ("browDownRight", 1.0)),  # brow lowerer
        5: (("eyeWideLeft", 1.0), ("eyeWideRight", 1.0)),  # upper lid raiser
        # cheek raiser; it narrows the eyes too
        6: (("cheekSquintLeft", 1.0), ("cheekSquintRight", 1.0),
            ("eyeSquintLeft", 0.5), ("eyeSquintRight", 0.5)),
        7: (("eyeSquintLeft", 1.0), ("eyeSquintRight", 1.0)),  # lid tightener
        9: (("noseSneerLeft", 1.0), ("noseSneerRight", 1.0)),  # nose wrinkler
        10: (("mouthUpperUpLeft", 1.0), ("mouthUpperUpRight", 1.0)),  # upper lip raiser
        12: (("mouthSmileLeft", 1.0), ("mouthSmileRight", 1.0)),  # lip corner puller
        14: (("mouthDimpleLeft", 1.0), ("mouthDimpleRight", 1.0)),  # dimpler
        15: (("mouthFrownLeft", 1.0), ("mouthFrownRight", 1.0)),  # lip corner depressor
        17: (("mouthShrugLower", 1.0),),  # chin raiser
        20: (("mouthStretchLeft", 1.0), ("mouthStretchRight", 1.0)),  # lip stretcher
        23: (("mouthPressLeft", 0.6), ("mouthPressRight", 0.6)),  # lip tightener
        24: (("mouthPressLeft", 1.0), ("mouthPressRight", 1.0)),  # lip pressor
        26: (("jawOpen", 1.0),),  # jaw drop
        43: (("eyeBlinkLeft", 1.0), ("eyeBlinkRight", 1.0)),  # eyes closed
    }
)
"""Action unit -> (ARKit name, gain) pairs; a unit at intensity 1 sets each name to its gain."""

LEFT_SUFFIX, RIGHT_SUFFIX = "Left", "Right"

PROTOTYPES: Mapping[str, tuple[tuple[int, float, str], ...]] = MappingProxyType(
    {
        "neutral": (),
        "joy": ((6, 0.6, "both"), (12, 0.8, "both")),
        "sadness": ((1, 0.8, "both"), (4, 0.45, "both"), (15, 0.6, "both"), (43, 0.15, "both")),
        "surprise": ((1, 0.7, "both"), (2, 0.8, "both"), (5, 0.7, "both"), (26, 0.25, "both")),
        "fear": (
            (1, 0.7, "both"),
            (2, 0.4, "both"),
            (4, 0.35, "both"),
            (5, 0.8, "both"),
            (7, 0.3, "both"),
            (20, 0.5, "both"),
            (26, 0.15, "both"),
        ),
        "anger": ((4, 0.85, "both"), (5, 0.35, "both"), (7, 0.6, "both"), (23, 0.5, "both")),
        "disgust": (
            (9, 0.7, "both"),
            (10, 0.4, "both"),
            (15, 0.35, "both"),
            (17, 0.4, "both"),
            (4, 0.3, "both"),
        ),
        "calm": ((43, 0.12, "both"), (12, 0.12, "both")),
        "contempt": ((12, 0.45, "left"), (14, 0.55, "left")),
    }
)
"""Emotion -> (action unit, intensity at full emotion, side); side is both, left or right."""


def au_weights(units: Mapping[int, float] | Mapping[int, tuple[float, str]]) -> np.ndarray:
    """ARKit weights for a set of action units.

    Parameters
    ----------
    units : mapping
        Action unit number -> intensity in 0..1, or -> (intensity, side) with side one of
        ``"both"``, ``"left"``, ``"right"`` (the subject's own sides).

    Returns
    -------
    ndarray, float32, shape (52,)
        Weights in 0..1; units acting on the same blendshape combine as ``1 - prod(1 - w)``.
    """
    rest = np.ones(N_BLENDSHAPES, np.float64)
    for unit, value in units.items():
        intensity, side = value if isinstance(value, tuple) else (value, "both")
        if unit not in ACTION_UNITS:
            raise InputError(
                f"unknown FACS action unit {unit}, expected one of {sorted(ACTION_UNITS)}"
            )
        if side not in ("both", "left", "right"):
            raise InputError(f"action unit side must be both, left or right, got {side!r}")
        for name, gain in ACTION_UNITS[unit]:
            if side == "left" and name.endswith(RIGHT_SUFFIX):
                continue
            if side == "right" and name.endswith(LEFT_SUFFIX):
                continue
            rest[INDEX[name]] *= 1.0 - np.clip(gain * intensity, 0.0, 1.0)
    return (1.0 - rest).astype(np.float32)


def emotion_weights(emotion: str, intensity: float = 1.0) -> np.ndarray:
    """(52,) ARKit weights of ``emotion``'s FACS prototype at ``intensity`` (0..1)."""
    if emotion not in PROTOTYPES:
        raise InputError(f"unknown emotion {emotion!r}, expected one of {', '.join(EMOTIONS)}")
    if not 0.0 <= intensity <= 1.0:
        raise InputError(f"emotion intensity must be in 0..1, got {intensity}")
    return au_weights({unit: (gain * intensity, side) for unit, gain, side in PROTOTYPES[emotion]})


def envelope(
    t_s: np.ndarray, start_s: float, end_s: float, *, onset_s: float = 0.4, offset_s: float = 0.7
) -> np.ndarray:
    """Onset-apex-offset curve of one expression, 0..1 at times ``t_s``.

    The expression rises over ``onset_s`` from ``start_s``, holds its apex, and decays over
    ``offset_s`` after ``end_s``; both ramps are raised cosines, so velocity starts and ends at
    zero. Spontaneous expressions take a few hundred milliseconds to rise and somewhat longer
    to fade (Hess & Kleck 1990; Schmidt et al. 2006).

    Parameters
    ----------
    t_s : ndarray, shape (n,)
        Times in seconds.
    start_s, end_s : float
        When the expression begins to rise and when it begins to fade (``end_s >= start_s``).
    onset_s, offset_s : float
        Rise and fall durations in seconds (> 0).
    """
    if end_s < start_s or onset_s <= 0 or offset_s <= 0:
        raise InputError(
            f"envelope needs start_s <= end_s and positive ramps, got start_s={start_s}, "
            f"end_s={end_s}, onset_s={onset_s}, offset_s={offset_s}"
        )
    t = np.asarray(t_s, np.float64)
    rise = np.clip((t - start_s) / onset_s, 0.0, 1.0)
    # The apex is held only after the rise completes, so a short expression still reaches it.
    fall = np.clip((t - max(end_s, start_s + onset_s)) / offset_s, 0.0, 1.0)
    return 0.5 * (1.0 - np.cos(np.pi * rise)) * 0.5 * (1.0 + np.cos(np.pi * fall))
