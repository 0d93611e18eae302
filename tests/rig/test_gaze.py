import numpy as np

from likeness import blendshapes as bs
from likeness.rig.gaze import gaze_from_look_weights, look_weights_from_gaze


def test_gaze_and_look_weights_invert_each_other(rng):
    eyes = rng.uniform(-0.4, 0.4, (100, 2, 2)).astype(np.float32)
    weights = look_weights_from_gaze(eyes, np.zeros((100, 52)))
    np.testing.assert_allclose(gaze_from_look_weights(weights), eyes, atol=1e-6)


def test_looking_to_the_subjects_left_is_out_for_the_left_eye_and_in_for_the_right():
    eyes = np.array([[0.3, 0.0], [0.3, 0.0]])
    w = look_weights_from_gaze(eyes, np.zeros(52))
    assert w[bs.index("eyeLookOutLeft")] > 0.5 and w[bs.index("eyeLookInRight")] > 0.5
    assert w[bs.index("eyeLookInLeft")] == 0 and w[bs.index("eyeLookOutRight")] == 0


def test_mirroring_gaze_mirrors_look_weights(rng):
    eyes = rng.uniform(-0.4, 0.4, (20, 2, 2))
    mirrored_eyes = eyes[:, ::-1] * np.array([-1, 1])
    w = look_weights_from_gaze(eyes, np.zeros((20, 52)))
    np.testing.assert_allclose(
        look_weights_from_gaze(mirrored_eyes, np.zeros((20, 52))), w[:, bs.MIRROR]
    )
