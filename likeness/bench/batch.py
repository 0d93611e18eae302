"""Batch throughput on Ray with 1 and 2 workers, beside a plain in-process loop over the same files.

The files are espeak-ng lines written as WAV; the job is ``lipsync`` (recognition, no
transcript). One local runtime with two CPUs serves both Ray figures (``--workers 1`` keeps one
file in flight, ``--workers 2`` two), and the loop, 1-worker and 2-worker runs take turns over
several rounds, so that load from other processes, which lowers every figure, falls on all three
alike. Ray's overhead per file is the 1-worker batch's wall time less the time its worker spent
inside the job, per file: what the batch adds around the work (the driver's hashing and
bookkeeping, scheduling, the task's round trip, the ledger record). The runtime is started and
its workers warmed before timing; those start-up costs are reported on their own.

For context, the run also measures how much parallelism the machine offered meanwhile: the
speed-up of two plain CPU-bound processes over one (2.0 on an idle 2-core machine, about 1.0
when other work already fills the cores). The 2-worker speed-up can only be read against it.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path
from typing import Any

from likeness.batch import BatchItem, LipsyncJob, ray_runtime, run_batch
from likeness.batch.ledger import item_key
from likeness.batch.worker import Task, process_item
from likeness.bench.timing import BenchOptions, summarize_ms

JOB = LipsyncJob(fps=60.0, format="csv")
SENTENCES = (
    "Welcome back, commander. The bridge is yours.",
    "Shields are holding, but not for long.",
    "Open the cargo bay doors and get everyone inside.",
    "I never thought I would see this place again.",
)
N_WARMUP_FILES = 4
_SPIN = "n = 0\nfor i in range(12_000_000):\n    n += i * i\n"
"""A fixed piece of pure-Python CPU work (about a second on one idle core)."""


def run(options: BenchOptions) -> dict[str, Any]:
    """Files per second for the loop and for Ray with 1 and 2 workers; Ray's cost per file."""
    n_rounds, n_per_round = (2, 6) if options.quick else (4, 12)
    with tempfile.TemporaryDirectory(prefix="likeness-bench-batch-") as tmp:
        root = Path(tmp)
        items = _write_lines(root / "lines", n_per_round + N_WARMUP_FILES)
        warmup, items = items[:N_WARMUP_FILES], items[N_WARMUP_FILES:]
        speech_s = sum(_duration_s(item.path) for item in items if item.path) / len(items)
        capacity = [_parallel_capacity()]
        start = time.perf_counter()
        with ray_runtime(n_workers=2):
            started_s = time.perf_counter() - start
            run_batch(warmup, JOB, root / "warm-ray", progress=False)
            warm_s = time.perf_counter() - start - started_s
            process_item(_task(warmup[0], root / "warm-loop"))
            loop_s, loop_file_s = 0.0, []
            wall_s = {1: 0.0, 2: 0.0}
            in_job_s: dict[int, list[float]] = {1: [], 2: []}
            for i in range(n_rounds):
                loop_start = time.perf_counter()
                for item in items:
                    file_start = time.perf_counter()
                    result = process_item(_task(item, root / f"loop-{i}"))
                    assert result["status"] == "done", result
                    loop_file_s.append(time.perf_counter() - file_start)
                loop_s += time.perf_counter() - loop_start
                for n_workers in (1, 2):
                    summary = run_batch(items, JOB, root / f"ray-{n_workers}-{i}",
                                        n_workers=n_workers, progress=False)
                    assert summary["totals"]["n_done"] == len(items), summary["failed"]
                    wall_s[n_workers] += summary["totals"]["wall_s"]
                    in_job_s[n_workers] += [d["seconds"] for d in summary["done"]]
        capacity.append(_parallel_capacity())
    n_files = n_rounds * n_per_round
    report: dict[str, Any] = {
        "job": JOB.name,
        "n_files": n_files,
        "speech_s_per_file": round(speech_s, 2),
        "loop": {"wall_s": round(loop_s, 3), "files_per_s": round(n_files / loop_s, 2),
                 "per_file": summarize_ms(loop_file_s)},
    }
    for n_workers in (1, 2):
        report[f"ray_{n_workers}_workers"] = {
            "wall_s": round(wall_s[n_workers], 3),
            "files_per_s": round(n_files / wall_s[n_workers], 2),
            "per_file_in_worker": summarize_ms(in_job_s[n_workers]),
        }
    report["speedup_2_vs_1_workers"] = round(wall_s[1] / wall_s[2], 2)
    report["machine_parallelism_2_processes"] = round(sum(capacity) / len(capacity), 2)
    report["speedup_2_workers_vs_loop"] = round(loop_s / wall_s[2], 2)
    report["ray_overhead_per_file_ms"] = round((wall_s[1] - sum(in_job_s[1])) / n_files * 1e3, 2)
    report["runtime_start_s"] = round(started_s, 2)
    report["worker_warmup_s"] = round(warm_s, 2)
    return report


def _parallel_capacity() -> float:
    """Speed-up of two CPU-bound processes over one, measured now."""
    def spin(n_processes: int) -> float:
        start = time.perf_counter()
        processes = [subprocess.Popen([sys.executable, "-c", _SPIN]) for _ in range(n_processes)]
        for process in processes:
            process.wait()
        return time.perf_counter() - start

    return 2 * spin(1) / spin(2)


def _task(item: BatchItem, outdir: Path) -> Task:
    """The task a worker would get for ``item``."""
    outdir.mkdir(parents=True, exist_ok=True)
    return Task(job=JOB, item=item, outdir=outdir, output=outdir / f"{item.name}.csv",
                key=item_key(item, JOB.name, JOB.as_dict()))


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
