"""VMC out: a real python-osc server receives every perfect-sync blendshape and the bones."""

from __future__ import annotations

import numpy as np
import pytest

from likeness.blendshapes import NAMES, pascal_case
from likeness.codecs.vmc import unity_quaternion
from likeness.sinks.vmc import VmcSink


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

