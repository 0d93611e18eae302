"""Text to speech with espeak-ng (the library inside the ``espeakng-loader`` wheel) via ctypes.

The synthesizer runs in synchronous mode: a callback collects the 16-bit PCM and the phoneme
events, whose sample positions are the exact times at which espeak-ng starts each phoneme. Those
timings drive the face directly, so ``likeness say`` needs no alignment.

espeak-ng keeps global state, so every call into it holds :data:`_LOCK`.
"""

from __future__ import annotations

import _ctypes
import contextlib
import ctypes
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from likeness.errors import InputError, LikenessError
from likeness.speech.phonemes import SILENCE, Phone, espeak_to_arpabet, split_stress

_AUDIO_OUTPUT_SYNCHRONOUS = 2
_INITIALIZE_PHONEME_EVENTS = 0x0001
_INITIALIZE_DONT_EXIT = 0x8000
_CHARS_UTF8 = 1
_POS_CHARACTER = 1
_PARAMETER_RATE = 1
_EVENT_WORD = 1
_EVENT_PHONEME = 7
_EVENT_LIST_TERMINATED = 0
_PHONEMES_ASCII_UNDERSCORED = ord("_") << 8
MIN_RATE_WPM, MAX_RATE_WPM = 80, 450
DEFAULT_VOICE = "en-us"


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    """``espeak_EVENT`` from ``speak_lib.h``."""

    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


_CALLBACK = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)
_LOCK = threading.RLock()


@dataclass(frozen=True, slots=True)
class PhonemeEvent:
    """One phoneme as espeak-ng spoke it.

    Attributes
    ----------
    start_s : float
        When the phoneme starts in the synthesized audio, seconds.
    espeak : str
        espeak-ng's phoneme mnemonic without stress mark (``"aI"``, ``"T"``, ``"_:"`` a pause).
    arpabet : tuple of str
        The same sound in ARPAbet (``("AY",)``, ``("AA", "R")``, ``("SIL",)``).
    stress : int
        1 primary, 2 secondary, 0 unstressed.
    """

    start_s: float
    espeak: str
    arpabet: tuple[str, ...]
    stress: int


@dataclass(frozen=True, slots=True)
class WordEvent:
    """One word as espeak-ng spoke it: its start in the audio and its span in the text."""

    start_s: float
    text: str
    end_mark: str
    """Sentence punctuation right after the word: ``"?"``, ``"!"``, ``"."`` or ``""``."""


class Speech(NamedTuple):
    """Synthesized speech: mono float32 audio in -1..1, its rate, phonemes and words."""

    pcm: np.ndarray
    sample_rate_hz: int
    phonemes: list[PhonemeEvent]
    words: list[WordEvent]


@dataclass
class _Engine:
    lib: ctypes.CDLL
    sample_rate_hz: int


@contextlib.contextmanager
def _fresh_engine() -> Iterator[_Engine]:
    """libespeak-ng loaded and initialised afresh, and unloaded afterwards (call under _LOCK).

    espeak-ng keeps synthesis state in static variables that survive ``espeak_Initialize``, so
    the same text spoken twice in one process came out a few samples apart. Unloading the
    library resets them: every synthesis is then identical to a fresh process's, at a cost of
    about 3 ms.
    """
    import espeakng_loader

    lib = ctypes.CDLL(espeakng_loader.get_library_path())
    try:
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        lib.espeak_SetSynthCallback.argtypes = [_CALLBACK]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint,
            ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]
        lib.espeak_TextToPhonemes.restype = ctypes.c_char_p
        lib.espeak_TextToPhonemes.argtypes = [
            ctypes.POINTER(ctypes.c_char_p), ctypes.c_int, ctypes.c_int
        ]
        data_path = espeakng_loader.get_data_path().encode()
        rate = lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, data_path,
            _INITIALIZE_PHONEME_EVENTS | _INITIALIZE_DONT_EXIT,
        )
        if rate <= 0:
            raise LikenessError(f"espeak-ng failed to initialise with data at {data_path!r}")
        yield _Engine(lib, rate)
    finally:
        lib.espeak_Terminate()
        _ctypes.dlclose(lib._handle)


def _use_voice(engine: _Engine, voice: str) -> None:
    if engine.lib.espeak_SetVoiceByName(voice.encode()) != 0:
        raise InputError(f"unknown espeak-ng voice {voice!r}, expected a name like 'en-us'")


def synthesize(text: str, *, voice: str = DEFAULT_VOICE, rate_wpm: int = 175) -> Speech:
    """Speak ``text`` and report exactly when each phoneme starts.

    Parameters
    ----------
    text : str
        What to say (UTF-8, plain text).
    voice : str
        espeak-ng voice name, e.g. ``"en-us"``, ``"en"`` (British), ``"en-us+f3"`` (a variant).
    rate_wpm : int
        Speaking rate in words per minute, 80..450.

    Returns
    -------
    Speech
        ``pcm`` float32 (n,) mono in -1..1 at ``sample_rate_hz`` (22050); ``phonemes``, pauses
        included, and ``words``, in order with start times in seconds.
    """
    if not text.strip():
        raise InputError("text to speak is empty")
    if not MIN_RATE_WPM <= rate_wpm <= MAX_RATE_WPM:
        raise InputError(f"rate must be {MIN_RATE_WPM}..{MAX_RATE_WPM} words per minute, "
                         f"got {rate_wpm}")
    chunks: list[np.ndarray] = []
    raw_events: list[tuple[int, str]] = []
    raw_words: list[tuple[int, int, int]] = []

    def collect(wav, n_samples, events):  # type: ignore[no-untyped-def]
        if n_samples > 0:
            chunks.append(np.ctypeslib.as_array(wav, shape=(n_samples,)).copy())
        i = 0
        while events[i].type != _EVENT_LIST_TERMINATED:
            event = events[i]
            if event.type == _EVENT_PHONEME:
                raw_events.append((event.sample, event.id.string.decode("ascii", "replace")))
            elif event.type == _EVENT_WORD:
                raw_words.append((event.sample, event.text_position, event.length))
            i += 1
        return 0

    callback = _CALLBACK(collect)
    encoded = text.encode("utf-8")
    with _LOCK, _fresh_engine() as engine:
        _use_voice(engine, voice)
        engine.lib.espeak_SetSynthCallback(callback)
        engine.lib.espeak_SetParameter(_PARAMETER_RATE, int(rate_wpm), 0)
        status = engine.lib.espeak_Synth(
            encoded, len(encoded) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None
        )
        sample_rate_hz = engine.sample_rate_hz
    if status != 0:
        raise LikenessError(f"espeak-ng could not synthesize the text (error {status})")
    pcm = (np.concatenate(chunks) if chunks else np.zeros(0, np.int16)).astype(np.float32) / 32768.0
    events = []
    for sample, mnemonic in raw_events:
        name, stress = split_stress(mnemonic)
        events.append(PhonemeEvent(sample / sample_rate_hz, name, espeak_to_arpabet(name), stress))
    return Speech(pcm, sample_rate_hz, events, _words(encoded, raw_words, sample_rate_hz))


def _words(encoded: bytes, raw_words: list[tuple[int, int, int]], sr: int) -> list[WordEvent]:
    """Word events -> words with the sentence punctuation that follows them in the text."""
    words = []
    text = encoded.decode("utf-8")
    for sample, position, length in raw_words:
        start = position - 1  # espeak-ng counts characters from 1
        word = text[start : start + length]
        after = text[start + length :].lstrip(" \"')\u201d")
        words.append(WordEvent(sample / sr, word, after[:1] if after[:1] in "?!." else ""))
    return words


def phones_from_events(events: Sequence[PhonemeEvent], end_s: float) -> list[Phone]:
    """Phoneme events -> contiguous phones ending at ``end_s``.

    An event that is two ARPAbet phonemes (``"A@"`` -> AA R) is split evenly; its stress goes to
    the first. Repeated pauses merge into one silence.
    """
    phones: list[Phone] = []
    ends = [e.start_s for e in events[1:]] + [end_s]
    for event, stop in zip(events, ends, strict=True):
        if stop <= event.start_s:
            continue
        parts = event.arpabet
        bounds = np.linspace(event.start_s, stop, len(parts) + 1)
        for k, phoneme in enumerate(parts):
            if phoneme == SILENCE and phones and phones[-1].phoneme == SILENCE:
                phones[-1] = Phone(phones[-1].start_s, float(bounds[k + 1]), SILENCE)
                continue
            phones.append(Phone(float(bounds[k]), float(bounds[k + 1]), phoneme,
                                event.stress if k == 0 else 0))
    if phones and phones[0].start_s > 0:
        phones.insert(0, Phone(0.0, phones[0].start_s, SILENCE))
    return phones


def text_to_espeak_phonemes(text: str, *, voice: str = DEFAULT_VOICE) -> list[str]:
    """espeak-ng's phoneme mnemonics for ``text`` (letter-to-sound for any word), stress kept.

    Stress marks (``'`` primary, ``,`` secondary) stay attached to the front of the phoneme
    that follows them.
    """
    with _LOCK, _fresh_engine() as engine:
        _use_voice(engine, voice)
        pointer = ctypes.c_char_p(text.encode("utf-8"))
        pieces = []
        while pointer.value:
            out = engine.lib.espeak_TextToPhonemes(
                ctypes.byref(pointer), _CHARS_UTF8, _PHONEMES_ASCII_UNDERSCORED
            )
            if out:
                pieces.append(out.decode("utf-8", "replace"))
    phonemes: list[str] = []
    for piece in pieces:
        for token in piece.replace(" ", "_").split("_"):
            if token:
                phonemes.append(token)
    return phonemes
