"""A twin from one portrait: the photo at rest, a mouth that opens, lids that close, eyes that
turn, a valid GLB that reads back the same, and clear errors for photos it cannot use."""

from __future__ import annotations

import numpy as np
import pytest

from likeness.avatar.twin import build_twin, twin_from_photo
from likeness.errors import InputError
from likeness.rig import landmarks as lm
from tests import photos
from tests.render.conftest import make_face

SIZE = 512


@pytest.fixture(scope="module")
def astronaut():
    return build_twin(photos.astronaut(), name="astronaut")


@pytest.fixture(scope="module")
def hopper():
    return twin_from_photo(photos.hopper_path())


@pytest.fixture(scope="module")
def draw():
    """``draw(avatar, frame)`` -> RGB at 512 px, one renderer per avatar."""
    from likeness.render import Renderer

    renderers: dict[int, Renderer] = {}

    def render(avatar, frame):
        if id(avatar) not in renderers:
            renderers[id(avatar)] = Renderer(SIZE, avatar=avatar)
        return renderers[id(avatar)].render(frame).astype(np.float64)

    yield render
    for renderer in renderers.values():
        renderer.close()


def pixel(avatar, point: int | str) -> np.ndarray:
    """(x, y) image pixel (y down) of a face landmark of the twin at rest, or of the middle of
    an eye (``"eye_left"``, ``"eye_right"``)."""
    if isinstance(point, str):
        position = next(p for p in avatar.parts if p.name == point).positions_m[0]
    else:
        position = next(p for p in avatar.parts if p.name == "face").positions_m[point]
    clip = avatar.view_projection @ np.r_[position, 1.0]
    return np.array([(clip[0] + 1) / 2 * SIZE, (1 - clip[1]) / 2 * SIZE])


def box(image: np.ndarray, center: np.ndarray, half: int) -> np.ndarray:
    x, y = np.round(center).astype(int)
    return image[y - half : y + half, x - half : x + half]


def test_the_twin_at_rest_is_the_photo(astronaut, draw):
    from PIL import Image

    photo = np.asarray(Image.fromarray(photos.astronaut()).resize((SIZE, SIZE)), np.float64)
    assert np.abs(draw(astronaut, make_face()) - photo).mean() < 2.0


def test_it_has_the_rigs_52_fields_and_photo_parts(astronaut):
    names = {p.name: p for p in astronaut.parts}
    assert {"face", "background", "eye_left", "eye_right", "mouth", "tongue"} <= set(names)
    face = names["face"]
    assert face.material == "photo" and face.texture is not None
    assert (np.abs(face.deltas_m).reshape(52, -1).max(axis=1) > 0).all()
    assert names["eye_left"].eye == 0 and names["eye_right"].eye == 1


def test_the_jaw_opens_a_dark_mouth_with_teeth(hopper, draw):
    rest, open_ = draw(hopper, make_face()), draw(hopper, make_face({"jawOpen": 1.0}))
    lips = (pixel(hopper, lm.UPPER_LIP_CENTER_INNER) + pixel(hopper, lm.LOWER_LIP_CENTER_INNER)) / 2
    before, after = box(rest, lips + [0, 8], 6), box(open_, lips + [0, 8], 6)
    assert after.mean() < before.mean() - 40  # the dark inside shows where the lips were
    # Teeth: near-white pixels in the opening that were not there.
    def white(image):
        return int((box(image, lips + [0, 8], 20).min(axis=-1) > 150).sum())

    assert white(open_) > white(rest) + 10


@pytest.mark.parametrize("side", ["Left", "Right"])
def test_a_blink_closes_the_persons_own_lid_over_that_eye_only(astronaut, draw, side):
    rest = draw(astronaut, make_face())
    shut = draw(astronaut, make_face({f"eyeBlink{side}": 1.0}))
    other = "right" if side == "Left" else "left"
    closed, still = pixel(astronaut, f"eye_{side.lower()}"), pixel(astronaut, f"eye_{other}")
    # The dark iris is covered by the lid's skin, which is lighter; the other eye is untouched.
    assert box(shut, closed, 3).mean() > box(rest, closed, 3).mean() + 25
    assert np.abs(box(shut, still, 6) - box(rest, still, 6)).mean() < 1.0


def test_the_eyes_turn_with_gaze(astronaut, draw):
    """Looking to the subject's left moves each iris right in the picture (darkest pixels)."""
    rest = draw(astronaut, make_face())
    look = draw(astronaut, make_face(eyes_rad=[[0.4, 0.0], [0.4, 0.0]]))
    def dark_x(image, center):
        patch = box(image, center, 10).sum(axis=-1)
        _, xs = np.nonzero(patch <= np.quantile(patch, 0.08))
        return xs.mean()

    for eye in ("eye_left", "eye_right"):
        center = pixel(astronaut, eye)
        assert dark_x(look, center) > dark_x(rest, center) + 1.5


def test_a_glb_of_the_twin_is_valid_and_reads_back_the_same(astronaut, draw, tmp_path,
                                                            validate_gltf):
    from likeness.avatar.gltf import read_glb

    _, path = photos.astronaut_twin(tmp_path)  # the same pixels, saved and granted
    report = validate_gltf(path)["issues"]
    assert report["numErrors"] == 0 and report["numWarnings"] == 0, report["messages"]
    back = read_glb(path)
    assert back.view_projection is not None
    assert sum(p.material == "photo" for p in back.parts) == 4
    frame = make_face({"jawOpen": 0.6, "eyeBlinkLeft": 0.5}, yaw_rad=0.2)
    assert np.abs(draw(back, frame) - draw(astronaut, frame)).mean() < 0.5


def test_a_photo_without_a_face_is_refused():
    from skimage import data

    with pytest.raises(InputError, match="no face found"):
        build_twin(data.chelsea())


def test_an_unreadable_photo_is_refused(tmp_path):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    with pytest.raises(InputError, match="not a readable image"):
        twin_from_photo(bad)


def test_a_photo_that_is_not_rgb_uint8_is_refused():
    with pytest.raises(InputError, match="RGB uint8"):
        build_twin(np.zeros((128, 128), np.uint8))
