"""Fixtures for the streaming tests: real OSC peers on loopback."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import ThreadingOSCUDPServer

from likeness.sinks.sender import ThreadedSink


@contextlib.contextmanager
def open_one(url: str) -> Iterator[ThreadedSink]:
    """The sink of ``url``, opened as a library user opens it (under the built-in avatar's
    guard), closed at the end."""
    from likeness.sinks import open_sinks
    from likeness.trust import output_guard

    with open_sinks([url], guard=output_guard()) as fanout:
        (sink,) = fanout.sinks
        yield sink


class OscPeer:
    """A python-osc UDP server on loopback that records every message it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, tuple[Any, ...]]] = []
        self._lock = threading.Lock()
        dispatcher = Dispatcher()
        dispatcher.set_default_handler(self._record)
        self.server = ThreadingOSCUDPServer(("127.0.0.1", 0), dispatcher)
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def _record(self, address: str, *args: Any) -> None:
        with self._lock:
            self.messages.append((address, args))

    def wait_for(self, done: Callable[[list[tuple[str, tuple[Any, ...]]]], bool],
                 timeout_s: float = 5.0) -> list[tuple[str, tuple[Any, ...]]]:
        """The messages so far, once ``done(messages)`` holds (or the timeout passes)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            with self._lock:
                if done(self.messages):
                    break
            time.sleep(0.01)
        with self._lock:
            return list(self.messages)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def osc_peer() -> Iterator[OscPeer]:
    peer = OscPeer()
    yield peer
    peer.close()
