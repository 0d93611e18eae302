"""Media for the tracking tests, made here: scikit-image's astronaut photo (a real face), still
and as a 640x480 H.264 clip in which it moves, rolls and scales by known amounts."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import data

from likeness.bench.tracking import write_face_clip
from likeness.track import TrackingOptions, track_takes

N_CLIP_FRAMES = 60


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    return data.astronaut()


@pytest.fixture(scope="session")
def face_clip(tmp_path_factory):
    """(path, motion) of the moving-face clip."""
    path = tmp_path_factory.mktemp("clips") / "astronaut_640x480.mp4"
    return path, write_face_clip(path, n_frames=N_CLIP_FRAMES)


@pytest.fixture(scope="session")
def mirrored_clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("clips") / "astronaut_mirrored.mp4"
    return path, write_face_clip(path, n_frames=N_CLIP_FRAMES, mirror=True)


@pytest.fixture(scope="session")
def clip_take(face_clip):
    """The clip tracked unfiltered (the raw measurements the tolerances are stated for)."""
    return track_takes(face_clip[0], TrackingOptions(filtered=False))[0]


@pytest.fixture(scope="session")
def mirrored_take(mirrored_clip):
    return track_takes(mirrored_clip[0], TrackingOptions(filtered=False))[0]

