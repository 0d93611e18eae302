"""Landmarks -> ARKit-52 weights, head pose and gaze, with per-user calibration."""

from likeness.solve.calibration import Calibration, load_calibration, save_calibration
from likeness.solve.camera import DEFAULT_HFOV_DEG, PinholeCamera
from likeness.solve.solver import FaceSolver, SolverOptions

__all__ = [
    "FaceSolver", "SolverOptions", "PinholeCamera", "DEFAULT_HFOV_DEG",
    "Calibration", "load_calibration", "save_calibration",
]
