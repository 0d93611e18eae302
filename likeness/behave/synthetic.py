"""Synthetic full-face takes with the correlated structure of real faces, for training and
testing upper-face completion without anyone's recordings.

A take is driven by FACS action units, so upper and lower face move together the way muscles
make them: a smile (AU6+12) narrows the eyes and raises the cheeks, surprise (AU1+2+5+26) drops
the jaw, disgust (AU9+10) wrinkles the nose and lifts the lip. On top come what the lower face
cannot predict: conversational brow flashes, blinks, speech mouth shapes, sensor noise. Each
synthetic person has their own gains and resting offsets, so a person's own model can beat a
generic one.
"""

from __future__ import annotations

import numpy as np

from likeness.behave.facs import ACTION_UNITS, PROTOTYPES, au_weights, envelope
from likeness.behave.layers import BehaviourOptions, apply_behaviour
from likeness.blendshapes import INDEX, N_BLENDSHAPES
from likeness.errors import InputError
from likeness.frame import Animation

UNITS = tuple(sorted(ACTION_UNITS))
EPISODE_EMOTIONS = ("joy", "joy", "surprise", "sadness", "anger", "disgust", "fear")
SPEECH_SHAPES = tuple(
    INDEX[n]
    for n in (
        "jawOpen",
        "mouthFunnel",
        "mouthPucker",
        "mouthClose",
        "mouthLowerDownLeft",
        "mouthLowerDownRight",
        "mouthUpperUpLeft",
        "mouthUpperUpRight",
        "mouthRollLower",
        "mouthPressLeft",
        "mouthPressRight",
    )
)


def person(seed: int) -> dict[str, np.ndarray]:
    """A synthetic person: per-unit ARKit gains (n_units, 52) and resting weights (52,)."""
    rng = np.random.default_rng(seed)
    gains = np.stack([au_weights({unit: 1.0}) for unit in UNITS]).astype(np.float64)
    gains *= rng.uniform(0.6, 1.3, gains.shape)
    rest = np.zeros(N_BLENDSHAPES)
    for name in (
        "browDownLeft",
        "browDownRight",
        "eyeSquintLeft",
        "eyeSquintRight",
        "browInnerUp",
        "mouthSmileLeft",
        "mouthFrownRight",
        "cheekSquintLeft",
    ):
        rest[INDEX[name]] = rng.uniform(0.0, 0.15)
    return {"gains": gains, "rest": rest}


def synthetic_take(
    duration_s: float, *, person_seed: int, take_seed: int, fps: float = 60.0
) -> Animation:
    """A full-face take of one synthetic person.

    Parameters
    ----------
    duration_s : float
        Length in seconds (> 0).
    person_seed, take_seed : int
        Who the person is, and which take of theirs.
    fps : float

    Returns
    -------
    Animation
        All 52 weights, gaze and head pose; metadata names the person and take.
    """
    if not duration_s > 0:
        raise InputError(f"duration_s must be positive, got {duration_s}")
    who = person(person_seed)
    rng = np.random.default_rng([person_seed, take_seed])
    n = int(duration_s * fps)
    t = np.arange(n) / fps
    activation = np.zeros((n, len(UNITS)))
    column = {unit: k for k, unit in enumerate(UNITS)}

    def add(unit: int, curve: np.ndarray) -> None:
        k = column[unit]
        activation[:, k] = 1.0 - (1.0 - activation[:, k]) * (1.0 - np.clip(curve, 0.0, 1.0))

    start = rng.exponential(2.0)
    while start < duration_s:
        emotion = EPISODE_EMOTIONS[rng.integers(len(EPISODE_EMOTIONS))]
        length = rng.uniform(0.8, 4.0)
        curve = envelope(
            t, start, start + length, onset_s=rng.uniform(0.2, 0.6), offset_s=rng.uniform(0.4, 1.0)
        ) * rng.uniform(0.3, 1.0)
        for unit, gain, _side in PROTOTYPES[emotion]:
            add(unit, gain * curve)
        start += length + rng.exponential(2.5)
    # Brow flashes while talking: raised brows the mouth does not predict.
    for flash in np.cumsum(rng.exponential(4.0, int(duration_s / 2) + 1)):
        if flash < duration_s:
            curve = envelope(t, flash, flash + 0.2, onset_s=0.15, offset_s=0.3) * rng.uniform(
                0.2, 0.6
            )
            add(1, curve)
            add(2, curve)

    rest = 1.0 - who["rest"][None]
    for k in range(len(UNITS)):
        rest = rest * (1.0 - activation[:, k : k + 1] * who["gains"][k][None])
    weights = 1.0 - rest
    # Speech: syllable-rate mouth shapes in talk spurts, independent of the upper face.
    speaking = np.repeat(rng.random(int(duration_s) + 1) < 0.6, int(fps))[:n]
    syllables = rng.random((int(duration_s * 5) + 2, len(SPEECH_SHAPES))) ** 3
    knots = np.arange(len(syllables))
    shapes = 0.6 * np.stack([np.interp(t * 5, knots, column) for column in syllables.T], axis=1)
    mouth = weights[:, SPEECH_SHAPES]
    weights[:, SPEECH_SHAPES] = 1.0 - (1.0 - mouth) * (1.0 - shapes * speaking[:, None])
    weights += rng.normal(0.0, 0.015, weights.shape)
    take = Animation.neutral(n, fps)
    take.weights = np.clip(weights, 0.0, 1.0).astype(np.float32)
    take.tracks["phonemes"] = _talk_spurts(speaking, fps)
    layers = BehaviourOptions(("gaze", "blink", "idle"), seed=int(rng.integers(1 << 30)))
    take = apply_behaviour(take, layers)
    take.tracks = {}
    take.metadata = {"source": "synthetic", "person": person_seed, "take": take_seed}
    return take


def _talk_spurts(speaking: np.ndarray, fps: float) -> list[dict[str, float | str]]:
    """Spans where ``speaking`` is true, as a phonemes-like track for the behaviour layers."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], speaking.astype(int), [0]])))
    return [
        {"start_s": a / fps, "end_s": b / fps, "phoneme": "AH"}
        for a, b in zip(edges[::2], edges[1::2], strict=True)
    ]
