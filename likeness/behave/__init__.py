"""Behaviour layers that make a face feel alive: blinks, gaze, idle motion, emotion, response,
and VR upper-face completion. Stages over :class:`likeness.frame.FaceFrame`; whole-take helpers
over :class:`likeness.frame.Animation`.
"""

from likeness.behave.blink import Blink, BlinkOptions
from likeness.behave.complete import Completer, CompletionModel, complete, load_prior, train
from likeness.behave.emotion import analyze_text, arousal_curve, text_events
from likeness.behave.facs import EMOTIONS, au_weights, emotion_weights, envelope
from likeness.behave.gaze import Gaze, GazeOptions
from likeness.behave.idle import Idle, IdleOptions
from likeness.behave.layers import (
    LAYERS,
    EmotionLayer,
    add_behave_arguments,
    apply_behaviour,
    behave_from_args,
    behave_layers,
    speech_activity,
)

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
    "add_behave_arguments",
    "behave_from_args",
    "behave_layers",
    "speech_activity",
    "CompletionModel",
    "Completer",
    "complete",
    "load_prior",
    "train",
]
