"""One Euro smoothing of frames: jitter goes, blinks keep their timing and depth."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from likeness.bench.tracking import blink_lag
from likeness.blendshapes import INDEX
from likeness.errors import InputError
from likeness.filters import FilterOptions, FrameFilter, OneEuroFilter
from likeness.frame import FaceFrame


def test_one_euro_removes_jitter_on_a_still_signal(rng):
    smooth = OneEuroFilter(min_cutoff_hz=1.0, beta=0.0)
    raw = 0.5 + rng.normal(0, 0.02, 300)
    out = np.array([smooth(np.array([x]), i / 60)[0] for i, x in enumerate(raw)])
    assert out[30:].std() < raw[30:].std() / 3
    assert out[30:].mean() == pytest.approx(0.5, abs=0.01)


def test_one_euro_follows_fast_motion_more_closely_with_beta():
    t = np.arange(120) / 60
    ramp = np.clip((t - 0.5) * 4, 0, 1)  # 0 -> 1 in 250 ms

    def worst_lag(beta: float) -> float:
        smooth = OneEuroFilter(min_cutoff_hz=1.0, beta=beta)
        out = np.array([smooth(np.array([x]), ti)[0] for x, ti in zip(ramp, t, strict=True)])
        return float(np.abs(out - ramp).max())

    assert worst_lag(10.0) < worst_lag(0.0) / 2


def test_one_euro_reset_and_passthrough():
    smooth = OneEuroFilter(min_cutoff_hz=0.5)
    smooth(np.zeros(2), 0.0)
    out = smooth(np.ones(2), 0.1, passthrough=np.array([True, False]))
    assert out[0] == 1.0 and 0 < out[1] < 0.5
    smooth.reset()
    np.testing.assert_array_equal(smooth(np.full(2, 7.0), 0.2), 7.0)


def test_blinks_are_neither_delayed_nor_flattened():
    for fps in (30.0, 60.0):
        lag = blink_lag(fps)
        assert lag["blink_close_lag_ms"] <= 0.0
        assert lag["blink_open_lag_ms"] <= 1000 / fps
        assert lag["blink_depth_kept"] >= 0.95


def test_still_eyes_are_smoothed(rng):
    smooth = FrameFilter()
    blink = INDEX["eyeBlinkLeft"]
    raw, out = [], []
    for i in range(120):
        weights = np.zeros(52, np.float32)
        weights[blink] = 0.1 + rng.normal(0, 0.01)
        raw.append(weights[blink])
        out.append(smooth(FaceFrame(t_s=i / 30, weights=weights)).weights[blink])
    assert np.std(out[20:]) < np.std(raw[20:]) / 2


def test_rotation_is_smoothed_across_the_quaternion_sign(rng):
    smooth = FrameFilter()
    q = Rotation.from_euler("YXZ", [0.3, -0.1, 0.05]).as_quat()
    for i in range(30):
        sign = 1 if i % 2 else -1  # the same rotation, written both ways
        out = smooth(FaceFrame.neutral(i / 30, head_rotation=(sign * q).astype(np.float32)))
        assert np.linalg.norm(out.head_rotation) == pytest.approx(1.0, abs=1e-5)
        assert abs(float(out.head_rotation @ q)) == pytest.approx(1.0, abs=1e-5)


def test_frames_without_a_face_pass_untouched_and_a_long_gap_restarts():
    smooth = FrameFilter()
    smooth(FaceFrame.neutral(0.0))
    missing = FaceFrame.neutral(0.1, found=False, confidence=0.0)
    assert smooth(missing) is missing
    weights = np.full(52, 0.8, np.float32)
    after_gap = smooth(FaceFrame(t_s=2.0, weights=weights))
    np.testing.assert_allclose(after_gap.weights, 0.8)  # not eased in from the stale zeros


def test_bad_filter_options():
    with pytest.raises(InputError):
        FilterOptions(weights_min_cutoff_hz=0.0)
    with pytest.raises(InputError):
        OneEuroFilter(beta=-1.0)
