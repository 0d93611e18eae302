"""How long ``likeness --help`` takes, beside a bare interpreter's start.

Each run is a fresh process with Python's bytecode cached, as an installed package has it; the
parser registers every command without importing numpy, scipy or cryptography, so the help
should answer within :data:`HELP_BUDGET_MS`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from typing import Any

from likeness.bench.timing import BenchOptions, summarize_ms

HELP_BUDGET_MS = 150.0
HELP = (sys.executable, "-m", "likeness.cli", "--help")
BARE = (sys.executable, "-c", "pass")


def run(options: BenchOptions) -> dict[str, Any]:
    """Median/p95 wall time of ``likeness --help`` and of a bare interpreter, in ms."""
    n_runs = 5 if options.quick else 20
    return {
        "help": summarize_ms(wall_times(HELP, n_runs)),
        "bare_interpreter": summarize_ms(wall_times(BARE, n_runs)),
        "help_budget_ms": HELP_BUDGET_MS,
    }


def wall_times(command: tuple[str, ...], n_runs: int) -> list[float]:
    """Seconds from start to exit of ``command``, run ``n_runs`` times after one untimed run."""
    samples = []
    with tempfile.TemporaryDirectory(prefix="likeness-bench-pyc-") as cache:
        # Bytecode cached apart from the sources (even where writing it is turned off): compiling
        # every module on each start would time the compiler, not the command.
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = cache
        for i in range(n_runs + 1):
            start = time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
            if i:  # the first run fills the bytecode cache
                samples.append(time.perf_counter() - start)
    return samples
