import numpy as np
import pytest

from likeness.errors import InputError
from likeness.frame import Animation, FaceFrame, quaternions_from_euler


def _random_animation(rng, n=30, fps=30.0):
    anim = Animation.neutral(n, fps)
    anim.weights[:] = rng.uniform(0, 1, anim.weights.shape)
    anim.head_rotation[:] = quaternions_from_euler(rng.uniform(-0.3, 0.3, (n, 3)))
    anim.eyes_rad[:] = rng.uniform(-0.2, 0.2, anim.eyes_rad.shape)
    return anim


def test_frames_round_trip_through_columns(rng):
    anim = _random_animation(rng)
    again = Animation.from_frames(list(anim), anim.fps)
    np.testing.assert_array_equal(again.weights, anim.weights)
    np.testing.assert_array_equal(again.head_rotation, anim.head_rotation)


def test_resample_to_same_rate_is_identity(rng):
    anim = _random_animation(rng)
    same = anim.resample(anim.fps)
    assert len(same) == len(anim)
    np.testing.assert_allclose(same.weights, anim.weights, atol=1e-6)
    np.testing.assert_allclose(
        np.abs((same.head_rotation * anim.head_rotation).sum(1)), 1, atol=1e-5
    )


def test_resample_doubles_frames_and_interpolates_midpoints(rng):
    anim = _random_animation(rng, n=11, fps=10)
    double = anim.resample(20)
    assert len(double) == 21
    np.testing.assert_allclose(
        double.weights[1], (anim.weights[0] + anim.weights[1]) / 2, atol=1e-6
    )
    euler = double.head_euler_rad()
    assert np.all(np.isfinite(euler))


def test_resample_never_marks_a_gap_as_found():
    anim = Animation.neutral(5, 10)
    anim.found[2] = False
    up = anim.resample(20)
    assert not up.found[3] and not up.found[4] and not up.found[5]
    assert up.found[0] and up.found[8]


def test_shapes_are_checked():
    with pytest.raises(InputError, match="weights"):
        Animation(
            fps=30,
            t_s=np.zeros(2),
            weights=np.zeros((2, 51)),
            head_rotation=np.zeros((2, 4)),
            head_translation_m=np.zeros((2, 3)),
            eyes_rad=np.zeros((2, 2, 2)),
            confidence=np.ones(2),
            found=np.ones(2, bool),
        )


def test_looking_straight_down_converts_to_euler_without_a_warning():
    # Warnings are errors in the tests: scipy's gimbal-lock warning would raise here.
    rotation = quaternions_from_euler(np.array([[0.4, np.pi / 2, 0.0]]))[0]
    yaw, pitch, roll = FaceFrame.neutral(head_rotation=rotation).head_euler_rad()
    assert pitch == pytest.approx(np.pi / 2, abs=1e-3) and roll == 0
    assert yaw == pytest.approx(0.4, abs=1e-3)


def test_euler_convention_positive_yaw_turns_face_to_its_left():
    frame = FaceFrame.neutral(head_rotation=quaternions_from_euler(np.array([[0.3, 0, 0]]))[0])
    yaw, pitch, roll = frame.head_euler_rad()
    assert yaw == pytest.approx(0.3, abs=1e-6) and abs(pitch) < 1e-6 and abs(roll) < 1e-6
    from scipy.spatial.transform import Rotation

    forward = Rotation.from_quat(frame.head_rotation).apply([0, 0, 1])
    assert forward[0] > 0  # toward +x, the subject's own left


def test_replace_changes_the_named_fields_and_keeps_the_rest():
    frame = FaceFrame.neutral(1.5, confidence=0.5, face_id=2)
    moved = frame.replace(t_s=2.0, speaking=True)
    assert (moved.t_s, moved.speaking, moved.attending) == (2.0, True, False)
    assert (moved.confidence, moved.face_id, moved.weights is frame.weights) == (0.5, 2, True)
    assert (frame.t_s, frame.speaking) == (1.5, False)  # the original is untouched
    with pytest.raises(TypeError, match="no field speed"):
        frame.replace(speed=1.0)
