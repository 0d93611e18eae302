"""Fixtures shared by every test package."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator, so that every random test input is reproducible."""
    return np.random.default_rng(20261124)


@pytest.fixture(autouse=True, scope="session")
def likeness_home(tmp_path_factory: pytest.TempPathFactory):
    """Keys, grants and the audit log of the whole run live in a temporary LIKENESS_HOME."""
    home = tmp_path_factory.mktemp("likeness-home")
    patch = pytest.MonkeyPatch()
    patch.setenv("LIKENESS_HOME", str(home))
    yield home
    patch.undo()
