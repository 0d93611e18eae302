"""Sources, stages and sinks, and the one loop that runs them: :func:`run` (and
:func:`run_async`) own pacing, Ctrl-C, per-stage latency and progress for every real-time path."""

from likeness.pipeline.runner import Progress, RunOptions, RunReport, run, run_async
from likeness.pipeline.shapes import (
    Chain,
    Expand,
    IterSource,
    Recorder,
    Sink,
    Source,
    Stage,
    stage_name,
)

__all__ = [
    "Chain",
    "Expand",
    "IterSource",
    "Progress",
    "Recorder",
    "RunOptions",
    "RunReport",
    "Sink",
    "Source",
    "Stage",
    "run",
    "run_async",
    "stage_name",
]
