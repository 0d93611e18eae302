"""The neutral face the rig is built on: 478 MediaPipe landmarks in metres, in the head frame.

Made by ``scripts/build_rig_template.py`` from a real face photo (see its docstring); loaded
once, on first use.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np


@lru_cache(maxsize=1)
def _load() -> tuple[np.ndarray, np.ndarray]:
    with resources.files("likeness.rig").joinpath("data/template.npz").open("rb") as handle:
        archive = np.load(handle)
        neutral = archive["neutral_m"].astype(np.float32)
        mirror = archive["mirror"].astype(np.intp)
    neutral.setflags(write=False)
    mirror.setflags(write=False)
    return neutral, mirror


def neutral_m() -> np.ndarray:
    """(478, 3) float32: the symmetric neutral face, metres, head frame (read-only)."""
    return _load()[0]


def landmark_mirror() -> np.ndarray:
    """(478,) ints: ``points[landmark_mirror()]`` with x negated is the face seen in a mirror."""
    return _load()[1]
