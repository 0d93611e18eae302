"""The shapes a pipeline is made of: sources, stages and sinks, and the small pieces that adapt
what exists to them.

- A **source** has ``read()``: the next item, or None at the end (and ever after).
- A **stage** is a callable, one item in, one item out (None drops it). A stateful one may have
  ``flush()``, returning what it still holds once the source has ended; :class:`Expand` makes a
  stage that returns a list of items (0, 1 or many) one whose items go on one by one.
- A **sink** has ``send(item)`` and ``close()``; close finishes what it was sending or writing
  and may be called twice.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, TypeVar

T_co = TypeVar("T_co", covariant=True)
T_contra = TypeVar("T_contra", contravariant=True)

Stage = Callable[[Any], Any]
"""One item in, one item out, or None when the item goes no further."""


class Source(Protocol[T_co]):
    """Where items come from: cameras, video and audio files, microphones, network receivers."""

    def read(self) -> T_co | None:
        """The next item, or None at the end of the source."""
        ...


class Sink(Protocol[T_contra]):
    """Where items go: network senders, take recorders, preview writers, server channels."""

    def send(self, item: T_contra) -> None:
        """Take one item."""
        ...

    def close(self) -> None:
        """Finish: send what is waiting, finalise what was written (calling it again is a no-op)."""
        ...


class IterSource:
    """A source over any iterable, such as a finished take's frames."""

    def __init__(self, items: Iterable[Any]) -> None:
        self._items = iter(items)

    def read(self) -> Any:
        """The next item, or None at the end."""
        return next(self._items, None)


class Recorder:
    """A sink that keeps every item it is sent, in order (a take being recorded)."""

    def __init__(self) -> None:
        self.items: list[Any] = []

    def send(self, item: Any) -> None:
        """Keep ``item``."""
        self.items.append(item)

    def close(self) -> None:
        """Nothing to finish: the items stay in :attr:`items`."""


class Expand:
    """A stage that turns one item into a list of them (0, 1 or many), each going on alone.

    ``stage(item)`` must return a list; ``flush()`` is passed on to ``stage`` when it has one.
    Named after ``stage``.
    """

    def __init__(self, stage: Callable[[Any], list[Any]]) -> None:
        self.stage = stage
        self.name = stage_name(stage)

    def __call__(self, item: Any) -> list[Any]:
        return self.stage(item)

    def flush(self) -> list[Any]:
        """What ``stage`` still holds, as its ``flush()`` returns it (nothing if it has none)."""
        flush = getattr(self.stage, "flush", None)
        return list(flush()) if flush is not None else []


def stage_name(stage: Stage) -> str:
    """A stage's name in latency reports: its ``name``, a function's name, or its class's name
    in lower case."""
    name = getattr(stage, "name", None)
    if isinstance(name, str):
        return name
    return getattr(stage, "__name__", None) or type(stage).__name__.lower()


class Chain:
    """Stages applied in order to one item at a time, each call timed.

    Parameters
    ----------
    stages : sequence of Stage
        Plain stages, or :class:`Expand` ones.
    clock : callable
        Seconds, monotonic; what the stage times are measured with.
    n_recent : int
        Durations kept per stage (the most recent ones).

    Attributes
    ----------
    names : tuple of str
        One per stage (a repeated name gets ``#2``, ``#3``...).
    last_s : dict
        Seconds each stage took on the latest item (summed over the items an Expand made).
    durations_s : dict
        Each stage's recent durations, one per call, seconds.
    """

    def __init__(self, stages: Sequence[Stage], *, clock: Callable[[], float] = time.perf_counter,
                 n_recent: int = 100_000) -> None:
        names: list[str] = []
        for stage in stages:
            name = stage_name(stage)
            names.append(name if name not in names else f"{name}#{names.count(name) + 1}")
        self.stages = tuple(stages)
        self.names = tuple(names)
        self.clock = clock
        self.last_s = dict.fromkeys(self.names, 0.0)
        self.durations_s: dict[str, deque[float]] = {
            name: deque(maxlen=n_recent) for name in self.names}

    def __call__(self, item: Any) -> list[Any]:
        """What the stages make of ``item``: usually one item, none if a stage dropped it."""
        return self._through(0, [item]) if self.stages else [item]

    def flush(self) -> list[Any]:
        """At the end of the source: each stage's ``flush()``, carried through the stages after
        it, in stage order."""
        out: list[Any] = []
        for k, stage in enumerate(self.stages):
            flush = getattr(stage, "flush", None)
            if flush is not None:
                out += self._through(k + 1, list(flush()))
        return out

    def _through(self, first: int, items: list[Any]) -> list[Any]:
        clock = self.clock
        for k in range(first, len(self.stages)):
            stage, name = self.stages[k], self.names[k]
            if not items:
                self.last_s[name] = 0.0
                continue
            durations = self.durations_s[name]
            expands = isinstance(stage, Expand)
            out: list[Any] = []
            total_s = 0.0
            for item in items:
                start = clock()
                result = stage(item)
                took_s = clock() - start
                durations.append(took_s)
                total_s += took_s
                if expands:
                    out += result
                elif result is not None:
                    out.append(result)
            self.last_s[name] = total_s
            items = out
        return items
