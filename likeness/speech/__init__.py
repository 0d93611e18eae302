"""Speech to animation: phonemes from audio or text, visemes, coarticulated ARKit curves,
prosody, streaming, and text to speech.

Offline: :func:`likeness.speech.lipsync.lipsync` (audio array), :func:`lipsync_file`,
:func:`say` (text, through espeak-ng). Live: :class:`StreamingLipsync`. The function ``lipsync``
lives in the module of the same name, ``likeness.speech.lipsync``, which is not shadowed here.
"""

from typing import TYPE_CHECKING

from likeness.lazy import lazy_exports

if TYPE_CHECKING:
    from likeness.speech.coarticulation import CoarticulationOptions
    from likeness.speech.lipsync import animate, lipsync_file, say
    from likeness.speech.phonemes import PHONEME_TO_VISEME, VISEMES, Phone
    from likeness.speech.stream import StreamingLipsync, StreamOptions
    from likeness.speech.tts import Speech, synthesize

__all__ = [
    "CoarticulationOptions", "animate", "lipsync_file", "say", "PHONEME_TO_VISEME", "VISEMES",
    "Phone", "StreamingLipsync", "StreamOptions", "Speech", "synthesize",
]

__getattr__ = lazy_exports(__name__, {
    "likeness.speech.coarticulation": ("CoarticulationOptions",),
    "likeness.speech.lipsync": ("animate", "lipsync_file", "say"),
    "likeness.speech.phonemes": ("PHONEME_TO_VISEME", "VISEMES", "Phone"),
    "likeness.speech.stream": ("StreamingLipsync", "StreamOptions"),
    "likeness.speech.tts": ("Speech", "synthesize"),
})
