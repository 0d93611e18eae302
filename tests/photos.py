"""Portraits that installed packages ship, for twins made in the tests (nothing downloaded)."""

from pathlib import Path

import numpy as np


def astronaut() -> np.ndarray:
    """scikit-image's astronaut (Eileen Collins), head and shoulders: (260, 260, 3) uint8.

    The full picture shows her at half length, her face a fifth of its width; cropped, the face
    fills the frame as a talking-head render needs it to.
    """
    from skimage import data

    return np.ascontiguousarray(data.astronaut()[0:260, 60:320])


def hopper_path() -> Path:
    """Matplotlib's sample portrait of Grace Hopper (512 x 600 JPEG)."""
    from matplotlib import cbook

    return Path(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))
