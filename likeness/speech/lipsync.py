"""Speech -> :class:`~likeness.frame.Animation`: the offline lip-sync pipeline.

audio -> phones (alignment to a transcript, or recognition) -> coarticulated mouth curves, plus
prosody -> brows, nods and jaw loudness -> frames, with the phoneme and viseme tracks attached.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from likeness.errors import InputError
from likeness.frame import Animation, quaternions_from_euler
from likeness.sources.audio import WORKING_RATE_HZ, read_audio
from likeness.speech.coarticulation import DEFAULT_OPTIONS, CoarticulationOptions, mouth_curves
from likeness.speech.expression import Expression, Levels, express
from likeness.speech.phonemes import Phone
from likeness.speech.prosody import Prosody, analyze

if TYPE_CHECKING:
    from likeness.speech.tts import Speech

MIN_VISEME_S = 0.06
"""Visemes in the track shorter than this merge into a neighbour (lip closures excepted), so
engines that switch visemes do not flutter."""
_KEEP_SHORT = frozenset({"PP", "FF"})


def resample(pcm: np.ndarray, sr: int, target_sr: int = WORKING_RATE_HZ) -> np.ndarray:
    """Mono audio at ``sr`` -> ``target_sr`` (polyphase, anti-aliased), float32."""
    from math import gcd

    from scipy.signal import resample_poly

    if sr <= 0:
        raise InputError(f"sample rate must be positive, got {sr}")
    if sr == target_sr:
        return np.asarray(pcm, np.float32)
    g = gcd(int(sr), int(target_sr))
    out = resample_poly(np.asarray(pcm, np.float64), target_sr // g, int(sr) // g)
    return out.astype(np.float32)


def _mono(pcm: np.ndarray) -> np.ndarray:
    pcm = np.asarray(pcm, np.float32)
    if pcm.ndim == 2:
        # (n, channels) as soundfile gives it, or (channels, n) as PyAV does: the longer axis
        # is time.
        pcm = pcm.mean(axis=1 if pcm.shape[0] >= pcm.shape[1] else 0)
    if pcm.ndim != 1:
        raise InputError(f"expected audio of shape (n,) or (n, channels), got {pcm.shape}")
    if not np.all(np.isfinite(pcm)):
        raise InputError("audio contains NaN or infinite samples")
    return pcm


def lipsync(pcm: np.ndarray, sr: int, *, text: str | None = None, fps: float = 60.0,
            recognizer: str = "accurate",
            options: CoarticulationOptions = DEFAULT_OPTIONS) -> Animation:
    """Animate a face speaking the given audio.

    Parameters
    ----------
    pcm : ndarray, float, shape (n,) or (n, channels)
        Audio in -1..1 at any rate; channels are averaged.
    sr : int
        Sample rate in Hz.
    text : str, optional
        Transcript. With it, phones come from forced alignment; without it (or when it does not
        match the audio: a warning is logged), from phone recognition.
    fps : float
        Output frame rate.
    recognizer : str
        The phone recogniser used without a transcript, one of
        :data:`~likeness.speech.recognizers.RECOGNIZERS`: ``"accurate"``, or ``"fast"`` (1.6x
        faster, fewer lip closures).

    Returns
    -------
    Animation
        One frame per ``1 / fps`` s covering the audio, with ``tracks["phonemes"]`` and
        ``tracks["visemes"]`` and ``metadata["speech"]`` (how the phones were found).
    """
    from likeness.speech import recognize

    if not (np.isfinite(fps) and fps > 0):
        raise InputError(f"fps must be a positive number, got {fps}")
    recognize.check_recognizer(recognizer)
    audio = resample(_mono(pcm), sr)
    if text is not None and text.strip():
        result = recognize.align(audio, WORKING_RATE_HZ, text, recognizer)
    else:
        result = recognize.Recognition(
            recognize.recognize(audio, WORKING_RATE_HZ, recognizer), False)
    marks = transcript_marks(result.phones, text) if result.aligned and text else []
    animation = animate(result.phones, audio, WORKING_RATE_HZ, fps=fps, marks=marks,
                        options=options)
    animation.metadata["speech"] = {
        "phones_from": "alignment" if result.aligned else "recognition",
        "transcript": text if result.aligned else None,
        "recognizer": None if result.aligned else recognizer,
    }
    return animation


def lipsync_file(path: str | os.PathLike[str], *, text: str | None = None, fps: float = 60.0,
                 recognizer: str = "accurate",
                 options: CoarticulationOptions = DEFAULT_OPTIONS) -> Animation:
    """:func:`lipsync` on an audio file (WAV, FLAC, MP3, OGG...), read through PyAV."""
    animation = lipsync(read_audio(path), WORKING_RATE_HZ, text=text, fps=fps,
                        recognizer=recognizer, options=options)
    animation.metadata["speech"]["audio"] = os.fspath(path)
    return animation


def say(text: str, *, voice: str = "en-us", rate_wpm: int = 175, fps: float = 60.0,
        options: CoarticulationOptions = DEFAULT_OPTIONS) -> tuple[Animation, Speech]:
    """Speak ``text`` with espeak-ng and animate it from the synthesizer's own phoneme timings.

    Parameters
    ----------
    text : str
        What to say.
    voice : str
        espeak-ng voice (``"en-us"``, ``"en"``, ``"en-us+f3"``...).
    rate_wpm : int
        Words per minute.
    fps : float
        Output frame rate.

    Returns
    -------
    animation : Animation
        The talking face, with phoneme and viseme tracks.
    speech : Speech
        The audio (``speech.pcm`` at ``speech.sample_rate_hz``) and events it was made from.
    """
    from likeness.speech.tts import phones_from_events, synthesize

    speech = synthesize(text, voice=voice, rate_wpm=rate_wpm)
    duration_s = len(speech.pcm) / speech.sample_rate_hz
    phones = phones_from_events(speech.phonemes, duration_s)
    marks = [(w.start_s, w.end_mark) for w in speech.words if w.end_mark]
    animation = animate(phones, speech.pcm, speech.sample_rate_hz, fps=fps, stress_known=True,
                        marks=marks, options=options)
    animation.metadata["speech"] = {"phones_from": "synthesizer", "transcript": text,
                                    "voice": voice, "rate_wpm": rate_wpm}
    return animation, speech


def transcript_marks(phones: Sequence[Phone], text: str) -> list[tuple[float, str]]:
    """``(end_s, "?"|"!"|".")`` of each aligned word that ends a sentence in ``text``."""
    from likeness.speech.recognize import WORD_PATTERN

    lowered = text.lower().replace("\u2019", "'")
    ends = []
    for match in WORD_PATTERN.finditer(lowered):
        after = lowered[match.end():].lstrip(" \"')\u201d")
        ends.append(after[:1] if after[:1] in "?!." else "")
    spoken: list[float] = []  # end time of each aligned word, in order
    previous = ""
    for phone in phones:
        if phone.word and phone.word == previous:
            spoken[-1] = phone.end_s
        elif phone.word:
            spoken.append(phone.end_s)
        previous = phone.word
    if len(spoken) != len(ends):
        return []
    return [(t, mark) for t, mark in zip(spoken, ends, strict=True) if mark]


def animate(phones: Sequence[Phone], pcm: np.ndarray, sr: int, *, fps: float = 60.0,
            stress_known: bool = False, marks: Sequence[tuple[float, str]] = (),
            options: CoarticulationOptions = DEFAULT_OPTIONS) -> Animation:
    """Timed phones and their audio -> animation (the part shared by lip-sync and TTS).

    Parameters
    ----------
    phones : sequence of Phone
        Phones with times in seconds.
    pcm : ndarray, float32, shape (n,)
        The mono audio the phones were spoken in (for prosody).
    sr : int
        Its sample rate in Hz.
    fps : float
        Output frame rate.
    stress_known : bool
        The phones carry lexical stress (as the synthesizer's do).
    marks : sequence of (float, str)
        Sentence punctuation times from a transcript (see :func:`transcript_marks`).
    """
    n_frames = max(1, int(np.ceil(len(pcm) / sr * fps)))
    t_s = np.arange(n_frames) / fps
    empty = np.zeros(0, np.float32)
    prosody = analyze(pcm, sr) if len(pcm) else Prosody(np.zeros(0), empty, empty)
    expression = express(phones, prosody, t_s, Levels.of(prosody), stress_known=stress_known,
                         marks=marks)
    return compose(phones, t_s, expression, fps=fps, options=options)


def face_curves(phones: Sequence[Phone], t_s: np.ndarray, expression: Expression,
                options: CoarticulationOptions = DEFAULT_OPTIONS) -> tuple[np.ndarray, np.ndarray]:
    """Mouth curves and expression at ``t_s`` -> (weights (n, 52), head quaternions (n, 4))."""
    # Sound without voicing nearby (noise, breath, clicks) does not move the mouth.
    weights = mouth_curves(phones, t_s, expression.loudness, options) * expression.speaking[:, None]
    upper = expression.weights.any(axis=0)
    weights[:, upper] = expression.weights[:, upper]
    euler = np.zeros((len(t_s), 3), np.float32)
    euler[:, 1] = expression.head_pitch_rad
    return weights, quaternions_from_euler(euler)


def compose(phones: Sequence[Phone], t_s: np.ndarray, expression: Expression, *, fps: float,
            options: CoarticulationOptions = DEFAULT_OPTIONS) -> Animation:
    """Mouth curves plus expression at ``t_s`` -> Animation with tracks."""
    animation = Animation.neutral(len(t_s), fps, t0_s=float(t_s[0]) if len(t_s) else 0.0)
    animation.t_s = np.asarray(t_s, np.float64)
    animation.weights, animation.head_rotation = face_curves(phones, t_s, expression, options)
    animation.tracks = tracks(phones, expression)
    return animation


def viseme_track(phones: Sequence[Phone]) -> list[dict]:
    """Phones -> Oculus viseme segments: repeats merged, flutter-length ones absorbed."""
    segments: list[dict] = []
    for phone in phones:
        if segments and segments[-1]["viseme"] == phone.viseme:
            segments[-1]["end_s"] = phone.end_s
        else:
            segments.append(
                {"start_s": phone.start_s, "end_s": phone.end_s, "viseme": phone.viseme})
    merged: list[dict] = []
    for segment in segments:
        short = segment["end_s"] - segment["start_s"] < MIN_VISEME_S
        if merged and short and segment["viseme"] not in _KEEP_SHORT:
            merged[-1]["end_s"] = segment["end_s"]
        elif merged and merged[-1]["viseme"] == segment["viseme"]:
            merged[-1]["end_s"] = segment["end_s"]
        else:
            merged.append(dict(segment))
    if len(merged) > 1 and merged[0]["end_s"] - merged[0]["start_s"] < MIN_VISEME_S:
        first = merged.pop(0)
        merged[0]["start_s"] = first["start_s"]
    return [{**s, "start_s": round(s["start_s"], 4), "end_s": round(s["end_s"], 4)} for s in merged]


def tracks(phones: Sequence[Phone], expression: Expression) -> dict[str, list[dict]]:
    """The event tracks written with the animation: phonemes, visemes, stress, questions..."""
    return {
        "phonemes": [
            {"start_s": round(p.start_s, 4), "end_s": round(p.end_s, 4), "phoneme": p.phoneme,
             "viseme": p.viseme, "stress": p.stress, "word": p.word}
            for p in phones
        ],
        "visemes": viseme_track(phones),
        "stressed": [{"start_s": round(phones[i].start_s, 4), "end_s": round(phones[i].end_s, 4),
                      "phoneme": phones[i].phoneme} for i in expression.prominent],
        "questions": [{"start_s": round(a, 4), "end_s": round(b, 4)}
                      for a, b in expression.questions],
        "exclamations": [{"start_s": round(a, 4), "end_s": round(b, 4)}
                         for a, b in expression.exclamations],
    }
