"""Live Link Face and VMC receivers: app-layout packets in, fuzzing, and recovery after garbage."""

from __future__ import annotations

import socket
import struct

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.udp_client import SimpleUDPClient

from likeness.blendshapes import INDEX, N_BLENDSHAPES
from likeness.codecs.livelink import encode_packet, packet_from_frame
from likeness.codecs.vmc import encode_frame
from likeness.frame import FaceFrame
from likeness.sources import LiveLinkReceiver, VmcReceiver


def app_packet(values: list[float], *, frame: int, subframe: float,
               subject: str = "iPhone") -> bytes:
    """A packet as the Live Link Face app lays it out, built here without likeness's codec."""
    device = b"7E4A2B1C-iPhone"
    name = subject.encode()
    return (struct.pack(">B", 6) + struct.pack(">i", len(device)) + device
            + struct.pack(">i", len(name)) + name
            + struct.pack(">ifiiB", frame, subframe, 60, 1, 61) + struct.pack(">61f", *values))


def app_values(rng: np.random.Generator) -> list[float]:
    weights = rng.uniform(0, 1, N_BLENDSHAPES)
    head = [0.25, -0.125, 0.0625]
    eyes = [0.1, -0.05, 0.0, 0.12, -0.04, 0.0]
    return [*weights.astype(np.float32).tolist(), *head, *eyes]


def send_to(port: int, *datagrams: bytes) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        for datagram in datagrams:
            sender.sendto(datagram, ("127.0.0.1", port))


def test_an_app_packet_yields_the_same_frame(rng) -> None:
    values = app_values(rng)
    with LiveLinkReceiver("127.0.0.1", 0) as receiver:
        send_to(receiver.port, app_packet(values, frame=3600 * 60 + 30, subframe=0.25))
        receiver.end_after(2)
        frame = receiver.read()
    assert frame is not None
    assert frame.t_s == pytest.approx(3600 + 30.25 / 60)
    np.testing.assert_allclose(frame.weights, values[:52], atol=1e-7)
    np.testing.assert_allclose(frame.head_euler_rad(), values[52:55], atol=1e-6)
    np.testing.assert_allclose(frame.eyes_rad, [values[55:57], values[58:60]], atol=1e-7)
    assert (receiver.fps, receiver.subject_seen) == (60.0, "iPhone")


def test_a_subject_filter_skips_other_phones(rng) -> None:
    values = app_values(rng)
    with LiveLinkReceiver("127.0.0.1", 0, subject="Anna") as receiver:
        send_to(receiver.port, app_packet(values, frame=1, subframe=0, subject="Ben"),
                app_packet(values, frame=2, subframe=0, subject="Anna"))
        receiver.end_after(2)
        frame = receiver.read()
    assert frame is not None and frame.t_s == pytest.approx(2 / 60)


def test_a_stream_without_traffic_ends_when_told() -> None:
    with VmcReceiver("127.0.0.1", 0) as receiver:
        receiver.end_after(0.2)
        assert receiver.read() is None
        assert (receiver.n_datagrams, receiver.n_frames) == (0, 0)


def test_vmc_from_a_python_osc_client_sending_single_messages() -> None:
    with VmcReceiver("127.0.0.1", 0) as receiver, \
            SimpleUDPClient("127.0.0.1", receiver.port) as client:
        client.send_message("/VMC/Ext/Blend/Val", ["JawOpen", 0.75])
        client.send_message("/VMC/Ext/Blend/Val", ["EyeBlinkRight", 1])
        client.send_message("/VMC/Ext/Blend/Val", ["NotAnArkitName", 0.5])
        client.send_message("/VMC/Ext/Bone/Pos", ["Hips", 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0])
        client.send_message("/VMC/Ext/Blend/Apply", [])
        receiver.end_after(2)
        frame = receiver.read()
    assert frame is not None
    assert frame.weights[INDEX["jawOpen"]] == 0.75 and frame.weights[INDEX["eyeBlinkRight"]] == 1.0
    assert frame.weights.sum() == pytest.approx(1.75)
    assert receiver.assembler.n_ignored == 2 and 0 <= frame.t_s < 2


def _good_livelink() -> bytes:
    packet = packet_from_frame(FaceFrame.neutral(0.5), device_id="d", subject="s", fps=60)
    return encode_packet(packet)


def _good_vmc() -> bytes:
    return encode_frame(FaceFrame.neutral(0.5))


def _malformed(good: bytes) -> st.SearchStrategy[bytes]:
    """Random bytes; truncations; oversized packets; good packets with bytes flipped or spliced."""
    flips = st.lists(st.tuples(st.integers(0, len(good) - 1), st.integers(0, 255)),
                     min_size=1, max_size=8)
    return st.one_of(
        st.binary(max_size=512),
        st.integers(0, len(good) - 1).map(lambda n: good[:n]),
        st.tuples(st.binary(min_size=1, max_size=16), st.integers(0, 65000)).map(
            lambda tail: good + tail[0] * (1 + tail[1] // len(tail[0]))),
        flips.map(lambda changes: _flip(good, changes)),
        st.tuples(st.integers(0, len(good)), st.binary(min_size=1, max_size=64)).map(
            lambda cut: good[:cut[0]] + cut[1] + good[cut[0]:]),
    )


def _flip(good: bytes, changes: list[tuple[int, int]]) -> bytes:
    data = bytearray(good)
    for index, value in changes:
        data[index] = value
    return bytes(data)


@pytest.mark.slow
# Hypothesis warns when the global random state changes while it draws an example; threads other
# tests leave behind in the suite (servers) may draw from it then, and the warning, an error
# here, then comes and goes with the timing. The strategies above draw only from Hypothesis.
@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
@pytest.mark.parametrize(("receiver_type", "good"), [(LiveLinkReceiver, _good_livelink()),
                                                     (VmcReceiver, _good_vmc())])
def test_fuzzed_packets_are_rejected_or_decoded_never_crash(receiver_type, good: bytes) -> None:
    receiver = receiver_type("127.0.0.1", 0)
    n_tried = n_decoded = 0

    @settings(max_examples=10_000, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(_malformed(good))
    def feed_one(datagram: bytes) -> None:
        nonlocal n_tried, n_decoded
        n_tried += 1
        n_rejected = receiver.n_rejected
        frames = receiver.feed(datagram)
        n_decoded += receiver.n_rejected == n_rejected
        for frame in frames:  # decoded: then it must be a sane frame
            assert frame.weights.shape == (52,) and np.isfinite(frame.weights).all()
            assert 0 <= frame.weights.min() and frame.weights.max() <= 1
            assert np.isfinite(frame.head_rotation).all() and np.isfinite(frame.eyes_rad).all()
        receiver._pending.clear()

    feed_one()
    assert n_tried >= 10_000 and receiver.n_datagrams == n_tried
    assert receiver.n_rejected == n_tried - n_decoded and receiver.n_rejected > n_tried / 2
    assert len(receiver.feed(good)) == 1  # a good packet after all that still decodes


@pytest.mark.parametrize(("receiver_type", "good"), [(LiveLinkReceiver, _good_livelink()),
                                                     (VmcReceiver, _good_vmc())])
def test_good_packets_after_bad_ones_still_arrive_over_the_socket(receiver_type, good, rng) -> None:
    with receiver_type("127.0.0.1", 0) as receiver:
        for round_ in range(20):
            garbage = [rng.bytes(int(n)) for n in rng.integers(0, 600, 10)]
            garbage += [good[:len(good) // 2], good + b"\0\0\0\0", b"\x06" + good[1:40]]
            send_to(receiver.port, *garbage, good)
            receiver.end_after(2)
            frame = receiver.read()
            assert frame is not None and frame.t_s == pytest.approx(0.5), round_
        assert receiver.n_frames == 20
        assert receiver.n_rejected >= 20 * 12  # random bytes may, rarely, be an empty OSC message
        assert receiver.last_reject


def test_app_packets_that_overshoot_a_little_are_clamped_and_counted(rng) -> None:
    values = app_values(rng)
    values[INDEX["eyeLookInRight"]] = 1.00334  # as the app sends on real faces
    gross = list(values)
    gross[INDEX["jawOpen"]] = 1.7
    with LiveLinkReceiver("127.0.0.1", 0) as receiver:
        send_to(receiver.port, app_packet(gross, frame=1, subframe=0),
                app_packet(values, frame=2, subframe=0))
        receiver.end_after(2)
        frame = receiver.read()
    assert frame is not None and frame.t_s == pytest.approx(2 / 60)
    assert frame.weights[INDEX["eyeLookInRight"]] == 1.0
    assert (receiver.n_rejected, receiver.n_clamped) == (1, 1)
    assert "jawOpen = 1.7, expected a weight in 0..1" in (receiver.last_reject or "")


def _osc(address: str, *args: object) -> bytes:
    builder = OscMessageBuilder(address)
    for arg in args:
        builder.add_arg(arg)
    return builder.build().dgram


def test_vmc_weights_that_overshoot_a_little_are_clamped_and_counted() -> None:
    with VmcReceiver("127.0.0.1", 0) as receiver:
        receiver.feed(_osc("/VMC/Ext/Blend/Val", "JawOpen", 1.02))
        receiver.feed(_osc("/VMC/Ext/Blend/Val", "MouthClose", 9.0))
        frames = receiver.feed(_osc("/VMC/Ext/Blend/Apply"))
    assert frames[0].weights[INDEX["jawOpen"]] == 1.0
    assert (receiver.n_clamped, receiver.n_rejected) == (1, 1)
    assert "MouthClose = 9, expected a weight in 0..1" in (receiver.last_reject or "")
