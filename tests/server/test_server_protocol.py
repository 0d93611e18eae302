"""The server's WebSocket messages: golden bytes and round trips."""

from __future__ import annotations

import json

import numpy as np
import pytest

from likeness.blendshapes import NAMES
from likeness.errors import InputError
from likeness.frame import FaceFrame
from likeness.server import protocol

GOLDEN_ENVELOPE = bytes.fromhex("4c53 0100 07000000 0000000000409f40")  # "LS", v1, seq 7, 2000.0 ms
GOLDEN_IMAGE_HEADER = bytes.fromhex(
    "4c49 0100 03000000 000000000000f03f"
)  # "LI", v1, seq 3, 1.0 ms


def a_frame(rng: np.random.Generator) -> FaceFrame:
    return FaceFrame(
        t_s=1.25,
        weights=rng.random(len(NAMES), dtype=np.float32),
        head_rotation=np.array([0.1, -0.2, 0.05, 0.97], np.float32),
        head_translation_m=np.array([0.01, -0.02, -0.5], np.float32),
        eyes_rad=np.array([[0.1, -0.05], [0.12, -0.04]], np.float32),
        found=False,
    )


def test_binary_frame_message_is_the_envelope_then_the_sinks_frame(rng):
    from likeness.codecs.websocket import encode_binary

    frame = a_frame(rng)
    message = protocol.encode_frame(frame, 7, 2000.0, binary=True)
    assert message[:16] == GOLDEN_ENVELOPE
    assert message[16:] == encode_binary(frame)
    assert len(message) == 284


@pytest.mark.parametrize("binary", [True, False])
def test_frame_messages_round_trip(rng, binary):
    frame = a_frame(rng)
    decoded, seq, sent_ms = protocol.decode_frame(
        protocol.encode_frame(frame, 41, 1.7e12, binary=binary)
    )
    assert (seq, sent_ms) == (41, 1.7e12)
    np.testing.assert_allclose(decoded.weights, frame.weights, atol=1e-6)
    np.testing.assert_allclose(decoded.head_rotation, frame.head_rotation, atol=1e-6)
    np.testing.assert_allclose(decoded.eyes_rad, frame.eyes_rad, atol=1e-6)
    assert decoded.t_s == pytest.approx(1.25) and decoded.found is False


def test_json_frame_message_is_typed():
    message = json.loads(protocol.encode_frame(FaceFrame.neutral(0.5), 0, 10.0, binary=False))
    assert message["type"] == "frame" and message["seq"] == 0 and message["frame"]["t_s"] == 0.5


def test_image_message_golden_bytes_and_round_trip():
    jpeg = b"\xff\xd8\xff\xe0rest"
    message = protocol.encode_image(3, 1.0, jpeg)
    assert message[:16] == GOLDEN_IMAGE_HEADER
    assert protocol.decode_image(message) == (3, 1.0, jpeg)


@pytest.mark.parametrize(
    "data, complaint",
    [
        (b"", "expected a 16-byte header"),
        (b"XX\x01\x00" + bytes(12) + b"\xff\xd8", "expected b'LI'"),
        (protocol.encode_image(0, 0.0, b"\x89PNG"), "expected a JPEG"),
    ],
)
def test_bad_image_messages_are_refused(data, complaint):
    with pytest.raises(InputError, match=complaint):
        protocol.decode_image(data)


@pytest.mark.parametrize(
    "data, complaint",
    [
        (b"\x01" * 10, "10 bytes, expected 268"),
        ('{"t_s": 1}', "weights"),
        ("[1, 2]", "WebSocket JSON frame"),
    ],
)
def test_malformed_published_frames_are_refused(data, complaint):
    with pytest.raises(InputError, match=complaint):
        protocol.decode_published(data)


def test_published_frames_with_impossible_numbers_are_refused():
    from likeness.codecs.websocket import encode_binary

    weights = np.zeros(len(NAMES), np.float32)
    weights[0] = np.nan
    with pytest.raises(InputError, match="NaN"):
        protocol.decode_published(encode_binary(FaceFrame(t_s=0.0, weights=weights)))
    weights[0] = 3.0
    with pytest.raises(InputError, match="eyeBlinkLeft = 3, expected a weight in 0..1"):
        protocol.decode_published(encode_binary(FaceFrame(t_s=0.0, weights=weights)))


def test_published_frames_that_overshoot_a_little_are_clamped_and_counted():
    from likeness.codecs.websocket import encode_binary

    weights = np.full(len(NAMES), 0.5, np.float32)
    weights[NAMES.index("eyeLookInRight")] = 1.00334
    weights[NAMES.index("jawOpen")] = -0.002
    frame, n_clamped = protocol.decode_published(encode_binary(FaceFrame(t_s=0.0, weights=weights)))
    assert n_clamped == 2
    assert frame.weights[NAMES.index("eyeLookInRight")] == 1.0
    assert frame.weights[NAMES.index("jawOpen")] == 0.0
    assert frame.weights.min() >= 0 and frame.weights.max() <= 1


def test_text_messages_must_be_small_typed_json():
    assert protocol.parse_text('{"type": "say", "text": "hi"}')["text"] == "hi"
    for text, complaint in [
        ("not json", "not JSON"),
        ('{"text": 1}', "string 'type'"),
        ('{"type": "say", "text": "' + "a" * 70000 + '"}', "at most 65536"),
    ]:
        with pytest.raises(InputError, match=complaint):
            protocol.parse_text(text)
