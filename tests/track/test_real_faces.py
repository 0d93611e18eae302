"""Reading real faces, person-independently and from the first frame: scikit-image's astronaut
photo and its LFW faces (real people, 25x25 pixels, shown here at 256), tracked by MediaPipe."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import skimage

from likeness.bench.tracking import FACE_CENTRE_PX, clip_motion, face_frame
from likeness.blendshapes import INDEX
from likeness.rig import neutral_m
from likeness.rig.gaze import LOOK_INDICES
from likeness.solve import FaceSolver, PinholeCamera, SolverOptions
from likeness.solve.measures import MEASURES, measure_index
from likeness.solve.pose import HeadPose, PoseAnchors
from likeness.solve.rest import relaxed_neutral_m
from likeness.track import FaceTracker

LFW_FACES = (1, 2, 3, 8)
"""LFW faces (of the first 100, all faces) the rest test sways; every one of them is found."""


def lfw_faces() -> np.ndarray:
    """The 100 faces of scikit-image's LFW subset, (100, 25, 25) grey levels in 0..1."""
    return np.load(Path(skimage.data.__file__).parent / "lfw_subset.npy")[:100]


def lfw_picture(face: np.ndarray) -> np.ndarray:
    """An LFW face at 256 px, grey on grey where the astronaut's face sits in her photo."""
    big = cv2.resize((face * 255).astype(np.uint8), (256, 256), interpolation=cv2.INTER_CUBIC)
    canvas = np.full((512, 512, 3), 96, np.uint8)
    x, y = int(FACE_CENTRE_PX[0]), int(FACE_CENTRE_PX[1])
    canvas[y - 128:y + 128, x - 128:x + 128] = big[..., None]
    return canvas


def first_frame(picture: np.ndarray):
    """What a fresh live solver reads of a picture, or None if no face is found."""
    with FaceTracker() as tracker:
        faces = tracker(picture, 0.0)
    if not faces:
        return None
    return FaceSolver(SolverOptions())(faces[0].landmarks, 0.0, faces[0].image_size)


@pytest.mark.parametrize("mirrored", [False, True])
def test_her_broad_smile_reads_as_a_smile_from_the_first_frame(mirrored):
    photo = skimage.data.astronaut()
    frame = first_frame(np.ascontiguousarray(photo[:, ::-1]) if mirrored else photo)
    assert frame.weights[INDEX["mouthSmileLeft"]] > 0.6
    assert frame.weights[INDEX["mouthSmileRight"]] > 0.6
    assert frame.weights[INDEX["jawOpen"]] > 0.2  # her teeth are apart


def test_the_generic_rest_has_the_mouth_of_real_faces():
    # The rig's template is her smiling face: its mouth is far wider than real faces' at rest.
    # The generic relaxed face it becomes has the median mouth of the LFW faces, most of whom
    # were photographed smiling or talking, within 3 mm (2.1 mm narrower).
    anchors = PoseAnchors.of_neutral(neutral_m())
    width = measure_index("mouth_width")
    widths = []
    with FaceTracker() as tracker:
        for face in lfw_faces():
            tracker.reset()
            found = tracker(lfw_picture(face), 0.0)
            if found:
                pose = HeadPose.from_landmarks(found[0].landmarks, anchors,
                                               found[0].image_size, PinholeCamera())
                head = pose.landmarks_to_head(found[0].landmarks, found[0].image_size)
                widths.append(MEASURES(head)[width])
    assert len(widths) >= 90
    median = float(np.median(widths))
    assert abs(MEASURES(relaxed_neutral_m())[width] - median) < 3e-3
    assert MEASURES(neutral_m())[width] - median > 0.01


@pytest.mark.slow
@pytest.mark.parametrize("who", ["astronaut", *(f"lfw{i}" for i in LFW_FACES)])
def test_real_faces_at_rest_read_near_zero(who):
    # A photo swayed for eight seconds (rolled, scaled, moved about the picture) is a face that
    # holds still: once its rest is learned, what is read is how MediaPipe's landmarks change
    # with the pose. For the astronaut her grin becomes her rest within a few seconds.
    photo = skimage.data.astronaut() if who == "astronaut" else lfw_picture(
        lfw_faces()[int(who[3:])])
    n = 240
    motion = clip_motion(n, 30.0)
    solver = FaceSolver(SolverOptions())
    read = []
    with FaceTracker() as tracker:
        for i in range(n):
            picture = face_frame(photo, 0.5 * motion.roll_deg[i], 1 + 0.5 * (motion.scale[i] - 1),
                                 motion.centre_px[i])
            found = tracker(picture, i / 30)
            assert found, f"{who}: no face in frame {i}"
            read.append(solver(found[0].landmarks, i / 30, found[0].image_size).weights)
    late = np.delete(np.array(read)[2 * n // 3:], LOOK_INDICES, axis=1)
    assert np.median(late) < 0.02
    assert np.percentile(late, 95) < 0.3
