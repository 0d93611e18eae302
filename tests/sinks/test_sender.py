"""Sending never blocks the caller; a peer that is gone is reported once and sending goes on.

How long ``send()`` takes is measured by ``likeness bench --only streaming``, not asserted here.
"""

from __future__ import annotations

import logging
import socket
import threading
import time

import pytest

from likeness.codecs.livelink import decode_packet
from likeness.errors import SinkError
from likeness.frame import FaceFrame
from likeness.sinks.sender import ThreadedSink
from tests.sinks.conftest import open_one


class StuckSink(ThreadedSink):
    """A sink whose peer takes each frame only when the test opens ``gate``."""

    def __init__(self) -> None:
        self.delivered: list[float] = []
        self.on_the_wire = threading.Event()
        self.gate = threading.Event()
        super().__init__("stuck://test")

    def _transmit(self, frame: FaceFrame) -> None:
        self.on_the_wire.set()
        self.gate.wait()
        self.delivered.append(frame.t_s)


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_stuck_peer_never_blocks_send_and_stale_frames_are_dropped() -> None:
    sink = StuckSink()
    sink.send(FaceFrame.neutral(0.0))
    assert sink.on_the_wire.wait(10)  # the sender thread holds frame 0 until the gate opens
    caller = threading.Thread(
        target=lambda: [sink.send(FaceFrame.neutral(i / 100)) for i in range(1, 40)])
    caller.start()
    caller.join(10)
    assert not caller.is_alive(), "send() waited for the peer"
    stats = sink.stats()
    assert (stats.n_sent, stats.n_dropped) == (0, 38)  # 1..38 replaced, 39 waits in the slot
    sink.gate.set()
    sink.close()
    stats = sink.stats()
    assert sink.delivered == [0.0, pytest.approx(0.39)]  # the newest frame goes out on close
    assert (stats.n_sent, stats.n_dropped, stats.n_errors) == (2, 38, 0)
    assert stats.latency_median_ms > 0


def test_send_after_close_is_an_error() -> None:
    sink = StuckSink()
    sink.close()
    with pytest.raises(SinkError, match="after close"):
        sink.send(FaceFrame.neutral())


@pytest.mark.parametrize("scheme", ["livelink", "vmc", "vrchat"])
def test_a_peer_that_is_gone_is_reported_once_and_sending_goes_on(scheme, caplog) -> None:
    port = free_udp_port()  # nobody listens: loopback answers with ICMP port unreachable
    caplog.set_level(logging.WARNING, logger="likeness.sinks.sender")
    with open_one(f"{scheme}://127.0.0.1:{port}") as sink:
        for i in range(30):
            sink.send(FaceFrame.neutral(i / 60))
            time.sleep(0.004)
        deadline = time.monotonic() + 2
        while sink.stats().n_errors == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        stats = sink.stats()
        assert stats.n_errors > 0 and "ConnectionRefusedError" in stats.last_error
        reports = [r for r in caplog.records if "cannot send" in r.getMessage()]
        assert len(reports) == 1 and f"127.0.0.1:{port}" in reports[0].getMessage()

        if scheme == "livelink":  # the peer comes back: frames flow again
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as peer:
                peer.bind(("127.0.0.1", port))
                peer.settimeout(0.2)
                # A refusal still queued on the socket may swallow one more frame: retry.
                received = []
                for _ in range(10):
                    sink.send(FaceFrame.neutral(1.0))
                    try:
                        received.append(decode_packet(peer.recv(2048)).frame)
                    except TimeoutError:
                        continue
                    if received[-1] == 60:
                        break
                assert received and received[-1] == 60


def test_a_websocket_server_that_is_not_there_is_reported_once(caplog) -> None:
    caplog.set_level(logging.WARNING, logger="likeness.sinks.sender")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with open_one(f"ws://127.0.0.1:{port}/face") as sink:
        for i in range(20):
            sink.send(FaceFrame.neutral(i / 60))
            time.sleep(0.01)
        deadline = time.monotonic() + 2
        while sink.stats().n_errors == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
    stats = sink.stats()
    assert stats.n_errors > 0 and stats.n_sent == 0
    assert len([r for r in caplog.records if "cannot send" in r.getMessage()]) == 1
