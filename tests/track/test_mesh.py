"""MediaPipe's face mesh on a real face: found, on the face, stable ids, nothing invented."""

from __future__ import annotations

import numpy as np
import pytest

from likeness.errors import InputError
from likeness.rig import landmarks as lm
from likeness.track import FaceTracker

# Read off the 512x512 photo: the astronaut's face spans about x 165..290, y 40..195 (hairline
# to chin); her pupils are near (204, 102) on the image left (her right eye) and (246, 103).
FACE_BOX_PX = (165, 40, 290, 195)
RIGHT_PUPIL_PX = (204, 102)
LEFT_PUPIL_PX = (246, 103)


def test_the_astronaut_is_found_and_the_landmarks_sit_on_her_face(astronaut):
    with FaceTracker() as tracker:
        faces = tracker(astronaut)
    assert len(faces) == 1 and faces[0].face_id == 0
    face = faces[0]
    assert face.landmarks.shape == (478, 3) and face.image_size == (512, 512)
    px = face.landmarks[:, :2] * 512
    x0, y0, x1, y1 = FACE_BOX_PX
    assert (px[:, 0] > x0).all() and (px[:, 0] < x1).all()
    assert (px[:, 1] > y0).all() and (px[:, 1] < y1).all()
    assert np.linalg.norm(px[lm.RIGHT_IRIS_CENTER] - RIGHT_PUPIL_PX) < 5
    assert np.linalg.norm(px[lm.LEFT_IRIS_CENTER] - LEFT_PUPIL_PX) < 5
    assert px[lm.NOSE_TIP, 1] > px[lm.NOSE_BRIDGE, 1]  # nose tip below the bridge
    assert px[lm.CHIN, 1] > px[lm.UPPER_LIP_CENTER_OUTER, 1]


def test_no_face_gives_no_landmarks(rng):
    with FaceTracker() as tracker:
        assert tracker(np.full((480, 640, 3), 128, np.uint8)) == []
        assert tracker(rng.integers(0, 255, (480, 640, 3), dtype=np.uint8)) == []


def test_two_faces_keep_their_ids_as_they_move(astronaut):
    portrait = astronaut[0:280, 80:360]  # head and shoulders, 280x280
    with FaceTracker(max_faces=2) as tracker:
        first_seen = None
        for step in range(6):
            canvas = np.full((300, 640, 3), 90, np.uint8)
            canvas[10:290, 20 + 4 * step: 300 + 4 * step] = portrait
            canvas[10:290, 340 - 4 * step: 620 - 4 * step] = portrait
            faces = tracker(canvas)
            assert len(faces) == 2
            side = {f.face_id: bool(f.landmarks[:, 0].mean() > 0.5) for f in faces}
            first_seen = first_seen or side
            assert side == first_seen
        assert sorted(first_seen) == [0, 1]


def test_not_an_rgb_image():
    with FaceTracker() as tracker, pytest.raises(InputError, match="RGB uint8"):
        tracker(np.zeros((48, 64), np.float32))


def test_max_faces_must_be_positive():
    with pytest.raises(InputError, match="at least 1"):
        FaceTracker(max_faces=0)
