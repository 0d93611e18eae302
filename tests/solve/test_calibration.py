"""Per-user calibration: the file that carries a user's rest between sessions."""

from __future__ import annotations

import json

import numpy as np
import pytest

from likeness.blendshapes import N_BLENDSHAPES
from likeness.errors import InputError
from likeness.rig import neutral_m
from likeness.solve import Calibration, load_calibration, save_calibration
from likeness.solve.measures import MEASURES, N_MEASURES
from likeness.solve.reading import MEASURED
from likeness.solve.rest import Rest


def test_calibration_file_round_trips(tmp_path, rng):
    neutral = neutral_m() + rng.normal(0, 1e-3, (478, 3)).astype(np.float32)
    learned = Rest(MEASURES(neutral) + rng.normal(0, 1e-3, N_MEASURES), neutral,
                   rng.uniform(0, 0.5, N_BLENDSHAPES), rng.uniform(1, 1.5, N_BLENDSHAPES),
                   rng.uniform(0, 0.5, (N_BLENDSHAPES, len(MEASURED))))
    original = Calibration(neutral, learned, n_frames=12, source="camera:0")
    path = tmp_path / "me.calibration.json"
    save_calibration(original, path)
    document = json.loads(path.read_text())
    assert document["format"] == "likeness.calibration" and document["version"] == 1
    loaded = load_calibration(path)
    np.testing.assert_allclose(loaded.neutral_m, original.neutral_m, atol=1e-6)
    np.testing.assert_allclose(loaded.rest.measures_m, learned.measures_m, atol=1e-6)
    np.testing.assert_allclose(loaded.rest.floors, learned.floors, atol=1e-6)
    np.testing.assert_allclose(loaded.rest.ranges, learned.ranges, atol=1e-6)
    np.testing.assert_allclose(loaded.rest.habits, learned.habits, atol=1e-6)
    assert (loaded.n_frames, loaded.source) == (12, "camera:0")


def test_a_calibration_file_without_habits_has_none(tmp_path):
    path = tmp_path / "older.calibration.json"
    save_calibration(Calibration(neutral_m(), Rest(MEASURES(neutral_m()), neutral_m())), path)
    document = json.loads(path.read_text())
    del document["rest"]["habits"]
    path.write_text(json.dumps(document))
    assert not load_calibration(path).rest.habits.any()


def test_a_calibration_without_a_learned_rest_rests_at_its_neutral():
    rest = Calibration(neutral_m()).rest
    np.testing.assert_allclose(rest.measures_m, MEASURES(neutral_m()), atol=1e-8)
    assert not rest.floors.any() and (rest.ranges == 1).all()


@pytest.mark.parametrize("content, message", [
    ("not json at all", "not JSON"),
    ('{"format": "something.else"}', "not a likeness calibration"),
    ('{"format": "likeness.calibration", "version": 99}', "version 99"),
    ('{"format": "likeness.calibration", "version": 1, "neutral_m": [[0, 0, 0]]}', "478"),
    ('{"format": "likeness.calibration", "version": 1}', "malformed"),
    (json.dumps({"format": "likeness.calibration", "version": 1,
                 "neutral_m": [[0, 0, 0]] * 478, "rest": {"measures_m": [0.0]}}), "malformed"),
    (json.dumps({"format": "likeness.calibration", "version": 1,
                 "neutral_m": [[0, 0, 0]] * 478, "rest": {"habits": [[0.0] * 3]}}),
     "rest.habits has shape"),
])
def test_bad_calibration_files_are_refused(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(InputError, match=message):
        load_calibration(path)


def test_missing_calibration_file(tmp_path):
    with pytest.raises(InputError, match="no such calibration file"):
        load_calibration(tmp_path / "absent.json")
