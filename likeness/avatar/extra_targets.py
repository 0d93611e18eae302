"""Morph targets browser avatar tools expect beside the 52 ARKit ones, made from them on export.

- The 15 Oculus (Meta) visemes, named as Ready Player Me and VRChat name them (``viseme_sil``,
  ``viseme_PP``, ... ``viseme_U``): each is the ARKit pose likeness's lip-sync articulates that
  viseme with (:data:`likeness.speech.coarticulation.VISEME_POSES`).
- ``mouthOpen``, ``mouthSmile``, ``eyesClosed``, ``eyesLookUp``, ``eyesLookDown``: the jaw, and
  both sides of a smile, a blink and an up or down look.

Each is a fixed linear combination of the ARKit targets, so a mesh morphed by it matches the
same pose driven through the 52.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from likeness.blendshapes import INDEX, N_BLENDSHAPES

_OCULUS_NAMES = {"ih": "I", "oh": "O", "ou": "U"}
"""likeness's viseme labels that Oculus's morph names spell differently."""

_BOTH_SIDES = {
    "mouthOpen": ("jawOpen",),
    "mouthSmile": ("mouthSmileLeft", "mouthSmileRight"),
    "eyesClosed": ("eyeBlinkLeft", "eyeBlinkRight"),
    "eyesLookUp": ("eyeLookUpLeft", "eyeLookUpRight"),
    "eyesLookDown": ("eyeLookDownLeft", "eyeLookDownRight"),
}


@lru_cache(maxsize=1)
def extra_targets() -> tuple[tuple[str, ...], np.ndarray]:
    """The extra targets' names and their ARKit weights, (20,) names and (20, 52) float32."""
    from likeness.speech.coarticulation import VISEME_POSES

    names, rows = [], []
    for viseme, pose in VISEME_POSES.items():
        names.append(f"viseme_{_OCULUS_NAMES.get(viseme, viseme)}")
        rows.append(pose)
    for name, channels in _BOTH_SIDES.items():
        row = np.zeros(N_BLENDSHAPES, np.float32)
        row[[INDEX[c] for c in channels]] = 1.0
        names.append(name)
        rows.append(row)
    weights = np.stack(rows).astype(np.float32)
    weights.setflags(write=False)
    return tuple(names), weights
