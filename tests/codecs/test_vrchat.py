"""VRChat's OSC messages: golden bytes, every address in order, decoding back, a shut face."""

from __future__ import annotations

import math

import numpy as np
import pytest
from pythonosc.osc_message import OscMessage

from likeness.blendshapes import INDEX, N_BLENDSHAPES, NAMES
from likeness.codecs.vrchat import (
    UNIFIED_ADDRESSES,
    encode_messages,
    native_eye_values,
    unified_values,
)
from likeness.frame import FaceFrame
from tests.codecs.osc_spec import osc_message

UNIFIED_V2 = (
    "EyeLidLeft", "EyeLidRight", "EyeSquintLeft", "EyeSquintRight", "BrowDownLeft",
    "BrowDownRight", "BrowInnerUp", "BrowInnerUpLeft", "BrowInnerUpRight", "BrowOuterUpLeft",
    "BrowOuterUpRight", "NoseSneerLeft", "NoseSneerRight", "CheekSquintLeft", "CheekSquintRight",
    "CheekPuffSuck", "CheekPuffSuckLeft", "CheekPuffSuckRight", "JawOpen", "JawX", "JawZ",
    "MouthClosed", "MouthX", "MouthUpperUpLeft", "MouthUpperUpRight", "MouthLowerDownLeft",
    "MouthLowerDownRight", "MouthSmileLeft", "MouthSmileRight", "MouthSadLeft", "MouthSadRight",
    "SmileFrownLeft", "SmileFrownRight", "MouthStretchLeft", "MouthStretchRight",
    "MouthDimpleLeft", "MouthDimpleRight", "MouthPressLeft", "MouthPressRight",
    "MouthRaiserUpper", "MouthRaiserLower", "LipSuckUpper", "LipSuckLower", "LipFunnel",
    "LipPucker", "TongueOut", "EyeLeftX", "EyeLeftY", "EyeRightX", "EyeRightY", "EyeY",
)
"""VRCFaceTracking's Unified Expressions v2 parameters, in the order they are sent."""

EYES_RAD = ((0.5, -0.25), (0.25, 0.125))  # left and right (yaw, pitch), exact in float32


@pytest.fixture
def known() -> FaceFrame:
    """The left eye shut, the jaw half open, the eyes turned to the subject's left."""
    weights = np.zeros(N_BLENDSHAPES, np.float32)
    weights[INDEX["eyeBlinkLeft"]] = 1.0
    weights[INDEX["jawOpen"]] = 0.5
    return FaceFrame(t_s=0.5, weights=weights, eyes_rad=np.array(EYES_RAD, np.float32))


def test_known_frame_matches_golden_bytes(known: FaceFrame) -> None:
    datagrams = encode_messages(known)
    assert len(datagrams) == N_BLENDSHAPES + len(UNIFIED_V2) + 2
    unified = {name: datagrams[N_BLENDSHAPES + i] for i, name in enumerate(UNIFIED_V2)}
    # By hand from the OSC 1.0 layout: address, NUL, pad to 4; ",f", NUL, pad; float32 BE.
    assert datagrams[INDEX["eyeBlinkLeft"]] == bytes.fromhex(
        "2f6176617461722f706172616d65746572732f657965426c696e6b4c65667400"  # ".../eyeBlinkLeft"
        "2c660000" "3f800000")                                              # ,f 1.0
    assert datagrams[INDEX["jawOpen"]] == bytes.fromhex(
        "2f6176617461722f706172616d65746572732f6a61774f70656e0000"  # "/avatar/parameters/jawOpen"
        "2c660000" "3f000000")                                      # ,f 0.5
    assert datagrams[INDEX["tongueOut"]] == bytes.fromhex(
        "2f6176617461722f706172616d65746572732f746f6e6775654f757400000000"  # ".../tongueOut"
        "2c660000" "00000000")                                              # ,f 0.0
    # "/avatar/parameters/FT/v2/EyeLidRight", NUL, pad; ,f 0.75: an open eye
    assert unified["EyeLidRight"] == bytes.fromhex(
        "2f6176617461722f706172616d65746572732f46542f76322f4579654c6964526967687400000000"
        "2c660000" "3f400000")
    # "/tracking/eye/LeftRightPitchYaw", NUL; ",ffff", NUL, pad; left pitch, left yaw, right
    # pitch, right yaw in degrees (-14.324, -28.648, 7.162, -14.324), yaw toward the user's right
    assert datagrams[-2] == bytes.fromhex(
        "2f747261636b696e672f6579652f4c6566745269676874506974636859617700"
        "2c66666666000000"
        "c1652ee1" "c1e52ee1" "40e52ee1" "c1652ee1")
    assert datagrams[-1] == bytes.fromhex(
        "2f747261636b696e672f6579652f45796573436c6f736564416d6f756e740000"  # ".../EyesClosedAmount"
        "2c660000" "3f000000")                                              # ,f 0.5

    # The ARKit and the Unified expression messages, written from the specification.
    expressions = dict.fromkeys(UNIFIED_V2[:-5], 0.0) | {"EyeLidRight": 0.75, "JawOpen": 0.5}
    assert datagrams[:N_BLENDSHAPES + len(expressions)] == (
        [osc_message(f"/avatar/parameters/{name}", "f", float(weight))
         for name, weight in zip(NAMES, known.weights, strict=True)]
        + [osc_message(f"/avatar/parameters/FT/v2/{name}", "f", value)
           for name, value in expressions.items()])

def test_golden_bytes_decode_back(known: FaceFrame) -> None:
    messages = [OscMessage(datagram) for datagram in encode_messages(known)]
    assert [m.address for m in messages] == (
        [f"/avatar/parameters/{name}" for name in NAMES]
        + [f"/avatar/parameters/FT/v2/{name}" for name in UNIFIED_V2]
        + ["/tracking/eye/LeftRightPitchYaw", "/tracking/eye/EyesClosedAmount"])
    values = {m.address.rsplit("/", 1)[1]: m.params for m in messages}
    np.testing.assert_array_equal([values[name][0] for name in NAMES], known.weights)
    (left_yaw, left_pitch), (right_yaw, right_pitch) = (
        [math.degrees(v) for v in eye] for eye in EYES_RAD)
    np.testing.assert_allclose(values["LeftRightPitchYaw"],
                               [left_pitch, -left_yaw, right_pitch, -right_yaw], rtol=1e-7)
    # Unified gaze: +X toward the user's right, +Y up, full scale at 45 degrees.
    gaze = {"EyeLeftX": -left_yaw, "EyeLeftY": -left_pitch, "EyeRightX": -right_yaw,
            "EyeRightY": -right_pitch, "EyeY": -(left_pitch + right_pitch) / 2}
    for name, degrees in gaze.items():
        assert values[name] == [pytest.approx(degrees / 45, rel=1e-6)]
    assert values["EyesClosedAmount"] == [0.5]


def test_closed_neutral_face_values() -> None:
    shut = FaceFrame.neutral()
    shut.weights[[INDEX["eyeBlinkLeft"], INDEX["eyeBlinkRight"]]] = 1.0
    names = [a.rsplit("/", 1)[1] for a in UNIFIED_ADDRESSES]
    values = dict(zip(names, unified_values(shut), strict=True))
    assert values["EyeLidLeft"] == 0.0 and values["EyeLidRight"] == 0.0
    assert values["EyeLeftX"] == 0.0 and values["JawOpen"] == 0.0
    assert native_eye_values(shut) == ([0.0, 0.0, 0.0, 0.0], 1.0)
