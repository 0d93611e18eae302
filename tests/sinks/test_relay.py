"""``likeness relay``: Live Link in, VMC out, a Live Link Face CSV on disk."""

from __future__ import annotations

import json
import socket
import threading
import time

import numpy as np
import pytest

from likeness.cli import main
from likeness.codecs.livelink import encode_packet, packet_from_frame
from likeness.formats import read_csv
from likeness.frame import Animation, quaternions_from_euler


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def take(rng: np.random.Generator, n_frames: int = 90, fps: float = 60.0) -> Animation:
    animation = Animation.neutral(n_frames, fps)
    animation.weights[:] = rng.uniform(0, 1, animation.weights.shape)
    yaw_pitch_roll = np.stack([np.linspace(-0.4, 0.4, n_frames), np.linspace(0.2, -0.2, n_frames),
                               np.linspace(0.0, 0.1, n_frames)], axis=1)
    animation.head_rotation = quaternions_from_euler(yaw_pitch_roll)
    animation.eyes_rad[:] = rng.uniform(-0.3, 0.3, animation.eyes_rad.shape)
    return animation


def wait_until_bound(port: int, timeout_s: float = 20.0) -> None:
    """Return once something listens on UDP ``port`` (a probe can no longer bind it)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                return
        time.sleep(0.01)
    raise AssertionError(f"nothing bound UDP port {port} within {timeout_s} s")


def run_relay(argv: list[str], port: int) -> tuple[threading.Thread, dict]:
    result: dict = {}

    def target() -> None:
        result["code"] = main(argv)

    thread = threading.Thread(target=target)
    thread.start()
    wait_until_bound(port)
    return thread, result


def test_relay_forwards_and_records_a_take_that_round_trips(rng, tmp_path, osc_peer,
                                                            capsys) -> None:
    original = take(rng)
    port = free_udp_port()
    out = tmp_path / "take.csv"
    thread, result = run_relay(
        ["relay", "--from", f"livelink://127.0.0.1:{port}", "--send", f"vmc://127.0.0.1:{osc_peer.port}",
         "-o", str(out), "--frames", str(len(original)), "--duration", "20"], port)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as phone:
        for frame in original:
            packet = packet_from_frame(frame, device_id="iPhone", subject="Anna", fps=60)
            phone.sendto(encode_packet(packet), ("127.0.0.1", port))
            time.sleep(0.002)
    thread.join(20)
    assert result["code"] == 0

    recorded = read_csv(out)
    assert len(recorded) == len(original) and recorded.fps == 60
    np.testing.assert_allclose(recorded.t_s, original.t_s, atol=1e-6)
    np.testing.assert_allclose(recorded.weights, original.weights, atol=1e-5)
    np.testing.assert_allclose(recorded.head_euler_rad(), original.head_euler_rad(), atol=1e-5)
    np.testing.assert_allclose(recorded.eyes_rad, original.eyes_rad, atol=1e-5)

    applied = osc_peer.wait_for(lambda m: sum(a == "/VMC/Ext/Blend/Apply" for a, _ in m) >= 1)
    assert any(a == "/VMC/Ext/Blend/Apply" for a, _ in applied)
    report = json.loads(capsys.readouterr().out)
    assert report["n_frames"] == len(original) and report["n_rejected"] == 0
    (vmc,) = report["sinks"].values()
    assert vmc["n_sent"] + vmc["n_dropped"] == len(original) and vmc["n_errors"] == 0


def test_relay_with_no_sender_writes_nothing_and_says_so(tmp_path, capsys) -> None:
    out = tmp_path / "take.csv"
    code = main(["relay", "--from", f"vmc://127.0.0.1:{free_udp_port()}", "-o", str(out),
                 "--duration", "0.3"])
    assert code == 2 and not out.exists()
    assert "no frames arrived" in capsys.readouterr().err


@pytest.mark.parametrize(("argv", "message"), [
    (["--from", "vrchat://127.0.0.1:9001"], "can only receive from"),
    (["--from", "livelink://127.0.0.1:0", "-o", "take.mp4"], "expected .csv or .json"),
    (["--from", "livelink://127.0.0.1:0", "--frames", "0"], "--frames 0"),
    (["--from", "livelink://127.0.0.1:0", "--send", "ftp://x"], "unknown scheme"),
])
def test_relay_rejects_bad_arguments(argv: list[str], message: str, capsys) -> None:
    assert main(["relay", *argv]) == 2
    assert message in capsys.readouterr().err


def test_relay_records_a_vmc_stream_at_its_frame_interval(rng, tmp_path) -> None:
    from likeness.codecs.vmc import encode_frame
    from likeness.formats import read_json

    original = take(rng, n_frames=12, fps=30.0)
    port = free_udp_port()
    out = tmp_path / "take.json"
    thread, result = run_relay(["relay", "--from", f"vmc://127.0.0.1:{port}", "-o", str(out),
                                "--frames", "12", "--duration", "20"], port)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        for frame in original:
            sender.sendto(encode_frame(frame), ("127.0.0.1", port))
            time.sleep(0.002)
    thread.join(20)
    assert result["code"] == 0
    recorded = read_json(out)
    assert recorded.fps == pytest.approx(30.0) and len(recorded) == 12
    np.testing.assert_allclose(recorded.t_s, original.t_s, atol=1e-6)
    np.testing.assert_allclose(recorded.weights, original.weights, atol=1e-6)
    np.testing.assert_allclose(recorded.eyes_rad, original.eyes_rad, atol=1e-5)
