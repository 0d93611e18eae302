"""Allowing for the tracker's pose-dependent drift: zero at the reference pose, growing with
each axis of pose change, and never shrinking a channel that has turned on."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from likeness.blendshapes import INDEX, N_BLENDSHAPES
from likeness.solve import FaceSolver, SolverOptions
from likeness.solve.drift import AXES, drift_along_m2, pose_change
from likeness.solve.fields import rig_fields_m
from likeness.solve.solver import rest_of_take
from tests.solve.test_solver import CAMERA, SIZE, TEMPLATE, render_landmarks


@pytest.mark.parametrize("axis, euler", [("yaw", "y"), ("pitch", "x"), ("roll", "z")])
def test_pose_change_reads_each_axis(axis, euler):
    reference = Rotation.from_euler("YXZ", [0.1, -0.05, 0.2]).as_matrix()
    turned = reference @ Rotation.from_euler(euler, 0.3).as_matrix()
    change = pose_change(turned, 1200.0, reference, 1000.0)
    expected = np.zeros(len(AXES))
    expected[AXES.index(axis)] = 0.3
    expected[AXES.index("scale")] = np.log(1.2)
    np.testing.assert_allclose(change, expected, atol=1e-9)
    np.testing.assert_allclose(pose_change(reference, 1000.0, reference, 1000.0), 0, atol=1e-12)


def test_every_channel_has_a_drift_along_every_axis():
    fields = rig_fields_m()[:, :468].reshape(N_BLENDSHAPES, -1).astype(np.float64)
    moving = np.linalg.norm(fields, axis=1) > 0
    units = fields[moving] / np.linalg.norm(fields[moving], axis=1, keepdims=True)
    drift = drift_along_m2(units, np.ones(3))
    assert drift.shape == (moving.sum(), len(AXES))
    assert (drift > 0).all()
    # Tenths of a millimetre to a few millimetres (norm over all points) per radian or per
    # doubling of the face's size: the tracker's drift, not a gross error.
    assert 1e-4 < np.sqrt(np.median(drift)) < 2e-2


def test_an_expression_at_a_turned_pose_is_not_shrunk():
    solver = FaceSolver(SolverOptions(auto_calibrate=False, camera=CAMERA),
                        deltas_m=rig_fields_m(), calibration=TEMPLATE)
    solver(render_landmarks(np.zeros(N_BLENDSHAPES)), 0.0, SIZE)  # the reference pose
    weights = np.zeros(N_BLENDSHAPES)
    chosen = [INDEX[n] for n in ("jawOpen", "eyeBlinkRight", "mouthSmileLeft", "browDownLeft")]
    weights[chosen] = 0.8
    frame = solver(render_landmarks(weights, (20, -10, 15), (0.0, 0.0, -0.4)), 1 / 30, SIZE)
    np.testing.assert_allclose(frame.weights[chosen], 0.8, atol=0.1)


def test_the_automatic_rest_keeps_the_pose_it_was_taken_in():
    rolls_deg = np.linspace(-3.0, 3.0, 12)
    frames = [render_landmarks(np.zeros(N_BLENDSHAPES), (0.0, 0.0, roll)) for roll in rolls_deg]
    calibration = rest_of_take(frames, SIZE, options=SolverOptions(camera=CAMERA))
    assert calibration.capture_pose is not None
    rotation, scale = calibration.capture_pose
    np.testing.assert_allclose(rotation @ rotation.T, np.eye(3), atol=1e-12)
    assert scale > 0
    assert abs(np.degrees(np.arctan2(rotation[1, 0], rotation[0, 0]))) < 1.0
