"""Fixtures shared by every test package."""

from __future__ import annotations

import numpy as np
import pytest

from likeness.blendshapes import N_BLENDSHAPES
from likeness.frame import FaceFrame, quaternions_from_euler


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator, so that every random test input is reproducible."""
    return np.random.default_rng(20261124)


@pytest.fixture
def expression(rng: np.random.Generator) -> FaceFrame:
    """A frame with every weight different, the head turned, tilted and rolled, eyes aside."""
    return FaceFrame(
        t_s=1.5,
        weights=rng.uniform(0.0, 1.0, N_BLENDSHAPES).astype(np.float32),
        head_rotation=quaternions_from_euler(np.array([[0.3, -0.2, 0.1]]))[0],
        eyes_rad=np.array([[0.2, -0.1], [0.15, -0.12]], np.float32),
    )


@pytest.fixture(autouse=True, scope="session")
def likeness_home(tmp_path_factory: pytest.TempPathFactory):
    """Keys, grants and the audit log of the whole run live in a temporary LIKENESS_HOME."""
    home = tmp_path_factory.mktemp("likeness-home")
    patch = pytest.MonkeyPatch()
    patch.setenv("LIKENESS_HOME", str(home))
    yield home
    patch.undo()


OVERSHOOT = {"EyeLookInRight": 1.00334, "MouthClose": -0.00213}
"""What the Live Link Face app writes on one frame of a real take: ARKit overshoots 0..1."""


def write_overshooting_take(take, path):  # Animation, Path -> Path
    """``take`` as a Live Link Face CSV whose second frame overshoots 0..1 by :data:`OVERSHOOT`,
    as takes recorded by the iPhone app do."""
    from likeness.formats import write_animation
    from likeness.trust import output_guard

    write_animation(take, path, guard=output_guard())
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[2].split(",")
    for name, value in OVERSHOOT.items():
        cells[header.index(name)] = f"{value:g}"
    lines[2] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    return path
