"""``likeness batch`` refuses what cannot work before starting Ray."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from likeness.batch import RAY_INSTALL_LINE, ray_runtime
from likeness.cli import main
from likeness.errors import InputError, LikenessError


def test_job_options_are_checked_before_anything_runs(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "a.wav").write_bytes(b"x")
    assert main(["batch", str(tmp_path), "-o", str(tmp_path / "out"), "--job", "lipsync",
                 "--format", "mp4"]) == 2
    assert "format must be one of csv, json for this job, got 'mp4'" in capsys.readouterr().err


def test_flags_of_another_job_are_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    (tmp_path / "a.wav").write_bytes(b"x")
    assert main(["batch", str(tmp_path), "-o", str(tmp_path / "out"), "--job", "lipsync",
                 "--voice", "en-gb", "--max-faces", "2"]) == 2
    assert "--max-faces, --voice: not an option of the lipsync job" in capsys.readouterr().err


def test_missing_input_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["batch", str(tmp_path / "nope"), "-o", str(tmp_path / "out"),
                 "--job", "lipsync"]) == 2
    assert "no such folder or manifest" in capsys.readouterr().err


def test_missing_ray_names_the_install_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # what an install without the extra sees
    with pytest.raises(LikenessError, match="not installed") as caught, ray_runtime():
        pass
    assert RAY_INSTALL_LINE in str(caught.value)
    assert "likeness[ray]" in RAY_INSTALL_LINE


def test_worker_count_must_be_positive() -> None:
    with pytest.raises(InputError, match="--workers must be at least 1, got 0"), \
            ray_runtime(n_workers=0):
        pass


def test_unreadable_grant_fails_its_input_only(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("not read: its grant is missing")
    manifest = tmp_path / "takes.csv"
    manifest.write_text("path,consent,context\na.csv,missing-grant.json,film-x\n")
    outdir = tmp_path / "out"
    assert main(["batch", str(manifest), "-o", str(outdir), "--job", "render",
                 "--no-progress"]) == 1
    summary = json.loads((outdir / "batch-summary.json").read_text())
    assert summary["totals"]["n_failed"] == 1 and summary["totals"]["n_done"] == 0
    assert "missing-grant.json: cannot read the consent grant" in summary["failed"][0]["error"]


def test_a_rerun_with_nothing_to_do_answers_without_starting_ray(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    from likeness.batch import runner
    from likeness.batch.worker import process_item
    from likeness.formats import write_animation
    from likeness.frame import Animation
    from likeness.trust import output_guard

    for name in ("a", "b"):
        write_animation(Animation.neutral(4, 30.0), tmp_path / f"{name}.csv", guard=output_guard())
    argv = ["batch", str(tmp_path), "-o", str(tmp_path / "out"), "--job", "render",
            "--format", "png", "--size", "64", "--no-progress"]

    def in_this_process(tasks: list, done: list, failed: list, **_: object) -> None:
        """The first run's work, done here instead of on Ray: only its records matter."""
        for task in tasks:
            result = process_item(task)
            assert result["status"] == "done", result
            done.append({"name": task.item.name})

    with monkeypatch.context() as patch:
        patch.setattr(runner, "_run_tasks", in_this_process)
        assert main(argv) == 0

    def no_ray(*_: object, **__: object) -> None:
        raise AssertionError("Ray was started with nothing to do")

    monkeypatch.setattr(runner, "import_ray", no_ray)
    monkeypatch.setattr(runner, "ray_runtime", no_ray)
    capsys.readouterr()
    assert main(argv) == 0
    assert "0 done, 2 already done, 0 failed" in capsys.readouterr().err


def test_a_job_calls_the_library_and_parses_no_command_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import argparse

    from likeness.batch import BatchItem, SayJob

    def no_parsing(*_: object, **__: object) -> None:
        raise AssertionError("a batch job parsed a command line")

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", no_parsing)
    files = SayJob(format="json").process(BatchItem(name="hi", text="Hi there."),
                                          tmp_path / "hi.json")
    assert [f.name for f in files] == ["hi.json", "hi.wav"]
    assert json.loads(files[0].read_text())["fps"] == 60.0
