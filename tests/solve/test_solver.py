"""The solver on landmarks made from the rig itself: known weights and pose in, the same out."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import lsq_linear
from scipy.spatial.transform import Rotation

from likeness.blendshapes import INDEX, MIRROR, N_BLENDSHAPES, NAMES
from likeness.errors import InputError
from likeness.rig import landmark_mirror, neutral_m
from likeness.rig.gaze import LOOK_INDICES
from likeness.solve import Calibration, FaceSolver, PinholeCamera, SolverOptions
from likeness.solve.bounded_lsq import solve_box_qp
from likeness.solve.expression import UNOBSERVED
from likeness.solve.fields import rig_fields_m
from likeness.solve.gaze import IRIS_TRAVEL_M
from likeness.solve.pose import IDEAL_TURN, MeshTurn
from likeness.solve.reading import MEASURED

SIZE = (640, 480)
CAMERA = PinholeCamera(60.0)


TEMPLATE = Calibration(neutral_m())
"""The rendered face's own rest: the rig's template, whose mouth smiles."""


def render_landmarks(weights: np.ndarray, yaw_pitch_roll_deg=(0.0, 0.0, 0.0),
                     translation_m=(0.0, 0.0, -0.5), neutral: np.ndarray | None = None
                     ) -> np.ndarray:
    """Normalized image landmarks (478, 3) of the rig face (or ``neutral``, head frame, metres)
    with ``weights`` at a pose, seen through CAMERA the way MediaPipe reports them (weak
    perspective about the head origin)."""
    head = (neutral_m() if neutral is None else neutral) + np.tensordot(weights, rig_fields_m(),
                                                                          axes=1)
    rotation = Rotation.from_euler("YXZ", np.radians(yaw_pitch_roll_deg)).as_matrix()
    x, y, z = translation_m
    focal = CAMERA.focal_px(SIZE[0])
    scale = focal / -z
    origin = np.array([SIZE[0] / 2 + x * scale, y * scale - SIZE[1] / 2, 0.0])
    points = scale * head @ rotation.T + origin
    return np.column_stack([points[:, 0] / SIZE[0], -points[:, 1] / SIZE[1],
                            -points[:, 2] / SIZE[0]]).astype(np.float32)


def solve(landmarks: np.ndarray, solver: FaceSolver | None = None):
    solver = solver or FaceSolver(SolverOptions(auto_calibrate=False, camera=CAMERA,
                                                mesh_turn=IDEAL_TURN),
                                  deltas_m=rig_fields_m(), calibration=TEMPLATE)
    return solver(landmarks, 0.0, SIZE)


FITTED = [i for i in range(N_BLENDSHAPES) if i not in LOOK_INDICES and i not in UNOBSERVED]
DEAD_IN_MEDIAPIPE = ("eyeWideLeft", "cheekPuff", "cheekSquintRight", "noseSneerLeft",
                     "mouthRollLower", "mouthRollUpper", "mouthPressLeft", "jawForward")


def test_neutral_face_gives_zero_weights_and_the_pose():
    frame = solve(render_landmarks(np.zeros(N_BLENDSHAPES)))
    assert np.abs(frame.weights).max() < 0.02
    np.testing.assert_allclose(frame.head_translation_m, [0, 0, -0.5], atol=1e-3)
    np.testing.assert_allclose(frame.head_euler_rad(), 0, atol=1e-3)
    np.testing.assert_allclose(frame.eyes_rad, 0, atol=1e-3)


CONFUSED = {
    "cheekSquintRight": ("eyeSquintRight", "eyeWideRight"),
    "noseSneerLeft": ("browDownLeft", "browOuterUpLeft"),
    "mouthFunnel": ("jawOpen", "mouthRollLower"),
    "jawForward": ("jawOpen",),
}
"""Channels the measures partly read as others (docs/tracking.md): a cheek's rise lifts the lower
lid (an eye squint, its upper lid then raised); a sneer lowers the inner brow and not the outer
(a brow lowered, its outer end then raised); a funnel parts the lips (a little jaw, whose lower
lip the fit then rolls back in); the jaw thrust forward drops the chin a little. MediaPipe's
landmarks show little more of the first two."""


@pytest.mark.parametrize("name", DEAD_IN_MEDIAPIPE + ("jawOpen", "mouthSmileLeft", "eyeBlinkRight",
                                                      "browInnerUp", "mouthFunnel", "mouthPucker"))
def test_each_channel_alone_is_recovered_on_its_own_side(name):
    weights = np.zeros(N_BLENDSHAPES)
    weights[INDEX[name]] = 0.8
    frame = solve(render_landmarks(weights, (12, -8, 5)))
    confused = [INDEX[other] for other in CONFUSED.get(name, ())]
    if name in CONFUSED:
        # The channel and the one it is read as together carry it.
        assert frame.weights[[INDEX[name], confused[0]]].sum() == pytest.approx(0.8, abs=0.25)
    else:
        assert frame.weights[INDEX[name]] == pytest.approx(0.8, abs=0.15)
    others = np.delete(frame.weights, [INDEX[name], *confused])
    assert others.max() < 0.15, NAMES_OF(frame.weights)
    if MIRROR[INDEX[name]] != INDEX[name]:
        assert frame.weights[MIRROR[INDEX[name]]] < 0.1


def NAMES_OF(weights: np.ndarray) -> dict[str, float]:
    from likeness.blendshapes import NAMES
    return {NAMES[i]: round(float(weights[i]), 2) for i in np.flatnonzero(weights > 0.05)}


MEASURED_POOL = [int(i) for i in MEASURED if NAMES[i] not in ("jawRight", "mouthRight")]
def test_a_mixed_expression_is_recovered(rng):
    # A mixture of the channels read from the measures. (Heavy mixtures of the mouth channels
    # the fit reads move the mouth corners and the lip gap by centimetres, and are read in part
    # as a smile or a jaw: docs/tracking.md.)
    pool, n = MEASURED_POOL, 8
    weights = np.zeros(N_BLENDSHAPES)
    chosen = rng.choice(pool, size=n, replace=False)
    weights[chosen] = rng.uniform(0.3, 1.0, size=n)
    landmarks = render_landmarks(weights, (-15, 10, -6), (0.0, 0.0, -0.6))
    # Landmarks made from the rig carry none of MediaPipe's coupling between channels, so the
    # fit itself is checked without the allowance for it.
    exact = FaceSolver(SolverOptions(auto_calibrate=False, camera=CAMERA, coupling_margin=0.0,
                                     mesh_turn=IDEAL_TURN),
                       deltas_m=rig_fields_m(), calibration=TEMPLATE)
    frame = solve(landmarks, exact)
    error = np.abs(frame.weights[FITTED] - weights[FITTED])
    assert np.median(error) < 0.03 and error.max() < 0.3, NAMES_OF(frame.weights)
    np.testing.assert_allclose(np.degrees(frame.head_euler_rad()), (-15, 10, -6), atol=1.0)
    # With it, a smaller channel must out-explain the coupling the larger ones would bring:
    # some are held back, but nothing that is not there is read, and what is read is read at
    # its strength.
    frame = solve(landmarks)
    absent = np.setdiff1d(FITTED, chosen)
    assert frame.weights[absent].max() < 0.15, NAMES_OF(frame.weights)
    read = chosen[frame.weights[chosen] > 0.05]
    assert len(read) >= n - 3
    np.testing.assert_allclose(frame.weights[read], weights[read], atol=0.15)


@pytest.mark.parametrize("pose_deg", [(25, 0, 0), (0, -15, 0), (0, 0, 30), (-20, 12, -15)])
def test_head_pose_is_recovered(pose_deg):
    frame = solve(render_landmarks(np.zeros(N_BLENDSHAPES), pose_deg, (0.0, 0.0, -0.7)))
    np.testing.assert_allclose(np.degrees(frame.head_euler_rad()), pose_deg, atol=0.5)
    np.testing.assert_allclose(frame.head_translation_m, (0, 0, -0.7), atol=2e-3)


def test_an_off_centre_face_turned_to_the_lens_reports_the_turn():
    # Drawn frontal at the left of the picture: a face there that looks frontal is turned toward
    # the camera, i.e. to the subject's left (positive yaw) by the angle of the ray.
    frame = solve(render_landmarks(np.zeros(N_BLENDSHAPES), translation_m=(-0.2, 0.0, -0.5)))
    yaw = frame.head_euler_rad()[0]
    assert yaw == pytest.approx(np.arctan2(0.2, 0.5), abs=0.01)
    np.testing.assert_allclose(frame.head_translation_m, (-0.2, 0, -0.5), atol=2e-3)


@pytest.mark.parametrize("seen_deg, turn_deg", [
    ((16, 0, 0), (20, 0, 0)), ((0, -9.6, 0), (0, -12, 0)), ((0, 0, 30), (0, 0, 30))])
def test_a_mesh_that_turns_less_than_the_head_is_read_at_the_heads_turn(seen_deg, turn_deg):
    # Landmarks that show 0.8 of every out-of-plane turn: a face turned 20 degrees is seen
    # turned 16; its roll, in the picture, is seen in full.
    options = SolverOptions(auto_calibrate=False, camera=CAMERA, mesh_turn=MeshTurn(0.8, 0.8))
    solver = FaceSolver(options, deltas_m=rig_fields_m(), calibration=TEMPLATE)
    frame = solve(render_landmarks(np.zeros(N_BLENDSHAPES), seen_deg, (0.0, 0.0, -0.7)), solver)
    np.testing.assert_allclose(np.degrees(frame.head_euler_rad()), turn_deg, atol=0.5)


def test_only_the_share_of_the_view_ray_the_mesh_shows_is_taken_out():
    # Drawn frontal at the left of the picture, by landmarks that show half of the ray's angle:
    # half of it is what the face is turned toward the lens.
    options = SolverOptions(auto_calibrate=False, camera=CAMERA, mesh_turn=MeshTurn(1.0, 0.5))
    solver = FaceSolver(options, deltas_m=rig_fields_m(), calibration=TEMPLATE)
    frame = solve(render_landmarks(np.zeros(N_BLENDSHAPES), translation_m=(-0.2, 0.0, -0.5)),
                  solver)
    assert frame.head_euler_rad()[0] == pytest.approx(np.arctan(0.5 * 0.2 / 0.5), abs=0.01)


@pytest.mark.parametrize("head, ray", [(0.0, 1.0), (1.0, -0.1)])
def test_a_mesh_turn_must_be_possible(head, ray):
    with pytest.raises(InputError, match="turn"):
        MeshTurn(head, ray)


def test_mirrored_landmarks_swap_sides(rng):
    weights = np.zeros(N_BLENDSHAPES)
    one_sided = ("mouthSmileLeft", "eyeBlinkLeft", "browOuterUpLeft", "cheekSquintLeft", "jawRight")
    for name in one_sided:
        weights[INDEX[name]] = 0.7
    landmarks = render_landmarks(weights, (10, 5, 8), (0.03, 0.02, -0.5))
    mirrored = landmarks[landmark_mirror()].copy()
    mirrored[:, 0] = 1.0 - mirrored[:, 0]
    a, b = solve(landmarks), solve(mirrored)
    np.testing.assert_allclose(b.weights, a.weights[MIRROR], atol=2e-3)
    ya, yb = a.head_euler_rad(), b.head_euler_rad()
    np.testing.assert_allclose(yb, ya * (-1, 1, -1), atol=1e-3)
    assert a.weights[INDEX["mouthSmileLeft"]] > 0.4 > b.weights[INDEX["mouthSmileLeft"]]


def test_gaze_from_the_iris():
    weights = np.zeros(N_BLENDSHAPES)
    landmarks = render_landmarks(weights)
    # Slide the left iris 3 mm toward the subject's left in the head frame (image: to the right).
    moved = landmarks.copy()
    focal = CAMERA.focal_px(SIZE[0])
    moved[468 + 5:, 0] += 0.003 * focal / 0.5 / SIZE[0]
    frame = solve(moved)
    assert frame.eyes_rad[0, 0] == pytest.approx(np.arcsin(0.003 / IRIS_TRAVEL_M[0]), abs=0.03)
    assert abs(frame.eyes_rad[1, 0]) < 0.01 and abs(frame.eyes_rad[0, 1]) < 0.03
    assert frame.weights[INDEX["eyeLookOutLeft"]] > 0.4
    assert frame.weights[INDEX["eyeLookInLeft"]] == 0


def test_weights_stay_in_range_on_wild_landmarks(rng):
    solver = FaceSolver(SolverOptions(auto_calibrate=False))
    base = render_landmarks(np.zeros(N_BLENDSHAPES))
    for _ in range(20):
        noisy = base + rng.normal(0, 0.01, base.shape).astype(np.float32)
        frame = solver(noisy, 0.0, SIZE)
        assert frame.weights.min() >= 0 and frame.weights.max() <= 1
        assert np.isfinite(frame.head_rotation).all()


def test_wrong_landmark_shape_is_an_input_error():
    with pytest.raises(InputError, match="478"):
        FaceSolver()(np.zeros((468, 3), np.float32), 0.0, SIZE)


def test_box_qp_matches_scipy(rng):
    for _ in range(30):
        a = rng.normal(size=(80, 20))
        b = rng.normal(size=80) * 2
        upper = np.ones(20)
        expected = lsq_linear(a, b, bounds=(0, upper)).x
        got = solve_box_qp(a.T @ a, a.T @ b, upper, rng.uniform(0, 1, 20))
        np.testing.assert_allclose(got, expected, atol=1e-5)
