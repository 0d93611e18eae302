"""Fixtures for the behaviour tests: real `say` output (espeak-ng speech, its exact phoneme
timings, and the project's lip-sync), made once per session."""

from __future__ import annotations

import numpy as np
import pytest

from likeness.behave import BehaviourOptions, apply_behaviour
from likeness.frame import Animation

STORY = (
    "The harbour was quiet when the boats came back that evening. Nobody expected the storm to "
    "pass so quickly. We walked along the pier, talking about the summer and the people we had "
    "met. Do you remember the old lighthouse keeper? He told us stories about ships that never "
    "came home. Some of them were true, I think, and some were only for the children. "
)


@pytest.fixture(scope="session")
def five_minutes() -> tuple[Animation, Animation]:
    """About five minutes of `say` output, before and after every behaviour layer."""
    from likeness.speech.lipsync import say

    text = STORY * 15
    spoken, speech = say(text)
    assert spoken.duration_s > 290
    behaved = apply_behaviour(spoken, BehaviourOptions(seed=0), text=text, audio=speech.pcm,
                              sr=speech.sample_rate_hz)
    return spoken, behaved


def neutral_take(duration_s: float, fps: float = 60.0) -> Animation:
    """A still face with nothing said."""
    return Animation.neutral(int(duration_s * fps), fps)


def speech_spans(speaking: np.ndarray, fps: float) -> list[dict]:
    """A phonemes track marking where ``speaking`` is true."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], speaking.astype(int), [0]])))
    return [
        {"start_s": a / fps, "end_s": b / fps, "phoneme": "AH"}
        for a, b in zip(edges[::2], edges[1::2], strict=True)
    ]
