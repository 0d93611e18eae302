"""Running a job over many items on Ray: skip what is finished, keep going past bad inputs."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from likeness.batch import ledger
from likeness.batch.cluster import import_ray, ray_runtime
from likeness.batch.inputs import SUMMARY_NAME, BatchItem
from likeness.batch.jobs import BatchJob
from likeness.batch.worker import Task, process_item
from likeness.errors import InputError
from likeness.fileio import atomic_open
from likeness.settings import PREFIX

log = logging.getLogger(__name__)



def run_batch(items: Sequence[BatchItem], job: BatchJob, outdir: str | Path, *,
              ray_address: str | None = None,
              n_workers: int | None = None, summary_path: str | Path | None = None,
              progress: bool = True) -> dict[str, Any]:
    """Run ``job`` on every item not already finished in ``outdir``, and write a summary.

    Parameters
    ----------
    items : sequence of BatchItem
        From :func:`~likeness.batch.inputs.read_inputs`.
    job : BatchJob
        The job and its options (:data:`~likeness.batch.jobs.JOBS`, e.g. ``LipsyncJob(fps=30)``);
        its options are part of every output's key.
    outdir : path-like
        Output folder (created). Item ``name`` + the job's suffix is each output's path in it.
    ray_address, n_workers
        Where and how wide to run; see :func:`~likeness.batch.cluster.ray_runtime`.
    summary_path : path-like, optional
        Where the summary JSON goes (default ``OUTDIR/batch-summary.json``).
    progress : bool
        Show a progress bar (files, files/s, time left) on standard error.

    Returns
    -------
    dict
        The summary: ``done``, ``skipped`` and ``failed`` lists (each entry names its input and
        output; failures carry ``error``), ``totals`` (counts, ``wall_s``, ``files_per_s``) and
        ``interrupted``. Ctrl-C lets the files in flight finish, writes the summary and
        re-raises.
    """
    out = Path(outdir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    summary_file = Path(summary_path) if summary_path else out / SUMMARY_NAME
    suffix = job.output_suffix
    start = time.perf_counter()
    done: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    tasks: list[Task] = []
    for item in items:
        output = out / (item.name + suffix)
        if output.resolve() == summary_file.resolve():
            raise InputError(f"{item.name}: its output would overwrite the summary {summary_file}")
        entry = _entry(item, output)
        try:
            key = ledger.item_key(item, job.name, job.as_dict(), job.side_inputs(item))
        except InputError as error:
            failed.append({**entry, "error": f"{type(error).__name__}: {error}"})
            continue
        if ledger.is_finished(out, key, output):
            skipped.append(entry)
        else:
            tasks.append(Task(job=job, item=item, outdir=out, output=output, key=key))
    log.info("%s: %d to do, %d finished before, %d unreadable", job.name, len(tasks), len(skipped),
             len(failed))
    interrupted = False
    try:
        if tasks:
            _prepare_signing()
            _run_tasks(tasks, done, failed, ray_address=ray_address, n_workers=n_workers,
                       progress=progress)
    except KeyboardInterrupt:
        interrupted = True
        raise
    finally:
        summary = _summary(job, done, skipped, failed,
                           wall_s=time.perf_counter() - start, interrupted=interrupted)
        with atomic_open(summary_file, "w", encoding="utf-8") as handle:
            json.dump(summary, handle, indent=1)
    return summary


def _run_tasks(tasks: list[Task], done: list[dict[str, Any]], failed: list[dict[str, Any]], *,
               ray_address: str | None, n_workers: int | None, progress: bool) -> None:
    """Submit ``tasks`` to Ray a few at a time and file each result into ``done`` or ``failed``."""
    from tqdm import tqdm

    ray = import_ray()
    with ray_runtime(ray_address, n_workers=n_workers) as n_parallel:
        # Retries cover a worker process dying (OOM, node loss), not a bad input: that is a result.
        remote = ray.remote(num_cpus=1, max_retries=1)(process_item)
        # Workers see the driver's LIKENESS_* settings (home with keys and revocations, audit
        # log), so consent and audit behave on a cluster as they do on this machine.
        settings = {k: v for k, v in os.environ.items() if k.startswith(PREFIX)}
        if settings:
            remote = remote.options(runtime_env={"env_vars": settings})
        queue = iter(tasks)
        in_flight: dict[Any, Task] = {}
        bar = tqdm(total=len(tasks), unit="file", desc=f"batch {tasks[0].job.name}",
                   file=sys.stderr, disable=not progress, dynamic_ncols=True)

        def collect(ref: Any) -> None:
            """File the finished task ``ref`` into done or failed."""
            task = in_flight.pop(ref)
            entry = _entry(task.item, task.output)
            try:
                result = ray.get(ref)
            except ray.exceptions.RayError as error:  # the worker itself died
                result = {"status": "failed", "error": f"{type(error).__name__}: {error}"}
            if result["status"] == "done":
                done.append({**entry, "seconds": result["seconds"]})
            else:
                log.info("%s failed: %s", task.item.path or task.item.name, result["error"])
                failed.append({**entry, "error": result["error"]})
            bar.update(1)

        try:
            while True:
                # Exactly n_parallel in flight: on a cluster with more CPUs than --workers, a
                # deeper queue would run more at once than asked.
                while len(in_flight) < n_parallel:
                    task = next(queue, None)
                    if task is None:
                        break
                    in_flight[remote.remote(task)] = task
                if not in_flight:
                    break
                ready, _ = ray.wait(list(in_flight), num_returns=1)
                collect(ready[0])
        except KeyboardInterrupt:
            # Ctrl-C: submit nothing more and let the few files in flight finish (a second
            # Ctrl-C abandons them). Cancelling instead can crash Ray's driver when a task
            # completes while being cancelled.
            log.warning("interrupted: finishing the %d file(s) in flight", len(in_flight))
            with contextlib.suppress(KeyboardInterrupt):
                while in_flight:
                    collect(next(iter(in_flight)))
            raise
        finally:
            bar.close()


def _prepare_signing() -> None:
    """Create this installation's signing keys here, once: workers creating them on first use
    would race, and a key replaced mid-batch leaves outputs signed by a key no longer trusted."""
    from likeness.trust.guard import ensure_keys

    ensure_keys()


def _entry(item: BatchItem, output: Path) -> dict[str, Any]:
    """How the summary names an item."""
    return {"name": item.name, "input": str(item.path) if item.path else None,
            "output": str(output)}


def _summary(job: BatchJob, done: list[dict[str, Any]],
             skipped: list[dict[str, Any]], failed: list[dict[str, Any]], *, wall_s: float,
             interrupted: bool) -> dict[str, Any]:
    """The summary JSON's content."""
    return {
        "job": job.name,
        "options": job.as_dict(),
        "interrupted": interrupted,
        "totals": {
            "n_inputs": len(done) + len(skipped) + len(failed),
            "n_done": len(done),
            "n_skipped": len(skipped),
            "n_failed": len(failed),
            "wall_s": round(wall_s, 3),
            "files_per_s": round(len(done) / wall_s, 3) if wall_s > 0 else None,
        },
        "done": done,
        "skipped": skipped,
        "failed": failed,
    }
