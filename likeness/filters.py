"""Temporal filters for face frames: the One Euro filter, and a frame filter built on it that
smooths weights, head pose and gaze without delaying or flattening blinks.

The One Euro filter (Casiez, Roussel and Vogel, CHI 2012) is a low-pass filter whose cutoff
rises with the signal's speed: still faces lose their jitter, fast motion keeps its timing.
A blink is faster than anything else a face does (an eyelid closes in 50-100 ms) yet it is
also the motion whose timing viewers notice most, so eyelid channels take a fast path: while
they move faster than :attr:`FilterOptions.blink_rate_per_s` the raw value passes straight
through and the filter restarts from it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from likeness.blendshapes import N_BLENDSHAPES, index
from likeness.errors import InputError
from likeness.frame import FaceFrame

EYELID_CHANNELS = (index("eyeBlinkLeft"), index("eyeBlinkRight"))

# Where each signal sits in the frame filter's one vector of channels.
_ROTATION = N_BLENDSHAPES
_TRANSLATION = _ROTATION + 4
_GAZE = _TRANSLATION + 3


class OneEuroFilter:
    """One Euro filter over an array of channels, each with its own parameters.

    Parameters
    ----------
    min_cutoff_hz : float or ndarray
        Cutoff when the signal is still, Hz: lower removes more jitter.
    beta : float or ndarray
        How fast the cutoff rises with speed (Hz per unit per second): higher lags less.
    d_cutoff_hz : float
        Cutoff of the speed estimate, Hz.
    """

    def __init__(self, min_cutoff_hz: float | np.ndarray = 1.0, beta: float | np.ndarray = 0.0,
                 d_cutoff_hz: float = 1.0) -> None:
        if (np.any(np.asarray(min_cutoff_hz) <= 0) or np.any(np.asarray(beta) < 0)
                or d_cutoff_hz <= 0):
            raise InputError(f"One Euro needs min_cutoff_hz > 0, beta >= 0, d_cutoff_hz > 0; got "
                             f"{min_cutoff_hz}, {beta}, {d_cutoff_hz}")
        # Kept premultiplied by 2 pi: the smoothing factor 1 / (1 + tau / dt), tau = 1 / (2 pi
        # cutoff), is then c / (c + 1) with c = dt 2 pi cutoff, three array operations.
        self._min_cutoff_rad = 2.0 * math.pi * np.asarray(min_cutoff_hz, np.float64)
        self._beta_rad = 2.0 * math.pi * np.asarray(beta, np.float64)
        self.min_cutoff_hz = np.asarray(min_cutoff_hz, np.float64)
        self.beta = np.asarray(beta, np.float64)
        self.d_cutoff_hz = d_cutoff_hz
        self.reset()

    def reset(self) -> None:
        """Forget the past: the next sample passes through unchanged."""
        self._x: np.ndarray | None = None
        self._dx = np.zeros(0)
        self._t_s = 0.0

    def __call__(self, x: np.ndarray, t_s: float, *,
                 passthrough: np.ndarray | None = None) -> np.ndarray:
        """Filter one sample.

        Parameters
        ----------
        x : ndarray
            The sample (any shape, the same every call).
        t_s : float
            Its time in seconds; a sample not later than the previous one passes through.
        passthrough : ndarray of bool, optional
            Channels to pass unfiltered this time (the filter restarts from their value).

        Returns
        -------
        ndarray float64, the shape of ``x``.
        """
        x = np.asarray(x, np.float64)
        if self._x is None or t_s <= self._t_s:
            self._x, self._dx, self._t_s = x.copy(), np.zeros_like(x), t_s
            return x.copy()
        dt_s = t_s - self._t_s
        change = x - self._x
        # The speed estimate, low-passed at the fixed derivative cutoff.
        d = dt_s * 2.0 * math.pi * self.d_cutoff_hz
        self._dx += (d / (d + 1.0)) * (change / dt_s - self._dx)
        # The signal, low-passed at a cutoff that rises with that speed.
        c = np.abs(self._dx)
        c *= self._beta_rad
        c += self._min_cutoff_rad
        c *= dt_s
        change *= c
        change /= c + 1.0
        self._x += change
        if passthrough is not None:
            np.copyto(self._x, x, where=passthrough)
        self._t_s = t_s
        return self._x.copy()


@dataclass(frozen=True)
class FilterOptions:
    """One Euro parameters per signal (min cutoff Hz, beta per unit/s) and the blink fast path."""

    weights_min_cutoff_hz: float = 2.0
    weights_beta: float = 3.0
    gaze_min_cutoff_hz: float = 2.0
    gaze_beta: float = 4.0
    rotation_min_cutoff_hz: float = 1.5
    rotation_beta: float = 4.0
    translation_min_cutoff_hz: float = 1.0
    translation_beta: float = 20.0
    blink_rate_per_s: float = 2.5
    """An eyelid moving faster than this (weight per second, raw) passes through unfiltered."""
    reset_after_gap_s: float = 0.5
    """After this long without a face the filter starts afresh, not easing in from stale values."""

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            positive_needed = name.endswith("cutoff_hz")
            if not (np.isfinite(value) and value >= 0) or (positive_needed and value == 0):
                raise InputError(f"FilterOptions.{name} must be a positive number, got {value}")


class FrameFilter:
    """Smooths a stream of one face's frames: weights, head rotation and translation, gaze.

    ``__call__(frame) -> frame``; frames without a face pass through untouched. Landmarks are
    measurements and are left as they came. Every signal is one slice of a single One Euro
    filter over all 63 channels (each with its own parameters), so a frame costs one filter
    step, not four.
    """

    def __init__(self, options: FilterOptions | None = None) -> None:
        o = self.options = options or FilterOptions()
        parts = ((N_BLENDSHAPES, o.weights_min_cutoff_hz, o.weights_beta),
                 (4, o.rotation_min_cutoff_hz, o.rotation_beta),
                 (3, o.translation_min_cutoff_hz, o.translation_beta),
                 (4, o.gaze_min_cutoff_hz, o.gaze_beta))
        sizes = [n for n, _, _ in parts]
        self._filter = OneEuroFilter(np.repeat([c for _, c, _ in parts], sizes),
                                     np.repeat([b for _, _, b in parts], sizes))
        self._raw = np.zeros(sum(sizes))
        self._fast = np.zeros(sum(sizes), bool)
        self.reset()

    def reset(self) -> None:
        """Forget the past frames."""
        self._filter.reset()
        self._last_lids: tuple[float, float] | None = None
        self._last_t_s = -math.inf
        self._last_q: np.ndarray | None = None

    def __call__(self, frame: FaceFrame) -> FaceFrame:
        """The frame with smoothed values (same time, landmarks and flags)."""
        if not frame.found:
            return frame
        t_s = frame.t_s
        if t_s - self._last_t_s > self.options.reset_after_gap_s:
            self.reset()
        raw = self._raw
        raw[:_ROTATION] = frame.weights
        lids = (float(raw[EYELID_CHANNELS[0]]), float(raw[EYELID_CHANNELS[1]]))
        fast = None
        if self._last_lids is not None and t_s > self._last_t_s:
            dt_s, limit = t_s - self._last_t_s, self.options.blink_rate_per_s
            for channel, now, before in zip(EYELID_CHANNELS, lids, self._last_lids, strict=True):
                self._fast[channel] = abs(now - before) / dt_s > limit
            fast = self._fast
        self._last_lids, self._last_t_s = lids, t_s
        q = raw[_ROTATION:_TRANSLATION]
        q[:] = frame.head_rotation
        if self._last_q is not None and float(q @ self._last_q) < 0:
            q *= -1.0  # the same rotation, on the side of the sphere the filter is on
        self._last_q = q.copy()
        raw[_TRANSLATION:_GAZE] = frame.head_translation_m
        raw[_GAZE:] = frame.eyes_rad.reshape(-1)
        out = self._filter(raw, t_s, passthrough=fast)
        q = out[_ROTATION:_TRANSLATION]
        q /= math.sqrt(float(q @ q))
        return frame.replace(
            weights=np.clip(out[:_ROTATION], 0.0, 1.0).astype(np.float32),
            head_rotation=q.astype(np.float32),
            head_translation_m=out[_TRANSLATION:_GAZE].astype(np.float32),
            eyes_rad=out[_GAZE:].reshape(2, 2).astype(np.float32),
        )
