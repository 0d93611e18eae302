"""Prosody -> the rest of a speaking face: brows on emphasis, nods on stressed syllables, the
brows and head of a question, the wide eyes of an exclamation, and jaw loudness.

Prominence of a syllable (its vowel) is measured against the speaker's own levels: pitch in
semitones above their median, loudness in dB below their peak. A phrase (speech between pauses of
at least 250 ms) ending in ``?`` or ``!`` in the transcript reads as a question or exclamation;
without a transcript, a phrase whose pitch does not fall at its end reads as a question, and one
spoken well above the speaker's usual pitch and loudness as an exclamation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d

from likeness.blendshapes import INDEX, N_BLENDSHAPES
from likeness.speech.phonemes import VOWELS, Phone
from likeness.speech.prosody import HOP_S, Prosody

PAUSE_S = 0.25
"""A silence at least this long ends a phrase."""
PAUSE_DB = 35.0
"""How far below the speaker's peak level sound counts as silence."""
LOUDNESS_RANGE_DB = 30.0
ENVELOPE_S = 0.03
"""Smoothing (Gaussian sigma) of the loudness that scales the jaw."""
VOICING_S = 0.1
SPEECH_VOICING = 0.25
"""Share of voiced frames (Gaussian-weighted over about +-200 ms) from which sound counts fully
as speech: vowels are voiced, so speech always has some nearby; noise and breath have none."""
NOD_RAD = np.deg2rad(2.5)
NOD_S = 0.3
BROW_S = 0.45
FINAL_RISE_ST = -0.5
"""Pitch of a phrase's last voiced 100 ms relative to its median (semitones) at or above which,
without a transcript, the phrase reads as a question: statements fall by 3 semitones and more."""


@dataclass(frozen=True)
class Levels:
    """A speaker's reference levels: median voiced pitch and peak loudness."""

    median_f0_hz: float
    peak_db: float

    @classmethod
    def of(cls, prosody: Prosody) -> Levels:
        """Levels measured over a whole take (defaults where it has no voiced speech)."""
        voiced = prosody.voiced
        f0 = float(np.median(prosody.f0_hz[voiced])) if voiced.any() else 120.0
        loud = prosody.rms_db[prosody.rms_db > -60]
        peak = float(np.percentile(loud, 95)) if len(loud) else -20.0
        return cls(f0, peak)


@dataclass(frozen=True)
class Expression:
    """Face and head motion from prosody, sampled at the frame times.

    weights: float32 (n, 52), brows and eyelids only; head_pitch_rad: float32 (n,), positive
    nods down; loudness: float32 (n,) 0..1 for the jaw; speaking: float32 (n,) 0..1, how much
    voiced sound is near each frame (noise and silence have none); prominent: indices of the
    vowels judged stressed; questions / exclamations: (start_s, end_s) of phrases read as such.
    """

    weights: np.ndarray
    head_pitch_rad: np.ndarray
    loudness: np.ndarray
    speaking: np.ndarray
    prominent: list[int]
    questions: list[tuple[float, float]]
    exclamations: list[tuple[float, float]]


def _bump(t_s: np.ndarray, centre_s: float, width_s: float) -> np.ndarray:
    """Raised-cosine pulse, 1 at ``centre_s``, 0 beyond ``width_s`` / 2 either side."""
    x = np.clip((t_s - centre_s) / (width_s / 2), -1.0, 1.0)
    return 0.5 * (1.0 + np.cos(np.pi * x))


def _semitones(f0_hz: np.ndarray, reference_hz: float) -> np.ndarray:
    return 12.0 * np.log2(f0_hz / reference_hz)


def phrases(prosody: Prosody, levels: Levels) -> list[tuple[float, float]]:
    """(start_s, end_s) of each run of sound between pauses of at least ``PAUSE_S``.

    Pauses are found in the loudness (below the speaker's peak by ``PAUSE_DB``), not in the
    phones, so a stop closure misrecognised as silence does not split a phrase.
    """
    sounding = prosody.rms_db > levels.peak_db - PAUSE_DB
    spans: list[tuple[float, float]] = []
    start = None
    quiet_since = None
    for t, loud in zip(prosody.t_s, sounding, strict=True):
        if loud:
            if start is None:
                start = t
            quiet_since = None
        elif start is not None:
            quiet_since = t if quiet_since is None else quiet_since
            if t - quiet_since >= PAUSE_S:
                spans.append((float(start), float(quiet_since)))
                start, quiet_since = None, None
    if start is not None:
        end = quiet_since if quiet_since is not None else prosody.t_s[-1]
        spans.append((float(start), float(end)))
    return spans


def express(phones: Sequence[Phone], prosody: Prosody, t_s: np.ndarray, levels: Levels,
            *, stress_known: bool = False,
            marks: Sequence[tuple[float, str]] = ()) -> Expression:
    """Brows, eyelids, head nods and jaw loudness from prosody.

    Parameters
    ----------
    phones : sequence of Phone
        Timed phones; vowels are the syllable nuclei.
    prosody : Prosody
        Pitch and loudness of the same audio.
    t_s : ndarray, float, shape (n,)
        Frame times in seconds.
    levels : Levels
        The speaker's reference pitch and loudness.
    stress_known : bool
        Phones carry lexical stress (from the synthesizer): primary stress counts toward
        prominence alongside the acoustics.
    marks : sequence of (float, str)
        Sentence punctuation from a transcript, ``(time_s, "?" | "!" | ".")`` at the last word
        of each sentence. A phrase holding a mark takes its reading; others are read from the
        pitch contour alone.
    """
    t_s = np.asarray(t_s, np.float64)
    weights = np.zeros((len(t_s), N_BLENDSHAPES), np.float32)
    pitch = np.zeros(len(t_s), np.float32)
    semitones = _semitones(prosody.f0_hz, levels.median_f0_hz)
    prominent = _stress(phones, prosody, semitones, levels, t_s, weights, pitch, stress_known)
    questions, exclamations = _phrase_faces(prosody, semitones, levels, t_s, marks, weights, pitch)
    return Expression(np.clip(weights, 0.0, 1.0), pitch, _loudness(prosody, t_s, levels),
                      _speaking(prosody, t_s), prominent, questions, exclamations)


def _loudness(prosody: Prosody, t_s: np.ndarray, levels: Levels) -> np.ndarray:
    """0..1 loudness envelope at ``t_s``: the jaw follows it, not each 10 ms burst and gap."""
    if not len(prosody.t_s):
        return np.zeros(len(t_s), np.float32)
    envelope_db = prosody.rms_db
    if len(envelope_db) > 1:
        envelope_db = gaussian_filter1d(envelope_db, ENVELOPE_S / HOP_S, mode="nearest")
    level_db = np.interp(t_s, prosody.t_s, envelope_db)
    loudness = 1.0 + (level_db - levels.peak_db) / LOUDNESS_RANGE_DB
    return np.clip(loudness, 0.0, 1.0).astype(np.float32)


def _speaking(prosody: Prosody, t_s: np.ndarray) -> np.ndarray:
    """0..1 at ``t_s``: how much voiced sound is near (see :data:`SPEECH_VOICING`)."""
    if len(prosody.t_s) < 2:
        return np.zeros(len(t_s), np.float32)
    # Normalised convolution: at the edges of what is known (a take's ends, a stream's newest
    # frame) only the frames that exist are averaged.
    sigma = VOICING_S / HOP_S
    voiced = gaussian_filter1d(prosody.voiced.astype(np.float64), sigma, mode="constant")
    share = voiced / gaussian_filter1d(np.ones(len(prosody.t_s)), sigma, mode="constant")
    return np.clip(np.interp(t_s, prosody.t_s, share) / SPEECH_VOICING, 0.0, 1.0).astype(np.float32)


def _window(prosody: Prosody, start_s: float, end_s: float) -> np.ndarray:
    return (prosody.t_s >= start_s) & (prosody.t_s < end_s)


def _stress(phones: Sequence[Phone], prosody: Prosody, semitones: np.ndarray, levels: Levels,
            t_s: np.ndarray, weights: np.ndarray, pitch: np.ndarray,
            stress_known: bool) -> list[int]:
    """Add nods and emphasis brows for prominent vowels; return their indices in ``phones``."""
    prominent = []
    for i, phone in enumerate(phones):
        if phone.phoneme not in VOWELS:
            continue
        inside = _window(prosody, phone.start_s, phone.end_s)
        st = semitones[inside]
        st = st[np.isfinite(st)]
        pitch_up = float(np.max(st)) if len(st) else 0.0
        loud = float(np.max(prosody.rms_db[inside])) - levels.peak_db if inside.any() else -99.0
        score = pitch_up / 3.0 + (loud + 6.0) / 6.0 + (phone.end_s - phone.start_s - 0.1) / 0.1
        if stress_known:
            score += 1.0 if phone.stress == 1 else -1.0
        if score < 1.0:
            continue
        prominent.append(i)
        strength = float(np.clip(score / 3.0, 0.3, 1.0))
        pitch += NOD_RAD * strength * _bump(t_s, phone.start_s + 0.05, NOD_S)
        if pitch_up > 2.0:  # emphasis is carried by pitch: the brows go with it
            brow = 0.45 * strength * _bump(t_s, phone.start_s + 0.05, BROW_S)
            weights[:, INDEX["browInnerUp"]] += brow
            weights[:, INDEX["browOuterUpLeft"]] += 0.7 * brow
            weights[:, INDEX["browOuterUpRight"]] += 0.7 * brow
    return prominent


def _phrase_faces(prosody: Prosody, semitones: np.ndarray, levels: Levels, t_s: np.ndarray,
                  marks: Sequence[tuple[float, str]], weights: np.ndarray,
                  pitch: np.ndarray) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """Add question and exclamation faces at phrase ends; return those phrases' spans."""
    questions, exclamations = [], []
    for start_s, end_s in phrases(prosody, levels):
        inside = _window(prosody, start_s, end_s)
        st = semitones[inside]
        st = st[np.isfinite(st)]
        if len(st) < 10:
            continue
        mark = next((m for t, m in marks if start_s - 0.05 <= t <= end_s + PAUSE_S), None)
        if mark is None:
            # Statements end low; a question's end stays at or rises above the phrase's pitch.
            final_st = float(np.median(st[-10:]) - np.median(st))
            loud = float(np.percentile(prosody.rms_db[inside], 90)) - levels.peak_db
            excited = np.percentile(st, 90) > 6.0 and loud > -3.0
            mark = "?" if final_st >= FINAL_RISE_ST else "!" if excited else "."
        # Held from 400 ms before the phrase ends into the pause after it.
        rise = np.clip((t_s - (end_s - 0.4)) / 0.2, 0, 1)
        hold = rise * np.clip(1 - (t_s - (end_s + 0.4)) / 0.3, 0, 1)
        if mark == "?":
            questions.append((start_s, end_s))
            weights[:, INDEX["browInnerUp"]] += 0.55 * hold
            weights[:, INDEX["browOuterUpLeft"]] += 0.45 * hold
            weights[:, INDEX["browOuterUpRight"]] += 0.45 * hold
            pitch -= np.deg2rad(4.0) * hold  # the chin lifts toward the listener
        elif mark == "!":
            exclamations.append((start_s, end_s))
            weights[:, INDEX["eyeWideLeft"]] += 0.4 * hold
            weights[:, INDEX["eyeWideRight"]] += 0.4 * hold
            weights[:, INDEX["browOuterUpLeft"]] += 0.4 * hold
            weights[:, INDEX["browOuterUpRight"]] += 0.4 * hold
    return questions, exclamations
