import numpy as np
import pytest

from likeness.behave import Idle, IdleOptions, au_weights, emotion_weights, envelope
from likeness.blendshapes import INDEX
from likeness.errors import InputError
from likeness.frame import FaceFrame, euler_from_quaternions


def run_idle(
    options: IdleOptions, duration_s: float = 120.0, fps: float = 30.0, *, speaking: bool = False
):
    idle = Idle(options, seed=8)
    frames = [
        idle(FaceFrame.neutral(float(t), speaking=speaking))
        for t in np.arange(0, duration_s, 1 / fps)
    ]
    euler = np.degrees(euler_from_quaternions(np.array([f.head_rotation for f in frames])))
    lift = np.array([f.head_translation_m[1] for f in frames])
    return euler, lift


def test_breathing_runs_at_the_set_rate():
    euler, lift = run_idle(IdleOptions(sway_deg=(0.0, 0.0, 0.0), breath_rate_spread=0.0), fps=10.0)
    spectrum = np.abs(np.fft.rfft(lift - lift.mean()))
    frequency_hz = np.fft.rfftfreq(len(lift), 1 / 10.0)[np.argmax(spectrum)]
    assert frequency_hz * 60 == pytest.approx(14.0, abs=0.6)
    assert 0.0 <= lift.min() and lift.max() <= 0.0012 + 1e-9
    assert np.abs(euler[:, 0]).max() < 1e-3  # no sway asked for: no yaw


def test_sway_is_smooth_sized_and_grows_while_speaking():
    options = IdleOptions(breath_pitch_deg=0.0)
    euler, _ = run_idle(options, duration_s=600)
    spoken, _ = run_idle(options, duration_s=600, speaking=True)
    assert euler[:, 0].std() == pytest.approx(1.2, rel=0.35)
    assert spoken[:, 0].std() > 1.3 * euler[:, 0].std()
    step = np.abs(np.diff(euler[:, 0]))
    assert step.max() < 0.5  # degrees per frame at 30 fps: smooth, no jumps
    assert np.all(step > 0)  # never frozen


def test_idle_offsets_add_to_the_frames_pose():
    turned = FaceFrame.neutral(
        0.0, head_rotation=np.array([0, np.sin(0.25), 0, np.cos(0.25)], np.float32)
    )
    out = Idle(IdleOptions(sway_deg=(0.0, 0.0, 0.0)), seed=0)(turned)
    assert np.degrees(out.head_euler_rad()[0]) == pytest.approx(np.degrees(0.5), abs=0.01)


def test_action_units_map_to_arkit_and_combine():
    w = au_weights({12: 1.0, 6: 0.5})
    assert w[INDEX["mouthSmileLeft"]] == pytest.approx(1.0) and w[
        INDEX["cheekSquintRight"]
    ] == pytest.approx(0.5)
    assert w[INDEX["eyeSquintLeft"]] == pytest.approx(0.25)
    both = au_weights({6: 1.0, 7: 1.0})[INDEX["eyeSquintLeft"]]
    assert both == pytest.approx(1 - (1 - 0.5) * (1 - 1.0))
    one_side = au_weights({12: (0.6, "left")})
    assert (
        one_side[INDEX["mouthSmileLeft"]] == pytest.approx(0.6)
        and one_side[INDEX["mouthSmileRight"]] == 0
    )
    assert not emotion_weights("neutral").any()
    with pytest.raises(InputError):
        au_weights({99: 1.0})
    with pytest.raises(InputError):
        emotion_weights("joy", 1.5)


def test_envelope_rises_holds_and_falls_smoothly():
    t = np.linspace(0, 4, 4001)
    e = envelope(t, 1.0, 2.0, onset_s=0.4, offset_s=0.8)
    assert e[t < 1.0].max() == 0 and e[(t >= 1.4) & (t <= 2.0)].min() == pytest.approx(1.0)
    assert e[t >= 2.8].max() == pytest.approx(0.0, abs=1e-12)
    assert np.abs(np.diff(e)).max() < 0.005  # no jumps at 1 ms steps
    short = envelope(t, 1.0, 1.1, onset_s=0.4, offset_s=0.4)
    assert short.max() == pytest.approx(1.0)  # a short expression still reaches its apex
    with pytest.raises(InputError):
        envelope(t, 2.0, 1.0)
