"""The one loop of every real-time path: items read from a source, through the stages, to the
sinks, with pacing, Ctrl-C, per-stage latency and progress owned here.

:func:`run` drives a pipeline on the calling thread; :func:`run_async` inside an asyncio task.
Both run the same loop (:func:`_loop`: for the async driver, a generator that yields each wait it
needs), so they behave alike to the item.

How a run ends:

- at the end of the source, or at a stop condition (:class:`RunOptions`), or on Ctrl-C
  (KeyboardInterrupt, unless ``RunOptions.interruptible`` is off): every stage's ``flush()``
  is carried through to the sinks, the sinks are closed (which finalises what they write) and
  a :class:`RunReport` is returned;
- when a stage, a sink or the source raises (or the async task is cancelled, or Ctrl-C comes
  to a run that is not interruptible): the error propagates and the sinks are left to their
  owner, whose ``with`` block discards what was half-written.
"""

from __future__ import annotations

import math
import statistics
import time
from collections import deque
from collections.abc import Awaitable, Callable, Generator, Sequence
from dataclasses import dataclass
from typing import Any

from likeness.errors import InputError
from likeness.pipeline.shapes import Chain, Sink, Source, Stage


@dataclass(frozen=True)
class RunOptions:
    """How :func:`run` drives a pipeline."""

    realtime: bool = False  # hand each item to the sinks as long after the start as its time
    # (t_s) is after the first item's, as if live; False: as fast as the stages go
    max_late_s: float | None = None  # realtime: an item later than this skips to the newest
    # item already due (live means now, not the past); None: late items go on at once, none
    # is skipped
    max_items: int | None = None  # stop after this many items from the source
    max_s: float | None = None  # stop after the first item at or past this time (t_s, seconds)
    status_every_s: float | None = None  # seconds between progress calls; None: no progress
    interruptible: bool = True  # Ctrl-C ends the run cleanly, as it stops a live source;
    # False: it propagates, as it should abort a job that must not finish half done
    n_recent: int = 100_000  # durations kept per stage for the figures (the most recent)

    def __post_init__(self) -> None:
        for name in ("max_late_s", "max_s", "status_every_s"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value >= 0):
                raise InputError(f"RunOptions.{name} must be a non-negative number, got {value}")
        if self.max_items is not None and self.max_items < 1:
            raise InputError(f"RunOptions.max_items must be at least 1, got {self.max_items}")
        if self.n_recent < 1:
            raise InputError(f"RunOptions.n_recent must be at least 1, got {self.n_recent}")


@dataclass(frozen=True)
class Progress:
    """What a run has done so far, for a periodic status line.

    n_items: items read from the source so far. items_per_s: the rate since the previous
    status. latency_ms: median time the stages took per item since the previous status.
    stage_ms: each stage's time on the latest item.
    """

    n_items: int
    items_per_s: float
    latency_ms: float
    stage_ms: dict[str, float]

    def line(self) -> str:
        """``30.0 fps, latency 6.1 ms (landmarks 5.1 solve 0.9 filter 0.1 ms)``."""
        stages = " ".join(f"{name} {ms:.1f}" for name, ms in self.stage_ms.items())
        return f"{self.items_per_s:5.1f} fps, latency {self.latency_ms:.1f} ms ({stages} ms)"


@dataclass(frozen=True)
class RunReport:
    """What a run did.

    Attributes
    ----------
    n_items : int
        Items read from the source and put through the stages.
    n_out : int
        Items handed to the sinks (a stage may drop or expand items).
    n_skipped : int
        Items skipped for being late (``RunOptions.max_late_s``).
    elapsed_s : float
        From the start of the run to its end.
    active_s : float
        From the first item read to the last (0 with fewer than two): waiting for a source to
        begin, or after it has ended, does not lower :attr:`items_per_s`.
    interrupted : bool
        Whether Ctrl-C ended the run.
    latency : dict
        Per stage, in order, then ``total`` (all stages, per item) and ``send`` (all sinks, per
        item): ``median_ms``, ``p95_ms`` and ``n`` over the most recent durations.
    """

    n_items: int
    n_out: int
    n_skipped: int
    elapsed_s: float
    active_s: float
    interrupted: bool
    latency: dict[str, dict[str, float]]

    @property
    def items_per_s(self) -> float:
        """Items per second while the source delivered them."""
        return (self.n_items - 1) / self.active_s if self.active_s > 0 else 0.0

    def line(self) -> str:
        """``30.1 fps, latency 6.2 ms, p95 8.0 ms (landmarks 5.1 solve 0.9 filter 0.1 ms
        median)``."""
        total = self.latency["total"]
        stages = " ".join(f"{name} {figures['median_ms']:.1f}"
                          for name, figures in self.latency.items()
                          if name not in ("total", "send"))
        return (f"{self.items_per_s:5.1f} fps, latency {total['median_ms']:.1f} ms, "
                f"p95 {total['p95_ms']:.1f} ms ({stages} ms median)")


def run(source: Source[Any], stages: Sequence[Stage], sinks: Sequence[Sink[Any]], *,
        options: RunOptions = RunOptions(),
        progress: Callable[[Progress], object] | None = None,
        clock: Callable[[], float] = time.perf_counter,
        sleep: Callable[[float], object] = time.sleep) -> RunReport:
    """Read ``source`` to its end (or a stop condition, or Ctrl-C), putting every item through
    ``stages`` and handing what comes out to every sink.

    Parameters
    ----------
    source : Source
        ``read()`` -> the next item, None at the end.
    stages : sequence of Stage
        Applied in order (see :class:`likeness.pipeline.Chain`); none: items go straight on.
    sinks : sequence of Sink
        Each gets every item the stages let through; all are closed when the run ends.
    options : RunOptions
        Pacing and stop conditions; realtime pacing and ``max_s`` read each item's ``t_s``.
    progress : callable, optional
        Called with a :class:`Progress` every ``options.status_every_s`` seconds.
    clock, sleep : callable
        Seconds (monotonic) and how to wait; the stage times are measured with ``clock`` too.

    Returns
    -------
    RunReport
    """
    try:
        next(_loop(source, stages, sinks, options, progress, clock, sleep))
    except StopIteration as done:
        return done.value
    raise AssertionError("a run given sleep never yields")


async def run_async(source: Source[Any], stages: Sequence[Stage], sinks: Sequence[Sink[Any]], *,
                    options: RunOptions = RunOptions(),
                    progress: Callable[[Progress], object] | None = None,
                    clock: Callable[[], float] = time.perf_counter,
                    sleep: Callable[[float], Awaitable[object]] | None = None) -> RunReport:
    """:func:`run` inside an asyncio task: waits are awaited (``asyncio.sleep`` by default), so
    the event loop serves everything else in between. The source, stages and sinks are called on
    the loop's thread, so they must not block. Cancelling the task stops the run; the
    cancellation propagates and the sinks are left to their owner."""
    import asyncio

    wait = sleep or asyncio.sleep
    steps = _loop(source, stages, sinks, options, progress, clock, None)
    try:
        wait_s = next(steps)
        while True:
            try:
                await wait(wait_s)
            except BaseException as error:
                wait_s = steps.throw(error)
            else:
                wait_s = steps.send(None)
    except StopIteration as done:
        return done.value


def _loop(source: Source[Any], stages: Sequence[Stage], sinks: Sequence[Sink[Any]],
          options: RunOptions, progress: Callable[[Progress], object] | None,
          clock: Callable[[], float], sleep: Callable[[float], object] | None,
          ) -> Generator[float, None, RunReport]:
    """The run itself. Each wait is slept through with ``sleep``; without one (the async
    driver) it is yielded, in seconds, for the driver to wait through."""
    start = first_at = last_at = clock()
    o = options
    chain = Chain(stages, clock=clock, n_recent=o.n_recent)
    total_s: deque[float] = deque(maxlen=o.n_recent)
    send_s: deque[float] = deque(maxlen=o.n_recent)
    n_items = n_out = n_skipped = 0
    interrupted = False
    paced_from: tuple[float, float] | None = None  # (clock, t_s): the start, the first item's
    every_s = o.status_every_s if progress is not None else None
    status_since, status_n = start, 0  # when the last status was given, and after what item
    recent_s: list[float] = []  # each item's stage time since then
    ahead: list[Any] = []  # an item read ahead while skipping late ones

    def due(item: Any) -> float:
        """When ``item`` is to be handed on, realtime: as long after the start of the run as its
        time is after the first item's."""
        assert paced_from is not None
        return paced_from[0] + (item.t_s - paced_from[1])

    def send(items: list[Any]) -> None:
        for item in items:
            for sink in sinks:
                sink.send(item)

    try:
        while True:
            item = ahead.pop() if ahead else source.read()
            if item is None:
                break
            last_at = clock()
            if not n_items:
                first_at = last_at
            due_at = None
            if o.realtime:
                if paced_from is None:
                    paced_from = (start, item.t_s)
                due_at = due(item)
                if o.max_late_s is not None and last_at - due_at > o.max_late_s:
                    # Skip to the newest item already due: live shows now, not what it missed.
                    while (later := source.read()) is not None and due(later) <= last_at:
                        item = later
                        n_skipped += 1
                    if later is not None:
                        ahead.append(later)
                    due_at = due(item)
            n_items += 1
            out = chain(item)
            staged_at = clock()
            # Wait after the stages, so that the hand-over to the sinks is what is on time.
            if due_at is not None and due_at > staged_at:
                if sleep is None:
                    yield due_at - staged_at
                else:
                    # Waiting here, not in a driver, keeps the wake-up -> hand-over path short.
                    sleep(due_at - staged_at)
            sent_at = clock()
            send(out)
            done_at = clock()
            n_out += len(out)
            send_s.append(done_at - sent_at)
            total_s.append(staged_at - last_at)
            if every_s is not None:
                recent_s.append(total_s[-1])
                if done_at - status_since >= every_s:
                    assert progress is not None
                    progress(Progress(
                        n_items=n_items,
                        items_per_s=(n_items - status_n) / (done_at - status_since),
                        latency_ms=1e3 * statistics.median(recent_s),
                        stage_ms={name: 1e3 * s for name, s in chain.last_s.items()},
                    ))
                    status_since, status_n, recent_s = done_at, n_items, []
            if o.max_items is not None and n_items >= o.max_items:
                break
            if o.max_s is not None and item.t_s >= o.max_s:
                break
    except KeyboardInterrupt:
        if not o.interruptible:
            raise
        interrupted = True
    tail = chain.flush()
    send(tail)
    n_out += len(tail)
    for sink in sinks:
        sink.close()
    latency = {name: _figures(chain.durations_s[name]) for name in chain.names}
    latency["total"] = _figures(total_s)
    latency["send"] = _figures(send_s)
    return RunReport(n_items=n_items, n_out=n_out, n_skipped=n_skipped,
                     elapsed_s=clock() - start, active_s=last_at - first_at,
                     interrupted=interrupted, latency=latency)


def _figures(durations_s: deque[float]) -> dict[str, float]:
    """Median and p95 in milliseconds (as numpy's default percentiles) and the count."""
    values = list(durations_s)
    if len(values) < 2:
        median_s = p95_s = values[0] if values else math.nan
    else:
        median_s = statistics.median(values)
        p95_s = statistics.quantiles(values, n=20, method="inclusive")[-1]
    return {"median_ms": round(1e3 * median_s, 4), "p95_ms": round(1e3 * p95_s, 4),
            "n": len(values)}
