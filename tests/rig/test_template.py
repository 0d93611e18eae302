import numpy as np
from mediapipe.python.solutions import face_mesh_connections

from likeness.rig import landmark_mirror, neutral_m
from likeness.rig import landmarks as lm


def test_template_is_metric_and_symmetric():
    points, mirror = neutral_m(), landmark_mirror()
    assert points.shape == (478, 3)
    np.testing.assert_allclose(points[mirror] * [-1, 1, 1], points, atol=1e-7)
    ipd_m = np.linalg.norm(points[lm.LEFT_IRIS_CENTER] - points[lm.RIGHT_IRIS_CENTER])
    assert 0.055 < ipd_m < 0.075  # adult interpupillary distances
    assert 0.10 < points[lm.FOREHEAD, 1] - points[lm.CHIN, 1] < 0.22


def test_sides_and_axes_follow_the_head_frame():
    points = neutral_m()
    assert points[lm.LEFT_EYE_OUTER_CORNER, 0] > 0 > points[lm.RIGHT_EYE_OUTER_CORNER, 0]
    assert points[lm.NOSE_TIP, 2] > points[lm.LEFT_EYE_OUTER_CORNER, 2]  # +z out of the face
    assert points[lm.FOREHEAD, 1] > 0 > points[lm.CHIN, 1]  # +y up
    np.testing.assert_allclose(points[lm.NOSE_BRIDGE], 0, atol=1e-6)


def test_mirror_map_pairs_the_named_sets_and_keeps_mesh_edges():
    mirror = landmark_mirror()
    assert [mirror[i] for i in lm.LEFT_EYE_UPPER_LID] == list(lm.RIGHT_EYE_UPPER_LID)
    assert mirror[lm.LEFT_IRIS_CENTER] == lm.RIGHT_IRIS_CENTER
    assert mirror[lm.MOUTH_LEFT_CORNER] == lm.MOUTH_RIGHT_CORNER
    edges = {tuple(sorted(e)) for e in face_mesh_connections.FACEMESH_TESSELATION}
    mirrored = {tuple(sorted((mirror[a], mirror[b]))) for a, b in edges}
    assert len(edges & mirrored) / len(edges) > 0.99


def test_template_mouth_is_closed():
    points = neutral_m()
    gap_m = points[lm.UPPER_LIP_CENTER_INNER, 1] - points[lm.LOWER_LIP_CENTER_INNER, 1]
    assert abs(gap_m) < 0.001
