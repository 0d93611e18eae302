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


def _alpha(cutoff_hz: np.ndarray | float, dt_s: float) -> np.ndarray | float:
    """Smoothing factor of a first-order low-pass at ``cutoff_hz`` for a step of ``dt_s``."""
    tau_s = 1.0 / (2.0 * math.pi * np.asarray(cutoff_hz))
    return 1.0 / (1.0 + tau_s / dt_s)


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
        self.min_cutoff_hz = np.asarray(min_cutoff_hz, np.float64)
        self.beta = np.asarray(beta, np.float64)
        self.d_cutoff_hz = d_cutoff_hz
        self.reset()

    def reset(self) -> None:
        """Forget the past: the next sample passes through unchanged."""
        self._x: np.ndarray | None = None
        self._dx: np.ndarray | None = None
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
        dx = (x - self._x) / dt_s
        self._dx = self._dx + _alpha(self.d_cutoff_hz, dt_s) * (dx - self._dx)
        cutoff_hz = self.min_cutoff_hz + self.beta * np.abs(self._dx)
        self._x = self._x + _alpha(cutoff_hz, dt_s) * (x - self._x)
        if passthrough is not None:
            self._x = np.where(passthrough, x, self._x)
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
    measurements and are left as they came.
    """

    def __init__(self, options: FilterOptions | None = None) -> None:
        o = self.options = options or FilterOptions()
        self._weights = OneEuroFilter(o.weights_min_cutoff_hz, o.weights_beta)
        self._gaze = OneEuroFilter(o.gaze_min_cutoff_hz, o.gaze_beta)
        self._rotation = OneEuroFilter(o.rotation_min_cutoff_hz, o.rotation_beta)
        self._translation = OneEuroFilter(o.translation_min_cutoff_hz, o.translation_beta)
        self._eyelids = np.zeros(N_BLENDSHAPES, bool)
        self._eyelids[list(EYELID_CHANNELS)] = True
        self.reset()

    def reset(self) -> None:
        """Forget the past frames."""
        for f in (self._weights, self._gaze, self._rotation, self._translation):
            f.reset()
        self._last_raw: np.ndarray | None = None
        self._last_t_s = -math.inf
        self._last_q: np.ndarray | None = None

    def __call__(self, frame: FaceFrame) -> FaceFrame:
        """The frame with smoothed values (same time, landmarks and flags)."""
        if not frame.found:
            return frame
        t_s = frame.t_s
        if t_s - self._last_t_s > self.options.reset_after_gap_s:
            self.reset()
        raw = np.asarray(frame.weights, np.float64)
        fast = None
        if self._last_raw is not None and t_s > self._last_t_s:
            rate = np.abs(raw - self._last_raw) / (t_s - self._last_t_s)
            fast = self._eyelids & (rate > self.options.blink_rate_per_s)
        self._last_raw, self._last_t_s = raw, t_s
        q = np.asarray(frame.head_rotation, np.float64)
        if self._last_q is not None and q @ self._last_q < 0:
            q = -q  # the same rotation, on the side of the sphere the filter is on
        self._last_q = q
        q = self._rotation(q, t_s)
        return frame.replace(
            weights=np.clip(self._weights(raw, t_s, passthrough=fast), 0.0, 1.0).astype(np.float32),
            head_rotation=(q / np.linalg.norm(q)).astype(np.float32),
            head_translation_m=self._translation(frame.head_translation_m, t_s).astype(np.float32),
            eyes_rad=self._gaze(frame.eyes_rad, t_s).astype(np.float32),
        )
