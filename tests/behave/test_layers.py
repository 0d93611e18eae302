import numpy as np
import pytest

from likeness.behave import (
    BehaviourOptions,
    EmotionLayer,
    apply_behaviour,
    behaviour_stages,
    speech_activity,
)
from likeness.behave.layers import MOUTH_CORNERS, compose_emotion
from likeness.blendshapes import INDEX, N_BLENDSHAPES
from likeness.errors import InputError
from likeness.frame import FaceFrame

from .conftest import neutral_take, speech_spans


def test_every_layer_is_reproducible_and_changes_a_still_face():
    take = neutral_take(20)
    a = apply_behaviour(take, BehaviourOptions(emotion="auto", seed=3), text="What a lovely day!")
    b = apply_behaviour(take, BehaviourOptions(emotion="auto", seed=3), text="What a lovely day!")
    np.testing.assert_array_equal(a.weights, b.weights)
    np.testing.assert_array_equal(a.head_rotation, b.head_rotation)
    assert not np.array_equal(a.head_rotation[1:], a.head_rotation[:-1])  # idle: nothing frozen
    assert a.weights[:, INDEX["mouthSmileLeft"]].max() > 0.3
    assert a.metadata["behaviour"]["layers"] == ["blink", "gaze", "idle", "emotion"]
    assert {"blinks", "saccades", "emotions"} <= set(a.tracks)


def test_speech_activity_from_phonemes_and_from_audio():
    take = neutral_take(2, fps=100)
    take.tracks["phonemes"] = [
        {"start_s": 0.0, "end_s": 0.5, "phoneme": "SIL"},
        {"start_s": 0.5, "end_s": 1.2, "phoneme": "AA"},
        {"start_s": 1.2, "end_s": 2.0, "phoneme": "sil"},
    ]
    active = speech_activity(take)
    assert not active[:50].any() and active[50:120].all() and not active[120:].any()
    sr = 16000
    t = np.arange(2 * sr) / sr
    audio = np.where((t > 0.5) & (t < 1.2), 0.3 * np.sin(2 * np.pi * 150 * t), 0.0)
    from_audio = speech_activity(neutral_take(2, fps=100), audio=audio, sr=sr)
    assert from_audio[60:110].all() and not from_audio[:30].any() and not from_audio[150:].any()
    with pytest.raises(InputError, match="sample rate"):
        speech_activity(neutral_take(1), audio=audio)


def test_fixed_emotion_spans_the_speech():
    take = neutral_take(6)
    take.tracks["phonemes"] = speech_spans((take.t_s > 2) & (take.t_s < 4), take.fps)
    out = apply_behaviour(take, BehaviourOptions(("emotion",), emotion="anger"))
    brow = out.weights[:, INDEX["browDownLeft"]]
    assert brow[int(3.5 * take.fps)] > 0.5 and brow[int(1.0 * take.fps)] == 0.0
    # Lip-sync owns the mouth while there is speech: anger's lip press is left out.
    assert out.weights[:, INDEX["mouthPressLeft"]].max() == 0.0


def test_without_speech_emotion_may_use_the_mouth():
    out = apply_behaviour(neutral_take(3), BehaviourOptions(("emotion",), emotion="surprise"))
    assert out.weights[:, INDEX["jawOpen"]].max() > 0.1


def test_mouth_corners_give_way_to_rounding():
    weights = np.zeros((2, N_BLENDSHAPES), np.float32)
    weights[1, INDEX["mouthPucker"]] = 1.0
    emotion = np.zeros_like(weights)
    emotion[:, MOUTH_CORNERS] = 0.8
    out = compose_emotion(weights, emotion, keep_mouth=True)
    assert out[0, INDEX["mouthSmileLeft"]] == pytest.approx(0.8)
    assert out[1, INDEX["mouthSmileLeft"]] == 0.0


def test_emotion_stage_matches_whole_take():
    events = [{"start_s": 0.2, "end_s": 1.0, "emotion": "joy", "intensity": 0.8}]
    take = neutral_take(2)
    whole = apply_behaviour(take, BehaviourOptions(("emotion",)), events=events)
    stage = EmotionLayer(events, keep_mouth=False)
    frames = np.array([stage(FaceFrame.neutral(float(t))).weights for t in take.t_s])
    np.testing.assert_allclose(frames, whole.weights, atol=1e-6)


def test_bad_layers_and_emotions_are_refused():
    with pytest.raises(InputError, match="layer"):
        BehaviourOptions(("wink",))
    with pytest.raises(InputError, match="emotion"):
        BehaviourOptions(("emotion",), emotion="smug")


def test_the_layers_are_plain_stages_that_read_speech_off_the_frame():
    from likeness.pipeline import IterSource, Recorder, run

    take = neutral_take(8)
    speaking = (take.t_s > 2) & (take.t_s < 5)
    take.tracks["phonemes"] = speech_spans(speaking, take.fps)
    take.tracks["listening"] = [{"start_s": 6.0, "end_s": 8.0}]
    options = BehaviourOptions(("gaze", "idle", "blink"), seed=5)
    whole = apply_behaviour(take, options)
    frames = (frame.replace(speaking=bool(s), attending=bool(t >= 6.0))
              for frame, s, t in zip(take, speaking, take.t_s, strict=True))
    recorder = Recorder()
    report = run(IterSource(frames), behaviour_stages(options), [recorder])
    assert list(report.latency)[:3] == ["gaze", "idle", "blink"]
    streamed = np.stack([f.weights for f in recorder.items])
    np.testing.assert_allclose(streamed, whole.weights, atol=1e-6)
    np.testing.assert_allclose(np.stack([f.head_rotation for f in recorder.items]),
                               whole.head_rotation, atol=1e-6)
    # Without the flags the same stages make another face: speech changes gaze and blinks.
    recorder = Recorder()
    run(IterSource(take), behaviour_stages(options), [recorder])
    assert not np.allclose(np.stack([f.weights for f in recorder.items]), whole.weights)
