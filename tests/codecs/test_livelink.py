"""The Live Link Face packet: golden bytes, an independent decoder, and what is rejected."""

from __future__ import annotations

import math
import struct

import numpy as np
import pytest

from likeness.blendshapes import INDEX, N_BLENDSHAPES
from likeness.codecs.livelink import (
    decode_packet,
    encode_packet,
    frame_from_packet,
    packet_from_frame,
)
from likeness.errors import InputError
from likeness.frame import FaceFrame


def published_layout_decode(data: bytes) -> dict:
    """Read a packet field by field from the published layout, sharing no code with likeness."""
    offset = 0
    (version,) = struct.unpack_from(">B", data, offset)
    offset += 1
    names = []
    for _ in range(2):
        (n,) = struct.unpack_from(">i", data, offset)
        offset += 4
        names.append(data[offset:offset + n].decode())
        offset += n
    frame, subframe, numerator, denominator = struct.unpack_from(">ifii", data, offset)
    offset += 16
    (count,) = struct.unpack_from(">B", data, offset)
    offset += 1
    values = struct.unpack_from(f">{count}f", data, offset)
    assert offset + 4 * count == len(data)
    return dict(version=version, device=names[0], subject=names[1], frame=frame,
                subframe=subframe, rate=(numerator, denominator), count=count, values=values)


def test_known_frame_matches_golden_bytes() -> None:
    weights = np.zeros(N_BLENDSHAPES, np.float32)
    weights[INDEX["eyeBlinkLeft"]] = 1.0
    weights[INDEX["jawOpen"]] = 0.5
    weights[INDEX["tongueOut"]] = 0.25
    frame = FaceFrame(t_s=2.5 + 0.5 / 60, weights=weights,
                      eyes_rad=np.array([[0.5, -0.25], [0.0, 0.125]], np.float32))
    packet = packet_from_frame(frame, device_id="dev", subject="Face", fps=60)

    floats = ["00000000"] * 61
    floats[0] = "3f800000"   # eyeBlinkLeft 1.0
    floats[17] = "3f000000"  # jawOpen 0.5
    floats[51] = "3e800000"  # tongueOut 0.25
    floats[55] = "3f000000"  # left eye yaw 0.5
    floats[56] = "be800000"  # left eye pitch -0.25
    floats[59] = "3e000000"  # right eye pitch 0.125
    golden = bytes.fromhex(
        "06"                        # version 6
        "00000003" "646576"         # device id "dev"
        "00000004" "46616365"       # subject "Face"
        "00000096"                  # frame 150 (2.5 s at 60 fps)
        "3f000000"                  # subframe 0.5
        "0000003c" "00000001"       # 60/1 fps
        "3d"                        # 61 values
        + "".join(floats)
    )
    assert encode_packet(packet) == golden


def test_independent_decoder_reads_our_packets(expression: FaceFrame) -> None:
    data = encode_packet(packet_from_frame(expression, device_id="likeness-test",
                                           subject="Anna", fps=30))
    fields = published_layout_decode(data)
    assert fields["version"] == 6 and fields["count"] == 61
    assert (fields["device"], fields["subject"]) == ("likeness-test", "Anna")
    assert fields["rate"] == (30, 1)
    assert fields["frame"] == 45 and fields["subframe"] == pytest.approx(0.0, abs=1e-4)
    values = np.array(fields["values"])
    np.testing.assert_allclose(values[:52], expression.weights, atol=1e-7)
    np.testing.assert_allclose(values[52:55], [0.3, -0.2, 0.1], atol=1e-5)
    np.testing.assert_allclose(values[55:61], [0.2, -0.1, 0, 0.15, -0.12, 0], atol=1e-7)


def test_round_trip_keeps_the_frame(expression: FaceFrame) -> None:
    packet = packet_from_frame(expression, device_id="d", subject="s", fps=29.97)
    assert (packet.fps_numerator, packet.fps_denominator) == (30000, 1001)
    back = frame_from_packet(decode_packet(encode_packet(packet)))
    assert back.t_s == pytest.approx(expression.t_s, abs=1e-6)
    np.testing.assert_allclose(back.weights, expression.weights, atol=1e-7)
    np.testing.assert_allclose(back.eyes_rad, expression.eyes_rad, atol=1e-7)
    cosine = abs(float(np.dot(back.head_rotation, expression.head_rotation)))
    assert cosine == pytest.approx(1, abs=1e-6)


def _valid() -> bytearray:
    return bytearray(encode_packet(packet_from_frame(FaceFrame.neutral(1.0), device_id="d",
                                                     subject="s", fps=60)))


def _patch(offset: int, fmt: str, value: object) -> bytes:
    data = _valid()
    struct.pack_into(fmt, data, offset, value)
    return bytes(data)


# Offsets in _valid(): version 0, device length 1, "d" 5, subject length 6, "s" 10, frame 11,
# subframe 15, rate 19 and 23, count 27, values 28...
@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"),
    (_patch(0, ">B", 5), "version 5"),
    (bytes(_valid()[:-1]), "expected 272"),
    (bytes(_valid()) + b"\0", "expected 272"),
    (_patch(1, ">i", -1), "device id of -1 bytes"),
    (_patch(1, ">i", 1 << 30), "device id of 1073741824 bytes"),
    (_patch(5, ">B", 0xFF), "not UTF-8"),
    (_patch(27, ">B", 52), "52 values"),
    (_patch(19, ">i", 0), "frame rate 0/1"),
    (_patch(15, ">f", 1.0), "subframe"),
    (_patch(28, ">f", math.nan), "not finite"),
    (_patch(28, ">f", 2.5), "expected a weight in 0..1"),
    (_patch(28 + 4 * 52, ">f", 7.0), "expected -pi..pi"),
])
def test_malformed_packets_are_rejected_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        decode_packet(data)
