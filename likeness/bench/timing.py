"""Timing helpers shared by the benchmarks."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from likeness.trust.guard import OutputGuard


@dataclass(frozen=True)
class BenchOptions:
    """What every benchmark gets.

    quick: shorter runs for smoke tests (figures are then indicative only).
    """

    quick: bool = False


def summarize_ms(samples_s: list[float] | np.ndarray) -> dict[str, float]:
    """Median, p95 and mean of durations in seconds, reported in milliseconds."""
    ms = np.asarray(samples_s, np.float64) * 1e3
    if not len(ms):
        return {"median_ms": float("nan"), "p95_ms": float("nan"), "n": 0}
    return {
        "median_ms": round(float(np.median(ms)), 4),
        "p95_ms": round(float(np.percentile(ms, 95)), 4),
        "n": int(len(ms)),
    }


def time_calls(fn: Callable[[], object], n_calls: int, *, n_warmup: int = 3) -> list[float]:
    """Durations in seconds of ``n_calls`` calls of ``fn`` after ``n_warmup`` untimed ones."""
    for _ in range(n_warmup):
        fn()
    samples = []
    for _ in range(n_calls):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def scratch_guard(folder: Path) -> OutputGuard:
    """A guard for the built-in avatar with its keys and audit log in ``folder``: a bench's
    outputs are guarded as a user's are, and leave no record in the user's state."""
    from likeness.trust.guard import output_guard

    return output_guard(home=folder, audit=str(folder / "audit.sqlite"))
