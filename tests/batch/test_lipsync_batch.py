"""200 spoken lines through ``likeness batch --job lipsync``: the same takes as ``likeness lipsync``
file by file, bad files reported without stopping the rest, and a killed batch resumed without
redoing finished work."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from likeness.batch.ledger import LEDGER_DIR
from likeness.cli import main
from tests.batch.conftest import assert_same_take

N_LINES = 200
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def transcripts(tmp_path_factory: pytest.TempPathFactory,
                make_lines: Callable) -> dict[Path, str]:
    """200 short espeak-ng lines in a folder, half with their transcript beside them
    (``line_0001.txt``), plus one corrupt and one empty WAV: line -> what it says."""
    folder = tmp_path_factory.mktemp("lines")
    spoken = make_lines(folder, N_LINES)
    for wav, _ in spoken[::2]:
        wav.with_suffix(".txt").unlink()
    (folder / "corrupt.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + os.urandom(200))
    (folder / "empty.wav").write_bytes(b"")
    return dict(spoken)


@pytest.fixture(scope="module")
def lines(transcripts: dict[Path, str]) -> Path:
    """The folder of :func:`transcripts`."""
    return next(iter(transcripts)).parent


@pytest.fixture(scope="module")
def references(lines: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """``likeness lipsync`` run on each line on its own, with the transcript beside it (half of
    the lines; the others are recognised): name -> its take."""
    folder = tmp_path_factory.mktemp("single")
    refs = {}
    for wav in sorted(lines.glob("line_*.wav")):
        out = folder / f"{wav.stem}.csv"
        transcript = wav.with_suffix(".txt")
        text = ["--text-file", str(transcript)] if transcript.exists() else []
        assert main(["lipsync", str(wav), "-o", str(out), *text]) == 0
        refs[wav.stem] = out
    return refs


def _mtimes(outdir: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in outdir.glob("line_*.csv")}


def test_batch_equals_single_file_command_and_reports_bad_files(
        lines: Path, references: dict[str, Path], ray_cluster: str, tmp_path: Path) -> None:
    outdir = tmp_path / "out"
    argv = ["batch", str(lines), "-o", str(outdir), "--job", "lipsync", "--no-progress"]
    assert main(argv) == 1  # two bad files failed, the 200 others are done

    summary = json.loads((outdir / "batch-summary.json").read_text())
    assert summary["totals"] | {"wall_s": 0, "files_per_s": 0} == {
        "n_inputs": N_LINES + 2, "n_done": N_LINES, "n_skipped": 0, "n_failed": 2,
        "wall_s": 0, "files_per_s": 0}
    failed = {Path(f["input"]).name: f["error"] for f in summary["failed"]}
    assert set(failed) == {"corrupt.wav", "empty.wav"}
    assert failed["empty.wav"].startswith("InputError") and "empty" in failed["empty.wav"]
    assert failed["corrupt.wav"].startswith("InputError") and "corrupt.wav" in failed["corrupt.wav"]
    assert not (outdir / "corrupt.csv").exists() and not (outdir / "empty.csv").exists()
    assert not list(outdir.glob(".*.csv")), "temporary files left behind"

    for name, expected in references.items():
        assert_same_take(outdir / f"{name}.csv", expected)

    # A re-run finds everything finished: nothing is rewritten, the bad files are tried again.
    before = _mtimes(outdir)
    assert main(argv) == 1
    again = json.loads((outdir / "batch-summary.json").read_text())["totals"]
    assert (again["n_done"], again["n_skipped"], again["n_failed"]) == (0, N_LINES, 2)
    assert _mtimes(outdir) == before

    # Changing an output or an option makes that work due again.
    (outdir / "line_0007.csv").write_text("edited")
    assert main(argv) == 1
    again = json.loads((outdir / "batch-summary.json").read_text())
    assert [d["name"] for d in again["done"]] == ["line_0007"]
    assert_same_take(outdir / "line_0007.csv", references["line_0007"])


def _kill_half_way(argv: list[str], outdir: Path, n_records: int, n_total: int,
                   kill: signal.Signals) -> dict[str, int]:
    """Run the batch command writing to ``outdir`` in its own process group, ``kill`` it once
    ``n_records`` are done, and return the outputs it finished (``_mtimes``).

    Watching for the records races the batch: on a loaded machine the watcher may wake only
    after the batch has finished everything. That run says nothing either way, so it is tried
    again, from scratch, a few times."""
    for _ in range(3):
        process = subprocess.Popen([sys.executable, "-m", "likeness.cli", *argv],
                                   start_new_session=True, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while len(list((outdir / LEDGER_DIR).glob("*.json"))) < n_records:
            assert process.poll() is None, process.communicate()[1].decode()
            assert time.monotonic() < deadline, "the batch made no progress"
            time.sleep(0.01)
        os.killpg(process.pid, kill)
        process.communicate(timeout=60)
        time.sleep(1.0)  # tasks of a killed driver may still land their last outputs
        finished = _mtimes(outdir)
        if len(finished) < n_total:
            return finished
        shutil.rmtree(outdir)
    raise AssertionError(f"the batch finished all {n_total} files before it was stopped, "
                         "three times")


def _check_resumed(outdir: Path, finished_before: dict[str, int], references: dict[str, Path],
                   n_total: int) -> None:
    """The re-run's summary and files: only unfinished work done, all as the command makes it."""
    summary = json.loads((outdir / "batch-summary.json").read_text())
    totals = summary["totals"]
    assert len(finished_before) - totals["n_skipped"] <= 2  # at most the files in flight redone
    assert totals["n_done"] + totals["n_skipped"] == n_total
    redone = {f"{d['name']}.csv" for d in summary["done"]}
    unchanged = {n for n, t in _mtimes(outdir).items() if finished_before.get(n) == t}
    assert unchanged | redone == set(_mtimes(outdir)) and len(_mtimes(outdir)) == n_total
    for name, expected in references.items():
        assert_same_take(outdir / f"{name}.csv", expected)


def test_batch_killed_half_way_finishes_on_rerun_without_redoing_work(
        lines: Path, references: dict[str, Path], ray_cluster: str, tmp_path: Path) -> None:
    outdir = tmp_path / "out"
    argv = ["batch", str(lines), "-o", str(outdir), "--job", "lipsync", "--ray-address",
            ray_cluster, "--workers", "2", "--no-progress"]
    finished_before = _kill_half_way(argv, outdir, N_LINES // 2, N_LINES, signal.SIGKILL)
    assert N_LINES // 2 <= len(finished_before), "not killed half-way"

    assert main(argv) == 1  # the corrupt and the empty file
    _check_resumed(outdir, finished_before, references, N_LINES)


def test_ctrl_c_on_a_manifest_with_transcripts_keeps_finished_work(
        transcripts: dict[Path, str], ray_cluster: str, tmp_path: Path) -> None:
    n_rows = 40
    rows = sorted(transcripts.items())[:n_rows]
    manifest = tmp_path / "lines.csv"
    with open(manifest, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "text"])
        writer.writerows(rows)
    references = {}
    for wav, text in rows:
        out = tmp_path / "single" / f"{wav.stem}.csv"
        out.parent.mkdir(exist_ok=True)
        assert main(["lipsync", str(wav), "-o", str(out), "--text", text]) == 0
        references[wav.stem] = out

    outdir = tmp_path / "out"
    argv = ["batch", str(manifest), "-o", str(outdir), "--job", "lipsync", "--ray-address",
            ray_cluster, "--workers", "2", "--no-progress"]
    finished_before = _kill_half_way(argv, outdir, n_rows // 4, n_rows, signal.SIGINT)
    assert n_rows // 4 <= len(finished_before), "not interrupted half-way"
    assert not list(outdir.glob(".*.csv")), "temporary files left behind"
    summary = json.loads((outdir / "batch-summary.json").read_text())
    assert summary["interrupted"] is True
    # Ctrl-C let the files in flight finish: everything written is recorded as done.
    assert summary["totals"]["n_done"] == len(finished_before)

    assert main(argv) == 0
    _check_resumed(outdir, finished_before, references, n_rows)
