"""Face frames as WebSocket messages: golden bytes and text, decoding back, what is rejected."""

from __future__ import annotations

import numpy as np
import pytest

from likeness.blendshapes import INDEX, N_BLENDSHAPES
from likeness.codecs.websocket import decode_binary, decode_json, encode_binary, encode_json
from likeness.errors import InputError
from likeness.frame import FaceFrame


@pytest.fixture
def known() -> FaceFrame:
    weights = np.zeros(N_BLENDSHAPES, np.float32)
    weights[INDEX["jawOpen"]] = 0.5
    return FaceFrame(t_s=0.5, weights=weights, head_translation_m=np.array([0, 0, -0.5]),
                     eyes_rad=np.array([[0.25, 0], [0, 0]], np.float32), confidence=0.75,
                     face_id=2)


def test_binary_message_matches_golden_bytes(known: FaceFrame) -> None:
    floats = ["00000000"] * 63          # little-endian float32 from offset 16
    floats[INDEX["jawOpen"]] = "0000003f"   # 0.5
    floats[55] = "0000803f"                 # head rotation w 1.0
    floats[58] = "000000bf"                 # head z -0.5 m
    floats[59] = "0000803e"                 # left eye yaw 0.25
    golden = bytes.fromhex(
        "01"                  # version 1
        "01"                  # flags: found
        "0200"                # face id 2
        "0000403f"            # confidence 0.75
        "000000000000e03f"    # t_s 0.5 (float64)
        + "".join(floats)
    )
    assert encode_binary(known) == golden
    back = decode_binary(golden)
    for name in ("weights", "head_rotation", "head_translation_m", "eyes_rad"):
        np.testing.assert_array_equal(getattr(back, name), getattr(known, name))
    assert (back.t_s, back.confidence, back.found, back.face_id) == (0.5, 0.75, True, 2)


def test_json_message_matches_golden_text(known: FaceFrame) -> None:
    weights = ["0.0"] * N_BLENDSHAPES
    weights[INDEX["jawOpen"]] = "0.5"
    golden = (
        '{"t_s":0.5,"weights":[' + ",".join(weights) + '],"head_rotation":[0.0,0.0,0.0,1.0],'
        '"head_translation_m":[0.0,0.0,-0.5],"eyes_rad":[[0.25,0.0],[0.0,0.0]],'
        '"confidence":0.75,"found":true,"face_id":2}'
    )
    assert encode_json(known) == golden
    back = decode_json(golden)
    np.testing.assert_array_equal(back.weights, known.weights)
    np.testing.assert_array_equal(back.eyes_rad, known.eyes_rad)
    assert (back.t_s, back.confidence, back.found, back.face_id) == (0.5, 0.75, True, 2)


@pytest.mark.parametrize(("decode", "data", "message"), [
    (decode_binary, b"\x01" * 10, "expected 268"),
    (decode_binary, b"\x02" + b"\0" * 267, "version 2"),
    (decode_json, "{", "JSON"),
    (decode_json, '{"t_s": 0}', "weights"),
])
def test_malformed_messages_are_rejected(decode, data, message: str) -> None:
    with pytest.raises(InputError, match=message):
        decode(data)
