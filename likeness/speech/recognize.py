"""Phonemes from audio with pocketsphinx: forced alignment to a transcript, or phone recognition.

Both run pocketsphinx's bundled US-English acoustic model at 16 kHz and 100 frames per second.
Alignment uses the bundled CMU dictionary; words missing from it are given pronunciations by
espeak-ng's letter-to-sound rules. It runs in two passes: a word search finds the words and the
pauses between them, then a Viterbi pass over their fixed state sequence places the phones. A
transcript that does not fit the audio (the search cannot reach its last word) is reported with a
warning and the phones are recognised instead.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from likeness.errors import InputError
from likeness.speech.phonemes import (
    PHONEME_TO_VISEME,
    SILENCE,
    VOWELS,
    Phone,
    espeak_to_arpabet,
)
from likeness.speech.recognizers import RECOGNIZERS

log = logging.getLogger(__name__)

FRAME_S = 0.01
"""pocketsphinx's frame step."""

TAIL_PAD_S = 0.3
"""Silence appended before alignment: speech cut right after its last sound otherwise leaves the
search no room to reach the end of the transcript."""

DITHER = 1e-4
"""Seeded noise (about 3 LSB of 16-bit audio) added before decoding: runs of exact digital zeros,
which synthesized and edited audio contain, derail pocketsphinx's features and search."""

WORD_PATTERN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_LOCK = threading.Lock()
_aligners: dict[str, Any] = {}
_recognizers: dict[str, Any] = {}


@dataclass(frozen=True)
class Recognition:
    """What the recogniser found: the phones, and whether a given transcript was used."""

    phones: list[Phone]
    aligned: bool


def _model_path(*parts: str) -> str:
    import pocketsphinx

    return os.path.join(pocketsphinx.get_model_path(), *parts)


WORD_SEARCH: dict[str, Any] = {"bestpath": False, "wbeam": 1e-50}
"""Forced alignment's word search. pocketsphinx's default word-exit beam (7e-29) prunes the
right path of fast or unusual speech (3 of 16 espeak-ng sentences across four voices were lost),
and its lattice best-path rescoring then returns a partial hypothesis; with a wider word beam and
the Viterbi path itself every one of them aligns."""

ALIGNERS: dict[str, dict[str, Any]] = {
    # Every other frame scored, two Gaussians per codebook: 2x faster than pocketsphinx's
    # defaults; the median phone boundary error grows from 11.6 to 12.0 ms and every bilabial
    # still closes. In a forced alignment no phone can be skipped, so coarse frames cost little.
    # The coarser scores need a wider beam (1e-60, not 1e-48), or the search loses the path of
    # longer takes (a 20 s paragraph fitted none of its words).
    "fast": {**WORD_SEARCH, "ds": 2, "topn": 2, "beam": 1e-60, "pbeam": 1e-60},
    # At full resolution, for speech the fast search cannot fit the transcript to.
    "careful": WORD_SEARCH,
}
"""Forced alignment's decoders, tried in turn."""

PHONE_PASS_TAIL_FRAMES = 10
"""The phone pass stops this many frames after the last word: the appended silence only serves
the word search."""


def _aligner(kind: str) -> Any:
    """A cached forced-alignment decoder, one of :data:`ALIGNERS`."""
    if kind not in _aligners:
        from pocketsphinx import Decoder

        _aligners[kind] = Decoder(loglevel="FATAL", lm=None, **ALIGNERS[kind])
    return _aligners[kind]


def _recognizer(kind: str) -> Any:
    """A cached phone recogniser, one of :data:`RECOGNIZERS`."""
    if kind not in _recognizers:
        _recognizers[kind] = new_allphone_decoder(kind)
    return _recognizers[kind]


def new_allphone_decoder(recognizer: str = "accurate") -> Any:
    """A fresh pocketsphinx decoder for phone recognition (one per stream)."""
    from pocketsphinx import Decoder

    check_recognizer(recognizer)
    return Decoder(
        hmm=_model_path("en-us", "en-us"), allphone=_model_path("en-us", "en-us-phone.lm.bin"),
        loglevel="FATAL", **RECOGNIZERS[recognizer],
    )


def to_pcm16(pcm: np.ndarray, *, seed: int = 0) -> bytes:
    """float -1..1 -> dithered little-endian 16-bit PCM bytes, as pocketsphinx takes them."""
    noise = DITHER * np.random.default_rng(seed).standard_normal(len(pcm))
    return (np.clip(pcm + noise, -1.0, 1.0) * 32767.0).astype("<i2").tobytes()


def check_recognizer(name: str) -> None:
    """Refuse a phone recogniser that is not one of :data:`RECOGNIZERS`."""
    if name not in RECOGNIZERS:
        raise InputError(f"unknown phone recogniser {name!r}; choose one of "
                         f"{', '.join(RECOGNIZERS)}")


def _check(pcm: np.ndarray, sr: int) -> None:
    if sr != 16000:
        raise InputError(f"speech recognition needs 16000 Hz audio, got {sr} Hz (resample first)")
    if pcm.ndim != 1:
        raise InputError(f"expected mono audio of shape (n,), got shape {pcm.shape}")


def _decode(decoder: Any, raw: bytes) -> None:
    # A fresh feature state (cepstral mean) per take: a result must never depend on what the
    # cached decoder heard before.
    decoder.reinit_feat()
    decoder.start_utt()
    decoder.process_raw(raw, full_utt=True)
    decoder.end_utt()


def phones_from_segments(segments: list[tuple[str, int, int]]) -> list[Phone]:
    """(name, start frame, end frame inclusive) -> phones; noise and fillers become silence."""
    phones: list[Phone] = []
    for name, start, end in segments:
        phoneme = name if name in PHONEME_TO_VISEME else SILENCE
        phones.append(Phone(start * FRAME_S, (end + 1) * FRAME_S, phoneme))
    return phones


def recognize(pcm: np.ndarray, sr: int = 16000, recognizer: str = "accurate") -> list[Phone]:
    """Phones in ``pcm`` without a transcript (pocketsphinx allphone search).

    Parameters
    ----------
    pcm : ndarray, float32, shape (n,)
        Mono speech in -1..1 at 16 kHz.
    sr : int
        Must be 16000.
    recognizer : str
        One of :data:`RECOGNIZERS`.

    Returns
    -------
    list of Phone
        Contiguous phones, silence included, times in seconds.
    """
    return _recognize(pcm, sr, recognizer).phones


def _recognize(pcm: np.ndarray, sr: int, recognizer: str) -> Recognition:
    _check(pcm, sr)
    with _LOCK:
        decoder = _recognizer(recognizer)
        _decode(decoder, to_pcm16(pcm))
        segments = [(s.word, s.start_frame, s.end_frame) for s in decoder.seg() or ()]
    return Recognition(phones_from_segments(segments), False)


def words_of(text: str) -> list[str]:
    """Transcript -> lower-case words as the dictionary spells them (punctuation dropped)."""
    return WORD_PATTERN.findall(text.lower().replace("\u2019", "'"))


def _pronounce(decoder: Any, word: str) -> None:
    """Teach the decoder ``word`` through espeak-ng's letter-to-sound rules if it lacks it."""
    if decoder.lookup_word(word) is not None:
        return
    from likeness.speech.tts import text_to_espeak_phonemes

    arpabet = [p for m in text_to_espeak_phonemes(word) for p in espeak_to_arpabet(m)]
    arpabet = [p for p in arpabet if p != SILENCE]
    if not arpabet:
        raise InputError(f"cannot pronounce the word {word!r} of the transcript")
    log.debug("letter-to-sound: %s -> %s", word, " ".join(arpabet))
    decoder.add_word(word, " ".join(arpabet), False)


_PHONE_WEIGHT = {"vowel": 2.0, "stop": 0.8, "other": 1.0}
_STOPS = frozenset({"P", "B", "T", "D", "K", "G"})


def _split_words(decoder: Any, word_segments: list[tuple[str, str, int, int]]) -> list[Phone]:
    """Phones spread over aligned word spans in proportion to typical phone durations."""
    phones: list[Phone] = []
    for word, entry, start, end in word_segments:
        t0, t1 = start * FRAME_S, (end + 1) * FRAME_S
        pronunciation = None if word.startswith("<") else decoder.lookup_word(entry)
        if not pronunciation:
            if t1 > t0:
                phones.append(Phone(t0, t1, SILENCE))
            continue
        names = pronunciation.split()
        weights = np.array([_PHONE_WEIGHT["vowel" if n in VOWELS else "stop" if n in _STOPS
                                          else "other"] for n in names])
        bounds = t0 + (t1 - t0) * np.concatenate([[0.0], np.cumsum(weights) / weights.sum()])
        phones += [Phone(float(a), float(b), n, word=word)
                   for n, a, b in zip(names, bounds[:-1], bounds[1:], strict=True)]
    return phones


def align(pcm: np.ndarray, sr: int, text: str, recognizer: str = "accurate") -> Recognition:
    """Phones of ``text`` aligned to ``pcm``; falls back on recognition if they do not match.

    Parameters
    ----------
    pcm : ndarray, float32, shape (n,)
        Mono speech in -1..1 at 16 kHz.
    sr : int
        Must be 16000.
    text : str
        What is said. Words outside the CMU dictionary get letter-to-sound pronunciations.
    recognizer : str
        The phone recogniser (one of :data:`RECOGNIZERS`) used if the transcript does not fit.

    Returns
    -------
    Recognition
        ``aligned`` is False when the transcript did not fit and the phones were recognised
        (a warning is logged).
    """
    _check(pcm, sr)
    check_recognizer(recognizer)
    words = words_of(text)
    if not words:
        raise InputError(f"the transcript holds no words: {text!r}")
    duration_s = len(pcm) / sr
    raw = to_pcm16(np.concatenate([pcm, np.zeros(int(TAIL_PAD_S * sr), np.float32)]))
    with _LOCK:
        phones: list[Phone] = []
        for kind in ALIGNERS:
            decoder = _aligner(kind)
            said = _align_words(decoder, raw, words)
            if said == words:
                phones = _align_phones(decoder, raw)
                break
            log.debug("the %s search reached %d of %d words", kind, len(said), len(words))
    if not phones:
        log.warning("the transcript does not match the audio (%d of its %d words fitted); "
                    "recognising phones instead", len(said), len(words))
        return _recognize(pcm, sr, recognizer)
    phones = [p if p.end_s <= duration_s else Phone(p.start_s, duration_s, p.phoneme, 0, p.word)
              for p in phones if p.start_s < duration_s]
    return Recognition(phones, True)


def _align_words(decoder: Any, raw: bytes, words: list[str]) -> list[str]:
    """Fit ``words`` to ``raw``; the words the search reached (all of them when it fits)."""
    for word in words:
        _pronounce(decoder, word)
    decoder.set_align_text(" ".join(words))
    _decode(decoder, raw)
    hyp = decoder.hyp()
    # The search ends on the best partial path when the words cannot all be fitted.
    return [] if hyp is None else [w.split("(")[0] for w in hyp.hypstr.split()]


def _align_phones(decoder: Any, raw: bytes) -> list[Phone]:
    """Phones of the words ``decoder`` just found, by a Viterbi pass over their fixed state
    sequence (or, should that fail, spread over the word spans)."""
    word_segments = [(w.word.split("(")[0], w.word, w.start_frame, w.end_frame)
                     for w in decoder.seg()]
    last_word_end = max((end for word, _, _, end in word_segments if not word.startswith("<")),
                        default=-1)
    end_byte = 2 * int(FRAME_S * 16000) * (last_word_end + 1 + PHONE_PASS_TAIL_FRAMES)
    try:
        decoder.set_alignment()
        _decode(decoder, raw[:end_byte])
        return [
            Phone(p.start * FRAME_S, (p.start + p.duration) * FRAME_S,
                  p.name if p.name in PHONEME_TO_VISEME else SILENCE,
                  word="" if w.name.startswith("<") else w.name.split("(")[0])
            for w in decoder.get_alignment() for p in w
        ]
    except RuntimeError as e:
        # The state-level pass occasionally fails where the word pass succeeded.
        log.info("phone-level alignment failed (%s); splitting the aligned words", e)
        return _split_words(decoder, word_segments)
