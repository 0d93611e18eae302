"""Talk sessions: text in, speech audio and the face animation that speaks it out."""

from __future__ import annotations

import io
import json
import wave
from dataclasses import dataclass

import numpy as np

from likeness.errors import InputError
from likeness.frame import Animation

MAX_TEXT_CHARS = 1000
"""Longest text one talk request may ask to speak (about a minute of speech)."""
ANIMATION_FPS = 60.0


@dataclass(frozen=True)
class Utterance:
    """One answer of a talk session: the audio and the animation of the same speech."""

    pcm: np.ndarray
    sr: int
    animation: Animation

    def audio_wav(self) -> bytes:
        """The audio as a 16-bit mono WAV file (the page decodes it with ``decodeAudioData``)."""
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(self.sr)
            wav.writeframes((np.clip(self.pcm, -1, 1) * 32767).astype("<i2").tobytes())
        return buffer.getvalue()

    def animation_message(self, utterance_id: int) -> str:
        """The ``utterance`` JSON message: the animation as columns, times from the audio start."""
        a = self.animation
        return json.dumps(
            {
                "type": "utterance",
                "id": utterance_id,
                "sr": self.sr,
                "duration_s": round(len(self.pcm) / self.sr, 4),
                "fps": a.fps,
                "t_s": np.round(a.t_s, 4).tolist(),
                "weights": np.round(a.weights, 4).tolist(),
                "head_rotation": np.round(a.head_rotation, 5).tolist(),
                "eyes_rad": np.round(a.eyes_rad, 4).tolist(),
            },
            separators=(",", ":"),
        )


def speak(text: str, *, voice: str = "en-us", rate_wpm: int = 175) -> Utterance:
    """Synthesize ``text`` and animate the face speaking it, with behaviour layers on top.

    Parameters
    ----------
    text : str
        1..:data:`MAX_TEXT_CHARS` characters.
    voice : str
        espeak-ng voice.
    rate_wpm : int
        Speaking rate, words per minute.
    """
    from likeness.behave import apply_behaviour
    from likeness.speech.lipsync import say

    if not isinstance(text, str) or not text.strip():
        raise InputError("talk: expected non-empty text to say")
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(f"talk: text of {len(text)} characters, expected at most {MAX_TEXT_CHARS}")
    # The synthesizer's own phoneme timings: the mouth lands on the sound it makes, exactly.
    animation, speech = say(text, voice=voice, rate_wpm=rate_wpm, fps=ANIMATION_FPS)
    # Speech activity comes from the phoneme track; emotion from the text and the voice.
    animation = apply_behaviour(animation, text=text, audio=speech.pcm, sr=speech.sample_rate_hz)
    return Utterance(speech.pcm, speech.sample_rate_hz, animation)
