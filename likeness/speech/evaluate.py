"""Accuracy measures for lip-sync against known phone timings (the synthesizer's)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from likeness.speech.coarticulation import lip_aperture
from likeness.speech.phonemes import BILABIALS, Phone

CLOSED_APERTURE = 0.03
"""Lip aperture (see :func:`~likeness.speech.coarticulation.lip_aperture`) at or below which the
lips count as closed."""


def boundaries_s(phones: Sequence[Phone]) -> np.ndarray:
    """Times where one phoneme gives way to a different one, seconds."""
    pairs = zip(phones, phones[1:], strict=False)
    return np.array([b.start_s for a, b in pairs if a.phoneme != b.phoneme])


def boundary_errors_s(truth: Sequence[Phone], found: Sequence[Phone]) -> np.ndarray:
    """For every true phone boundary, the distance to the nearest boundary found, seconds."""
    expected, got = boundaries_s(truth), boundaries_s(found)
    if not len(expected):
        return np.zeros(0)
    if not len(got):
        return np.full(len(expected), np.inf)
    return np.min(np.abs(expected[:, None] - got[None, :]), axis=1)


def closure_rate(truth: Sequence[Phone], weights: np.ndarray, t_s: np.ndarray) -> float:
    """Share of /p b m/ phones during which the lips are closed for at least one frame.

    Parameters
    ----------
    truth : sequence of Phone
        True phone timings.
    weights : ndarray, float, shape (n, 52)
        The animation's ARKit weights.
    t_s : ndarray, float, shape (n,)
        Its frame times.
    """
    aperture = lip_aperture(weights)
    closed = []
    for phone in truth:
        if phone.phoneme in BILABIALS:
            inside = (t_s >= phone.start_s) & (t_s < phone.end_s)
            if not inside.any():  # shorter than a frame: take the nearest frame
                inside = np.abs(t_s - (phone.start_s + phone.end_s) / 2) == np.min(
                    np.abs(t_s - (phone.start_s + phone.end_s) / 2))
            closed.append(bool(np.min(aperture[inside]) <= CLOSED_APERTURE))
    return float(np.mean(closed)) if closed else float("nan")


def swing_times_s(curve: np.ndarray, t_s: np.ndarray, *, min_swing: float = 0.05) -> np.ndarray:
    """Times of the peaks and troughs of ``curve`` between swings of at least ``min_swing``.

    A peak counts once the curve has fallen ``min_swing`` below it, a trough once it has risen
    that much above it, so ripples smaller than that are ignored. Flutter shows as turning
    points close together.
    """
    turns: list[int] = []
    low = high = 0
    direction = 0  # +1 rising, -1 falling, 0 not yet known
    for i in range(1, len(curve)):
        if direction != -1 and curve[i] > curve[high]:
            high = i
        if direction != 1 and curve[i] < curve[low]:
            low = i
        if direction != -1 and curve[high] - curve[i] >= min_swing:
            if direction == 1:
                turns.append(high)
            direction, low = -1, i
        elif direction != 1 and curve[i] - curve[low] >= min_swing:
            if direction == -1:
                turns.append(low)
            direction, high = 1, i
    return np.asarray(t_s)[turns]
