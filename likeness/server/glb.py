"""Checking that a GLB can drive a face: ARKit-named morph targets, read from the glTF JSON.

Only the container header and the JSON chunk are read (the layout below, from the glTF 2.0
specification); the viewer does the rest. Morph target names are where three.js and Blender
put them: ``meshes[i].extras.targetNames``.

::

    header  <4sII   magic b"glTF", version 2, total length in bytes
    chunk   <I4s    chunk length, chunk type (b"JSON" first, then b"BIN\\0")
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field

from likeness.avatar.expressions import FALLBACKS, key, vrm_expression_names
from likeness.blendshapes import NAMES
from likeness.errors import InputError

GLB_HEADER = struct.Struct("<4sII")
CHUNK_HEADER = struct.Struct("<I4s")
GLB_MAGIC = b"glTF"
JSON_CHUNK = b"JSON"


@dataclass(frozen=True)
class MorphTargetReport:
    """Which ARKit blendshapes a GLB can show.

    Attributes
    ----------
    present : tuple of str
        ARKit names found as morph targets, in :data:`likeness.blendshapes.NAMES` order.
    missing : tuple of str
        ARKit names the avatar has nothing for (it will not show those movements).
    n_meshes_with_targets : int
        Meshes that carry at least one ARKit-named morph target.
    mapped : dict
        ARKit names it has no target of its own for, made from another of its expressions
        (a VRM preset, a viseme...: :data:`likeness.avatar.expressions.FALLBACKS`) -> that one.
    """

    present: tuple[str, ...]
    missing: tuple[str, ...]
    n_meshes_with_targets: int
    mapped: dict[str, str] = field(default_factory=dict)


def check_glb(data: bytes, *, name: str = "upload") -> MorphTargetReport:
    """The ARKit morph targets of a GLB; InputError if it is not a GLB or can show none.

    Parameters
    ----------
    data : bytes
        The whole GLB file.
    name : str
        What to call the file in error messages.
    """
    if len(data) < GLB_HEADER.size + CHUNK_HEADER.size:
        raise InputError(f"{name}: {len(data)} bytes is too short for a GLB (binary glTF) file")
    magic, version, length = GLB_HEADER.unpack_from(data)
    if magic != GLB_MAGIC:
        raise InputError(f"{name}: starts {magic!r}, expected a GLB file starting b'glTF'")
    if version != 2:
        raise InputError(f"{name}: glTF version {version}, expected 2")
    if length != len(data):
        raise InputError(f"{name}: header says {length} bytes, got {len(data)} (truncated?)")
    chunk_length, chunk_type = CHUNK_HEADER.unpack_from(data, GLB_HEADER.size)
    start = GLB_HEADER.size + CHUNK_HEADER.size
    if chunk_type != JSON_CHUNK or start + chunk_length > len(data):
        raise InputError(
            f"{name}: first chunk is {chunk_type!r} of {chunk_length} bytes, "
            "expected the JSON chunk within the file"
        )
    try:
        gltf = json.loads(data[start : start + chunk_length])
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"{name}: the glTF JSON chunk is not valid JSON ({e})") from e
    found: set[str] = set()
    available: set[str] = set()  # every expression's lookup name: targets and VRM expressions
    n_meshes = 0
    root = gltf if isinstance(gltf, dict) else {}
    for mesh in root.get("meshes", []):
        names = (mesh.get("extras") or {}).get("targetNames") or []
        n_targets = max(
            (len(p.get("targets") or []) for p in mesh.get("primitives", [])), default=0
        )
        arkit = {n for n in names[:n_targets] if n in NAMES}
        n_meshes += bool(arkit)
        found |= arkit
        available |= {key(str(n)) for n in names[:n_targets]}
    available |= set(vrm_expression_names(root.get("extensions")))
    present = tuple(n for n in NAMES if n in found)
    mapped = {}
    for arkit_name in NAMES:
        if arkit_name in found:
            continue
        source = next((s for s in (key(arkit_name), *FALLBACKS.get(arkit_name, ()))
                       if s in available), None)
        if source is not None:
            mapped[arkit_name] = source
    missing = tuple(n for n in NAMES if n not in found and n not in mapped)
    if not present and not mapped:
        raise InputError(
            f"{name}: no morph targets named for ARKit blendshapes and no expressions to make "
            "them from (expected meshes with morph targets named in extras.targetNames, or a "
            f"VRM); missing all {len(NAMES)}: " + ", ".join(NAMES)
        )
    return MorphTargetReport(present, missing, n_meshes, mapped)
