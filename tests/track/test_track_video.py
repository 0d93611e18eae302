"""The whole path on a real face moving by known amounts: head pose follows, mirrored input
swaps sides, and every frame is accounted for."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from likeness.bench.tracking import FACE_CENTRE_PX
from likeness.blendshapes import INDEX, MIRROR, MIRROR_PAIRS
from likeness.errors import InputError
from likeness.rig import landmarks as lm
from likeness.rig import neutral_m
from likeness.rig.gaze import LOOK_INDICES
from likeness.solve import FaceSolver, PinholeCamera, SolverOptions
from likeness.solve.calibration import Calibration
from likeness.solve.pose import HeadPose, image_points
from likeness.track import FaceTracker, track_video

N_CLIP_FRAMES = 60  # as tests/track/conftest.py makes it

# Stated tolerances for head pose from a real face (MediaPipe landmarks, unfiltered).
ROLL_TOLERANCE_DEG = 3.0
DEPTH_TOLERANCE = 0.06  # relative, of distance x scale (scale doubles -> distance halves)
POSITION_TOLERANCE_PX = 4.0  # head origin reprojected, on a 640x480 frame


@pytest.mark.slow
def test_every_frame_is_found_and_kept(clip_take):
    animation = clip_take.animation
    assert len(animation) == N_CLIP_FRAMES and animation.found.all()
    assert animation.fps == 30
    np.testing.assert_allclose(np.diff(animation.t_s), 1 / 30, atol=1e-6)
    assert animation.landmarks.shape == (N_CLIP_FRAMES, 478, 3)
    assert clip_take.calibration is not None and clip_take.calibration.n_frames >= 1
    assert animation.weights.min() >= 0 and animation.weights.max() <= 1


@pytest.mark.slow
def test_roll_follows_the_picture(face_clip, clip_take):
    _, motion = face_clip
    roll_deg = np.degrees(clip_take.animation.head_euler_rad()[:, 2])
    # Positive roll is counter-clockwise as the camera sees it, as the clip turns the photo.
    error = (roll_deg - roll_deg[0]) - (motion.roll_deg - motion.roll_deg[0])
    assert np.abs(error).max() < ROLL_TOLERANCE_DEG


@pytest.mark.slow
def test_distance_follows_scale(face_clip, clip_take):
    _, motion = face_clip
    distance_m = -clip_take.animation.head_translation_m[:, 2]
    product = distance_m * motion.scale
    assert np.abs(product / product[0] - 1).max() < DEPTH_TOLERANCE


@pytest.mark.slow
def test_position_follows_the_picture(face_clip, clip_take, astronaut):
    _, motion = face_clip
    with FaceTracker() as tracker:
        bridge = tracker(astronaut)[0].landmarks[lm.NOSE_BRIDGE, :2] * 512
    expected = []
    for roll, scale, centre in zip(motion.roll_deg, motion.scale, motion.centre_px, strict=True):
        matrix = cv2.getRotationMatrix2D(FACE_CENTRE_PX, roll, scale)
        matrix[:, 2] += centre - FACE_CENTRE_PX
        expected.append(matrix @ [bridge[0], bridge[1], 1.0])
    focal_px = PinholeCamera().focal_px(640)
    xyz = clip_take.animation.head_translation_m
    seen = np.column_stack([320 + focal_px * xyz[:, 0] / -xyz[:, 2],
                            240 - focal_px * xyz[:, 1] / -xyz[:, 2]])
    assert np.linalg.norm(seen - np.array(expected), axis=1).max() < POSITION_TOLERANCE_PX


@pytest.mark.slow
def test_mirrored_video_negates_yaw_and_roll(clip_take, mirrored_take):
    a = np.degrees(clip_take.animation.head_euler_rad())
    b = np.degrees(mirrored_take.animation.head_euler_rad())
    np.testing.assert_allclose(b[:, 0], -a[:, 0], atol=3.5)
    np.testing.assert_allclose(b[:, 2], -a[:, 2], atol=3.5)
    np.testing.assert_allclose(b[:, 1], a[:, 1], atol=3.5)
    np.testing.assert_allclose(mirrored_take.animation.head_translation_m[:, 0],
                               -clip_take.animation.head_translation_m[:, 0], atol=0.01)


def warp_locally(rgb: np.ndarray, centre_px, shift_px, sigma_px: float = 8.0) -> np.ndarray:
    """Push the picture around ``centre_px`` by ``shift_px`` (x, y), fading out with a Gaussian
    of ``sigma_px``: a real face made to pull a known, one-sided expression."""
    height, width = rgb.shape[:2]
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    g = np.exp(-((xx - centre_px[0]) ** 2 + (yy - centre_px[1]) ** 2) / (2 * sigma_px**2))
    return cv2.remap(rgb, xx - shift_px[0] * g, yy - shift_px[1] * g, cv2.INTER_LINEAR,
                     borderMode=cv2.BORDER_REFLECT)


def _own_neutral(tracker: FaceTracker, rgb: np.ndarray) -> Calibration:
    """The face in ``rgb`` as the user's neutral (what --calibrate would measure)."""
    face = tracker(rgb)[0]
    points = image_points(face.landmarks, face.image_size)
    pose = HeadPose(points, neutral_m().astype(np.float64), face.image_size, PinholeCamera())
    return Calibration(pose.to_head(points))


def _side_balance(weights: np.ndarray) -> float:
    """Sum of left-side weights minus right-side ones."""
    left, right = np.array(MIRROR_PAIRS).T
    return float(weights[left].sum() - weights[right].sum())


@pytest.mark.parametrize("landmark, shift_px", [
    (lm.MOUTH_LEFT_CORNER, (4, -6)),  # her left mouth corner pulled up and out: a half smile
    (lm.MOUTH_LEFT_CORNER, (0, 6)),   # pulled down
    (lm.LEFT_BROW_UPPER[2], (0, -7)),  # her left brow raised
])
def test_a_one_sided_expression_is_on_its_side_and_mirrors(astronaut, landmark, shift_px):
    mirrored_photo = np.ascontiguousarray(astronaut[:, ::-1])
    options = SolverOptions(auto_calibrate=False)
    with FaceTracker() as tracker:
        centre = tracker(astronaut)[0].landmarks[landmark, :2] * 512
        tracker.reset()
        neutral = _own_neutral(tracker, astronaut)
        tracker.reset()
        neutral_mirrored = _own_neutral(tracker, mirrored_photo)
        tracker.reset()
        posed = warp_locally(astronaut, centre, shift_px)
        face = tracker(posed)[0]
        a = FaceSolver(options, calibration=neutral)(face.landmarks, 0.0, face.image_size)
        tracker.reset()
        face = tracker(np.ascontiguousarray(posed[:, ::-1]))[0]
        b = FaceSolver(options, calibration=neutral_mirrored)(face.landmarks, 0.0, face.image_size)
    assert _side_balance(a.weights) > 0.4
    assert _side_balance(b.weights) < -0.4
    strongest = int(np.argmax(a.weights))
    assert b.weights[MIRROR[strongest]] > 0.3
    if MIRROR[strongest] != strongest:
        assert b.weights[strongest] < b.weights[MIRROR[strongest]]


def test_a_video_without_frames(tmp_path):
    import av

    path = tmp_path / "no_frames.mkv"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        container.start_encoding()
    with pytest.raises(InputError):
        track_video(path)


@pytest.mark.slow
def test_a_video_without_a_face_gives_no_animation(tmp_path, rng):
    import av

    path = tmp_path / "wall.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        for _ in range(10):
            wall = 140 + rng.integers(0, 8, (120, 160, 3), dtype=np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(wall, format="rgb24")))
        container.mux(stream.encode())
    assert track_video(path) == []


@pytest.mark.slow
def test_live_path_equals_offline_path_given_the_same_neutral(face_clip, clip_take):
    from likeness.sources.video import open_video
    from likeness.track import track_live

    offline = track_video(face_clip[0], calibration=clip_take.calibration)[0]
    with open_video(face_clip[0]) as source:
        (live,), report = track_live(source, calibration=clip_take.calibration)
    assert list(report.latency) == ["landmarks", "solve", "filter", "total", "send"]
    assert report.n_items == len(offline) and report.latency["landmarks"]["n"] == len(offline)
    np.testing.assert_allclose(live.animation.weights, offline.weights, atol=1e-5)
    np.testing.assert_allclose(live.animation.head_rotation, offline.head_rotation, atol=1e-5)


@pytest.mark.slow
def test_a_face_that_only_moves_keeps_its_expression(clip_take):
    # The photo only moves, turns and scales: every frame shows her broad smile with the teeth
    # apart, and every frame is read alike (how much of a grin held for two seconds is taken
    # for her rest is tests/solve/test_rest.py's to say; that it is read as a grin from the
    # first frame, tests/track/test_real_faces.py's). What is left is how
    # much the tracker's landmarks change with the picture's scale, roll and position
    # (1-2.5 mm), which the drift allowance keeps from most of the other channels (95% of their
    # weights under about 0.25; a few lip and cheek channels reach 0.5-0.8 in single frames).
    weights = clip_take.animation.weights
    held = [INDEX["mouthSmileLeft"], INDEX["mouthSmileRight"], INDEX["jawOpen"]]
    assert weights[:, held].std(axis=0).max() < 0.15
    others = np.delete(weights, [*LOOK_INDICES, *held], axis=1)
    assert np.median(others) == 0.0
    assert np.percentile(others, 95) < 0.3
    assert np.percentile(others, 95, axis=0).mean() < 0.2


@pytest.mark.parametrize("shift_px, axis, sign", [
    ((3, 0), 0, 1),   # irises moved to the image right: toward her left, positive yaw
    ((-3, 0), 0, -1),
    ((0, 3), 1, 1),   # moved down: positive pitch
    ((0, -3), 1, -1),
])
def test_gaze_follows_her_irises(astronaut, shift_px, axis, sign):
    with FaceTracker() as tracker:
        centres = tracker(astronaut)[0].landmarks[:, :2] * 512
        tracker.reset()
        neutral = _own_neutral(tracker, astronaut)
        looking = astronaut
        for iris in (lm.LEFT_IRIS_CENTER, lm.RIGHT_IRIS_CENTER):
            looking = warp_locally(looking, centres[iris], shift_px, sigma_px=3.0)
        tracker.reset()
        face = tracker(looking)[0]
    frame = FaceSolver(SolverOptions(auto_calibrate=False), calibration=neutral)(
        face.landmarks, 0.0, face.image_size)
    assert (sign * np.degrees(frame.eyes_rad[:, axis]) > 2.0).all()
