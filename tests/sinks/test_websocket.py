"""WebSocket out, against a real ``websockets`` server on loopback."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterator

import numpy as np
import pytest
from websockets.sync.server import serve

from likeness.codecs.websocket import BINARY_SIZE, decode_binary, decode_json
from likeness.frame import FaceFrame
from tests.sinks.conftest import open_one


@pytest.fixture
def ws_server() -> Iterator[tuple[int, queue.Queue[tuple[str, str | bytes]]]]:
    received: queue.Queue[tuple[str, str | bytes]] = queue.Queue()

    def handler(connection) -> None:
        for message in connection:
            received.put((connection.request.path, message))

    with serve(handler, "127.0.0.1", 0, compression=None) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield server.socket.getsockname()[1], received
        server.shutdown()


@pytest.mark.parametrize("message_format", ["json", "binary"])
def test_frames_arrive_at_a_websocket_server(ws_server, expression: FaceFrame,
                                             message_format: str) -> None:
    port, received = ws_server
    with open_one(f"ws://127.0.0.1:{port}/face?format={message_format}") as sink:
        sink.send(expression)
        path, message = received.get(timeout=5)
    assert path == "/face"
    if message_format == "json":
        assert isinstance(message, str)
        assert json.loads(message)["found"] is True
        frame = decode_json(message)
        tolerance = 1e-6
    else:
        assert isinstance(message, bytes) and len(message) == BINARY_SIZE
        # What a browser does: view the floats in place at offset 16.
        floats = np.frombuffer(message, "<f4", 63, 16)
        np.testing.assert_array_equal(floats[:52], expression.weights)
        frame = decode_binary(message)
        tolerance = 0.0
    assert frame.t_s == pytest.approx(expression.t_s)
    np.testing.assert_allclose(frame.weights, expression.weights, atol=tolerance)
    np.testing.assert_allclose(frame.head_rotation, expression.head_rotation, atol=tolerance)
    np.testing.assert_allclose(frame.eyes_rad, expression.eyes_rad, atol=tolerance)

