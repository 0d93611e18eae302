"""A WebSocket session: its state machine, its bounded outbox of frames, its figures, its record.

States and the only transitions allowed (anything else is a programming error and raises)::

    CONNECTING ──► ACTIVE ──► CLOSING ──► CLOSED
         └────────────┴──────────────────────┘ (refused, or the client vanished)
"""

from __future__ import annotations

import asyncio
import collections
import enum
import itertools
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from likeness.frame import FaceFrame
from likeness.server.protocol import encode_frame

if TYPE_CHECKING:
    from likeness.trust.guard import GuardedOutput

log = logging.getLogger(__name__)

_ids = itertools.count(1)


class SessionState(enum.Enum):
    CONNECTING = "connecting"
    ACTIVE = "active"
    CLOSING = "closing"
    CLOSED = "closed"


_TRANSITIONS = {
    SessionState.CONNECTING: {SessionState.ACTIVE, SessionState.CLOSED},
    SessionState.ACTIVE: {SessionState.CLOSING, SessionState.CLOSED},
    SessionState.CLOSING: {SessionState.CLOSED},
    SessionState.CLOSED: set(),
}


class IllegalTransition(RuntimeError):
    """A session was asked to move to a state it cannot reach from where it is."""


class StageClock:
    """Recent durations per named stage (decode, track, solve, send...), in milliseconds."""

    def __init__(self, n_recent: int = 240) -> None:
        self._recent: dict[str, collections.deque[float]] = {}
        self._n_recent = n_recent

    def add(self, stage: str, duration_ms: float) -> None:
        """Record one duration of ``stage``."""
        self._recent.setdefault(stage, collections.deque(maxlen=self._n_recent)).append(duration_ms)

    def summary(self) -> dict[str, dict[str, float]]:
        """{stage: {"median_ms", "p95_ms"}} over the recent durations."""
        return {
            stage: {
                "median_ms": round(float(np.median(d)), 3),
                "p95_ms": round(float(np.percentile(d, 95)), 3),
            }
            for stage, d in self._recent.items()
            if d
        }


Send = Callable[[bytes | str], Awaitable[None]]


class Session:
    """One client's session of a given kind (``mirror``, ``talk``, ``watch``, ``publish``).

    Frames go out through :meth:`offer`, which never waits: the outbox holds at most
    ``outbox_frames`` and a full outbox drops its oldest frame (counted in ``n_dropped``), so a
    slow client only ever costs itself frames. :meth:`pump` is the one task that writes frames to
    the socket; control messages go through :meth:`send_message` under the same lock, so the
    socket never sees two writers.
    """

    def __init__(
        self, kind: str, send: Send, *, binary: bool, outbox_frames: int, client: str = ""
    ) -> None:
        self.id = f"{kind}-{next(_ids)}"
        self.kind = kind
        self.binary = binary
        self.client = client
        self.state = SessionState.CONNECTING
        self.started_s = time.time()
        self.ended_s: float | None = None
        self.stages = StageClock()
        self.n_offered = 0
        self.n_sent = 0
        self.n_dropped = 0
        self.n_rejected_messages = 0
        self.n_clamped_weights = 0
        self.client_report: dict[str, Any] = {}
        self.stream: GuardedOutput | None = None  # what consent allowed; audited at the end
        self._send = send
        self._outbox: collections.deque[tuple[FaceFrame, int, float]] = collections.deque()
        self._outbox_frames = outbox_frames
        self._sent_at_s: collections.deque[float] = collections.deque(maxlen=1024)
        self._ready = asyncio.Event()
        self._lock = asyncio.Lock()

    def transition(self, new: SessionState) -> None:
        """Move to ``new``; raises :class:`IllegalTransition` if the state machine forbids it."""
        if new not in _TRANSITIONS[self.state]:
            raise IllegalTransition(f"session {self.id}: {self.state.value} -> {new.value}")
        self.state = new
        if new is SessionState.CLOSED:
            self.ended_s = time.time()
            self._ready.set()  # wake the pump so it can finish

    def offer(self, frame: FaceFrame, *, made_ms: float | None = None) -> None:
        """Queue ``frame`` for the client without waiting; the oldest queued frame makes room."""
        if self.state is not SessionState.ACTIVE:
            return
        if len(self._outbox) >= self._outbox_frames:
            self._outbox.popleft()
            self.n_dropped += 1
        self._outbox.append(
            (frame, self.n_offered, time.time() * 1e3 if made_ms is None else made_ms)
        )
        self.n_offered += 1
        self._ready.set()

    async def pump(self) -> None:
        """Write queued frames to the socket until the session closes."""
        while self.state is SessionState.ACTIVE:
            await self._ready.wait()
            self._ready.clear()
            while self._outbox and self.state is SessionState.ACTIVE:
                frame, seq, made_ms = self._outbox.popleft()
                message = encode_frame(frame, seq, made_ms, binary=self.binary)
                async with self._lock:
                    await self._send(message)
                self.n_sent += 1
                self._sent_at_s.append(time.monotonic())
                self.stages.add("server_queue+send", time.time() * 1e3 - made_ms)

    async def send_message(self, message: bytes | str) -> None:
        """Send one control message (JSON text, or binary such as audio) in order with frames."""
        async with self._lock:
            await self._send(message)

    def figures(self) -> dict[str, Any]:
        """What the status panel and ``GET /api/sessions`` show about this session."""
        elapsed_s = max((self.ended_s or time.time()) - self.started_s, 1e-9)
        now_s = time.monotonic()
        fps = sum(1 for t in self._sent_at_s if t > now_s - 1.0)
        return {
            "id": self.id,
            "kind": self.kind,
            "state": self.state.value,
            "binary": self.binary,
            "started_s": round(self.started_s, 3),
            "duration_s": round(elapsed_s, 3),
            "frames_sent": self.n_sent,
            "frames_dropped": self.n_dropped,
            "fps": fps,
            "rejected_messages": self.n_rejected_messages,
            "clamped_weights": self.n_clamped_weights,
            "latency_ms": self.stages.summary(),
            "client": self.client_report,
        }
