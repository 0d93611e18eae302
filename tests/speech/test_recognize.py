"""Alignment and recognition against espeak-ng's own phoneme timings."""

import logging

import numpy as np
import pytest

from likeness.errors import InputError
from likeness.speech import recognize
from likeness.speech.evaluate import boundary_errors_s
from tests.speech.conftest import make_utterance

# Measured on this corpus (see docs/speech.md); the bounds leave room for platform differences.
ALIGNMENT_MEDIAN_ERROR_S = 0.025
RECOGNITION_MEDIAN_ERROR_S = 0.03


def test_alignment_finds_phone_boundaries(corpus):
    errors = []
    for utterance in corpus:
        result = recognize.align(utterance.pcm16k, 16000, utterance.text)
        assert result.aligned
        errors += list(boundary_errors_s(utterance.truth, result.phones))
    assert np.median(errors) < ALIGNMENT_MEDIAN_ERROR_S
    assert np.mean(np.asarray(errors) < 0.05) > 0.8


def test_alignment_keeps_the_transcript_words(utterance):
    result = recognize.align(utterance.pcm16k, 16000, utterance.text)
    words = []
    for phone in result.phones:
        if phone.word and (not words or words[-1] != phone.word):
            words.append(phone.word)
    assert words == recognize.words_of(utterance.text)
    assert result.phones[-1].end_s <= utterance.duration_s + 1e-3


@pytest.mark.parametrize("text", [
    "Remember to water the plants while I am on holiday.",
    "Thank you very much for coming to the meeting on Monday.",
])
def test_fast_speech_in_another_voice_still_aligns(text):
    # Both were lost by pocketsphinx's default word-exit beam (see recognize.WORD_SEARCH).
    fast = make_utterance(text, voice="en-us+m3", rate_wpm=230)
    result = recognize.align(fast.pcm16k, 16000, text)
    assert result.aligned
    errors = boundary_errors_s(fast.truth, result.phones)
    assert np.median(errors) < ALIGNMENT_MEDIAN_ERROR_S


@pytest.mark.parametrize("recognizer", recognize.RECOGNIZERS)
def test_recognition_finds_phone_boundaries_without_a_transcript(corpus, recognizer):
    errors = []
    for utterance in corpus:
        phones = recognize.recognize(utterance.pcm16k, 16000, recognizer)
        errors += list(boundary_errors_s(utterance.truth, phones))
    assert np.median(errors) < RECOGNITION_MEDIAN_ERROR_S


def test_words_missing_from_the_dictionary_get_pronounced(corpus):
    from likeness.speech.lipsync import resample
    from likeness.speech.tts import synthesize

    speech = synthesize("The blorptastic zingwhistle sang.")
    result = recognize.align(resample(speech.pcm, speech.sample_rate_hz), 16000,
                             "The blorptastic zingwhistle sang.")
    assert result.aligned
    assert {"blorptastic", "zingwhistle"} <= {p.word for p in result.phones}


def test_a_transcript_that_does_not_match_warns_then_recognises(utterance, caplog):
    with caplog.at_level(logging.WARNING, logger="likeness.speech.recognize"):
        result = recognize.align(utterance.pcm16k, 16000,
                                 "Completely different words about fishing in cold lakes.")
    assert not result.aligned
    assert "does not match" in caplog.text
    assert len(result.phones) > 10


def test_wrong_rate_and_empty_transcript_are_refused(utterance):
    with pytest.raises(InputError, match="16000"):
        recognize.recognize(utterance.speech.pcm, 22050)
    with pytest.raises(InputError, match="no words"):
        recognize.align(utterance.pcm16k, 16000, " ... ")
    with pytest.raises(InputError, match="unknown phone recogniser 'best'"):
        recognize.recognize(utterance.pcm16k, 16000, "best")
    with pytest.raises(InputError, match="unknown phone recogniser"):
        recognize.align(utterance.pcm16k, 16000, utterance.text, recognizer="best")
