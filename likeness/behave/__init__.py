"""Behaviour layers that make a face feel alive: blinks, gaze, idle motion, emotion, response,
and VR upper-face completion. Stages over :class:`likeness.frame.FaceFrame`; whole-take helpers
over :class:`likeness.frame.Animation`.

The function ``complete`` lives in the module of the same name, ``likeness.behave.complete``,
which is not shadowed here.
"""

from typing import TYPE_CHECKING

from likeness.lazy import lazy_exports

if TYPE_CHECKING:
    from likeness.behave.blink import Blink, BlinkOptions
    from likeness.behave.complete import Completer, CompletionModel, load_prior, train
    from likeness.behave.emotion import analyze_text, arousal_curve, text_events
    from likeness.behave.facs import au_weights, emotion_weights, envelope
    from likeness.behave.gaze import Gaze, GazeOptions
    from likeness.behave.idle import Idle, IdleOptions
    from likeness.behave.layers import (
        BehaviourOptions,
        EmotionLayer,
        apply_behaviour,
        behaviour_stages,
        speech_activity,
    )
    from likeness.behave.names import EMOTIONS, LAYERS

__all__ = [
    "Blink",
    "BlinkOptions",
    "Gaze",
    "GazeOptions",
    "Idle",
    "IdleOptions",
    "EmotionLayer",
    "EMOTIONS",
    "LAYERS",
    "analyze_text",
    "arousal_curve",
    "text_events",
    "au_weights",
    "emotion_weights",
    "envelope",
    "apply_behaviour",
    "BehaviourOptions",
    "behaviour_stages",
    "speech_activity",
    "CompletionModel",
    "Completer",
    "load_prior",
    "train",
]

__getattr__ = lazy_exports(__name__, {
    "likeness.behave.blink": ("Blink", "BlinkOptions"),
    "likeness.behave.complete": ("Completer", "CompletionModel", "load_prior", "train"),
    "likeness.behave.emotion": ("analyze_text", "arousal_curve", "text_events"),
    "likeness.behave.facs": ("au_weights", "emotion_weights", "envelope"),
    "likeness.behave.gaze": ("Gaze", "GazeOptions"),
    "likeness.behave.idle": ("Idle", "IdleOptions"),
    "likeness.behave.layers": (
        "BehaviourOptions", "EmotionLayer", "apply_behaviour", "behaviour_stages",
        "speech_activity",
    ),
    "likeness.behave.names": ("EMOTIONS", "LAYERS"),
})
