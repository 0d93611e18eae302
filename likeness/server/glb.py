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
from dataclasses import dataclass

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
        ARKit names no mesh carries (the avatar will not show those movements).
    n_meshes_with_targets : int
        Meshes that carry at least one ARKit-named morph target.
    """

    present: tuple[str, ...]
    missing: tuple[str, ...]
    n_meshes_with_targets: int


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
    n_meshes = 0
    for mesh in gltf.get("meshes", []) if isinstance(gltf, dict) else []:
        names = (mesh.get("extras") or {}).get("targetNames") or []
        n_targets = max(
            (len(p.get("targets") or []) for p in mesh.get("primitives", [])), default=0
        )
        arkit = {n for n in names[:n_targets] if n in NAMES}
        n_meshes += bool(arkit)
        found |= arkit
    present = tuple(n for n in NAMES if n in found)
    missing = tuple(n for n in NAMES if n not in found)
    if not present:
        raise InputError(
            f"{name}: no morph targets named for ARKit blendshapes (expected meshes with "
            f"morph targets named in extras.targetNames); missing all {len(NAMES)}: "
            + ", ".join(NAMES)
        )
    return MorphTargetReport(present, missing, n_meshes)
