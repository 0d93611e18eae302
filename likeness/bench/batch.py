"""Batch throughput on Ray with 1 and 2 workers, beside a plain in-process loop over the same files.

The files are espeak-ng lines written as WAV; the job is ``lipsync`` (recognition, no
transcript). Ray's overhead per file is the 1-worker batch's wall time less the time its worker
spent inside the job, per file: everything the batch adds around the work (the driver's hashing
and bookkeeping, scheduling, pickling the task, the result's round trip, the ledger record).
Runtimes are started before timing and
their workers warmed on a few other files, so the figures are steady-state; the start-up costs
are reported on their own. Other processes loading the CPU during the run lower every figure.
"""

from __future__ import annotations

import tempfile
import time
import wave
from pathlib import Path
from typing import Any

from likeness.batch import BatchItem, ray_runtime, run_batch
from likeness.batch.ledger import item_key
from likeness.batch.worker import Task, process_item
from likeness.bench.timing import BenchOptions, summarize_ms

JOB = "lipsync"
OPTIONS = {"fps": 60.0, "format": "csv"}
SENTENCES = (
    "Welcome back, commander. The bridge is yours.",
    "Shields are holding, but not for long.",
    "Open the cargo bay doors and get everyone inside.",
    "I never thought I would see this place again.",
)
N_WARMUP_FILES = 4


def run(options: BenchOptions) -> dict[str, Any]:
    """Files per second for the loop and for Ray with 1 and 2 workers; Ray's cost per file."""
    n_files = 12 if options.quick else 48
    with tempfile.TemporaryDirectory(prefix="likeness-bench-batch-") as tmp:
        root = Path(tmp)
        items = _write_lines(root / "lines", n_files + N_WARMUP_FILES)
        warmup, items = items[:N_WARMUP_FILES], items[N_WARMUP_FILES:]
        seconds_of_speech = sum(_duration_s(item.path) for item in items if item.path)

        process_item(_task(warmup[0], root / "warm-loop"))  # models loaded once, as in a worker
        start = time.perf_counter()
        loop_per_file_s = []
        for item in items:
            task_start = time.perf_counter()
            result = process_item(_task(item, root / "loop"))
            assert result["status"] == "done", result
            loop_per_file_s.append(time.perf_counter() - task_start)
        loop_s = time.perf_counter() - start

        report: dict[str, Any] = {
            "job": JOB,
            "n_files": n_files,
            "speech_s": round(seconds_of_speech, 2),
            "loop": {"wall_s": round(loop_s, 3), "files_per_s": round(n_files / loop_s, 2),
                     "per_file": summarize_ms(loop_per_file_s)},
        }
        for n_workers in (1, 2):
            report[f"ray_{n_workers}_workers"] = _ray_run(root, items, warmup, n_workers)
        ray_1 = report["ray_1_workers"]["wall_s"]
        ray_2 = report["ray_2_workers"]["wall_s"]
        report["speedup_2_vs_1_workers"] = round(ray_1 / ray_2, 2)
        report["speedup_2_workers_vs_loop"] = round(loop_s / ray_2, 2)
        report["ray_overhead_per_file_ms"] = report["ray_1_workers"]["overhead_per_file_ms"]
        report["note"] = ("steady state (runtimes started and workers warm before timing); "
                          "other processes on the machine lower these figures")
    return report


def _ray_run(root: Path, items: list[BatchItem], warmup: list[BatchItem],
             n_workers: int) -> dict[str, Any]:
    """One local runtime with ``n_workers`` CPUs: start-up, warm-up, then the timed batch."""
    start = time.perf_counter()
    with ray_runtime(n_workers=n_workers):
        started_s = time.perf_counter() - start
        run_batch(warmup, JOB, OPTIONS, root / f"warm-{n_workers}", progress=False)
        warm_s = time.perf_counter() - start - started_s
        summary = run_batch(items, JOB, OPTIONS, root / f"ray-{n_workers}", progress=False)
    totals = summary["totals"]
    assert totals["n_done"] == len(items), summary["failed"]
    in_job_s = [d["seconds"] for d in summary["done"]]
    busy_s = totals["wall_s"] * n_workers - sum(in_job_s)
    return {
        "wall_s": totals["wall_s"],
        "files_per_s": totals["files_per_s"],
        "per_file_in_worker": summarize_ms(in_job_s),
        "overhead_per_file_ms": round(busy_s / len(items) * 1e3, 2),
        "runtime_start_s": round(started_s, 2),
        "worker_warmup_s": round(warm_s, 2),
    }


def _task(item: BatchItem, outdir: Path) -> Task:
    """The task a worker would get for ``item``."""
    outdir.mkdir(parents=True, exist_ok=True)
    return Task(job=JOB, options=OPTIONS, item=item, outdir=outdir,
                output=outdir / f"{item.name}.csv", key=item_key(item, JOB, OPTIONS))


def _write_lines(folder: Path, n_files: int) -> list[BatchItem]:
    """``n_files`` spoken lines as 16-bit WAV files, each a different text."""
    from likeness.sources.audio import write_wav
    from likeness.speech.tts import synthesize

    folder.mkdir(parents=True)
    items = []
    for i in range(n_files):
        speech = synthesize(f"Line {i}. {SENTENCES[i % len(SENTENCES)]}")
        path = folder / f"line_{i:04d}.wav"
        write_wav(path, speech.pcm, speech.sample_rate_hz)
        items.append(BatchItem(name=path.stem, path=path))
    return items


def _duration_s(path: Path) -> float:
    """Length of a WAV file in seconds."""
    with wave.open(str(path), "rb") as handle:
        return handle.getnframes() / handle.getframerate()
