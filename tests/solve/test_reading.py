"""Reading the measured channels: each on its own side, antagonists one at a time, the eyes'
range scaled to the person's, the gaze not taken for a blink."""

from __future__ import annotations

import numpy as np
import pytest

from likeness.blendshapes import INDEX, MIRROR, N_BLENDSHAPES, NAMES
from likeness.rig import neutral_m
from likeness.solve import Calibration, FaceSolver, SolverOptions
from likeness.solve.fields import rig_fields_m
from likeness.solve.gaze import IRIS_TRAVEL_M
from likeness.solve.measures import MEASURES
from likeness.solve.reading import MEASURED, MeasuredReading, channel_effects
from tests.solve.test_solver import CAMERA, SIZE, render_landmarks


@pytest.fixture(scope="module")
def reading() -> MeasuredReading:
    return MeasuredReading(channel_effects(rig_fields_m(), neutral_m()), MEASURES(neutral_m()))


def read(reading: MeasuredReading, weights: np.ndarray, face: np.ndarray | None = None) -> dict:
    """The measured channels' weights for a rig face making ``weights``, by name."""
    face = neutral_m() if face is None else face
    change = MEASURES(face + np.tensordot(weights, rig_fields_m(), 1)) - MEASURES(face)
    reading.reset()
    return dict(zip((NAMES[i] for i in MEASURED), reading(change), strict=True))


@pytest.mark.parametrize("name", [NAMES[i] for i in MEASURED])
def test_each_measured_channel_is_read_on_its_own(reading, name):
    weights = np.zeros(N_BLENDSHAPES)
    weights[INDEX[name]] = 0.6
    got = read(reading, weights)
    assert got[name] == pytest.approx(0.6, abs=0.05)
    twin = NAMES[MIRROR[INDEX[name]]]
    others = [value for other, value in got.items() if other != name]
    assert max(others) < 0.05, got
    if twin != name:
        assert got.get(twin, 0.0) < 0.05


def test_a_jaw_open_is_not_read_as_a_frown_of_the_corners(reading):
    # The jaw lowers the mouth corners; the smile is read from what is left of their rise.
    weights = np.zeros(N_BLENDSHAPES)
    weights[INDEX["jawOpen"]] = 0.8
    weights[INDEX["mouthSmileLeft"]] = 0.5
    got = read(reading, weights)
    assert got["jawOpen"] == pytest.approx(0.8, abs=0.05)
    assert got["mouthSmileLeft"] == pytest.approx(0.5, abs=0.05)
    assert got["mouthSmileRight"] < 0.05


def test_a_squint_beyond_the_rigs_is_not_read_as_a_blink_and_wide_eyes(reading):
    # A grin raises the lower lids further than the rig's full squint: the rest of that rise
    # is more squint, not a blink with eyeWide reopening the eye.
    weights = np.zeros(N_BLENDSHAPES)
    weights[[INDEX["eyeSquintLeft"], INDEX["eyeSquintRight"]]] = 1.4
    got = read(reading, weights)
    assert got["eyeSquintLeft"] == pytest.approx(1.4, abs=0.1)
    for name in ("eyeBlinkLeft", "eyeBlinkRight", "eyeWideLeft", "eyeWideRight"):
        assert got[name] < 0.1, name


def test_eyes_that_open_wider_have_a_wider_blink(reading):
    # A person whose eyes open 30% wider than the rig's closes 30% more in a full blink.
    face = neutral_m().astype(np.float64)
    upper = [385, 386, 387, 384, 388, 158, 159, 160, 157, 161]
    face[upper, 1] += 0.003
    reading.scale_for(MEASURES(face))
    weights = np.zeros(N_BLENDSHAPES)
    weights[INDEX["eyeBlinkLeft"]] = 0.6
    scaled = MEASURES(face + 1.3 * np.tensordot(weights, rig_fields_m(), 1)) - MEASURES(face)
    reading.reset()
    got = dict(zip((NAMES[i] for i in MEASURED), reading(scaled), strict=True))
    reading.scale_for(MEASURES(neutral_m()))
    assert got["eyeBlinkLeft"] == pytest.approx(0.6, abs=0.1)


def test_looking_down_is_not_a_blink():
    solver = FaceSolver(SolverOptions(auto_calibrate=False, camera=CAMERA),
                        deltas_m=rig_fields_m(), calibration=Calibration(neutral_m()))
    # The lids lowered as the rig lowers them for a look down at 0.8, the irises turned down
    # 24 degrees (0.8 of the 30 the eyeLookDown weights span), as MediaPipe reports them.
    weights = np.zeros(N_BLENDSHAPES)
    weights[[INDEX["eyeLookDownLeft"], INDEX["eyeLookDownRight"]]] = 0.8
    landmarks = render_landmarks(weights)
    drop_m = IRIS_TRAVEL_M[1] * np.sin(np.radians(24.0))
    landmarks[468:, 1] += drop_m * CAMERA.focal_px(SIZE[0]) / 0.5 / SIZE[1]
    frame = solver(landmarks, 0.0, SIZE)
    assert frame.weights[INDEX["eyeLookDownLeft"]] > 0.5
    assert frame.weights[[INDEX["eyeBlinkLeft"], INDEX["eyeBlinkRight"]]].max() < 0.15
