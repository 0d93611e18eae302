"""Sending never blocks the caller; a peer that is gone is reported once and sending goes on."""

from __future__ import annotations

import logging
import socket
import threading
import time

import pytest

from likeness.errors import SinkError
from likeness.frame import FaceFrame
from likeness.sinks.livelink_packet import decode_packet
from likeness.sinks.sender import ThreadedSink
from likeness.sinks.url import open_sink


class SlowSink(ThreadedSink):
    """A sink whose peer takes 50 ms per frame."""

    def __init__(self) -> None:
        self.delivered: list[float] = []
        self.release = threading.Event()
        super().__init__("slow://test")

    def _transmit(self, frame: FaceFrame) -> None:
        time.sleep(0.05)
        self.delivered.append(frame.t_s)


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_slow_peer_never_blocks_send_and_stale_frames_are_dropped() -> None:
    sink = SlowSink()
    durations_s = []
    for i in range(40):
        start = time.perf_counter()
        sink.send(FaceFrame.neutral(i / 100))
        durations_s.append(time.perf_counter() - start)
        time.sleep(0.005)
    sink.close()
    stats = sink.stats()
    assert max(durations_s) < 0.02  # 50 ms per frame on the wire, yet send() returns at once
    assert stats.n_sent == len(sink.delivered) and stats.n_sent + stats.n_dropped == 40
    assert stats.n_dropped > 20 and stats.n_errors == 0
    assert sink.delivered[-1] == pytest.approx(0.39)  # the newest frame goes out on close
    assert sink.delivered == sorted(sink.delivered)
    assert stats.latency_median_ms >= 50


def test_send_after_close_is_an_error() -> None:
    sink = SlowSink()
    sink.close()
    with pytest.raises(SinkError, match="after close"):
        sink.send(FaceFrame.neutral())


@pytest.mark.parametrize("scheme", ["livelink", "vmc", "vrchat"])
def test_a_peer_that_is_gone_is_reported_once_and_sending_goes_on(scheme, caplog) -> None:
    port = free_udp_port()  # nobody listens: loopback answers with ICMP port unreachable
    caplog.set_level(logging.WARNING, logger="likeness.sinks.sender")
    with open_sink(f"{scheme}://127.0.0.1:{port}") as sink:
        start = time.perf_counter()
        for i in range(30):
            sink.send(FaceFrame.neutral(i / 60))
            time.sleep(0.004)
        assert time.perf_counter() - start < 1.0
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
    with open_sink(f"ws://127.0.0.1:{port}/face") as sink:
        for i in range(20):
            sink.send(FaceFrame.neutral(i / 60))
            time.sleep(0.01)
        deadline = time.monotonic() + 2
        while sink.stats().n_errors == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
    stats = sink.stats()
    assert stats.n_errors > 0 and stats.n_sent == 0
    assert len([r for r in caplog.records if "cannot send" in r.getMessage()]) == 1
