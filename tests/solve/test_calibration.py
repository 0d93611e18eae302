"""Per-user calibration: the calmest early frames, and the file that carries it between sessions."""

from __future__ import annotations

import json

import numpy as np
import pytest

from likeness.errors import InputError
from likeness.rig import neutral_m
from likeness.solve import Calibration, load_calibration, save_calibration
from likeness.solve.calibration import calmest_neutral


def test_the_calmest_frames_make_the_neutral(rng):
    rest = neutral_m().astype(np.float64) + 0.002  # this user's face differs from the template
    n = 40
    frames = np.repeat(rest[None], n, axis=0) + rng.normal(0, 1e-4, (n, 478, 3))
    weights = np.zeros((n, 52))
    busy = np.ones(n, bool)
    busy[20:34] = False  # the user sits still and relaxed for a moment
    frames[busy] += rng.normal(0, 3e-3, (busy.sum(), 478, 3))
    weights[busy] = rng.uniform(0.2, 0.9, (busy.sum(), 52))
    calibration = calmest_neutral(frames, weights, source="take.mp4")
    assert calibration.n_frames == 10
    assert np.abs(calibration.neutral_m - rest).max() < 1e-3
    assert calibration.source == "take.mp4"


def test_calibration_file_round_trips(tmp_path, rng):
    original = Calibration(neutral_m() + rng.normal(0, 1e-3, (478, 3)).astype(np.float32),
                           n_frames=12, source="camera:0")
    path = tmp_path / "me.calibration.json"
    save_calibration(original, path)
    document = json.loads(path.read_text())
    assert document["format"] == "likeness.calibration" and document["version"] == 1
    loaded = load_calibration(path)
    np.testing.assert_allclose(loaded.neutral_m, original.neutral_m, atol=1e-6)
    assert (loaded.n_frames, loaded.source) == (12, "camera:0")


@pytest.mark.parametrize("content, message", [
    ("not json at all", "not JSON"),
    ('{"format": "something.else"}', "not a likeness calibration"),
    ('{"format": "likeness.calibration", "version": 99}', "version 99"),
    ('{"format": "likeness.calibration", "version": 1, "neutral_m": [[0, 0, 0]]}', "478"),
    ('{"format": "likeness.calibration", "version": 1}', "malformed"),
])
def test_bad_calibration_files_are_refused(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        load_calibration(path)


def test_missing_calibration_file(tmp_path):
    with pytest.raises(InputError, match="no such calibration file"):
        load_calibration(tmp_path / "absent.json")
