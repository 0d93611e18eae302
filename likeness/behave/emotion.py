"""Emotion over time: from text, sentence by sentence, and arousal from the prosody of audio.

Text: each sentence gets VADER's valence (Hutto & Gilbert 2014; the lexicon ships inside
vaderSentiment) and hits in the project's own emotion lexicon below (words and phrases, with
negation), plus punctuation rules ("?!", a leading "what?"/"wow"). Positive valence feeds joy;
negative valence is shared among the negative emotions the lexicon found, or goes to sadness.

Audio: arousal from loudness and pitch variability, the two most reliable vocal cues of
arousal (Juslin & Laukka 2003; Scherer 2003), over a sliding window.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType
from typing import Any

import numpy as np
from scipy.ndimage import binary_closing

from likeness.behave.facs import EMOTIONS, au_weights, emotion_weights, envelope
from likeness.blendshapes import N_BLENDSHAPES
from likeness.errors import InputError


def _entries(text: str) -> tuple[str, ...]:
    """Comma-separated lexicon entries as a tuple."""
    return tuple(entry.strip() for entry in text.split(",") if entry.strip())


LEXICON: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "joy": _entries(
            "happy, glad, wonderful, great, love, lovely, delighted, excited, fantastic, "
            "amazing, awesome, yay, congratulations, thrilled, joy, pleased, excellent, "
            "beautiful, celebrate, fun, laugh, brilliant, perfect, good news, enjoy, proud, "
            "hooray, best"
        ),
        "sadness": _entries(
            "sorry, sad, unfortunately, miss, lost, loss, died, passed away, grief, cry, tears, "
            "heartbroken, lonely, disappointed, regret, unhappy, depressed, tragic, sorrow, "
            "condolences, terrible news, bad news, hurts"
        ),
        "anger": _entries(
            "angry, furious, hate, outrageous, unacceptable, annoyed, mad, rage, ridiculous, "
            "fed up, sick of, how dare, irritated, livid"
        ),
        "fear": _entries(
            "afraid, scared, fear, terrified, worried, anxious, nervous, panic, frightened, "
            "danger, dangerous, threat, dread, alarming, help me"
        ),
        "surprise": _entries(
            "wow, whoa, unbelievable, incredible, shocked, surprised, unexpected, suddenly, "
            "can't believe, cannot believe, no way, oh my, can't be true, guess what, really?, "
            "what?"
        ),
        "disgust": _entries(
            "disgusting, gross, yuck, revolting, nasty, vile, sickening, ew, eww, repulsive"
        ),
        "calm": _entries(
            "calm, relax, breathe, peaceful, gently, no worries, take your time, it's alright, "
            "it's okay, don't worry, no rush, easy"
        ),
    }
)
"""The project's emotion lexicon: words and phrases (lower case) per emotion."""

NEGATIONS = frozenset(
    {"not", "never", "no", "isn't", "wasn't", "don't", "didn't", "can't", "won't"}
)

_SENTENCE = re.compile(r"[^.!?]+[.!?]*")
_TOKEN = re.compile(r"[a-z']+[?!]?")


@dataclass(frozen=True)
class SentenceEmotion:
    """The emotion read from one sentence."""

    text: str
    emotion: str  # one of facs.EMOTIONS
    intensity: float  # 0..1
    valence: float  # VADER compound, -1..1
    scores: dict[str, float] = field(default_factory=dict)


@lru_cache(maxsize=1)
def _vader() -> Any:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``, each with its closing punctuation."""
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip(" .!?\n\t")]


def analyze_sentence(sentence: str) -> SentenceEmotion:
    """The emotion of one sentence: scores per emotion, the strongest, and its intensity."""
    lowered = sentence.lower().replace("\u2019", "'")
    tokens = _TOKEN.findall(lowered)
    words = [t.rstrip("?!") for t in tokens]
    scores = dict.fromkeys(LEXICON, 0.0)
    for emotion, entries in LEXICON.items():
        for entry in entries:
            if " " in entry or entry.endswith("?"):
                scores[emotion] += lowered.count(entry)
                continue
            for i, word in enumerate(words):
                if word != entry:
                    continue
                negated = any(w in NEGATIONS for w in words[max(0, i - 3) : i])
                # "not happy" reads as sad, "not worried" as calm; a negated word never
                # counts for its own emotion.
                if negated and emotion == "joy":
                    scores["sadness"] += 0.6
                elif negated and emotion in ("sadness", "anger", "fear"):
                    scores["calm"] += 0.4
                elif not negated:
                    scores[emotion] += 1.0
    valence = float(_vader().polarity_scores(sentence)["compound"])
    scores["joy"] += 1.5 * max(valence, 0.0)
    negative = ("sadness", "anger", "fear", "disgust")
    found = sum(scores[e] for e in negative)
    for e in negative:
        share = scores[e] / found if found else (1.0 if e == "sadness" else 0.0)
        scores[e] += 1.5 * max(-valence, 0.0) * share
    if (
        "?!" in sentence
        or "!?" in sentence
        or (
            words
            and words[0] in ("what", "wow", "whoa", "oh")
            and sentence.rstrip().endswith(("?", "!"))
        )
    ):
        scores["surprise"] += 1.0
    emotion = max(scores, key=scores.__getitem__)
    best = scores[emotion]
    if best < 0.3:
        return SentenceEmotion(sentence, "neutral", 0.0, valence, scores)
    n_exclaim = sentence.count("!")
    intensity = min(1.0, 0.35 + 0.3 * best + 0.1 * n_exclaim)
    return SentenceEmotion(sentence, emotion, round(intensity, 3), valence, scores)


def analyze_text(text: str) -> list[SentenceEmotion]:
    """:func:`analyze_sentence` for each sentence of ``text``."""
    return [analyze_sentence(s) for s in split_sentences(text)]


def text_events(
    text: str, start_s: float, end_s: float, *, lead_s: float = 0.3
) -> list[dict[str, Any]]:
    """Emotion events for ``text`` spoken from ``start_s`` to ``end_s``.

    Sentences share the span in proportion to their length in characters; each event starts
    ``lead_s`` early because the face shows an emotion slightly before the words carry it.

    Returns
    -------
    list of dict
        ``start_s``, ``end_s``, ``emotion``, ``intensity`` (0..1), ``text``; neutral sentences
        are left out.
    """
    sentences = analyze_text(text)
    if end_s < start_s:
        raise InputError(f"speech span must have start_s <= end_s, got {start_s}..{end_s}")
    n_chars = np.array([len(s.text) for s in sentences], np.float64)
    bounds = start_s + (end_s - start_s) * np.concatenate([[0.0], np.cumsum(n_chars)]) / max(
        n_chars.sum(), 1.0
    )
    return [
        {
            "start_s": max(start_s, float(a) - lead_s),
            "end_s": float(b),
            "emotion": s.emotion,
            "intensity": s.intensity,
            "text": s.text,
        }
        for s, a, b in zip(sentences, bounds[:-1], bounds[1:], strict=True)
        if s.emotion != "neutral"
    ]


def events_weights(
    t_s: np.ndarray, events: list[dict[str, Any]], arousal: np.ndarray | None = None
) -> np.ndarray:
    """(n, 52) ARKit weights of emotion ``events`` at times ``t_s``, each with its envelope.

    ``arousal`` (n,) in 0..1, when given, scales intensity between 0.7x (flat voice) and 1.3x
    (aroused voice) and adds the brow raise that accompanies vocal emphasis (Cavé et al. 1996).
    """
    t = np.asarray(t_s, np.float64)
    rest = np.ones((len(t), N_BLENDSHAPES), np.float64)
    gain = np.ones(len(t)) if arousal is None else 0.7 + 0.6 * np.clip(arousal, 0.0, 1.0)
    for event in events:
        if event["emotion"] not in EMOTIONS:
            raise InputError(
                f"unknown emotion {event['emotion']!r}, expected one of {', '.join(EMOTIONS)}"
            )
        curve = envelope(t, event["start_s"], event["end_s"]) * float(event["intensity"]) * gain
        rest *= 1.0 - np.clip(curve, 0.0, 1.0)[:, None] * emotion_weights(event["emotion"])[None]
    if arousal is not None:
        emphasis = au_weights({1: 0.25, 2: 0.3})
        rest *= 1.0 - np.clip(arousal - 0.5, 0.0, 0.5)[:, None] * 2.0 * emphasis[None]
    return (1.0 - rest).astype(np.float32)


# -- audio ------------------------------------------------------------------------------------

FRAME_S = 0.04
HOP_S = 0.02
PITCH_RANGE_HZ = (70.0, 400.0)


def check_audio(audio: np.ndarray, sr: int, what: str = "audio") -> np.ndarray:
    """``audio`` as float64 mono, or an InputError saying what is wrong with it."""
    samples = np.asarray(audio)
    if samples.ndim != 1:
        raise InputError(f"{what} must be mono samples of shape (n,), got shape {samples.shape}")
    if not isinstance(sr, (int, np.integer)) or not 8000 <= sr <= 192000:
        raise InputError(f"{what} sample rate must be an integer in 8000..192000 Hz, got {sr!r}")
    if len(samples) < int(FRAME_S * sr):
        raise InputError(
            f"{what} is too short: {len(samples)} samples, need at least {FRAME_S * 1e3:.0f} ms"
        )
    samples = samples.astype(np.float64)
    if not np.all(np.isfinite(samples)):
        raise InputError(f"{what} contains NaN or infinite samples")
    return samples


def prosody(audio: np.ndarray, sr: int) -> dict[str, np.ndarray]:
    """Loudness and pitch per 20 ms hop.

    Returns
    -------
    dict
        ``t_s`` (n,) hop centres in seconds; ``level_db`` (n,) RMS level in dB re full scale;
        ``f0_hz`` (n,) autocorrelation pitch, NaN where the frame is unvoiced or silent.
    """
    x = check_audio(audio, sr)
    n_frame, n_hop = int(FRAME_S * sr), int(HOP_S * sr)
    n = 1 + (len(x) - n_frame) // n_hop
    frames = np.lib.stride_tricks.sliding_window_view(x, n_frame)[::n_hop][:n]
    frames = frames - frames.mean(axis=1, keepdims=True)
    level_db = 10.0 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    spectrum = np.fft.rfft(frames * np.hanning(n_frame), n=2 * n_frame, axis=1)
    acf = np.fft.irfft(np.abs(spectrum) ** 2, axis=1)[:, :n_frame]
    lag_lo, lag_hi = int(sr / PITCH_RANGE_HZ[1]), int(sr / PITCH_RANGE_HZ[0])
    lags = lag_lo + np.argmax(acf[:, lag_lo:lag_hi], axis=1)
    strength = acf[np.arange(n), lags] / np.maximum(acf[:, 0], 1e-12)
    voiced = (strength > 0.45) & (level_db > level_db.max() - 35.0) & (level_db > -60.0)
    f0 = np.where(voiced, sr / lags, np.nan)
    return {"t_s": (np.arange(n) * n_hop + n_frame / 2) / sr, "level_db": level_db, "f0_hz": f0}


def arousal_curve(
    audio: np.ndarray, sr: int, t_s: np.ndarray, *, window_s: float = 1.5
) -> np.ndarray:
    """Vocal arousal 0..1 at times ``t_s``, from loudness and pitch spread over ``window_s``.

    Loudness of voiced frames is scored against -26 dBFS (a typical speech level) and the pitch
    spread against 2.5 semitones (between flat and lively read speech); each goes through a
    logistic and the two are averaged. Silence has arousal 0.
    """
    p = prosody(audio, sr)
    n_window = max(1, int(round(window_s / HOP_S)))
    voiced = np.isfinite(p["f0_hz"])
    semitones = np.where(voiced, 12.0 * np.log2(np.where(voiced, p["f0_hz"], 1.0) / 100.0), 0.0)
    kernel = np.ones(n_window)

    def windowed(values: np.ndarray) -> np.ndarray:
        # A centred window sum of len(values), also when the take is shorter than the window
        # (where mode="same" would return the kernel's length).
        start = (len(kernel) - 1) // 2
        return np.convolve(values, kernel)[start:start + len(values)]

    n_voiced = windowed(voiced.astype(np.float64))
    safe = np.maximum(n_voiced, 1.0)
    mean_st = windowed(semitones) / safe
    spread_st = np.sqrt(np.maximum(windowed(semitones**2) / safe - mean_st**2, 0.0))
    level = windowed(np.where(voiced, p["level_db"], 0.0)) / safe
    score = 0.5 / (1 + np.exp(-(level + 26.0) / 4.0)) + 0.5 / (1 + np.exp(-(spread_st - 2.5) / 1.0))
    score = np.where(n_voiced >= 0.2 * n_window, score, 0.0)
    return np.interp(np.asarray(t_s, np.float64), p["t_s"], score)


def speech_activity_from_audio(
    audio: np.ndarray, sr: int, t_s: np.ndarray, *, hangover_s: float = 0.15
) -> np.ndarray:
    """(n,) bool: whether someone is speaking at each of ``t_s``, from the audio's energy.

    A hop counts as speech when within 35 dB of the loudest hop and above -60 dBFS; gaps
    shorter than ``hangover_s`` are bridged, since stop closures are not pauses.
    """
    p = prosody(audio, sr)
    active = (p["level_db"] > p["level_db"].max() - 35.0) & (p["level_db"] > -60.0)
    n_bridge = int(round(hangover_s / HOP_S))
    if n_bridge:
        active = binary_closing(active, np.ones(2 * n_bridge + 1, bool), border_value=0) | active
    hop = np.clip(np.searchsorted(p["t_s"], np.asarray(t_s, np.float64)), 0, len(active) - 1)
    return active[hop]
