import numpy as np
import pytest

from likeness.behave import BehaviourOptions, Blink, BlinkOptions, apply_behaviour
from likeness.blendshapes import INDEX
from likeness.errors import InputError
from likeness.frame import FaceFrame

from .conftest import neutral_take, speech_spans

BLINK = INDEX["eyeBlinkLeft"]


def blink_starts(animation) -> np.ndarray:
    return np.array([b["start_s"] for b in animation.tracks["blinks"]])


@pytest.mark.slow
def test_five_minutes_of_say_have_human_blink_statistics(five_minutes):
    spoken, behaved = five_minutes
    starts = blink_starts(behaved)
    rate_per_min = len(starts) / (behaved.duration_s / 60)
    intervals = np.diff(starts)
    assert 10 <= rate_per_min <= 25
    assert intervals.std() / intervals.mean() > 0.4  # not periodic
    # The lid channel itself shows the blinks the track lists: closed at each blink's apex.
    for b in behaved.tracks["blinks"][:40]:
        i = int(round((b["start_s"] + b["closing_ms"] / 1e3) * behaved.fps))
        window = behaved.weights[max(0, i - 2) : i + 3, BLINK]
        assert window.max() > 0.45
    durations_ms = np.array([b["closing_ms"] + b["opening_ms"] for b in behaved.tracks["blinks"]])
    assert durations_ms.min() >= 100 and durations_ms.max() <= 400
    closing = np.array([b["closing_ms"] for b in behaved.tracks["blinks"]])
    opening = np.array([b["opening_ms"] for b in behaved.tracks["blinks"]])
    assert np.all(closing < opening)
    causes = {b["cause"] for b in behaved.tracks["blinks"]}
    assert {"spontaneous", "double", "pause"} <= causes


def test_rate_follows_mode_speaking_over_rest_over_attending():
    blink = Blink(seed=1)
    counts = {}
    for mode in ("speaking", "rest", "attending"):
        blink.reset()
        for t in np.arange(0, 600, 1 / 30):
            blink.step(float(t), speaking=mode == "speaking", attending=mode == "attending")
        counts[mode] = len(blink.events) / 10
    assert counts["speaking"] > counts["rest"] > counts["attending"]
    assert 10 <= counts["rest"] <= 20


def test_same_seed_same_blinks_other_seed_other_blinks():
    take = neutral_take(60)
    a = apply_behaviour(take, BehaviourOptions(("blink",), seed=4))
    b = apply_behaviour(take, BehaviourOptions(("blink",), seed=4))
    c = apply_behaviour(take, BehaviourOptions(("blink",), seed=5))
    np.testing.assert_array_equal(a.weights, b.weights)
    assert not np.array_equal(a.weights, c.weights)


def gaze_yaw_rad(t_s: float, jump_deg: float) -> float:
    """Gaze that jumps by ``jump_deg`` in 50 ms every 2 s, out and back."""
    phase = t_s % 4.0
    out = min(1.0, phase / 0.05) if phase < 2.0 else 1.0 - min(1.0, (phase - 2.0) / 0.05)
    return float(np.radians(jump_deg) * out)


def test_large_gaze_shifts_bring_blinks():
    def count(jump_deg: float) -> int:
        blink = Blink(BlinkOptions(rate_rest_per_min=0.01, double_probability=0), seed=2)
        for t in np.arange(0, 120, 1 / 60):
            eyes = np.full((2, 2), [gaze_yaw_rad(t, jump_deg), 0.0], np.float32)
            blink(FaceFrame.neutral(float(t), eyes_rad=eyes))
        return sum(e.cause == "gaze" for e in blink.events)

    assert count(3.0) == 0
    assert count(40.0) > 0.6 * 60  # 60 shifts of 40 degrees: most carry a blink


def test_pauses_in_speech_bring_blinks():
    take = neutral_take(120)
    speaking = (take.t_s % 3.0) < 2.2  # 2.2 s phrases, 0.8 s pauses
    take.tracks["phonemes"] = speech_spans(speaking, take.fps)
    options = BlinkOptions(
        rate_rest_per_min=0.01,
        rate_speaking_per_min=0.01,
        rate_attending_per_min=0.01,
        double_probability=0,
    )
    blink = Blink(options, seed=3)
    for i, frame in enumerate(take):
        blink(frame.replace(speaking=bool(speaking[i])))
    pause_blinks = [e for e in blink.events if e.cause == "pause"]
    assert 5 <= len(pause_blinks) <= 25  # about 0.3 of 40 pauses
    assert all((e.start_s % 3.0) >= 2.2 for e in pause_blinks)


def test_existing_closure_is_never_opened():
    frame = FaceFrame.neutral(0.0)
    frame.weights[BLINK] = 0.8
    out = Blink(seed=0)(frame)
    assert out.weights[BLINK] >= 0.8


def test_bad_options_and_time_order_are_refused():
    with pytest.raises(InputError):
        BlinkOptions(rate_rest_per_min=0)
    with pytest.raises(InputError):
        BlinkOptions(double_probability=1.5)
    blink = Blink()
    blink.step(1.0)
    with pytest.raises(InputError, match="time order"):
        blink.step(0.5)


def test_a_face_at_rest_blinks_fifteen_to_twenty_times_a_minute_and_less_when_attending():
    take = neutral_take(300)
    rest = apply_behaviour(take, BehaviourOptions(("blink", "gaze"), seed=1))
    take.tracks["listening"] = [{"start_s": 0.0, "end_s": 300.0}]
    attending = apply_behaviour(take, BehaviourOptions(("blink", "gaze"), seed=1))
    rest_per_min = len(rest.tracks["blinks"]) / 5
    assert 12 <= rest_per_min <= 20
    assert len(attending.tracks["blinks"]) / 5 < 0.75 * rest_per_min
