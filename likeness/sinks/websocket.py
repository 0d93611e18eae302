"""``ws://HOST:PORT/PATH``: frames to a WebSocket server, as JSON or compact binary messages."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from likeness.codecs.websocket import FORMATS, encode_binary, encode_json
from likeness.errors import InputError, SinkError
from likeness.frame import FaceFrame
from likeness.sinks.sender import ThreadedSink

if TYPE_CHECKING:
    from websockets.sync.client import ClientConnection

RECONNECT_INTERVAL_S = 1.0
"""Least time between connection attempts while the server is unreachable."""
CONNECT_TIMEOUT_S = 2.0


class WebSocketSink(ThreadedSink):
    """Sends each frame as one WebSocket message to ``url``.

    The connection is made by the sender thread, so neither opening the sink nor sending waits
    on the server; a lost connection is retried at most once per
    :data:`RECONNECT_INTERVAL_S` while frames are dropped and counted as errors.

    Parameters
    ----------
    url : ``ws://`` or ``wss://`` address of the server.
    message_format : "json" (text messages) or "binary" (268-byte binary messages); see
        :mod:`likeness.codecs.websocket`.
    """

    def __init__(self, url: str, *, message_format: str = "json") -> None:
        if message_format not in FORMATS:
            raise InputError(f"WebSocket format {message_format!r}, expected one of {FORMATS}")
        self.url = url
        self._encode = encode_json if message_format == "json" else encode_binary
        self._connection: ClientConnection | None = None
        self._connect_error: Exception | None = None
        self._next_attempt_s = 0.0
        super().__init__(url)

    def _transmit(self, frame: FaceFrame) -> None:
        from websockets.exceptions import WebSocketException
        from websockets.sync.client import connect

        if self._connection is None:
            now = time.monotonic()
            if now < self._next_attempt_s:
                raise SinkError(f"{self.url}: not connected") from self._connect_error
            self._next_attempt_s = now + RECONNECT_INTERVAL_S
            try:
                self._connection = connect(self.url, open_timeout=CONNECT_TIMEOUT_S,
                                           close_timeout=CONNECT_TIMEOUT_S, compression=None,
                                           proxy=None)
            except (WebSocketException, OSError) as e:
                self._connect_error = e
                raise SinkError(f"{self.url}: cannot connect ({e})") from e
        try:
            self._connection.send(self._encode(frame))
        except (WebSocketException, OSError) as e:
            self._connection = None
            raise SinkError(f"{self.url}: connection lost ({e})") from e

    def _close_transport(self) -> None:
        if self._connection is not None:
            self._connection.close()
