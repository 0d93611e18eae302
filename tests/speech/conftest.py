"""Speech made by espeak-ng, whose phoneme timings are the ground truth of these tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from likeness.bench.speech import SENTENCES as BENCH_SENTENCES
from likeness.sources.audio import write_wav
from likeness.speech import tts
from likeness.speech.lipsync import resample
from likeness.speech.phonemes import Phone

SENTENCES = BENCH_SENTENCES[:5]
"""Rich in bilabials, labiodentals, open and close vowels; the bench adds a question."""


@dataclass(frozen=True)
class Utterance:
    """Synthesized speech with its true phones, at espeak-ng's rate and at 16 kHz."""

    text: str
    speech: tts.Speech
    truth: list[Phone]
    pcm16k: np.ndarray

    @property
    def duration_s(self) -> float:
        return len(self.speech.pcm) / self.speech.sample_rate_hz


def make_utterance(text: str, **kwargs: object) -> Utterance:
    speech = tts.synthesize(text, **kwargs)  # type: ignore[arg-type]
    duration_s = len(speech.pcm) / speech.sample_rate_hz
    return Utterance(text, speech, tts.phones_from_events(speech.phonemes, duration_s),
                     resample(speech.pcm, speech.sample_rate_hz))


@pytest.fixture(scope="session")
def corpus() -> list[Utterance]:
    return [make_utterance(text) for text in SENTENCES]


@pytest.fixture(scope="session")
def utterance(corpus: list[Utterance]) -> Utterance:
    return corpus[0]


@pytest.fixture(scope="session")
def speech_wav(tmp_path_factory: pytest.TempPathFactory, utterance: Utterance) -> Path:
    path = tmp_path_factory.mktemp("speech") / "bob.wav"
    write_wav(path, utterance.speech.pcm, utterance.speech.sample_rate_hz)
    return path
