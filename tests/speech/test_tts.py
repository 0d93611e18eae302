import numpy as np
import pytest

from likeness.errors import InputError
from likeness.speech import tts
from likeness.speech.phonemes import (
    PHONEME_TO_VISEME,
    SILENCE,
    VISEMES,
    espeak_to_arpabet,
    split_stress,
    viseme_of,
)


def test_synthesis_gives_audio_and_ordered_phoneme_timings(utterance):
    speech = utterance.speech
    assert speech.sample_rate_hz == 22050
    assert speech.pcm.dtype == np.float32 and np.abs(speech.pcm).max() <= 1.0
    starts = [e.start_s for e in speech.phonemes]
    assert starts == sorted(starts)
    assert starts[-1] <= utterance.duration_s
    # "Bob made big maps": the synthesizer's own phonemes, in ARPAbet.
    spoken = [p.phoneme for p in utterance.truth if p.phoneme != SILENCE]
    assert spoken[:6] == ["B", "AA", "B", "M", "EY", "D"]
    assert [w.text for w in speech.words[:3]] == ["Bob", "made", "big"]
    assert speech.words[-1].end_mark == "."


def test_phones_are_contiguous_and_cover_the_audio(utterance):
    phones = utterance.truth
    assert phones[0].start_s == 0.0
    assert phones[-1].end_s == pytest.approx(utterance.duration_s)
    pairs = zip(phones, phones[1:], strict=False)
    assert all(a.end_s == pytest.approx(b.start_s) for a, b in pairs)
    assert any(p.stress == 1 for p in phones)


def test_rate_changes_duration():
    slow = tts.synthesize("the rain in spain", rate_wpm=100)
    fast = tts.synthesize("the rain in spain", rate_wpm=300)
    assert len(slow.pcm) > 1.8 * len(fast.pcm)


def test_voices_differ():
    us = tts.synthesize("tomato", voice="en-us")
    gb = tts.synthesize("tomato", voice="en")
    assert [e.espeak for e in us.phonemes] != [e.espeak for e in gb.phonemes]


@pytest.mark.parametrize("kwargs, message", [
    ({"text": "   "}, "empty"),
    ({"text": "hi", "voice": "no-such-voice"}, "voice"),
    ({"text": "hi", "rate_wpm": 5}, "words per minute"),
])
def test_bad_requests_are_refused(kwargs, message):
    with pytest.raises(InputError, match=message):
        tts.synthesize(**kwargs)


def test_letter_to_sound_pronounces_made_up_words():
    phonemes = [p for m in tts.text_to_espeak_phonemes("blorptastic") for p in espeak_to_arpabet(m)]
    assert phonemes[:3] == ["B", "L", "AO"] and "T" in phonemes and phonemes[-1] == "K"


def test_espeak_mnemonics_map_to_arpabet():
    assert espeak_to_arpabet("'aI") == ("AY",)
    assert espeak_to_arpabet("A@") == ("AA", "R")
    assert espeak_to_arpabet("_:") == (SILENCE,)
    assert split_stress(",eI") == ("eI", 2)


def test_viseme_table_covers_every_phoneme_with_the_15_oculus_visemes():
    assert len(VISEMES) == 15 and set(PHONEME_TO_VISEME.values()) == set(VISEMES)
    assert viseme_of("M") == viseme_of("B") == viseme_of("P") == "PP"
    assert viseme_of("AH0") == "aa" and viseme_of("+NSN+") == "sil"


def test_the_same_text_synthesizes_to_the_same_samples_every_time():
    first = tts.synthesize("Hello there, how are you?")
    tts.synthesize("Something else entirely, to move any state along.")
    again = tts.synthesize("Hello there, how are you?")
    np.testing.assert_array_equal(first.pcm, again.pcm)
    assert [e.start_s for e in first.phonemes] == [e.start_s for e in again.phonemes]
