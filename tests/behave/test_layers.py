import argparse

import numpy as np
import pytest

from likeness.behave import (
    EmotionLayer,
    apply_behaviour,
    behave_from_args,
    speech_activity,
)
from likeness.behave.layers import MOUTH_CORNERS, compose_emotion
from likeness.blendshapes import INDEX, N_BLENDSHAPES
from likeness.commands.behaviour import add_behave_arguments
from likeness.errors import InputError
from likeness.frame import FaceFrame

from .conftest import neutral_take, speech_spans


def test_every_layer_is_reproducible_and_changes_a_still_face():
    take = neutral_take(20)
    a = apply_behaviour(take, text="What a lovely day!", emotion="auto", seed=3)
    b = apply_behaviour(take, text="What a lovely day!", emotion="auto", seed=3)
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
    out = apply_behaviour(take, ("emotion",), emotion="anger")
    brow = out.weights[:, INDEX["browDownLeft"]]
    assert brow[int(3.5 * take.fps)] > 0.5 and brow[int(1.0 * take.fps)] == 0.0
    # Lip-sync owns the mouth while there is speech: anger's lip press is left out.
    assert out.weights[:, INDEX["mouthPressLeft"]].max() == 0.0


def test_without_speech_emotion_may_use_the_mouth():
    out = apply_behaviour(neutral_take(3), ("emotion",), emotion="surprise")
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
    whole = apply_behaviour(take, ("emotion",), events=events)
    stage = EmotionLayer(events, keep_mouth=False)
    frames = np.array([stage(FaceFrame.neutral(float(t))).weights for t in take.t_s])
    np.testing.assert_allclose(frames, whole.weights, atol=1e-6)


def test_bad_layers_and_emotions_are_refused():
    with pytest.raises(InputError, match="layer"):
        apply_behaviour(neutral_take(1), ("wink",))
    with pytest.raises(InputError, match="emotion"):
        apply_behaviour(neutral_take(1), ("emotion",), emotion="smug")


def test_command_line_arguments():
    parser = argparse.ArgumentParser()
    add_behave_arguments(parser)
    args = parser.parse_args(["--behave", "blink,gaze", "--emotion", "joy", "--look-at", "0,0.1,0"])
    assert args.behave == ("blink", "gaze") and args.look_at == (0.0, 0.1, 0.0)
    out = behave_from_args(neutral_take(2), args)
    assert out.metadata["behaviour"]["layers"] == ["blink", "gaze", "emotion"]  # --emotion's
    assert parser.parse_args(["--behave", "all"]).behave == ("blink", "gaze", "idle", "emotion")
    unchanged = neutral_take(1)
    assert behave_from_args(unchanged, parser.parse_args([])) is unchanged
    for bad in (["--behave", "blink,wink"], ["--look-at", "1,2"], ["--emotion", "smug"]):
        with pytest.raises(SystemExit):
            parser.parse_args(bad)
