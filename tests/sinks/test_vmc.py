"""VMC out: a real python-osc server receives every perfect-sync blendshape and the bones."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from likeness.blendshapes import NAMES, pascal_case
from likeness.frame import quaternions_from_euler
from likeness.sinks.vmc import VmcSink
from likeness.sinks.vmc_messages import encode_frame, unity_quaternion
from likeness.sources.vmc_receiver import VmcReceiver


def test_python_osc_server_receives_every_arkit_name_with_its_value(osc_peer, expression) -> None:
    with VmcSink("127.0.0.1", osc_peer.port) as sink:
        sink.send(expression)
    messages = osc_peer.wait_for(lambda m: any(a == "/VMC/Ext/Blend/Apply" for a, _ in m))
    addresses = [address for address, _ in messages]
    blends = {args[0]: args[1] for address, args in messages if address == "/VMC/Ext/Blend/Val"}
    assert set(blends) == {pascal_case(name) for name in NAMES}
    for i, name in enumerate(NAMES):
        assert blends[pascal_case(name)] == pytest.approx(float(expression.weights[i]), abs=1e-7)
    # One bundle: OK first, Apply after the last value.
    assert addresses[0] == "/VMC/Ext/OK" and addresses[-1] == "/VMC/Ext/Blend/Apply"
    bones = {args[0]: args[1:] for address, args in messages if address == "/VMC/Ext/Bone/Pos"}
    assert set(bones) == {"Head", "LeftEye", "RightEye"}
    np.testing.assert_allclose(bones["Head"][3:], unity_quaternion(expression.head_rotation),
                               atol=1e-6)


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


def test_vmc_receiver_reads_back_what_the_sink_encodes(expression) -> None:
    receiver = VmcReceiver()
    (frame,) = receiver.decode(encode_frame(expression))
    assert frame.t_s == pytest.approx(expression.t_s)
    np.testing.assert_allclose(frame.weights, expression.weights, atol=1e-7)
    np.testing.assert_allclose(frame.eyes_rad, expression.eyes_rad, atol=1e-5)
    cosine = abs(float(np.dot(frame.head_rotation, expression.head_rotation)))
    assert cosine == pytest.approx(1, abs=1e-6)
