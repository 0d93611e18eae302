"""The VMC bundle: golden bytes, decoding back, Unity's axes, and what is rejected."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from likeness.blendshapes import INDEX, N_BLENDSHAPES, NAMES
from likeness.codecs.vmc import decode_messages, encode_frame, unity_quaternion
from likeness.errors import InputError
from likeness.frame import FaceFrame, quaternions_from_euler
from likeness.sources.vmc_receiver import VmcReceiver
from tests.codecs.osc_spec import osc_bundle, osc_message

PERFECT_SYNC = [name[0].upper() + name[1:] for name in NAMES]  # EyeBlinkLeft, ...


@pytest.fixture
def known() -> FaceFrame:
    """Half a second in: the left eye shut, the jaw half open, the head turned about y."""
    weights = np.zeros(N_BLENDSHAPES, np.float32)
    weights[INDEX["eyeBlinkLeft"]] = 1.0
    weights[INDEX["jawOpen"]] = 0.5
    return FaceFrame(t_s=0.5, weights=weights,
                     head_rotation=np.array([0.0, 0.6, 0.0, 0.8], np.float32))


def test_known_frame_matches_golden_bytes(known: FaceFrame) -> None:
    datagram = encode_frame(known)

    # The first elements and the last, by hand from the OSC 1.0 layout.
    assert datagram.startswith(bytes.fromhex(
        "2362756e646c6500"                  # "#bundle", NUL
        "0000000000000001"                  # time tag: immediately
        "00000014"                          # 20 bytes:
        "2f564d432f4578742f4f4b00"          #   "/VMC/Ext/OK", NUL
        "2c690000"                          #   ",i", NUL, pad
        "00000001"                          #   1
        "00000014"                          # 20 bytes:
        "2f564d432f4578742f540000"          #   "/VMC/Ext/T", NUL, pad
        "2c660000"                          #   ",f", NUL, pad
        "3f000000"                          #   0.5 s
        "00000044"                          # 68 bytes:
        "2f564d432f4578742f426f6e652f506f73000000"  # "/VMC/Ext/Bone/Pos", NUL, pad
        "2c7366666666666666000000"          #   ",sfffffff", NUL, pad
        "4865616400000000"                  #   "Head", NUL, pad
        "000000000000000000000000"          #   position 0, 0, 0
        "00000000bf19999a800000003f4ccccd"  #   (0, -0.6, -0, 0.8): y and z flipped for Unity
    ))
    assert datagram.endswith(bytes.fromhex(
        "0000001c"                                          # 28 bytes:
        "2f564d432f4578742f426c656e642f4170706c7900000000"  #   "/VMC/Ext/Blend/Apply", NUL, pad
        "2c000000"                                          #   ",", no arguments
    ))
    assert bytes.fromhex(
        "00000024"                                  # 36 bytes:
        "2f564d432f4578742f426c656e642f56616c0000"  #   "/VMC/Ext/Blend/Val", NUL, pad
        "2c736600"                                  #   ",sf", NUL
        "4a61774f70656e00"                          #   "JawOpen", NUL
        "3f000000"                                  #   0.5
    ) in datagram

    # The whole bundle, written from the specification: every element in order.
    eye_ahead = (0.0, 0.0, 0.0, 0.0, -0.0, -0.0, 1.0)  # position 0, the identity flipped
    golden = osc_bundle(
        osc_message("/VMC/Ext/OK", "i", 1),
        osc_message("/VMC/Ext/T", "f", 0.5),
        osc_message("/VMC/Ext/Bone/Pos", "sfffffff", "Head", 0.0, 0.0, 0.0, 0.0, -0.6, -0.0, 0.8),
        osc_message("/VMC/Ext/Bone/Pos", "sfffffff", "LeftEye", *eye_ahead),
        osc_message("/VMC/Ext/Bone/Pos", "sfffffff", "RightEye", *eye_ahead),
        *(osc_message("/VMC/Ext/Blend/Val", "sf", name, float(weight))
          for name, weight in zip(PERFECT_SYNC, known.weights, strict=True)),
        osc_message("/VMC/Ext/Blend/Apply", ""),
    )
    assert datagram == golden


def test_golden_bytes_decode_back(known: FaceFrame) -> None:
    messages = decode_messages(encode_frame(known))
    assert [address for address, _ in messages] == (
        ["/VMC/Ext/OK", "/VMC/Ext/T"] + ["/VMC/Ext/Bone/Pos"] * 3
        + ["/VMC/Ext/Blend/Val"] * N_BLENDSHAPES + ["/VMC/Ext/Blend/Apply"])
    blends = {args[0]: args[1] for address, args in messages if address == "/VMC/Ext/Blend/Val"}
    assert blends["EyeBlinkLeft"] == 1.0 and blends["JawOpen"] == 0.5
    assert sum(blends.values()) == 1.5
    (frame,) = VmcReceiver().decode(encode_frame(known))
    assert frame.t_s == 0.5
    np.testing.assert_array_equal(frame.weights, known.weights)
    np.testing.assert_allclose(frame.head_rotation, known.head_rotation, atol=1e-7)
    np.testing.assert_allclose(frame.eyes_rad, 0.0, atol=1e-7)


def test_a_receiver_reads_back_any_frame(expression: FaceFrame) -> None:
    (frame,) = VmcReceiver().decode(encode_frame(expression))
    assert frame.t_s == pytest.approx(expression.t_s)
    np.testing.assert_allclose(frame.weights, expression.weights, atol=1e-7)
    np.testing.assert_allclose(frame.eyes_rad, expression.eyes_rad, atol=1e-5)
    cosine = abs(float(np.dot(frame.head_rotation, expression.head_rotation)))
    assert cosine == pytest.approx(1, abs=1e-6)


@pytest.mark.parametrize(("datagram", "message"), [
    (b"", "not an OSC packet"),
    (b"VMC", "not an OSC packet"),
    (osc_bundle(osc_message("/VMC/Ext/Blend/Apply", ""))[:-4], "OSC bundle element of 28 bytes"),
    (osc_bundle(osc_message("/VMC/Ext/Blend/Apply", "")) + b"\0\0", "ends inside an element"),
])
def test_what_is_not_osc_is_rejected_with_a_reason(datagram: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        decode_messages(datagram)


def test_unity_conversion_mirrors_the_x_axis(rng) -> None:
    mirror = np.diag([-1.0, 1.0, 1.0])
    for quaternion in Rotation.random(20, random_state=7).as_quat():
        vector = rng.normal(size=3)
        ours = Rotation.from_quat(quaternion).apply(vector)
        theirs = Rotation.from_quat(unity_quaternion(quaternion)).apply(mirror @ vector)
        np.testing.assert_allclose(theirs, mirror @ ours, atol=1e-6)


def test_head_turned_to_its_own_left_is_a_negative_unity_yaw() -> None:
    # Unity: +y up, positive yaw turns +z (forward) toward +x (the avatar's right).
    turned_left = quaternions_from_euler(np.array([[0.5, 0.0, 0.0]]))[0]
    forward = Rotation.from_quat(unity_quaternion(turned_left)).apply([0.0, 0.0, 1.0])
    assert forward[0] < -0.4  # toward Unity -x: the avatar's own left
