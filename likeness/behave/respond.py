"""Autonomous response: the agent's face reacts to what the other side said, before and while it
speaks its reply.

A :class:`Brain` reads the exchange and decides the reaction. The default, :class:`RuleBrain`,
needs nothing outside the package; :class:`ChatBrain` asks any OpenAI-compatible chat endpoint
and is used only when one is configured (``LIKENESS_BRAIN_URL``).

Timeline of a response: the user's turn (its length estimated at a conversational 150 words a
minute), a turn-taking gap of 300 ms (Stivers et al. 2009), then the reply. The reaction rises
while the user speaks and carries into the first second of the reply; then the reply's own
emotion, read sentence by sentence, takes over.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from likeness.behave.emotion import analyze_text, text_events
from likeness.behave.facs import EMOTIONS
from likeness.behave.layers import BehaviourOptions, apply_behaviour, speech_activity
from likeness.errors import InputError, SourceError
from likeness.frame import Animation

log = logging.getLogger(__name__)

USER_WORDS_PER_S = 2.5
TURN_GAP_S = 0.3
REPLY_WORDS_PER_S = 175 / 60

_THANKS = re.compile(r"\b(thanks?|thank you|appreciate|grateful)\b", re.I)
_NEWS = re.compile(
    r"\b(guess what|you won't believe|i just found out|i got|we got|i'm pregnant|"
    r"i'm getting married|i quit|i won)\b",
    re.I,
)


@dataclass(frozen=True)
class Reaction:
    """What the face does: while listening (and just after), and while speaking the reply.

    ``speaking_emotion`` is ``auto`` to read the reply sentence by sentence.
    """

    listening_emotion: str
    listening_intensity: float
    speaking_emotion: str = "auto"
    speaking_intensity: float = 0.5
    reason: str = ""

    def __post_init__(self) -> None:
        for name, emotion in (
            ("listening", self.listening_emotion),
            ("speaking", self.speaking_emotion),
        ):
            allowed = EMOTIONS + (("auto",) if name == "speaking" else ())
            if emotion not in allowed:
                raise InputError(
                    f"{name} emotion must be one of {', '.join(allowed)}, got {emotion!r}"
                )
        for value in (self.listening_intensity, self.speaking_intensity):
            if not 0.0 <= value <= 1.0:
                raise InputError(f"reaction intensities must be in 0..1, got {value}")


class Brain(Protocol):
    """Anything that decides a face's reaction to an exchange."""

    def react(self, user: str, reply: str) -> Reaction: ...


class RuleBrain:
    """The built-in brain: rules over the emotion read from the user's words.

    Thanks -> warmth (a gentle smile); tension (anger or fear, or shouting) -> a calm, measured
    face that stays calm while replying; unexpected news -> surprise, then the reply's own
    emotion; otherwise a softened mirror of the user's emotion (empathy).
    """

    def react(self, user: str, reply: str) -> Reaction:
        sentences = analyze_text(user)
        if not sentences:
            return Reaction("neutral", 0.0, reason="nothing was said")
        strongest = max(sentences, key=lambda s: s.intensity)
        shouting = (
            sum(w.isupper() and len(w) > 2 for w in user.split()) >= 2 or user.count("!") >= 3
        )
        if _THANKS.search(user):
            return Reaction("joy", 0.45, "auto", reason="thanks: warmth")
        if strongest.emotion in ("anger", "fear", "disgust") or shouting:
            return Reaction(
                "calm", 0.7, "calm", 0.6, reason=f"user is tense ({strongest.emotion}): calm"
            )
        if strongest.emotion == "surprise" or _NEWS.search(user):
            return Reaction("surprise", 0.8, "auto", reason="unexpected news: surprise")
        if strongest.emotion != "neutral":
            return Reaction(
                strongest.emotion,
                0.6 * strongest.intensity,
                "auto",
                reason=f"mirroring the user's {strongest.emotion}",
            )
        return Reaction("neutral", 0.0, "auto", reason="no emotion in the user's words")


SYSTEM_PROMPT = (
    "You direct the face of a conversational agent. Given the user's message and the agent's "
    "reply, decide how the face reacts while listening and while speaking. Answer with JSON only: "
    '{"listening": {"emotion": E, "intensity": 0..1}, "speaking": {"emotion": E or "auto", '
    '"intensity": 0..1}, "reason": "a few words"} where E is one of ' + ", ".join(EMOTIONS) + "."
)


@dataclass
class ChatBrain:
    """A brain behind an OpenAI-compatible ``/chat/completions`` endpoint.

    Parameters
    ----------
    base_url : str
        The API root, e.g. ``http://localhost:8000/v1``.
    model : str
        Model name the endpoint expects.
    api_key : str, optional
        Sent as a bearer token.
    timeout_s : float
    transport : httpx transport, optional
        For tests (``httpx.MockTransport``).
    """

    base_url: str
    model: str
    api_key: str | None = None
    timeout_s: float = 20.0
    transport: Any = field(default=None, repr=False)

    def react(self, user: str, reply: str) -> Reaction:
        import httpx

        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        body = {
            "model": self.model,
            "temperature": 0,
            "messages": [
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": json.dumps({"user": user, "reply": reply})},
            ],
        }
        url = self.base_url.rstrip("/") + "/chat/completions"
        try:
            with httpx.Client(timeout=self.timeout_s, transport=self.transport) as client:
                response = client.post(url, json=body, headers=headers)
                response.raise_for_status()
                content = response.json()["choices"][0]["message"]["content"]
        except httpx.HTTPError as e:
            raise SourceError(f"brain at {url} failed: {e}") from e
        except (KeyError, IndexError, TypeError, ValueError) as e:
            raise SourceError(f"brain at {url} sent no chat completion: {e}") from e
        return parse_reaction(content, url)


def parse_reaction(content: str, source: str) -> Reaction:
    """A :class:`Reaction` from a brain's JSON answer (code fences allowed)."""
    match = re.search(r"\{.*\}", content, re.S)
    try:
        data = json.loads(match.group(0) if match else content)
        return Reaction(
            str(data["listening"]["emotion"]),
            float(data["listening"]["intensity"]),
            str(data["speaking"]["emotion"]),
            float(data["speaking"].get("intensity", 0.5)),
            str(data.get("reason", "")),
        )
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
        raise SourceError(
            f"brain at {source} answered {content[:200]!r}, expected the reaction JSON: {e}"
        ) from e


def brain_from_settings(url: str | None = None, model: str | None = None) -> Brain:
    """A :class:`ChatBrain` when an endpoint is configured (argument or ``LIKENESS_BRAIN_URL``),
    else the :class:`RuleBrain`."""
    from likeness.settings import env

    url = url or env("BRAIN_URL")
    if not url:
        if model:
            raise InputError(f"a brain model ({model!r}) needs an endpoint: give --brain-url "
                             "or set LIKENESS_BRAIN_URL")
        return RuleBrain()
    return ChatBrain(url, model or env("BRAIN_MODEL") or "default", api_key=env("BRAIN_API_KEY"))


@dataclass
class Response:
    """A whole response: the animation, the reply's audio when spoken, and the reaction chosen."""

    animation: Animation
    audio: np.ndarray | None
    sr: int | None
    reaction: Reaction


Speaker = Callable[[str, float], tuple[Animation, "np.ndarray | None", "int | None"]]
"""``(text, fps) -> (animation with a phonemes track, audio, sample rate)``."""


def default_speaker(text: str, fps: float) -> tuple[Animation, np.ndarray | None, int | None]:
    """Speak ``text`` with likeness's TTS and lip-sync it (:func:`likeness.speech.lipsync.say`)."""
    from likeness.speech.lipsync import say

    animation, speech = say(text, fps=fps)
    return animation, speech.pcm, speech.sample_rate_hz


def respond(
    user: str,
    reply: str,
    *,
    brain: Brain | None = None,
    speaker: Speaker | None = None,
    fps: float = 60.0,
    seed: int = 0,
) -> Response:
    """The agent's face while it hears ``user`` and speaks ``reply``.

    Parameters
    ----------
    user, reply : str
        What the other side said, and what the agent answers (neither empty).
    brain : Brain, optional
        Decides the reaction; :class:`RuleBrain` when not given.
    speaker : callable, optional
        ``(text, fps) -> (animation, audio, sr)`` that speaks the reply; :func:`default_speaker`.
    fps : float
    seed : int

    Returns
    -------
    Response
        ``animation`` covers the user's turn (track ``listening``) and the reply (tracks
        ``phonemes``, ``emotions``, ``blinks``, ``saccades``); ``audio`` is the reply's voice,
        starting at ``animation.metadata["reply_start_s"]``.
    """
    if not user.strip() or not reply.strip():
        raise InputError("respond needs both the user's words and the reply, got an empty one")
    reaction = (brain or RuleBrain()).react(user, reply)
    spoken, audio, sr = (speaker or default_speaker)(reply, fps)
    if spoken.fps != fps:
        spoken = spoken.resample(fps)
    listen_s = max(1.5, len(user.split()) / USER_WORDS_PER_S)
    n_lead = int(round((listen_s + TURN_GAP_S) * fps))
    reply_start_s = n_lead / fps
    animation = Animation.neutral(n_lead + len(spoken), fps)
    animation.weights[n_lead:] = spoken.weights
    animation.head_rotation[n_lead:] = spoken.head_rotation
    animation.eyes_rad[n_lead:] = spoken.eyes_rad
    offset_s = reply_start_s - (float(spoken.t_s[0]) if len(spoken) else 0.0)
    animation.tracks = {
        name: [
            {**e, "start_s": e["start_s"] + offset_s, "end_s": e["end_s"] + offset_s}
            for e in entries
        ]
        for name, entries in spoken.tracks.items()
    }
    animation.tracks["listening"] = [{"start_s": 0.0, "end_s": reply_start_s}]
    animation.metadata.update(spoken.metadata)
    animation.metadata.update(
        user=user,
        reply=reply,
        reply_start_s=reply_start_s,
        reaction={
            "listening": reaction.listening_emotion,
            "speaking": reaction.speaking_emotion,
            "reason": reaction.reason,
        },
    )
    speech_t = animation.t_s[speech_activity(animation)]
    speech_span = (
        (float(speech_t[0]), float(speech_t[-1]))
        if len(speech_t)
        else (reply_start_s, float(animation.t_s[-1]))
    )
    events = reaction_events(reaction, reply, listen_s, *speech_span)
    out = apply_behaviour(animation, BehaviourOptions(seed=seed), events=events)
    return Response(out, audio, sr, reaction)


def reaction_events(
    reaction: Reaction, reply: str, listen_s: float, speech_start_s: float, speech_end_s: float
) -> list[dict[str, Any]]:
    """Emotion events of a response: the reaction from the middle of the user's turn into the
    first second of the reply, then the reply's own emotion."""
    events: list[dict[str, Any]] = []
    if reaction.listening_emotion != "neutral" and reaction.listening_intensity > 0:
        events.append(
            {
                "start_s": 0.4 * listen_s,
                "end_s": speech_start_s + 1.0,
                "emotion": reaction.listening_emotion,
                "intensity": reaction.listening_intensity,
            }
        )
    if reaction.speaking_emotion == "auto":
        # The reaction holds the face until the reply's own emotion has risen.
        takeover_s = speech_start_s + 0.6
        events += [
            {**e, "start_s": max(e["start_s"], takeover_s)}
            for e in text_events(reply, speech_start_s, speech_end_s)
            if e["end_s"] > takeover_s
        ]
    elif reaction.speaking_emotion != "neutral":
        events.append(
            {
                "start_s": speech_start_s,
                "end_s": speech_end_s,
                "emotion": reaction.speaking_emotion,
                "intensity": reaction.speaking_intensity,
            }
        )
    return events
