import numpy as np
import pytest

from likeness.blendshapes import INDEX
from likeness.errors import InputError
from likeness.speech import coarticulation
from likeness.speech.coarticulation import CoarticulationOptions, mouth_curves, phone_target
from likeness.speech.phonemes import Phone


def test_blocks_leave_no_seams(monkeypatch, corpus):
    """Blending in blocks (bounded memory) equals blending the whole take at once."""
    phones, offset = [], 0.0
    for utterance in corpus:
        phones += [Phone(p.start_s + offset, p.end_s + offset, p.phoneme) for p in utterance.truth]
        offset += utterance.duration_s
    t_s = np.arange(int(offset * 60)) / 60
    loudness = np.ones(len(t_s))
    whole = mouth_curves(phones, t_s, loudness)
    assert len(t_s) <= coarticulation._BLOCK
    monkeypatch.setattr(coarticulation, "_BLOCK", 97)
    blocked = mouth_curves(phones, t_s, loudness)
    np.testing.assert_allclose(blocked, whole, atol=1e-5)


def test_a_consonant_between_rounded_vowels_keeps_the_rounding():
    t_s = np.arange(60) / 60

    def pucker_at_t(vowel):
        phones = [Phone(0.0, 0.4, vowel), Phone(0.4, 0.47, "T"), Phone(0.47, 1.0, vowel)]
        weights = mouth_curves(phones, t_s, np.ones(60))
        return weights[int(0.435 * 60), INDEX["mouthPucker"]]
    # /t/ has no lip shape of its own: it borrows the neighbours'.
    assert pucker_at_t("UW") > 0.5 > 0.1 > pucker_at_t("IY")
    assert phone_target("T")[INDEX["mouthPucker"]] == 0


def test_options_are_checked():
    with pytest.raises(InputError, match="anticipation_s"):
        CoarticulationOptions(anticipation_s=0)
    with pytest.raises(InputError, match="smoothing_s"):
        CoarticulationOptions(smoothing_s=-1)
