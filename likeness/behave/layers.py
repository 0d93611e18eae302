"""Putting the behaviour layers together over an Animation, and who owns which channel.

Lip-sync keeps the mouth: the channels that shape speech (jaw, lip closure, rounding, lip
raise and lower, tongue, cheek puff) are never touched by emotion when the take carries speech.
Emotion carries the brows, lids, cheeks, nose and mouth corners, combined with what the take
already has as ``1 - (1 - a)(1 - b)``, which stays in 0..1 and never lowers a tracked weight.
Mouth corners give way to lip rounding: a smile cannot stretch lips that are making an "oo".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from likeness.behave.blink import Blink, BlinkEvent
from likeness.behave.emotion import (
    arousal_curve,
    events_weights,
    speech_activity_from_audio,
    text_events,
)
from likeness.behave.gaze import Gaze, GazeOptions, Saccade
from likeness.behave.idle import Idle
from likeness.behave.names import EMOTIONS, LAYERS
from likeness.blendshapes import INDEX, NAMES
from likeness.errors import InputError
from likeness.frame import Animation, FaceFrame

SPEECH_CHANNELS: tuple[int, ...] = tuple(
    i
    for i, name in enumerate(NAMES)
    if name.startswith(
        (
            "jaw",
            "mouthClose",
            "mouthFunnel",
            "mouthPucker",
            "mouthRoll",
            "mouthPress",
            "mouthLowerDown",
            "mouthUpperUp",
            "mouthShrugUpper",
            "tongue",
            "cheekPuff",
        )
    )
    or name in ("mouthLeft", "mouthRight")
)
"""Channels lip-sync owns: emotion leaves them alone whenever the take carries speech."""

MOUTH_CORNERS: tuple[int, ...] = tuple(
    i
    for i, name in enumerate(NAMES)
    if name.startswith(("mouthSmile", "mouthFrown", "mouthDimple", "mouthStretch"))
)
ROUNDING = (INDEX["mouthPucker"], INDEX["mouthFunnel"])

SILENCE_LABELS = frozenset({"", "sil", "sp", "spn", "pau", "_", "<sil>", "silence"})
"""Phoneme labels that mark silence rather than speech."""


def speech_activity(
    animation: Animation, *, audio: np.ndarray | None = None, sr: int | None = None
) -> np.ndarray:
    """(n,) bool: whether the face is speaking at each frame.

    From the ``phonemes`` track when the take has one (labels under ``phoneme``, ``label`` or
    ``symbol``; silence labels excluded), else from the audio's energy, else never.
    """
    t = animation.t_s
    active = np.zeros(len(t), bool)
    phonemes = animation.tracks.get("phonemes")
    if phonemes:
        for p in phonemes:
            label = str(p.get("phoneme", p.get("label", p.get("symbol", "x")))).strip().lower()
            if label not in SILENCE_LABELS:
                active |= (t >= p["start_s"]) & (t < p["end_s"])
        return active
    if audio is not None:
        if sr is None:
            raise InputError("audio was given without its sample rate sr")
        return speech_activity_from_audio(audio, sr, t)
    return active


def in_tracks(animation: Animation, name: str) -> np.ndarray:
    """(n,) bool: frames inside any span of the track ``name`` (False where there is none)."""
    inside = np.zeros(len(animation), bool)
    for span in animation.tracks.get(name, []):
        inside |= (animation.t_s >= span["start_s"]) & (animation.t_s < span["end_s"])
    return inside


def compose_emotion(weights: np.ndarray, emotion: np.ndarray, *, keep_mouth: bool) -> np.ndarray:
    """Lay emotion weights over a take's weights, (n, 52) each, by the ownership rules above.

    Channels the emotion does not touch keep their exact values.
    """
    emotion = emotion.copy()
    rounding = weights[:, ROUNDING].max(axis=1, keepdims=True)
    emotion[:, MOUTH_CORNERS] *= 1.0 - np.clip(rounding, 0.0, 1.0)
    if keep_mouth:
        emotion[:, SPEECH_CHANNELS] = 0.0
    out = np.array(weights, np.float32)
    touched = emotion.any(axis=0)
    out[:, touched] = 1.0 - (1.0 - weights[:, touched]) * (1.0 - emotion[:, touched])
    return out


class EmotionLayer:
    """Stateless stage adding emotion events to frames: ``FaceFrame -> FaceFrame``.

    Parameters
    ----------
    events : list of dict
        ``start_s``, ``end_s``, ``emotion``, ``intensity`` (see :func:`emotion.text_events`).
    keep_mouth : bool
        True when a lip-sync source owns the mouth.
    """

    def __init__(self, events: list[dict[str, Any]], *, keep_mouth: bool = True) -> None:
        self.events = events
        self.keep_mouth = keep_mouth

    def __call__(self, frame: FaceFrame) -> FaceFrame:
        emotion = events_weights(np.array([frame.t_s]), self.events)
        weights = compose_emotion(frame.weights[None], emotion, keep_mouth=self.keep_mouth)[0]
        return frame.replace(weights=weights)


def emotion_events(
    animation: Animation,
    emotion: str,
    *,
    text: str | None,
    speaking: np.ndarray,
    intensity: float = 0.6,
) -> list[dict[str, Any]]:
    """Emotion events for a take: read from ``text`` (``auto``) or one emotion held throughout.

    A fixed emotion spans the speech when there is any, else the whole take.
    """
    if emotion not in ("auto",) + EMOTIONS:
        raise InputError(f"emotion must be auto or one of {', '.join(EMOTIONS)}, got {emotion!r}")
    if not len(animation) or emotion == "neutral" or (emotion == "auto" and not text):
        return []
    t = animation.t_s
    span = t[speaking] if speaking.any() else t
    start_s, end_s = float(span[0]), float(span[-1])
    if emotion == "auto":
        return text_events(text or "", start_s, end_s)
    return [{"start_s": start_s, "end_s": end_s, "emotion": emotion, "intensity": intensity}]


@dataclass(frozen=True)
class BehaviourOptions:
    """Which behaviour layers a take gets, and how they behave."""

    layers: tuple[str, ...] = LAYERS  # any of LAYERS, named in any order (see LAYERS)
    emotion: str = "auto"  # "auto" (from the text, scaled by vocal arousal) or a facs.EMOTIONS
    look_at: str | tuple[float, float, float] = "camera"  # "camera", "ahead" or (x, y, z) m
    seed: int = 0  # seed of every random draw: the same inputs and seed give the same output

    def __post_init__(self) -> None:
        unknown = [name for name in self.layers if name not in LAYERS]
        if unknown:
            raise InputError(
                f"unknown behaviour layer(s) {unknown}, expected any of {', '.join(LAYERS)}"
            )
        if self.emotion not in ("auto",) + EMOTIONS:
            raise InputError(
                f"emotion must be auto or one of {', '.join(EMOTIONS)}, got {self.emotion!r}"
            )
        GazeOptions(look_at=self.look_at)  # refuses a bad target


def behaviour_stages(options: BehaviourOptions) -> list[Gaze | Idle | Blink]:
    """The frame-by-frame layers ``options`` asks for, in the order they are laid: gaze, idle
    motion, blinks. Each is a ``FaceFrame -> FaceFrame`` stage reading the frame's ``speaking``
    and ``attending``; emotion, which needs the whole take's text and voice, is laid by
    :func:`apply_behaviour` before them."""
    chosen, seed = options.layers, options.seed
    stages: list[Gaze | Idle | Blink] = []
    if "gaze" in chosen:
        stages.append(Gaze(GazeOptions(look_at=options.look_at), seed=seed))
    if "idle" in chosen:
        stages.append(Idle(seed=seed + 1))
    if "blink" in chosen:
        stages.append(Blink(seed=seed + 2))
    return stages


def apply_behaviour(
    animation: Animation,
    options: BehaviourOptions = BehaviourOptions(),
    *,
    text: str | None = None,
    audio: np.ndarray | None = None,
    sr: int | None = None,
    events: list[dict[str, Any]] | None = None,
) -> Animation:
    """Add behaviour layers to a whole take.

    Parameters
    ----------
    animation : Animation
        Any take: lip-sync, tracking, or neutral frames. Its ``phonemes`` track (or ``audio``)
        says when the face speaks; a ``listening`` track marks spans where it attends to
        someone else.
    options : BehaviourOptions
        The layers (all by default), the emotion, the gaze target and the seed.
    text : str, optional
        What is said, for ``emotion="auto"``.
    audio : ndarray, shape (n_samples,), optional
        The take's speech, mono; gives speech activity (without phonemes) and vocal arousal.
    sr : int, optional
        Sample rate of ``audio`` in Hz.
    events : list of dict, optional
        Emotion events (``start_s``, ``end_s``, ``emotion``, ``intensity``) to show instead of
        those read from ``text`` / ``options.emotion``.

    Returns
    -------
    Animation
        A new take; tracks ``blinks``, ``saccades`` and ``emotions`` list what was added.
    """
    chosen = options.layers
    speaking = speech_activity(animation, audio=audio, sr=sr)
    attending = in_tracks(animation, "listening") & ~speaking
    tracks = dict(animation.tracks)
    weights = animation.weights
    if "emotion" in chosen:
        if events is None:
            events = emotion_events(animation, options.emotion, text=text, speaking=speaking)
        arousal = arousal_curve(audio, sr, animation.t_s) if audio is not None and sr else None
        keep_mouth = bool(speaking.any())
        weights = compose_emotion(
            weights, events_weights(animation.t_s, events, arousal), keep_mouth=keep_mouth
        )
        tracks["emotions"] = events
    base = animation.replace(weights=weights, tracks=tracks, metadata=dict(animation.metadata))
    stages = behaviour_stages(options)
    frames = []
    for i, frame in enumerate(base):
        frame = frame.replace(speaking=bool(speaking[i]), attending=bool(attending[i]))
        for stage in stages:
            frame = stage(frame)
        frames.append(frame)
    for stage in stages:
        if isinstance(stage, Gaze):
            tracks["saccades"] = [saccade_record(s) for s in stage.saccades]
        elif isinstance(stage, Blink):
            tracks["blinks"] = [blink_record(b) for b in stage.events]
    metadata = {**base.metadata, "behaviour": {"layers": [n for n in LAYERS if n in chosen],
                                               "emotion": options.emotion, "seed": options.seed}}
    return Animation.from_frames(frames, animation.fps, tracks=tracks, metadata=metadata)


def saccade_record(s: Saccade) -> dict[str, Any]:
    """A saccade as an entry of the ``saccades`` track."""
    return {"start_s": s.start_s, "end_s": s.end_s, "amplitude_deg": round(s.amplitude_deg, 3),
            "peak_velocity_deg_s": round(s.peak_velocity_deg_s, 1), "on_face": s.on_face}


def blink_record(b: BlinkEvent) -> dict[str, Any]:
    """A blink as an entry of the ``blinks`` track."""
    return {"start_s": b.start_s, "end_s": b.end_s, "closing_ms": round(b.close_s * 1e3, 1),
            "opening_ms": round(b.open_s * 1e3, 1), "amplitude": round(b.amplitude, 3),
            "cause": b.cause}
