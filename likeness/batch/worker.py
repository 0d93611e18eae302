"""One item's work as a Ray task runs it: process, record, and report instead of raising."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from likeness.batch import ledger
from likeness.batch.inputs import BatchItem
from likeness.batch.jobs import BatchJob

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Task:
    """Everything a worker needs for one item (pickled to it by Ray)."""

    job: BatchJob
    item: BatchItem
    outdir: Path
    output: Path
    key: str


def process_item(task: Task) -> dict[str, Any]:
    """Run ``task`` and record its output; never raises for a bad input.

    Returns
    -------
    dict
        ``{"status": "done", "seconds": s}`` or ``{"status": "failed", "error": "Kind: message"}``.
    """
    start = time.perf_counter()
    try:
        task.output.parent.mkdir(parents=True, exist_ok=True)
        files = task.job.process(task.item, task.output)
        seconds = time.perf_counter() - start
        ledger.write_record(task.outdir, task.key, task.item, files, seconds)
    # The batch boundary: whatever one input does (a corrupt file may trip a codec's own error
    # type), it becomes that input's recorded failure and the other inputs go on.
    except Exception as error:  # noqa: BLE001
        log.debug("%s failed", task.item.name, exc_info=True)
        return {"status": "failed", "error": f"{type(error).__name__}: {error}"}
    return {"status": "done", "seconds": round(seconds, 4)}
