"""Closed loop for the channels MediaPipe's own blendshape model leaves dead: the avatar rendered
making each one, tracked by MediaPipe, solved back with the default fields.

Before their fields carried the skin motion a real face makes, these read 0.00. cheekSquint and
mouthDimple still do not read (docs/tracking.md says why), so they are not here.
"""

from __future__ import annotations

import numpy as np
import pytest

from likeness.blendshapes import INDEX, MIRROR, N_BLENDSHAPES
from likeness.errors import SinkError
from likeness.frame import FaceFrame, quaternions_from_euler
from likeness.rig import neutral_m
from likeness.solve import Calibration, FaceSolver, PinholeCamera, SolverOptions
from likeness.solve.pose import HeadPose, image_points
from likeness.track import FaceTracker

POSE = quaternions_from_euler(np.radians([[6.0, 4.0, 3.0]]))[0]
TRUE_WEIGHT = 0.8

# At least this much of a channel rendered at 0.8 is read back (docs/tracking.md lists the
# measured values: eyeWide 0.36-0.49, noseSneer 0.18-0.27, mouthShrugUpper 0.23, cheekPuff 0.14).
READ_BACK = {
    "eyeWideLeft": 0.25,
    "eyeWideRight": 0.25,
    "noseSneerLeft": 0.1,
    "noseSneerRight": 0.1,
    "mouthShrugUpper": 0.12,
    "cheekPuff": 0.08,
}
SIDE_MARGIN = {"eyeWide": 2.0, "noseSneer": 1.0}
"""The named side reads at least this many times its twin: an eye's lid is its own, while a
one-sided sneer's inner brow and upper lip move MediaPipe's points on both sides of the midline."""


@pytest.fixture(scope="module")
def loop():
    """weights (52,) -> the solved weights (52,) of a render of the avatar making them."""
    from likeness.render import Renderer

    try:
        renderer = Renderer(size=512)
    except SinkError as e:
        pytest.skip(f"no OpenGL through EGL here: {e}")
    tracker = FaceTracker()

    def track(weights: np.ndarray):
        tracker.reset()
        frame = FaceFrame(t_s=0.0, weights=weights.astype(np.float32), head_rotation=POSE)
        return tracker(renderer.render(frame))[0]

    face = track(np.zeros(N_BLENDSHAPES))
    points = image_points(face.landmarks, face.image_size)
    pose = HeadPose(points, neutral_m().astype(np.float64), face.image_size, PinholeCamera())
    solver = FaceSolver(SolverOptions(auto_calibrate=False),
                        calibration=Calibration(pose.to_head(points)))

    def solve(weights: np.ndarray) -> np.ndarray:
        face = track(weights)
        solver.reset()
        return solver(face.landmarks, 0.0, face.image_size).weights

    yield solve
    tracker.close()
    renderer.close()


@pytest.mark.slow
@pytest.mark.parametrize("name, at_least", READ_BACK.items())
def test_a_formerly_dead_channel_is_read_back_on_its_side(loop, name, at_least):
    k = INDEX[name]
    resting = loop(np.zeros(N_BLENDSHAPES))[k]
    weights = np.zeros(N_BLENDSHAPES)
    weights[k] = TRUE_WEIGHT
    solved = loop(weights)
    assert solved[k] > resting + at_least
    twin = MIRROR[k]
    if twin != k:
        margin = next(m for prefix, m in SIDE_MARGIN.items() if name.startswith(prefix))
        assert solved[k] > margin * solved[twin]
