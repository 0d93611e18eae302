"""The names behaviour answers to, as plain data: the layers and the emotions.

Kept apart from the stages (and numpy) because the command line offers them as choices while it
builds its parser.
"""

LAYERS = ("blink", "gaze", "idle", "emotion")
"""Behaviour layers. Whatever order they are named in, emotion is laid first, then gaze, idle
motion and blinks last, so that blinks can follow the gaze shifts."""

SEEDED_LAYERS = ("blink", "gaze", "idle")
"""The layers ``--behave-seed`` seeds."""

EMOTIONS: tuple[str, ...] = (
    "neutral",
    "joy",
    "sadness",
    "anger",
    "surprise",
    "fear",
    "disgust",
    "calm",
    "contempt",
)
"""The emotions likeness can show; ``calm`` is a relaxed, attentive face, not a basic emotion."""
