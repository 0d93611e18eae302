"""Putting the behaviour layers together over an Animation, and who owns which channel.

Lip-sync keeps the mouth: the channels that shape speech (jaw, lip closure, rounding, lip
raise and lower, tongue, cheek puff) are never touched by emotion when the take carries speech.
Emotion carries the brows, lids, cheeks, nose and mouth corners, combined with what the take
already has as ``1 - (1 - a)(1 - b)``, which stays in 0..1 and never lowers a tracked weight.
Mouth corners give way to lip rounding: a smile cannot stretch lips that are making an "oo".
"""

from __future__ import annotations

import argparse
from collections.abc import Iterable
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
from likeness.behave.names import EMOTIONS, LAYERS, SEEDED_LAYERS
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


def apply_behaviour(
    animation: Animation,
    layers: Iterable[str] = LAYERS,
    *,
    text: str | None = None,
    audio: np.ndarray | None = None,
    sr: int | None = None,
    emotion: str = "auto",
    look_at: str | tuple[float, float, float] = "camera",
    seed: int = 0,
    events: list[dict[str, Any]] | None = None,
) -> Animation:
    """Add behaviour layers to a whole take.

    Parameters
    ----------
    animation : Animation
        Any take: lip-sync, tracking, or neutral frames. Its ``phonemes`` track (or ``audio``)
        says when the face speaks; a ``listening`` track marks spans where it attends to
        someone else.
    layers : iterable of str
        Any of ``blink``, ``gaze``, ``idle``, ``emotion`` (see :data:`LAYERS` for the order).
    text : str, optional
        What is said, for ``emotion="auto"``.
    audio : ndarray, shape (n_samples,), optional
        The take's speech, mono; gives speech activity (without phonemes) and vocal arousal.
    sr : int, optional
        Sample rate of ``audio`` in Hz.
    emotion : str
        ``auto`` (from text, scaled by vocal arousal) or one of :data:`facs.EMOTIONS`.
    look_at : "camera", "ahead" or (x, y, z) in metres, camera space
    seed : int
        Seed of every random draw: the same inputs and seed give the same output.
    events : list of dict, optional
        Emotion events (``start_s``, ``end_s``, ``emotion``, ``intensity``) to show instead of
        those read from ``text`` / ``emotion``.

    Returns
    -------
    Animation
        A new take; tracks ``blinks``, ``saccades`` and ``emotions`` list what was added.
    """
    chosen = tuple(layers)
    unknown = [name for name in chosen if name not in LAYERS]
    if unknown:
        raise InputError(
            f"unknown behaviour layer(s) {unknown}, expected any of {', '.join(LAYERS)}"
        )
    speaking = speech_activity(animation, audio=audio, sr=sr)
    attending = in_tracks(animation, "listening") & ~speaking
    tracks = dict(animation.tracks)
    weights = animation.weights
    if "emotion" in chosen:
        if events is None:
            events = emotion_events(animation, emotion, text=text, speaking=speaking)
        arousal = arousal_curve(audio, sr, animation.t_s) if audio is not None and sr else None
        keep_mouth = bool(speaking.any())
        weights = compose_emotion(
            weights, events_weights(animation.t_s, events, arousal), keep_mouth=keep_mouth
        )
        tracks["emotions"] = events
    base = animation.replace(weights=weights, tracks=tracks, metadata=dict(animation.metadata))
    gaze = Gaze(GazeOptions(look_at=look_at), seed=seed) if "gaze" in chosen else None
    idle = Idle(seed=seed + 1) if "idle" in chosen else None
    blink = Blink(seed=seed + 2) if "blink" in chosen else None
    frames = []
    for i, frame in enumerate(base):
        if gaze is not None:
            frame = gaze(frame, speaking=bool(speaking[i]))
        if idle is not None:
            frame = idle(frame, speaking=bool(speaking[i]))
        if blink is not None:
            frame = blink(frame, speaking=bool(speaking[i]), attending=bool(attending[i]))
        frames.append(frame)
    if gaze is not None:
        tracks["saccades"] = [saccade_record(s) for s in gaze.saccades]
    if blink is not None:
        tracks["blinks"] = [blink_record(b) for b in blink.events]
    metadata = {**base.metadata, "behaviour": {"layers": [n for n in LAYERS if n in chosen],
                                               "emotion": emotion, "seed": seed}}
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


def behave_layers(args: argparse.Namespace) -> tuple[str, ...]:
    """The layers a command line asks for: ``--behave``, plus the layer an option implies
    (``--emotion``: emotion, ``--look-at``: gaze); none when no behaviour option was given.

    Raises
    ------
    InputError
        ``--behave-seed`` without a layer it seeds.
    """
    layers = list(args.behave)
    for option, layer in ((args.emotion, "emotion"), (args.look_at, "gaze")):
        if option is not None and layer not in layers:
            layers.append(layer)
    if args.behave_seed is not None and not set(layers) & set(SEEDED_LAYERS):
        raise InputError(
            f"--behave-seed seeds {', '.join(SEEDED_LAYERS)}, none of which is asked for: add "
            f"--behave with one of them (or all)"
        )
    return tuple(layers)


def behave_from_args(
    animation: Animation,
    args: argparse.Namespace,
    *,
    text: str | None = None,
    audio: np.ndarray | None = None,
    sr: int | None = None,
) -> Animation:
    """Apply the layers a command line asked for (see :func:`behave_layers`; unchanged when
    none)."""
    layers = behave_layers(args)
    if not layers:
        return animation
    return apply_behaviour(
        animation,
        layers,
        text=text,
        audio=audio,
        sr=sr,
        emotion=args.emotion or "auto",
        look_at=args.look_at or "camera",
        seed=args.behave_seed or 0,
    )
