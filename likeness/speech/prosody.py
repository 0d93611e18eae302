"""Prosody: fundamental frequency (F0) by YIN, and loudness, every 10 ms.

YIN (de Cheveigné and Kawahara, 2002): the cumulative-mean-normalised difference function of each
frame is searched for its first dip below a threshold, refined by parabolic interpolation. It is
robust to the octave errors plain autocorrelation makes and runs vectorised over all frames
(differences via FFT), far faster than real time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.fft import irfft, next_fast_len, rfft
from scipy.ndimage import median_filter

from likeness.errors import InputError

HOP_S = 0.01
WINDOW_S = 0.025
MIN_F0_HZ = 60.0
MAX_F0_HZ = 500.0
YIN_THRESHOLD = 0.15
_BLOCK = 2048
"""Frames analysed at once (about 20 s)."""
SILENCE_DB = -50.0
"""Frames quieter than this (dBFS) are unvoiced whatever their periodicity."""


@dataclass(frozen=True)
class Prosody:
    """Frame-wise pitch and loudness.

    Attributes
    ----------
    t_s : ndarray, float64, shape (n,)
        Frame centres in seconds.
    f0_hz : ndarray, float32, shape (n,)
        Fundamental frequency; NaN where unvoiced.
    rms_db : ndarray, float32, shape (n,)
        RMS level in dB relative to full scale (-100 for digital silence).
    """

    t_s: np.ndarray
    f0_hz: np.ndarray
    rms_db: np.ndarray

    @property
    def voiced(self) -> np.ndarray:
        """bool (n,): frames with a pitch."""
        return np.isfinite(self.f0_hz)


def _windows(signal: np.ndarray, length: int, hop: int, n: int) -> np.ndarray:
    """(n, length) strided view of ``signal``: windows starting every ``hop`` samples."""
    return np.lib.stride_tricks.sliding_window_view(signal, length)[::hop][:n]


def analyze(pcm: np.ndarray, sr: int) -> Prosody:
    """F0 (YIN) and RMS level of mono audio every 10 ms.

    Parameters
    ----------
    pcm : ndarray, float, shape (n,)
        Mono audio in -1..1.
    sr : int
        Sample rate in Hz (8000 or more).

    Returns
    -------
    Prosody
        One value per 10 ms frame, frame ``i`` centred on ``i * 0.01 + 0.0125`` s.
    """
    pcm = np.asarray(pcm, np.float32)
    if pcm.ndim != 1:
        raise InputError(f"expected mono audio of shape (n,), got shape {pcm.shape}")
    if sr < 8000:
        raise InputError(f"pitch tracking needs at least 8000 Hz audio, got {sr} Hz")
    hop = int(round(HOP_S * sr))
    window = int(round(WINDOW_S * sr))
    tau_max = int(np.ceil(sr / MIN_F0_HZ))
    length = window + tau_max
    n = max(1, int(np.ceil(len(pcm) / hop)))
    padded = np.zeros(n * hop + length, np.float32)
    padded[:len(pcm)] = pcm
    frames = _windows(padded, length, hop, n)
    # The energy of any stretch of a frame is a difference of this running sum.
    running = np.concatenate([[0.0], np.cumsum(np.square(padded, dtype=np.float64))])
    energies = _windows(running, length + 1, hop, n)
    # Blocks of frames keep memory bounded on long recordings.
    parts = [_yin(frames[i:i + _BLOCK], energies[i:i + _BLOCK], sr, window)
             for i in range(0, n, _BLOCK)]
    f0, aperiodicity, rms_db = (np.concatenate(column) for column in zip(*parts, strict=True))
    voiced = (aperiodicity < YIN_THRESHOLD * 2) & (rms_db > SILENCE_DB)
    f0 = np.where(voiced, f0, np.nan)
    # A 50 ms median removes isolated octave jumps without blurring real contours.
    filled = np.where(voiced, f0, 0.0)
    smoothed = median_filter(filled, size=5, mode="nearest")
    f0 = np.where(voiced & (smoothed > 0), smoothed, np.where(voiced, f0, np.nan))
    t_s = np.arange(len(f0)) * HOP_S + WINDOW_S / 2
    return Prosody(t_s, f0.astype(np.float32), rms_db.astype(np.float32))


def _yin(frames: np.ndarray, energies: np.ndarray, sr: int,
         window: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """YIN on (n, window + tau_max) frames, given the running sum of their squared samples
    (n, window + tau_max + 1) -> F0 candidate (Hz), its aperiodicity (the CMND dip, 0 = perfectly
    periodic) and the RMS level (dBFS), each (n,)."""
    tau_min = int(sr / MAX_F0_HZ)
    tau_max = frames.shape[1] - window
    # r(tau) = sum_j x[j] x[j + tau] over the first `window` samples, for every frame at once.
    # Circular correlation over one frame length cannot wrap for lags 0..tau_max.
    # In single precision (scipy's FFT keeps it; numpy's would not), which is faster; the
    # energies are summed in double precision, where cancellation matters.
    n_fft = next_fast_len(window + tau_max, real=True)
    spectrum = rfft(frames, n_fft, axis=1)
    head = rfft(frames[:, :window], n_fft, axis=1)
    r = irfft(np.conj(head) * spectrum, n_fft, axis=1)[:, : tau_max + 1].astype(np.float64)
    e_lag = energies[:, window : window + tau_max + 1] - energies[:, : tau_max + 1]
    diff = np.maximum(e_lag[:, :1] + e_lag - 2.0 * r, 0.0)
    cumulative = np.cumsum(diff[:, 1:], axis=1)
    taus = np.arange(1, tau_max + 1)
    cmnd = np.ones_like(diff)
    cmnd[:, 1:] = diff[:, 1:] * taus / np.maximum(cumulative, 1e-12)

    search = cmnd[:, tau_min:tau_max]
    below = search < YIN_THRESHOLD
    first = np.where(below.any(axis=1), below.argmax(axis=1), search.argmin(axis=1))
    # Walk from the first dip below threshold down to its local minimum.
    rows = np.arange(len(search))
    for _ in range(tau_max - tau_min):
        following = search[rows, np.minimum(first + 1, search.shape[1] - 1)]
        step = (first + 1 < search.shape[1]) & (following < search[rows, first])
        if not step.any():
            break
        first = first + step
    tau = first + tau_min
    a = cmnd[rows, np.clip(tau - 1, 0, tau_max)]
    b = cmnd[rows, tau]
    c = cmnd[rows, np.clip(tau + 1, 0, tau_max)]
    denominator = a - 2 * b + c
    safe = np.where(np.abs(denominator) > 1e-12, denominator, np.inf)
    shift = 0.5 * (a - c) / safe
    f0 = sr / (tau + np.clip(shift, -1, 1))
    rms = np.sqrt(np.maximum(e_lag[:, 0], 0.0) / window)
    return f0, b, 20.0 * np.log10(np.maximum(rms, 1e-5))
