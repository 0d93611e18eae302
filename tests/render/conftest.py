import numpy as np
import pytest

from likeness.blendshapes import INDEX
from likeness.frame import FaceFrame, quaternions_from_euler


@pytest.fixture(scope="module")
def renderer():
    from likeness.render import Renderer

    with Renderer(256) as r:
        yield r


def make_face(weights=None, *, yaw_rad=0.0, pitch_rad=0.0, eyes_rad=None):
    """A frame with named weights, a head turn and gaze."""
    vector = np.zeros(52, np.float32)
    for name, value in (weights or {}).items():
        vector[INDEX[name]] = value
    return FaceFrame(
        0.0,
        vector,
        head_rotation=quaternions_from_euler(np.array([[yaw_rad, pitch_rad, 0.0]]))[0],
        eyes_rad=np.zeros((2, 2), np.float32)
        if eyes_rad is None
        else np.asarray(eyes_rad, np.float32),
    )


@pytest.fixture
def face():
    return make_face
