"""Render known expressions, track them back through the tracking path, and recover them.

This is the test that the avatar reads as a face and that the tracker's solver and the avatar's
rig agree: both are built on the same landmark fields (likeness.rig.shapes). The take has no
calm lead: it starts with the jaw wide open and holds it so for longer than the first seconds a
tracker might take its rest from, so it must learn the face's rest from a take that starts
mid-expression.
"""

import numpy as np
import pytest

from likeness.blendshapes import INDEX
from likeness.frame import Animation, quaternions_from_euler

FPS = 30
SEGMENT = int(1.2 * FPS)
HELD = int(2.5 * FPS)
"""The take starts with the jaw held wide open this long, then closing as in its sweep."""
CHANNELS = (
    "jawOpen",
    "eyeBlinkLeft",
    "eyeBlinkRight",
    "mouthSmileLeft",
    "mouthSmileRight",
    "browInnerUp",
    "mouthPucker",
)
POSES = ("yaw", "pitch")  # columns of FaceFrame.head_euler_rad
TWINS = (("eyeBlinkLeft", "eyeBlinkRight"), ("mouthSmileLeft", "mouthSmileRight"))


def _window(k: int) -> np.ndarray:
    """Rows of segment k, where one channel sweeps 0 -> 1 -> 0 (the jaw: held at 1, -> 0)."""
    start = 0 if k == 0 else HELD + k * SEGMENT - SEGMENT // 2
    return np.r_[start : HELD + (k + 1) * SEGMENT - SEGMENT // 2]


def swept_and_tracked(video, avatar=None):
    """Render the sweeps (each channel, then yaw and pitch) to ``video`` on ``avatar`` and track
    them back: (truth Animation, truth Euler angles (n, 3), tracked Animation).

    The render stage alone, encoding included: a file for users also carries the watermark of
    its random output id, whose cost to tracking is not this test's measure."""
    from likeness.render.video import _write_media
    from likeness.track import track_video

    n = SEGMENT * (len(CHANNELS) + len(POSES))
    weights = np.zeros((n, 52), np.float32)
    rise_and_fall = np.sin(np.linspace(0, np.pi, SEGMENT)) ** 2
    euler = np.zeros((n, 3))
    for k, name in enumerate(CHANNELS):
        weights[k * SEGMENT : (k + 1) * SEGMENT, INDEX[name]] = rise_and_fall
    for j in range(len(POSES)):
        rows = slice((len(CHANNELS) + j) * SEGMENT, (len(CHANNELS) + j + 1) * SEGMENT)
        euler[rows, j] = 0.35 * np.sin(np.linspace(0, 2 * np.pi, SEGMENT))  # +-20 degrees
    # The jaw's sweep from its peak on, after it has been held open from the first frame.
    held = np.repeat(weights[SEGMENT // 2 : SEGMENT // 2 + 1], HELD, axis=0)
    weights = np.concatenate([held, weights[SEGMENT // 2 :]])
    euler = np.concatenate([np.zeros((HELD, 3)), euler[SEGMENT // 2 :]])
    n = len(weights)
    truth = Animation.neutral(n, FPS)
    truth.weights[:] = weights
    truth.head_rotation[:] = quaternions_from_euler(euler)
    _write_media(truth, video, audio=None, avatar=avatar, size=512, rate=FPS, progress=False,
                 frame_hook=None, at_s=None, quality="full")
    (tracked,) = track_video(video)
    assert len(tracked) == n and tracked.found.all()
    return truth, euler, tracked


def channel_r(sweep, name: str) -> float:
    """Pearson r of a swept channel's truth and what was tracked, over its window."""
    truth, _, tracked = sweep
    rows = _window(CHANNELS.index(name))
    i = INDEX[name]
    return float(np.corrcoef(truth.weights[rows, i], tracked.weights[rows, i])[0, 1])


def pose_r(sweep, pose: str) -> float:
    """Pearson r of a swept head angle and what was tracked, over its window."""
    _, euler, tracked = sweep
    j = POSES.index(pose)
    rows = _window(len(CHANNELS) + j)
    return float(np.corrcoef(euler[rows, j], tracked.head_euler_rad()[rows, j])[0, 1])


def assert_never_swapped(sweep, left: str, right: str) -> None:
    """A left channel reads back on the left, at least twice as strong as on the right, and
    vice versa."""
    truth, _, tracked = sweep
    for moved, still in ((left, right), (right, left)):
        active = truth.weights[:, INDEX[moved]] > 0.5
        recovered = tracked.weights[active]
        assert recovered[:, INDEX[moved]].mean() > 2 * recovered[:, INDEX[still]].mean() + 0.05, (
            moved
        )


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    return swept_and_tracked(tmp_path_factory.mktemp("loop") / "sweep.mp4")


@pytest.mark.slow
@pytest.mark.parametrize("name", CHANNELS)
def test_each_swept_blendshape_is_recovered(sweep, name):
    r = channel_r(sweep, name)
    assert r >= 0.9, f"{name}: Pearson r = {r:.3f}"


@pytest.mark.slow
@pytest.mark.parametrize("pose", POSES)
def test_head_yaw_and_pitch_are_recovered(sweep, pose):
    r = pose_r(sweep, pose)
    assert r >= 0.9, f"{pose}: Pearson r = {r:.3f}"


@pytest.mark.slow
@pytest.mark.parametrize("left, right", TWINS)
def test_left_and_right_are_never_swapped(sweep, left, right):
    assert_never_swapped(sweep, left, right)
