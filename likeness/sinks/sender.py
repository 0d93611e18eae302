"""Sending without blocking the caller: a latest-frame slot per sink, drained by one thread.

A tracker produces frames at its own rate and must never wait on the network. Each sink keeps
one slot holding the newest frame; :meth:`ThreadedSink.send` overwrites it (counting the frame
it replaces as dropped) and returns at once, and the sink's sender thread takes whatever is in
the slot, encodes it and puts it on the wire. A slow or dead peer therefore costs stale frames,
never tracker time.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from dataclasses import dataclass
from types import TracebackType

import numpy as np

from likeness.errors import SinkError
from likeness.frame import FaceFrame

logger = logging.getLogger(__name__)

N_LATENCY_SAMPLES = 4096
"""How many recent frame -> wire latencies a sink keeps for :meth:`ThreadedSink.stats`."""

CLOSE_TIMEOUT_S = 5.0
"""How long :meth:`ThreadedSink.close` waits for the last frame to go out."""


@dataclass(frozen=True)
class SinkStats:
    """What a sink has done so far.

    n_sent: frames put on the wire.
    n_dropped: frames replaced in the slot by a newer one before they could be sent.
    n_errors: frames whose sending failed (peer gone, connection refused, unreachable).
    latency_median_ms, latency_p95_ms: time from ``send(frame)`` to the packet leaving the
        socket, over the last :data:`N_LATENCY_SAMPLES` frames sent (NaN before the first).
    last_error: the most recent failure, as text, or None.
    """

    n_sent: int
    n_dropped: int
    n_errors: int
    latency_median_ms: float
    latency_p95_ms: float
    last_error: str | None

    def as_dict(self) -> dict[str, object]:
        """The figures as a JSON-serialisable dict (latencies None before the first frame)."""
        def ms(value: float) -> float | None:
            return round(value, 4) if math.isfinite(value) else None

        return {
            "n_sent": self.n_sent,
            "n_dropped": self.n_dropped,
            "n_errors": self.n_errors,
            "latency_median_ms": ms(self.latency_median_ms),
            "latency_p95_ms": ms(self.latency_p95_ms),
            "last_error": self.last_error,
        }


class ThreadedSink:
    """Base of every network sink: ``send(frame)`` / ``close()``, a context manager.

    Subclasses set up their transport, then call ``super().__init__(name)`` last (it starts the
    sender thread), and implement :meth:`_transmit` (called by the sender thread only) and
    :meth:`_close_transport` (called once the sender thread has stopped). ``_transmit`` raises
    ``OSError`` or :class:`SinkError` when the peer cannot be reached; each kind of failure is
    logged once per sink and sending goes on.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._cond = threading.Condition()
        self._slot: tuple[FaceFrame, float] | None = None
        self._closing = False
        self._sender_idle = False
        self._n_sent = 0
        self._n_dropped = 0
        self._n_errors = 0
        self._last_error: str | None = None
        self._reported: set[str] = set()
        self._latencies_s: deque[float] = deque(maxlen=N_LATENCY_SAMPLES)
        self._thread = threading.Thread(target=self._drain, name=f"sink {name}", daemon=True)
        self._thread.start()

    # -- the caller's side --------------------------------------------------------------------

    def send(self, frame: FaceFrame) -> None:
        """Queue ``frame`` for sending and return at once; a frame still waiting is dropped."""
        with self._cond:
            if self._closing:
                raise SinkError(f"{self.name}: send() after close()")
            if self._slot is not None:
                self._n_dropped += 1
            self._slot = (frame, time.perf_counter())
            self._cond.notify()
            sender_idle = self._sender_idle
        if sender_idle:
            # Yield the GIL so that the idle sender thread puts the frame on the wire now, not
            # after the interpreter's 5 ms switch interval while the caller goes on tracking.
            # A busy sender is not waited for: the frame waits in the slot instead.
            time.sleep(0)

    def stats(self) -> SinkStats:
        """Counts and latency so far (see :class:`SinkStats`)."""
        with self._cond:
            latencies_ms = np.asarray(self._latencies_s, np.float64) * 1e3
            median_ms, p95_ms = (np.percentile(latencies_ms, [50, 95]) if len(latencies_ms)
                                 else (float("nan"), float("nan")))
            return SinkStats(
                n_sent=self._n_sent,
                n_dropped=self._n_dropped,
                n_errors=self._n_errors,
                latency_median_ms=float(median_ms),
                latency_p95_ms=float(p95_ms),
                last_error=self._last_error,
            )

    def close(self) -> None:
        """Send the frame still waiting, stop the sender thread and release the transport."""
        with self._cond:
            if self._closing:
                return
            self._closing = True
            self._cond.notify()
        self._thread.join(CLOSE_TIMEOUT_S)
        if self._thread.is_alive():
            logger.warning("%s: the last frame was still being sent after %.0f s; closing anyway",
                           self.name, CLOSE_TIMEOUT_S)
        self._close_transport()

    def __enter__(self) -> ThreadedSink:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"

    # -- the sender thread --------------------------------------------------------------------

    def _drain(self) -> None:
        while True:
            with self._cond:
                self._sender_idle = True
                while self._slot is None and not self._closing:
                    self._cond.wait()
                self._sender_idle = False
                if self._slot is None:
                    return
                frame, t_queued = self._slot
                self._slot = None
            try:
                self._transmit(frame)
            except (OSError, SinkError) as error:
                self._failed(error)
                continue
            latency_s = time.perf_counter() - t_queued
            with self._cond:
                self._n_sent += 1
                self._latencies_s.append(latency_s)

    def _failed(self, error: Exception) -> None:
        # A dead peer fails every frame: say so once per kind of failure, then keep counting.
        kind = type(error.__cause__ or error).__name__
        with self._cond:
            self._n_errors += 1
            self._last_error = f"{kind}: {error}"
            first = kind not in self._reported
            self._reported.add(kind)
        if first:
            logger.warning("%s: cannot send (%s: %s); frames are counted as errors until the "
                           "peer is back", self.name, kind, error)

    def _transmit(self, frame: FaceFrame) -> None:
        """Encode ``frame`` and put it on the wire (sender thread only)."""
        raise NotImplementedError

    def _close_transport(self) -> None:
        """Release sockets and connections (after the sender thread has stopped)."""
