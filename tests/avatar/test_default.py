import numpy as np
import pytest

from likeness.avatar import default_avatar
from likeness.avatar.topology import boundary_loops, face_triangles
from likeness.blendshapes import INDEX, N_BLENDSHAPES
from likeness.rig import landmarks as lm
from likeness.rig import neutral_m


def _part(name):
    return next(p for p in default_avatar().parts if p.name == name)


def test_face_triangles_are_a_manifold_disc_with_eye_and_mouth_holes():
    triangles = face_triangles()
    assert triangles.shape == (852, 3)
    loops = sorted(len(loop) for loop in boundary_loops(triangles))
    assert loops == [16, 16, 20, 36]  # two eyes, the mouth, the face outline
    points = neutral_m()[: lm.N_FACE_POINTS]
    corners = points[triangles]
    normals = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    assert (normals[:, 2] > 0).mean() > 0.9  # wound to face the camera (+z)


def test_skin_is_a_closed_head_open_only_at_the_eyes_and_mouth():
    skin = _part("skin")
    loops = boundary_loops(skin.triangles)
    assert len(loops) == 3
    centers = np.array([skin.positions_m[loop].mean(axis=0) for loop in loops])
    mouth = neutral_m()[lm.UPPER_LIP_CENTER_INNER]
    assert np.min(np.linalg.norm(centers - mouth, axis=1)) < 0.012
    assert skin.positions_m[:, 2].min() < -0.15  # a back of the head, not a mask
    assert skin.positions_m[:, 1].max() > 0.10  # and a top


def test_avatar_is_left_right_symmetric():
    skin = _part("skin")
    np.testing.assert_allclose(
        skin.positions_m.min(axis=0)[0], -skin.positions_m.max(axis=0)[0], atol=1e-3
    )
    assert abs(skin.positions_m[:, 0].mean()) < 1e-3
    for part in default_avatar().parts:
        if part.eye >= 0 or part.name == "skin":  # (quads of the skull split one way)
            continue
        mirrored = part.positions_m * [-1, 1, 1]
        # every mirrored vertex lands on a vertex of the same part
        distance = np.min(
            np.linalg.norm(mirrored[::7, None] - part.positions_m[None], axis=2), axis=1
        )
        assert distance.max() < 1e-5, part.name


def test_every_arkit_shape_moves_the_skin_and_jaw_shapes_carry_teeth_and_tongue():
    skin = _part("skin")
    assert skin.deltas_m.shape[0] == N_BLENDSHAPES
    assert (np.abs(skin.deltas_m).reshape(N_BLENDSHAPES, -1).max(axis=1) > 5e-4).all()
    jaw = INDEX["jawOpen"]
    lower, upper = _part("teeth_lower"), _part("teeth_upper")
    assert lower.deltas_m[jaw, :, 1].mean() < -0.01  # lower teeth drop with the jaw
    assert not upper.deltas_m.any()  # upper teeth are fixed to the skull
    tongue = _part("tongue")
    tip = np.argmax(tongue.positions_m[:, 2])
    out = tongue.positions_m[tip] + tongue.deltas_m[INDEX["tongueOut"], tip]
    lips_z = neutral_m()[lm.UPPER_LIP_CENTER_OUTER, 2]
    assert out[2] > lips_z  # tongueOut brings the tip past the lips


@pytest.mark.parametrize("eye, name", [(0, "eye_left"), (1, "eye_right")])
def test_eyeballs_sit_behind_the_irises_on_their_own_side(eye, name):
    avatar = default_avatar()
    part = _part(name)
    assert part.eye == eye
    center = avatar.eye_centers_m[eye]
    iris = neutral_m()[lm.LEFT_IRIS_CENTER if eye == 0 else lm.RIGHT_IRIS_CENTER]
    assert np.sign(center[0]) == (1 if eye == 0 else -1)
    assert abs(center[0] - iris[0]) < 1e-6 and center[2] < iris[2]
    radius = np.linalg.norm(part.positions_m - center, axis=1)
    assert 0.0115 < np.median(radius) < 0.0135
    # the pupil (darkest) looks down +z
    pupil = part.positions_m[np.argmin(part.colors.sum(axis=1))]
    assert pupil[2] > center[2] + 0.01
