"""Fixtures for the streaming tests: a known expression and real OSC peers on loopback."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import ThreadingOSCUDPServer

from likeness.blendshapes import N_BLENDSHAPES
from likeness.frame import FaceFrame, quaternions_from_euler


@pytest.fixture
def expression(rng: np.random.Generator) -> FaceFrame:
    """A frame with every weight different, the head turned, tilted and rolled, eyes aside."""
    return FaceFrame(
        t_s=1.5,
        weights=rng.uniform(0.0, 1.0, N_BLENDSHAPES).astype(np.float32),
        head_rotation=quaternions_from_euler(np.array([[0.3, -0.2, 0.1]]))[0],
        eyes_rad=np.array([[0.2, -0.1], [0.15, -0.12]], np.float32),
    )


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
