"""The expressions an imported avatar has, and the ARKit channels made from them.

Avatars people bring name their shapes in several ways: ARKit-named morph targets (Ready Player
Me, "perfect sync"), the Oculus visemes and a few browser-tool morphs (``mouthOpen``,
``eyesClosed``...), and VRM expressions, which bind morph targets with weights: VRM 1.0's
``VRMC_vrm.expressions`` (presets ``aa``, ``blinkLeft``, ``happy``... and custom ones, where
perfect-sync avatars put the 52 ARKit names) and VRM 0.x's ``VRM.blendShapeMaster`` groups
(presets ``a``, ``blink_l``, ``joy``...). An ARKit channel the avatar has no shape of its own
for is made from the first of its :data:`FALLBACKS` the avatar has; a one-sided channel made
from a two-sided expression (``eyeBlinkLeft`` from ``blink``) keeps only that side's half.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import numpy as np

from likeness.blendshapes import NAMES

Binds = list[tuple[int, int, float]]
"""(part index, morph target index in that part, weight) triples of one expression."""


def _sided(stem: str, *sources: str) -> dict[str, tuple[str, ...]]:
    return {f"{stem}Left": sources, f"{stem}Right": sources}


FALLBACKS: Mapping[str, tuple[str, ...]] = MappingProxyType({
    "jawOpen": ("aa", "a", "viseme_aa", "mouthopen"),
    "mouthFunnel": ("oh", "o", "viseme_o"),
    "mouthPucker": ("ou", "u", "viseme_u"),
    **_sided("mouthStretch", "ih", "i", "viseme_i"),
    **_sided("mouthSmile", "happy", "joy", "mouthsmile", "fun"),
    **_sided("mouthFrown", "sad", "sorrow"),
    **_sided("browDown", "angry"),
    "browInnerUp": ("surprised",),
    **_sided("eyeWide", "surprised"),
    "eyeBlinkLeft": ("blinkleft", "blink_l", "blink", "eyesclosed"),
    "eyeBlinkRight": ("blinkright", "blink_r", "blink", "eyesclosed"),
    **_sided("eyeLookUp", "lookup", "eyeslookup"),
    **_sided("eyeLookDown", "lookdown", "eyeslookdown"),
    # Looking to the avatar's own left turns its left eye out and its right eye in.
    "eyeLookOutLeft": ("lookleft",),
    "eyeLookInRight": ("lookleft",),
    "eyeLookInLeft": ("lookright",),
    "eyeLookOutRight": ("lookright",),
})
"""ARKit channel -> expressions (lower-case names) it can be made from, best first."""

_SIDE_WIDTH_M = 0.005


def key(name: str) -> str:
    """An expression's lookup name: without a ``blendShape1.`` / ``rig:`` prefix, lower-case."""
    return name.rsplit(".", 1)[-1].rsplit(":", 1)[-1].lower()


def vrm_expressions(extensions: object, part_nodes: list[int],
                    part_meshes: list[int]) -> dict[str, Binds]:
    """The VRM 1.0 or 0.x expressions of a file's ``extensions``, bound to parts.

    Parameters
    ----------
    extensions : dict or None
        The glTF root's ``extensions``.
    part_nodes, part_meshes : list of int
        The node and the mesh each part (primitive) came from.
    """
    found: dict[str, Binds] = {}
    if not isinstance(extensions, dict):
        return found
    vrm1 = extensions.get("VRMC_vrm")
    if isinstance(vrm1, dict):
        groups = vrm1.get("expressions") or {}
        for kind in ("preset", "custom"):
            for name, expression in (groups.get(kind) or {}).items():
                binds = [
                    (p, int(b["index"]), float(b.get("weight", 1.0)))
                    for b in expression.get("morphTargetBinds") or []
                    for p, node in enumerate(part_nodes)
                    if node == b.get("node")
                ]
                if binds:
                    found[key(name)] = binds
    vrm0 = extensions.get("VRM")
    if isinstance(vrm0, dict):
        for group in (vrm0.get("blendShapeMaster") or {}).get("blendShapeGroups") or []:
            binds = [
                (p, int(b["index"]), float(b.get("weight", 100.0)) / 100.0)
                for b in group.get("binds") or []
                for p, mesh in enumerate(part_meshes)
                if mesh == b.get("mesh")
            ]
            for name in (group.get("presetName"), group.get("name")):
                if binds and name and name != "unknown":
                    found.setdefault(key(name), binds)
    return found


def vrm_expression_names(extensions: object) -> list[str]:
    """Lookup names of a VRM 1.0 or 0.x file's expressions, bound or not."""
    if not isinstance(extensions, dict):
        return []
    names: list[str] = []
    vrm1 = extensions.get("VRMC_vrm")
    if isinstance(vrm1, dict):
        groups = vrm1.get("expressions") or {}
        names += [key(n) for kind in ("preset", "custom") for n in groups.get(kind) or {}]
    vrm0 = extensions.get("VRM")
    if isinstance(vrm0, dict):
        for group in (vrm0.get("blendShapeMaster") or {}).get("blendShapeGroups") or []:
            names += [key(str(n)) for n in (group.get("presetName"), group.get("name"))
                      if n and n != "unknown"]
    return names


def vrm_bones(extensions: object) -> dict[str, int]:
    """Humanoid bone name -> node index of a VRM 1.0 or 0.x file (``head``, ``leftEye``...)."""
    if not isinstance(extensions, dict):
        return {}
    vrm1 = extensions.get("VRMC_vrm")
    if isinstance(vrm1, dict):
        bones = (vrm1.get("humanoid") or {}).get("humanBones") or {}
        return {name: int(b["node"]) for name, b in bones.items() if "node" in b}
    vrm0 = extensions.get("VRM")
    if isinstance(vrm0, dict):
        bones = (vrm0.get("humanoid") or {}).get("humanBones") or []
        return {str(b["bone"]): int(b["node"]) for b in bones if "bone" in b and "node" in b}
    return {}


def arkit_deltas(
    positions_m: list[np.ndarray],
    targets: list[list[np.ndarray]],
    expressions: dict[str, Binds],
) -> tuple[list[np.ndarray], dict[str, str], tuple[str, ...]]:
    """Per part, (52, n, 3) deltas made from the avatar's expressions.

    Parameters
    ----------
    positions_m : list of ndarray (n, 3)
        Each part's rest positions, head frame (+x the avatar's own left).
    targets : list of list of ndarray (n, 3)
        Each part's morph target displacements, by target index.
    expressions : dict
        Lookup name (:func:`key`) -> binds.

    Returns
    -------
    deltas : list of ndarray (52, n, 3)
    sources : dict
        ARKit name -> the expression it was made from (its own name when it had one).
    missing : tuple of str
        ARKit names the avatar has nothing for (their targets stay still).
    """
    deltas = [np.zeros((len(NAMES), len(p), 3)) for p in positions_m]
    sources: dict[str, str] = {}
    for slot, name in enumerate(NAMES):
        for source in (key(name), *FALLBACKS.get(name, ())):
            binds = expressions.get(source)
            if not binds:
                continue
            one_side = name.endswith(("Left", "Right")) and not _has_side(source)
            for part, target, weight in binds:
                delta = weight * targets[part][target]
                if one_side:
                    x = positions_m[part][:, 0] * (1 if name.endswith("Left") else -1)
                    delta = delta * _smoothstep(0.5 + x / (2 * _SIDE_WIDTH_M))[:, None]
                deltas[part][slot] += delta
            sources[name] = source
            break
    missing = tuple(name for name in NAMES if name not in sources)
    return deltas, sources, missing


def _has_side(source: str) -> bool:
    return source.endswith(("left", "right", "_l", "_r"))


def _smoothstep(u: np.ndarray) -> np.ndarray:
    u = np.clip(u, 0.0, 1.0)
    return u * u * (3.0 - 2.0 * u)
