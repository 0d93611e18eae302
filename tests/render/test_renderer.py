import numpy as np
import pytest

from likeness.errors import InputError
from likeness.render import Camera, Renderer


def _changed(a, b, threshold=40):
    """(rows, cols) of pixels that differ clearly between two renders."""
    return np.nonzero(np.abs(a.astype(int) - b.astype(int)).sum(axis=2) > threshold)


def test_renders_a_lit_face_on_the_background(face, renderer):
    rgb = renderer.render(face())
    assert rgb.shape == (256, 256, 3) and rgb.dtype == np.uint8
    background = np.array(rgb[2, 2], int)
    covered = np.abs(rgb.astype(int) - background).sum(axis=2) > 30
    assert 0.2 < covered.mean() < 0.7
    center = rgb[100:140, 108:148].reshape(-1, 3).mean(axis=0)
    assert center[0] > center[2] + 20  # skin: warm, red above blue
    np.testing.assert_array_equal(rgb, renderer.render(face()))  # deterministic


@pytest.mark.parametrize("name, image_side", [("eyeBlinkLeft", 1), ("eyeBlinkRight", -1)])
def test_blink_closes_the_eye_on_the_subjects_own_side(face, renderer, name, image_side):
    # The camera faces the subject: their left eye is on the right of the image.
    rows, cols = _changed(renderer.render(face()), renderer.render(face({name: 1.0})))
    assert len(cols) > 30
    assert np.all(np.sign(cols - 128) == image_side)
    assert rows.max() < 128  # upper half: the eyes


def test_jaw_open_shows_the_dark_mouth_and_teeth(face, renderer):
    closed, opened = renderer.render(face()), renderer.render(face({"jawOpen": 0.7}))
    rows, cols = _changed(closed, opened)
    eye_row, _ = _pixel(renderer.camera, renderer.avatar.eye_centers_m[0])
    assert rows.min() > eye_row + 10 and abs(cols.mean() - 128) < 6  # below the eyes, centred
    mouth = opened[rows, cols].astype(int).sum(axis=1)
    dark = mouth < 120
    mouth_row, _ = _pixel(renderer.camera, [0.0, -0.08, 0.0])
    assert dark.sum() > 40 and abs(rows[dark].mean() - mouth_row) < 12  # the inside of the mouth
    assert (mouth > 600).sum() > 5  # bright enamel


def _pixel(camera, point_m, size=256):
    """Where a head-frame point (head at rest) lands in the image: (row, col)."""
    clip = camera.view_projection(1.0) @ np.append(point_m, 1.0)
    x, y = clip[:2] / clip[3]
    return (1 - y) / 2 * size, (x + 1) / 2 * size


def _pupil_col(rgb, row, col):
    """Column of the darkness-weighted centroid of the iris and pupil near (row, col)."""
    r, c = int(round(row)), int(round(col))
    patch = rgb[r - 3 : r + 4, c - 14 : c + 15].astype(float).sum(axis=2)
    darkness = np.clip(np.median(patch) - patch, 0, None)
    return c - 14 + (darkness.sum(axis=0) * np.arange(patch.shape[1])).sum() / darkness.sum()


@pytest.mark.parametrize("eye", [0, 1])
def test_gaze_turns_each_iris_toward_the_subjects_left(face, renderer, eye):
    row, col = _pixel(renderer.camera, renderer.avatar.eye_centers_m[eye] + [0, 0, 0.012])
    ahead = _pupil_col(renderer.render(face()), row, col)
    left = _pupil_col(renderer.render(face(eyes_rad=[[0.6, 0.0], [0.6, 0.0]])), row, col)
    right = _pupil_col(renderer.render(face(eyes_rad=[[-0.6, 0.0], [-0.6, 0.0]])), row, col)
    assert abs(ahead - col) < 2
    assert left > ahead + 2 > right + 4  # the subject's left is the image's right


def test_head_yaw_turns_the_face_toward_the_subjects_left(face, renderer):
    row, col = _pixel(renderer.camera, renderer.avatar.eye_centers_m[0] + [0, 0, 0.012])
    turned = renderer.render(face(yaw_rad=0.5))
    shift_px = _pupil_col(turned, row, col + 12) - _pupil_col(renderer.render(face()), row, col)
    assert shift_px > 6


def test_multisampling_smooths_edges(face):
    with Renderer(128, samples=1) as aliased, Renderer(128, samples=4) as smooth:
        hard, soft = aliased.render(face()), smooth.render(face())
    levels = lambda rgb: len(np.unique(rgb[:, :, 0]))  # noqa: E731
    assert levels(soft) > levels(hard)


def test_vertex_shading_preview_looks_like_the_per_pixel_render(face):
    with Renderer(128, shading="vertex") as preview, Renderer(128) as full:
        fast, slow = preview.render(face({"jawOpen": 0.4})), full.render(face({"jawOpen": 0.4}))
    assert np.abs(fast.astype(int) - slow.astype(int)).mean() < 4


def test_lights_are_configurable(face):
    from likeness.render import Light

    dim = [Light(direction=(0.0, 0.0, 1.0), color=(0.3, 0.3, 0.3))]
    with Renderer(96) as studio, Renderer(96, lights=dim) as dark:
        assert (
            dark.render(face())[30:70, 30:70].mean()
            < studio.render(face())[30:70, 30:70].mean() - 20
        )


def test_camera_size_and_shading_are_validated():
    with pytest.raises(InputError, match="size"):
        Renderer(8)
    with pytest.raises(InputError, match="shading"):
        Renderer(64, shading="flat")
    with pytest.raises(InputError, match="fov"):
        Camera(fov_deg=0.0)


@pytest.mark.parametrize("quality", ["fast", "preview"])
def test_faster_qualities_draw_the_same_face(quality):
    from likeness.blendshapes import index
    from likeness.frame import FaceFrame
    from likeness.render.renderer import QUALITIES

    frame = FaceFrame.neutral()
    frame.weights[index("jawOpen")] = 0.6
    with Renderer(256) as full, Renderer(256, **QUALITIES[quality]) as fast:
        a, b = full.render(frame).astype(float), fast.render(frame).astype(float)
    assert np.abs(a - b).mean() < 6.0  # the same picture, up to edges and shading detail
    assert np.abs(a - b).max() > 0  # and really drawn another way
