"""VRChat's OSC input: every address the VRChat sink sends, how its value comes from a face
frame, and the datagrams (one OSC message each, float arguments).

Three groups, each declared once as data:

- ``/avatar/parameters/<ARKit name>`` for the 52 ARKit blendshapes, spelled as Apple spells them
  (``eyeBlinkLeft``...), for avatars with ARKit/perfect-sync parameters.
- ``/avatar/parameters/FT/v2/<name>``: VRCFaceTracking Unified Expressions v2 parameters, as
  linear maps of the ARKit weights (:data:`UNIFIED`), plus eye gaze (:data:`UNIFIED_GAZE`).
- VRChat's native eye tracking: ``/tracking/eye/LeftRightPitchYaw`` (left pitch, left yaw,
  right pitch, right yaw in degrees; positive pitch looks down, positive yaw to the user's
  right) and ``/tracking/eye/EyesClosedAmount`` (0 open .. 1 closed, both eyes).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np
from pythonosc.osc_message_builder import OscMessageBuilder

from likeness.blendshapes import INDEX, N_BLENDSHAPES, NAMES
from likeness.frame import FaceFrame

DEFAULT_PORT = 9000
AVATAR_PARAMETERS = "/avatar/parameters/"
UNIFIED_PREFIX = AVATAR_PARAMETERS + "FT/v2/"
EYES_LEFT_RIGHT_PITCH_YAW = "/tracking/eye/LeftRightPitchYaw"
EYES_CLOSED_AMOUNT = "/tracking/eye/EyesClosedAmount"

ARKIT_ADDRESSES: tuple[str, ...] = tuple(AVATAR_PARAMETERS + name for name in NAMES)

# Unified Expressions v2 parameter -> (constant, {ARKit name: coefficient}). Signed parameters
# (JawX, MouthX, SmileFrown...) are -1..1, positive toward the first-named side; EyeLid is
# 0 closed, 0.75 open, 1 wide, as VRCFaceTracking defines it.
UNIFIED: Mapping[str, tuple[float, Mapping[str, float]]] = MappingProxyType({
    "EyeLidLeft": (0.75, {"eyeBlinkLeft": -0.75, "eyeWideLeft": 0.25}),
    "EyeLidRight": (0.75, {"eyeBlinkRight": -0.75, "eyeWideRight": 0.25}),
    "EyeSquintLeft": (0.0, {"eyeSquintLeft": 1.0}),
    "EyeSquintRight": (0.0, {"eyeSquintRight": 1.0}),
    "BrowDownLeft": (0.0, {"browDownLeft": 1.0}),
    "BrowDownRight": (0.0, {"browDownRight": 1.0}),
    "BrowInnerUp": (0.0, {"browInnerUp": 1.0}),
    "BrowInnerUpLeft": (0.0, {"browInnerUp": 1.0}),
    "BrowInnerUpRight": (0.0, {"browInnerUp": 1.0}),
    "BrowOuterUpLeft": (0.0, {"browOuterUpLeft": 1.0}),
    "BrowOuterUpRight": (0.0, {"browOuterUpRight": 1.0}),
    "NoseSneerLeft": (0.0, {"noseSneerLeft": 1.0}),
    "NoseSneerRight": (0.0, {"noseSneerRight": 1.0}),
    "CheekSquintLeft": (0.0, {"cheekSquintLeft": 1.0}),
    "CheekSquintRight": (0.0, {"cheekSquintRight": 1.0}),
    "CheekPuffSuck": (0.0, {"cheekPuff": 1.0}),
    "CheekPuffSuckLeft": (0.0, {"cheekPuff": 1.0}),
    "CheekPuffSuckRight": (0.0, {"cheekPuff": 1.0}),
    "JawOpen": (0.0, {"jawOpen": 1.0}),
    "JawX": (0.0, {"jawRight": 1.0, "jawLeft": -1.0}),
    "JawZ": (0.0, {"jawForward": 1.0}),
    "MouthClosed": (0.0, {"mouthClose": 1.0}),
    "MouthX": (0.0, {"mouthRight": 1.0, "mouthLeft": -1.0}),
    "MouthUpperUpLeft": (0.0, {"mouthUpperUpLeft": 1.0}),
    "MouthUpperUpRight": (0.0, {"mouthUpperUpRight": 1.0}),
    "MouthLowerDownLeft": (0.0, {"mouthLowerDownLeft": 1.0}),
    "MouthLowerDownRight": (0.0, {"mouthLowerDownRight": 1.0}),
    "MouthSmileLeft": (0.0, {"mouthSmileLeft": 1.0}),
    "MouthSmileRight": (0.0, {"mouthSmileRight": 1.0}),
    "MouthSadLeft": (0.0, {"mouthFrownLeft": 1.0}),
    "MouthSadRight": (0.0, {"mouthFrownRight": 1.0}),
    "SmileFrownLeft": (0.0, {"mouthSmileLeft": 1.0, "mouthFrownLeft": -1.0}),
    "SmileFrownRight": (0.0, {"mouthSmileRight": 1.0, "mouthFrownRight": -1.0}),
    "MouthStretchLeft": (0.0, {"mouthStretchLeft": 1.0}),
    "MouthStretchRight": (0.0, {"mouthStretchRight": 1.0}),
    "MouthDimpleLeft": (0.0, {"mouthDimpleLeft": 1.0}),
    "MouthDimpleRight": (0.0, {"mouthDimpleRight": 1.0}),
    "MouthPressLeft": (0.0, {"mouthPressLeft": 1.0}),
    "MouthPressRight": (0.0, {"mouthPressRight": 1.0}),
    "MouthRaiserUpper": (0.0, {"mouthShrugUpper": 1.0}),
    "MouthRaiserLower": (0.0, {"mouthShrugLower": 1.0}),
    "LipSuckUpper": (0.0, {"mouthRollUpper": 1.0}),
    "LipSuckLower": (0.0, {"mouthRollLower": 1.0}),
    "LipFunnel": (0.0, {"mouthFunnel": 1.0}),
    "LipPucker": (0.0, {"mouthPucker": 1.0}),
    "TongueOut": (0.0, {"tongueOut": 1.0}),
})

GAZE_FULL_SCALE_DEG = 45.0
"""VRCFaceTracking's gaze parameters reach ±1 at 45 degrees."""

# Gaze parameter -> (eye row in eyes_rad (0 left, 1 right, None both), column (0 yaw,
# 1 pitch), sign). Positive X looks to the user's right, positive Y up: both are the opposite
# of likeness's yaw (toward the subject's left) and pitch (down).
UNIFIED_GAZE: Mapping[str, tuple[int | None, int, float]] = MappingProxyType({
    "EyeLeftX": (0, 0, -1.0),
    "EyeLeftY": (0, 1, -1.0),
    "EyeRightX": (1, 0, -1.0),
    "EyeRightY": (1, 1, -1.0),
    "EyeY": (None, 1, -1.0),
})

UNIFIED_ADDRESSES: tuple[str, ...] = tuple(UNIFIED_PREFIX + n for n in (*UNIFIED, *UNIFIED_GAZE))

_UNIFIED_OFFSET = np.array([offset for offset, _ in UNIFIED.values()], np.float32)
_UNIFIED_MATRIX = np.zeros((len(UNIFIED), N_BLENDSHAPES), np.float32)
for _row, (_, _terms) in enumerate(UNIFIED.values()):
    for _name, _coefficient in _terms.items():
        _UNIFIED_MATRIX[_row, INDEX[_name]] = _coefficient


def unified_values(frame: FaceFrame) -> np.ndarray:
    """Values of :data:`UNIFIED_ADDRESSES` for ``frame``, in that order."""
    expressions = _UNIFIED_MATRIX @ frame.weights + _UNIFIED_OFFSET
    eyes_deg = np.degrees(frame.eyes_rad.astype(np.float64))
    gaze = [
        sign * (eyes_deg[:, column].mean() if eye is None else eyes_deg[eye, column])
        for eye, column, sign in UNIFIED_GAZE.values()
    ]
    return np.concatenate([expressions, np.asarray(gaze, np.float32) / GAZE_FULL_SCALE_DEG])


def native_eye_values(frame: FaceFrame) -> tuple[list[float], float]:
    """(left pitch, left yaw, right pitch, right yaw) in VRChat's degrees, and eyes closed 0..1."""
    yaw_deg, pitch_deg = np.degrees(frame.eyes_rad.astype(np.float64)).T
    pitch_yaw = [pitch_deg[0], -yaw_deg[0], pitch_deg[1], -yaw_deg[1]]
    closed = (frame.weights[INDEX["eyeBlinkLeft"]] + frame.weights[INDEX["eyeBlinkRight"]]) / 2
    return [float(v) for v in pitch_yaw], float(closed)


def _float_message(address: str, values: list[float]) -> bytes:
    builder = OscMessageBuilder(address)
    for value in values:
        builder.add_arg(value, "f")
    return builder.build().dgram


def encode_messages(frame: FaceFrame) -> list[bytes]:
    """The OSC datagrams for one frame, one message each, in the order of the address tables."""
    pitch_yaw_deg, closed = native_eye_values(frame)
    singles = zip(ARKIT_ADDRESSES + UNIFIED_ADDRESSES,
                  frame.weights.tolist() + unified_values(frame).tolist(), strict=True)
    return [_float_message(address, [value]) for address, value in singles] + [
        _float_message(EYES_LEFT_RIGHT_PITCH_YAW, pitch_yaw_deg),
        _float_message(EYES_CLOSED_AMOUNT, [closed]),
    ]
