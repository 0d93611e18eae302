"""One frame to many sinks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType

from likeness.frame import FaceFrame
from likeness.sinks.sender import SinkStats, ThreadedSink


class FanOut:
    """Sends every frame to each of ``sinks`` (none is fine); closing it closes them all.

    Each sink has its own slot and sender thread, so one slow peer never delays the others.
    ``on_close(stats)`` runs once, after the sinks are closed, with their final figures (the
    stream's audit record: :func:`likeness.sinks.url.open_sinks`).
    """

    def __init__(self, sinks: Sequence[ThreadedSink],
                 on_close: Callable[[dict[str, SinkStats]], object] | None = None) -> None:
        self.sinks = tuple(sinks)
        self._on_close = on_close

    def send(self, frame: FaceFrame) -> None:
        """Queue ``frame`` on every sink; returns at once."""
        for sink in self.sinks:
            sink.send(frame)

    def stats(self) -> dict[str, SinkStats]:
        """Each sink's figures by its URL."""
        return {sink.name: sink.stats() for sink in self.sinks}

    def close(self) -> None:
        """Close every sink (each sends its last waiting frame first)."""
        for sink in self.sinks:
            sink.close()
        on_close, self._on_close = self._on_close, None
        if on_close is not None:
            on_close(self.stats())

    def __len__(self) -> int:
        return len(self.sinks)

    def __enter__(self) -> FanOut:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()
