import numpy as np
import pytest

from likeness.behave import BehaviourOptions, analyze_text, apply_behaviour, arousal_curve
from likeness.behave.emotion import prosody, speech_activity_from_audio, text_events
from likeness.behave.layers import SPEECH_CHANNELS
from likeness.blendshapes import INDEX
from likeness.errors import InputError

HAPPY = "I'm so happy to see you, this is wonderful news!"
SORRY = "I'm so sorry, this is terrible news."
SURPRISED = "What? That can't be true!"


@pytest.fixture(scope="module")
def three_sentences():
    """Each sentence spoken by `say`, before and after every behaviour layer."""
    from likeness.speech.lipsync import say

    out = {}
    for text in (HAPPY, SORRY, SURPRISED):
        spoken, speech = say(text)
        out[text] = (
            spoken,
            apply_behaviour(spoken, BehaviourOptions(seed=1), text=text, audio=speech.pcm,
                            sr=speech.sample_rate_hz),
        )
    return out


def mean_of(animation, *names: str) -> float:
    return float(np.mean(animation.weights[:, [INDEX[n] for n in names]]))


def test_each_sentence_shows_its_own_emotion_most(three_sentences):
    smile = {
        t: mean_of(b, "mouthSmileLeft", "mouthSmileRight") for t, (_, b) in three_sentences.items()
    }
    sad = {
        t: mean_of(b, "mouthFrownLeft", "mouthFrownRight", "browInnerUp")
        for t, (_, b) in three_sentences.items()
    }
    raised = {
        t: mean_of(b, "browOuterUpLeft", "browOuterUpRight", "eyeWideLeft", "eyeWideRight")
        for t, (_, b) in three_sentences.items()
    }
    assert max(smile, key=smile.get) == HAPPY
    assert max(sad, key=sad.get) == SORRY
    assert max(raised, key=raised.get) == SURPRISED
    assert smile[HAPPY] > 3 * max(smile[SORRY], smile[SURPRISED])
    assert mean_of(three_sentences[SORRY][1], "mouthFrownLeft") > 3 * mean_of(
        three_sentences[HAPPY][1], "mouthFrownLeft"
    )


def test_lip_sync_keeps_the_mouth_and_bilabials_stay_closed(three_sentences):
    from likeness.speech.coarticulation import lip_aperture

    n_closures = 0
    for spoken, behaved in three_sentences.values():
        np.testing.assert_array_equal(
            behaved.weights[:, SPEECH_CHANNELS], spoken.weights[:, SPEECH_CHANNELS]
        )
        for phone in spoken.tracks["phonemes"]:
            if phone["phoneme"] in ("P", "B", "M"):
                i = int(round((phone["start_s"] + phone["end_s"]) / 2 * spoken.fps))
                before, after = lip_aperture(spoken.weights[i]), lip_aperture(behaved.weights[i])
                assert after == before
                assert after < 0.05  # sealed
                n_closures += 1
    assert n_closures >= 3  # "happy", "sorry"... have p, m and b closures


def test_only_contempt_is_asymmetric():
    from likeness.behave import emotion_weights
    from likeness.behave.facs import EMOTIONS
    from likeness.blendshapes import MIRROR

    for emotion in EMOTIONS:
        w = emotion_weights(emotion, 1.0)
        symmetric = np.allclose(w, w[MIRROR])
        assert symmetric == (emotion != "contempt"), emotion


@pytest.mark.parametrize(
    "text, expected",
    [
        (HAPPY, ["joy"]),
        (SORRY, ["sadness"]),
        (SURPRISED, ["surprise", "surprise"]),
        ("I am not happy about this.", ["sadness"]),
        ("This is disgusting, eww.", ["disgust"]),
        ("I am furious, this is unacceptable!", ["anger"]),
        ("I'm scared and worried about tomorrow.", ["fear"]),
        ("Don't worry, take your time.", ["calm"]),
        ("The meeting is at four.", ["neutral"]),
    ],
)
def test_text_emotion_sentence_by_sentence(text, expected):
    assert [s.emotion for s in analyze_text(text)] == expected


def test_text_events_share_the_speech_span_by_length():
    events = text_events(f"{HAPPY} {SORRY}", 1.0, 5.0, lead_s=0.0)
    assert [e["emotion"] for e in events] == ["joy", "sadness"]
    assert events[0]["start_s"] == 1.0 and events[1]["end_s"] == 5.0
    share = len(HAPPY) / (len(HAPPY) + len(SORRY))
    assert events[0]["end_s"] == pytest.approx(1.0 + 4.0 * share)


def voice(f0_hz: np.ndarray, level: float, sr: int = 16000) -> np.ndarray:
    """A harmonic voice following the pitch contour ``f0_hz`` (one value per sample)."""
    phase = 2 * np.pi * np.cumsum(f0_hz) / sr
    return level * sum(np.sin(k * phase) / k for k in range(1, 6)).astype(np.float64)


def test_lively_loud_voice_is_more_aroused_than_flat_soft_one():
    sr = 16000
    t = np.arange(4 * sr) / sr
    lively = voice(180 * 2 ** (5 * np.sin(2 * np.pi * 1.5 * t) / 12), 0.5, sr)
    flat = voice(np.full(len(t), 110.0), 0.02, sr)
    frames = np.linspace(0.5, 3.5, 20)
    high, low = arousal_curve(lively, sr, frames), arousal_curve(flat, sr, frames)
    assert high.min() > 0.7 and low.max() < 0.3
    f0 = prosody(flat, sr)["f0_hz"]
    assert np.nanmedian(f0) == pytest.approx(110.0, rel=0.03)


def test_silence_has_no_arousal_and_no_speech():
    sr = 16000
    silence = np.zeros(2 * sr)
    assert np.all(arousal_curve(silence, sr, np.linspace(0, 2, 10)) == 0)
    assert not speech_activity_from_audio(silence, sr, np.linspace(0, 2, 10)).any()


@pytest.mark.parametrize(
    "audio, sr, message",
    [
        (np.zeros((100, 2)), 16000, "mono"),
        (np.zeros(16000), 1000, "sample rate"),
        (np.zeros(10), 16000, "too short"),
        (np.full(16000, np.nan), 16000, "NaN"),
    ],
)
def test_bad_audio_is_refused(audio, sr, message):
    with pytest.raises(InputError, match=message):
        arousal_curve(audio, sr, np.zeros(1))


def test_arousal_of_a_take_shorter_than_the_window_has_one_value_per_time():
    sr = 16000
    t = np.arange(int(0.5 * sr)) / sr
    voice = (0.3 * np.sin(2 * np.pi * 150 * t)).astype(np.float32)
    times = np.linspace(0, 0.5, 7)
    arousal = arousal_curve(voice, sr, times)
    assert arousal.shape == times.shape and np.all(arousal > 0)
