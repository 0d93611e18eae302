import numpy as np
import pytest

from likeness.blendshapes import INDEX, MIRROR, N_BLENDSHAPES, NAMES
from likeness.rig import landmark_mirror, neutral_m
from likeness.rig import landmarks as lm
from likeness.rig.shapes import blendshape_deltas_m

MM = 1e-3


def _delta(name: str) -> np.ndarray:
    return blendshape_deltas_m()[INDEX[name]].astype(np.float64)


def _motion_m(name: str, indices) -> np.ndarray:
    return np.linalg.norm(_delta(name)[list(indices)], axis=1)


def test_shape_and_dtype_and_read_only():
    deltas = blendshape_deltas_m()
    assert deltas.shape == (N_BLENDSHAPES, 478, 3) and deltas.dtype == np.float32
    assert np.isfinite(deltas).all()
    with pytest.raises(ValueError):
        deltas[0, 0, 0] = 1.0


def test_right_shapes_are_mirror_images_of_left_and_symmetric_shapes_are_symmetric():
    deltas = blendshape_deltas_m()
    mirrored = deltas[:, landmark_mirror(), :] * np.array([-1, 1, 1], np.float32)
    np.testing.assert_allclose(mirrored[MIRROR], deltas, atol=1e-7)


def test_every_shape_moves_the_face_and_never_the_irises():
    deltas = blendshape_deltas_m()
    assert (np.abs(deltas[:, lm.N_FACE_POINTS :]) == 0).all()
    largest_mm = np.linalg.norm(deltas, axis=2).max(axis=1) / MM
    assert (largest_mm > 1.0).all(), [NAMES[i] for i in np.flatnonzero(largest_mm <= 1.0)]
    assert (largest_mm < 40.0).all()


def test_shapes_are_linearly_independent_and_well_conditioned():
    matrix = blendshape_deltas_m().reshape(N_BLENDSHAPES, -1).astype(np.float64).T
    matrix /= np.linalg.norm(matrix, axis=0)
    singular = np.linalg.svd(matrix, compute_uv=False)
    assert np.linalg.matrix_rank(matrix) == N_BLENDSHAPES
    assert singular[0] / singular[-1] < 200


@pytest.mark.parametrize("side", ["Left", "Right"])
def test_blink_closes_the_named_eye_only(side):
    upper, lower = (
        (lm.LEFT_EYE_UPPER_LID, lm.LEFT_EYE_LOWER_LID)
        if side == "Left"
        else (lm.RIGHT_EYE_UPPER_LID, lm.RIGHT_EYE_LOWER_LID)
    )
    other_upper = lm.RIGHT_EYE_UPPER_LID if side == "Left" else lm.LEFT_EYE_UPPER_LID
    closed = neutral_m() + _delta(f"eyeBlink{side}")
    gap_m = closed[upper[4], 1] - closed[lower[4], 1]
    assert abs(gap_m) < 1 * MM  # lids meet
    assert (
        closed[upper[4], 0] * (1 if side == "Left" else -1) > 0
    )  # the subject's own side, +x is left
    assert _motion_m(f"eyeBlink{side}", other_upper).max() == 0
    mouth = lm.LIPS_OUTER_UPPER + lm.LIPS_OUTER_LOWER
    assert _motion_m(f"eyeBlink{side}", mouth).max() == 0


def test_jaw_open_drops_the_lower_lip_and_chin_not_the_upper_lip():
    delta = _delta("jawOpen")
    assert delta[lm.LOWER_LIP_CENTER_INNER, 1] < -20 * MM
    assert delta[lm.CHIN, 1] < -20 * MM and delta[lm.CHIN, 2] < 0  # down and back: a hinge
    assert abs(delta[lm.UPPER_LIP_CENTER_INNER, 1]) < 2 * MM
    assert np.linalg.norm(delta[lm.FOREHEAD]) == 0


@pytest.mark.parametrize("side, sign", [("Left", 1), ("Right", -1)])
def test_mouth_corner_shapes_move_the_corner_on_their_side(side, sign):
    corner = lm.MOUTH_LEFT_CORNER if side == "Left" else lm.MOUTH_RIGHT_CORNER
    other = lm.MOUTH_RIGHT_CORNER if side == "Left" else lm.MOUTH_LEFT_CORNER
    smile = _delta(f"mouthSmile{side}")
    assert smile[corner, 1] > 4 * MM and sign * smile[corner, 0] > 2 * MM
    assert np.linalg.norm(smile[other]) < 0.5 * MM
    assert _delta(f"mouthFrown{side}")[corner, 1] < -3 * MM
    assert sign * _delta(f"mouthStretch{side}")[corner, 0] > 3 * MM
    assert sign * _delta(f"mouth{side}")[lm.UPPER_LIP_CENTER_OUTER, 0] > 5 * MM
    assert sign * _delta(f"jaw{side}")[lm.CHIN, 0] > 4 * MM


def test_brow_shapes_raise_and_lower_the_brows():
    inner = lm.LEFT_BROW_UPPER[-1], lm.RIGHT_BROW_UPPER[-1]
    assert (_delta("browInnerUp")[list(inner), 1] > 5 * MM).all()
    assert _delta("browOuterUpLeft")[lm.LEFT_BROW_UPPER[0], 1] > 4 * MM
    assert _delta("browOuterUpLeft")[lm.RIGHT_BROW_UPPER[0], 1] == 0
    assert _delta("browDownRight")[lm.RIGHT_BROW_LOWER[2], 1] < -4 * MM


def test_pucker_narrows_the_mouth_and_pushes_the_lips_forward():
    puckered = neutral_m() + _delta("mouthPucker")
    width = lambda pts: pts[lm.MOUTH_LEFT_CORNER, 0] - pts[lm.MOUTH_RIGHT_CORNER, 0]  # noqa: E731
    assert width(puckered) < width(neutral_m()) - 15 * MM
    assert _delta("mouthPucker")[lm.UPPER_LIP_CENTER_OUTER, 2] > 4 * MM


def test_jaw_bone_moves_teeth_as_the_rig_moves_the_chin():
    from likeness.rig.shapes import jaw_bone_deltas_m

    chin = neutral_m()[[lm.CHIN]]
    bone = jaw_bone_deltas_m(chin)[:, 0]
    jaw_shapes = [INDEX[n] for n in ("jawOpen", "jawForward", "jawLeft", "jawRight")]
    np.testing.assert_allclose(
        bone[jaw_shapes], blendshape_deltas_m()[jaw_shapes, lm.CHIN], atol=1e-6
    )
    others = np.setdiff1d(np.arange(N_BLENDSHAPES), jaw_shapes)
    assert not bone[others].any()


# The channels MediaPipe's own blendshape model leaves dead: each must carry the skin motion a
# real face makes, at a real face's size (a few millimetres), for the landmarks to show it.
SUBTLE = ("eyeWideLeft", "cheekSquintLeft", "noseSneerLeft", "cheekPuff", "mouthDimpleLeft",
          "mouthShrugUpper")


@pytest.mark.parametrize("name", SUBTLE)
def test_subtle_shapes_move_the_skin_by_a_few_millimetres(name):
    largest_mm = np.linalg.norm(_delta(name), axis=1).max() / MM
    assert 2.5 < largest_mm < 9.0


@pytest.mark.parametrize("name", SUBTLE)
def test_subtle_shapes_leave_the_pose_anchors_still(name):
    from likeness.solve.pose import POSE_ANCHORS

    assert _motion_m(name, POSE_ANCHORS).max() < 0.2 * MM


def test_eye_wide_lifts_the_upper_lid_clear_of_the_iris_and_the_brow_a_little():
    delta = _delta("eyeWideLeft")
    assert delta[lm.LEFT_EYE_UPPER_LID[4], 1] > 3 * MM
    assert -1.5 * MM < delta[lm.LEFT_EYE_LOWER_LID[4], 1] < 0
    assert 0.5 * MM < delta[lm.LEFT_BROW_UPPER[2], 1] < 2.5 * MM
    widened = neutral_m() + delta
    iris_top = neutral_m()[lm.LEFT_IRIS_CENTER, 1] + 11.7 * MM / 2
    assert widened[lm.LEFT_EYE_UPPER_LID[4], 1] > iris_top + 2 * MM  # sclera shows above it


def test_cheek_squint_narrows_the_eye_from_below_most_at_its_outer_part():
    lower_lid = _delta("cheekSquintLeft")[list(lm.LEFT_EYE_LOWER_LID[1:-1]), 1]
    assert lower_lid.min() > 0.5 * MM and lower_lid[0] > 2.5 * MM  # outer end first
    assert lower_lid[0] > 2 * lower_lid[-1]
    upper_lid = _delta("cheekSquintLeft")[list(lm.LEFT_EYE_UPPER_LID[1:-1]), 1]
    assert np.abs(upper_lid).max() < 0.6 * MM  # the upper lid hardly moves: that is eyeSquint
    cheek = neutral_m()[lm.LEFT_EYE_LOWER_LID[4]] - [0, 25 * MM, 0]
    nearest = np.argmin(np.linalg.norm(neutral_m()[: lm.N_FACE_POINTS] - cheek, axis=1))
    assert _delta("cheekSquintLeft")[nearest, 1] > 2 * MM


def test_nose_sneer_lifts_the_nostril_wing_and_lowers_the_inner_brow():
    delta = _delta("noseSneerLeft")
    assert delta[lm.LEFT_NOSE_WING, 1] > 3 * MM
    assert delta[lm.LEFT_BROW_LOWER[-1], 1] < -2.5 * MM
    assert delta[lm.LEFT_BROW_UPPER[0], 1] == pytest.approx(0, abs=0.3 * MM)  # not the tail
    beside_middle = lm.LIPS_OUTER_UPPER[len(lm.LIPS_OUTER_UPPER) // 2 + 1]
    assert 1 * MM < delta[beside_middle, 1] < 3 * MM  # the upper lip, a little
    assert delta[lm.UPPER_LIP_CENTER_OUTER, 1] > 0.5 * MM


def test_cheek_puff_widens_the_face_and_presses_the_lips_forward():
    delta = _delta("cheekPuff")
    puffed = neutral_m() + delta
    lower_face = (neutral_m()[:, 1] < -40 * MM) & (neutral_m()[:, 1] > -75 * MM)
    width = lambda pts: np.ptp(pts[: lm.N_FACE_POINTS][lower_face[: lm.N_FACE_POINTS], 0])  # noqa: E731
    assert width(puffed) > width(neutral_m()) + 8 * MM
    assert delta[lm.UPPER_LIP_CENTER_OUTER, 2] > 1 * MM
    assert delta[lm.UPPER_LIP_CENTER_OUTER, 1] < 0 < delta[lm.LOWER_LIP_CENTER_OUTER, 1]


def test_dimple_pulls_the_corner_back_and_out():
    corner = _delta("mouthDimpleLeft")[lm.MOUTH_LEFT_CORNER]
    assert corner[2] < -3 * MM and corner[0] > 1.5 * MM and abs(corner[1]) < 0.5 * MM


def test_shrug_upper_raises_the_upper_lip_with_the_lips_still_sealed():
    delta = _delta("mouthShrugUpper")
    assert delta[lm.UPPER_LIP_CENTER_OUTER, 1] > 2 * MM
    assert delta[lm.UPPER_LIP_CENTER_OUTER, 2] > 2 * MM
    gap = delta[lm.UPPER_LIP_CENTER_INNER, 1] - delta[lm.LOWER_LIP_CENTER_INNER, 1]
    assert abs(gap) < 0.3 * MM
