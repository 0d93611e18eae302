"""The 52 ARKit blendshapes: names, order, mirror pairs and face regions.

This module is the only place in likeness that spells out blendshape names. Everything else
indexes weights through the constants here, so that a weight vector means the same thing in
every stage, file format and network protocol.

The order is Apple's (``ARFaceAnchor.BlendShapeLocation`` as the Live Link Face app streams it):
it is the order of the 52 floats in a Live Link Face UDP packet and of ``FaceFrame.weights``.
The app's CSV files use the same names in PascalCase but swap ``JawLeft``/``JawRight`` and
``MouthLeft``/``MouthRight``; see :data:`LIVELINK_CSV_ORDER`.

"Left" and "right" are the subject's own, as ARKit defines them: ``eyeBlinkLeft`` closes the
subject's left eye, which appears on the right of an unmirrored camera image.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np

NAMES: tuple[str, ...] = (
    "eyeBlinkLeft",
    "eyeLookDownLeft",
    "eyeLookInLeft",
    "eyeLookOutLeft",
    "eyeLookUpLeft",
    "eyeSquintLeft",
    "eyeWideLeft",
    "eyeBlinkRight",
    "eyeLookDownRight",
    "eyeLookInRight",
    "eyeLookOutRight",
    "eyeLookUpRight",
    "eyeSquintRight",
    "eyeWideRight",
    "jawForward",
    "jawLeft",
    "jawRight",
    "jawOpen",
    "mouthClose",
    "mouthFunnel",
    "mouthPucker",
    "mouthLeft",
    "mouthRight",
    "mouthSmileLeft",
    "mouthSmileRight",
    "mouthFrownLeft",
    "mouthFrownRight",
    "mouthDimpleLeft",
    "mouthDimpleRight",
    "mouthStretchLeft",
    "mouthStretchRight",
    "mouthRollLower",
    "mouthRollUpper",
    "mouthShrugLower",
    "mouthShrugUpper",
    "mouthPressLeft",
    "mouthPressRight",
    "mouthLowerDownLeft",
    "mouthLowerDownRight",
    "mouthUpperUpLeft",
    "mouthUpperUpRight",
    "browDownLeft",
    "browDownRight",
    "browInnerUp",
    "browOuterUpLeft",
    "browOuterUpRight",
    "cheekPuff",
    "cheekSquintLeft",
    "cheekSquintRight",
    "noseSneerLeft",
    "noseSneerRight",
    "tongueOut",
)

N_BLENDSHAPES = len(NAMES)

INDEX: Mapping[str, int] = MappingProxyType({name: i for i, name in enumerate(NAMES)})


def index(name: str) -> int:
    """Position of an ARKit blendshape name in :data:`NAMES`, accepting camelCase or PascalCase."""
    key = name[:1].lower() + name[1:]
    try:
        return INDEX[key]
    except KeyError:
        raise KeyError(f"not an ARKit blendshape name: {name!r}") from None


def pascal_case(name: str) -> str:
    """``eyeBlinkLeft`` -> ``EyeBlinkLeft``, the spelling of Live Link Face and VMC perfect sync."""
    return name[:1].upper() + name[1:]


def _mirror_name(name: str) -> str:
    if name.endswith("Left"):
        return name[: -len("Left")] + "Right"
    if name.endswith("Right"):
        return name[: -len("Right")] + "Left"
    return name


MIRROR: np.ndarray = np.array([INDEX[_mirror_name(n)] for n in NAMES], dtype=np.intp)
"""``weights[..., MIRROR]`` is the same expression seen in a mirror (left and right swapped)."""

MIRROR_PAIRS: tuple[tuple[int, int], ...] = tuple(
    (i, int(j)) for i, j in enumerate(MIRROR) if i < j
)
"""The 20 index pairs (left, right) of blendshapes that come in sides."""

UNPAIRED: tuple[int, ...] = tuple(i for i, j in enumerate(MIRROR) if i == j)
"""The 12 symmetric blendshapes (jawOpen, mouthPucker, browInnerUp, ...)."""


def _select(*prefixes: str) -> tuple[int, ...]:
    return tuple(i for i, n in enumerate(NAMES) if n.startswith(prefixes))


REGIONS: Mapping[str, tuple[int, ...]] = MappingProxyType(
    {
        "eyelids": _select("eyeBlink", "eyeSquint", "eyeWide"),
        "gaze": _select("eyeLook"),
        "brows": _select("brow"),
        "cheeks": _select("cheek"),
        "nose": _select("noseSneer"),
        "jaw": _select("jaw"),
        "mouth": _select("mouth"),
        "tongue": _select("tongue"),
    }
)
"""Blendshape indices by facial region."""

UPPER_FACE: tuple[int, ...] = tuple(
    sorted(
        REGIONS["eyelids"]
        + REGIONS["gaze"]
        + REGIONS["brows"]
        + (INDEX["cheekSquintLeft"], INDEX["cheekSquintRight"])
        + REGIONS["nose"]
    )
)
"""What a VR headset hides: eyes, brows, cheek squint and nose sneer."""

LOWER_FACE: tuple[int, ...] = tuple(i for i in range(N_BLENDSHAPES) if i not in UPPER_FACE)
"""What stays visible below a VR headset: jaw, mouth, cheek puff and tongue."""

LIVELINK_CSV_ORDER: tuple[int, ...] = tuple(
    INDEX[n]
    for n in (
        NAMES[:15]
        + ("jawRight", "jawLeft")
        + NAMES[17:21]
        + ("mouthRight", "mouthLeft")
        + NAMES[23:]
    )
)
"""Indices into :data:`NAMES` in the column order of the Live Link Face app's CSV takes."""
