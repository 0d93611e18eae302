"""What the network receivers share: a bound UDP socket, a decoder, counts of what was rejected.

A receiver faces whatever arrives on its port. Each datagram is decoded on its own; one that
does not decode (truncated, oversized, wrong version, garbage) is counted as rejected and
dropped, and the next good one comes through as if nothing had happened.
"""

from __future__ import annotations

import logging
import socket
import time
from collections import deque
from types import TracebackType

from likeness.errors import InputError, SourceError
from likeness.frame import FaceFrame

logger = logging.getLogger(__name__)

MAX_DATAGRAM_BYTES = 65535


class UdpReceiver:
    """Base of the network sources: ``open() / read() / close()``, a context manager.

    Subclasses implement :meth:`decode`. ``read`` returns the next frame, or None at the end of
    the stream: a network stream has no end of its own, so it ends when :meth:`end_after` says.

    Attributes
    ----------
    n_datagrams, n_rejected, n_frames : int
        Datagrams received, datagrams that did not decode, frames returned.
    n_clamped : int
        Blendshape weights that arrived slightly outside 0..1 (ARKit overshoots) and were
        clamped; weights beyond :data:`~likeness.frame.WEIGHT_LIMITS` reject their datagram.
    last_reject : str or None
        Why the most recent rejected datagram was rejected.
    """

    scheme = "udp"

    def __init__(self, host: str = "0.0.0.0", port: int = 0) -> None:
        self.host = host
        self.port = port
        self.n_datagrams = 0
        self.n_rejected = 0
        self.n_frames = 0
        self.n_clamped = 0
        self.last_reject: str | None = None
        self._socket: socket.socket | None = None
        self._pending: deque[FaceFrame] = deque()
        self._t_open_s = 0.0
        self._end_s: float | None = None  # time.monotonic() at which the stream ends

    @property
    def name(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def open(self) -> UdpReceiver:
        """Bind the port (port 0 picks a free one, then :attr:`port` tells which)."""
        try:
            family, kind, proto, _, address = socket.getaddrinfo(
                self.host, self.port, type=socket.SOCK_DGRAM, flags=socket.AI_PASSIVE)[0]
            self._socket = socket.socket(family, kind, proto)
            self._socket.bind(address)
        except OSError as e:
            if self._socket is not None:
                self._socket.close()
                self._socket = None
            raise SourceError(f"{self.name}: cannot listen ({e})") from e
        self.port = self._socket.getsockname()[1]
        self._t_open_s = time.monotonic()
        return self

    def end_after(self, seconds: float | None) -> None:
        """End the stream ``seconds`` from now: :meth:`read` returns None once that has passed
        without a frame (None: the stream never ends)."""
        self._end_s = None if seconds is None else time.monotonic() + seconds

    def read(self) -> FaceFrame | None:
        """The next frame that arrives; None once the stream has ended (:meth:`end_after`)."""
        if self._socket is None:
            raise SourceError(f"{self.name}: read() before open()")
        deadline = self._end_s
        while not self._pending:
            if deadline is None:
                self._socket.settimeout(None)
            else:
                remaining_s = deadline - time.monotonic()
                if remaining_s <= 0:
                    return None
                self._socket.settimeout(remaining_s)
            try:
                datagram = self._socket.recv(MAX_DATAGRAM_BYTES)
            except TimeoutError:
                return None
            except OSError as e:
                raise SourceError(f"{self.name}: receive failed ({e})") from e
            self.feed(datagram)
        self.n_frames += 1
        return self._pending.popleft()

    def feed(self, datagram: bytes) -> list[FaceFrame]:
        """Decode one datagram as if it had arrived; returns its frames (none if rejected)."""
        self.n_datagrams += 1
        try:
            frames = self.decode(datagram)
        except InputError as error:
            self.n_rejected += 1
            self.last_reject = str(error)
            # The first bad datagram is news; a flood of them must not flood the log.
            (logger.warning if self.n_rejected == 1 else logger.debug)(
                "%s: rejected a %d-byte datagram: %s", self.name, len(datagram), error)
            return []
        self._pending.extend(frames)
        return frames

    def decode(self, datagram: bytes) -> list[FaceFrame]:
        """The frames in one datagram; raises InputError when it is not a valid packet."""
        raise NotImplementedError

    def count_clamped(self, n_clamped: int) -> None:
        """Count weights that :meth:`decode` clamped into 0..1; the first time is news."""
        if n_clamped and not self.n_clamped:
            logger.warning("%s: blendshape weights slightly outside 0..1 arrive (ARKit "
                           "overshoots); they are clamped to 0..1 and counted", self.name)
        self.n_clamped += n_clamped

    def arrival_s(self) -> float:
        """Seconds since :meth:`open`, for protocols that carry no time."""
        return time.monotonic() - self._t_open_s

    def close(self) -> None:
        """Release the port."""
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def __enter__(self) -> UdpReceiver:
        return self.open()

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()
