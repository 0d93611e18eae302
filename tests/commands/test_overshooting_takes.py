"""Takes recorded by the Live Link Face app overshoot 0..1 a little: every command reads them,
clamped, and says how many values it clamped."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from likeness.behave.synthetic import synthetic_take
from likeness.blendshapes import INDEX
from likeness.cli import main
from likeness.formats import read_animation
from tests.conftest import write_overshooting_take

CLAMPED = "EyeLookInRight = 1.00334 clamped to 0..1; 2 weight(s) clamped in all"


def test_render_takes_an_app_take(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    take = write_overshooting_take(synthetic_take(1, person_seed=3, take_seed=0),
                                   tmp_path / "app.csv")
    out = tmp_path / "still.png"
    assert main(["render", str(take), "-o", str(out), "--size", "64", "--no-progress"]) == 0
    assert out.is_file() and CLAMPED in caplog.text


def test_complete_trains_on_and_completes_app_takes(tmp_path: Path,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    takes = [write_overshooting_take(synthetic_take(10, person_seed=3, take_seed=k),
                                     tmp_path / f"take{k}.csv") for k in range(3)]
    model = tmp_path / "me.npz"
    assert main(["complete", "--train", *map(str, takes), "-o", str(model)]) == 0
    assert caplog.text.count(CLAMPED) == 3
    out = tmp_path / "full.csv"
    assert main(["complete", str(takes[0]), "--model", str(model), "-o", str(out)]) == 0
    completed = read_animation(out)
    assert completed.weights[1, INDEX["eyeLookInRight"]] == 1.0
    assert completed.weights.min() >= 0 and completed.weights.max() <= 1


def test_the_command_line_tells_the_user(tmp_path: Path) -> None:
    take = write_overshooting_take(synthetic_take(1, person_seed=3, take_seed=0),
                                   tmp_path / "app.csv")
    result = subprocess.run([sys.executable, "-m", "likeness.cli", "complete", str(take), "-o",
                             str(tmp_path / "full.json")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert f"app.csv:3: {CLAMPED}" in result.stderr


def test_grossly_wrong_weights_are_still_refused(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture) -> None:
    path = write_overshooting_take(synthetic_take(1, person_seed=3, take_seed=0),
                                   tmp_path / "bad.csv")
    lines = path.read_text().splitlines()
    cells = lines[3].split(",")
    cells[lines[0].split(",").index("JawOpen")] = "3.5"
    lines[3] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "still.png"
    assert main(["render", str(path), "-o", str(out), "--size", "64", "--no-progress"]) == 2
    assert "bad.csv:4: JawOpen = 3.5, expected a weight in 0..1" in capsys.readouterr().err
    assert not out.exists()
