"""VRChat OSC out: ARKit and Unified Expressions v2 parameters and native eye tracking arrive."""

from __future__ import annotations

import numpy as np
import pytest

from likeness.blendshapes import INDEX, NAMES
from likeness.codecs.vrchat import ARKIT_ADDRESSES, UNIFIED_ADDRESSES
from likeness.frame import FaceFrame
from likeness.sinks.vrchat import VrchatSink


def test_vrchat_receives_every_parameter(osc_peer, expression: FaceFrame) -> None:
    n_expected = len(ARKIT_ADDRESSES) + len(UNIFIED_ADDRESSES) + 2
    with VrchatSink("127.0.0.1", osc_peer.port) as sink:
        sink.send(expression)
    values = dict(osc_peer.wait_for(lambda m: len(m) >= n_expected))
    assert len(values) == n_expected
    w = expression.weights
    for i, name in enumerate(NAMES):
        assert values[f"/avatar/parameters/{name}"][0] == pytest.approx(float(w[i]), abs=1e-7)

    def v2(name: str) -> float:
        return values[f"/avatar/parameters/FT/v2/{name}"][0]

    assert v2("JawOpen") == pytest.approx(w[INDEX["jawOpen"]], abs=1e-6)
    assert v2("JawX") == pytest.approx(w[INDEX["jawRight"]] - w[INDEX["jawLeft"]], abs=1e-6)
    assert v2("SmileFrownLeft") == pytest.approx(
        w[INDEX["mouthSmileLeft"]] - w[INDEX["mouthFrownLeft"]], abs=1e-6)
    assert v2("EyeLidRight") == pytest.approx(
        0.75 * (1 - w[INDEX["eyeBlinkRight"]]) + 0.25 * w[INDEX["eyeWideRight"]], abs=1e-6)
    # Left eye yaw 0.2 rad toward the subject's left = looking left: negative X. Pitch -0.1
    # (up) = positive Y. Full scale is 45 degrees.
    assert v2("EyeLeftX") == pytest.approx(-np.degrees(0.2) / 45, abs=1e-5)
    assert v2("EyeLeftY") == pytest.approx(np.degrees(0.1) / 45, abs=1e-5)
    # VRChat: degrees, positive pitch down, positive yaw to the user's right.
    np.testing.assert_allclose(values["/tracking/eye/LeftRightPitchYaw"],
                               np.degrees([-0.1, -0.2, -0.12, -0.15]), atol=1e-4)
    assert values["/tracking/eye/EyesClosedAmount"][0] == pytest.approx(
        (w[INDEX["eyeBlinkLeft"]] + w[INDEX["eyeBlinkRight"]]) / 2, abs=1e-6)

