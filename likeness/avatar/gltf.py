"""glTF 2.0 binary (GLB) out and in, with morph targets named by their ARKit names.

Written files follow what three.js, Blender, Unity and Unreal read: each mesh's
``extras.targetNames`` lists the 52 ARKit names in order, then the 15 Oculus visemes and the
five extra morphs browser avatar tools expect (:mod:`likeness.avatar.extra_targets`); a
two-joint skin (``Neck`` at the base of the neck, ``Head`` at the top) carries head pose;
``LeftEye`` and ``RightEye`` nodes under the head carry gaze. Colours are per-vertex
(``COLOR_0``, linear); a photo avatar's parts carry their image as an embedded PNG base-colour
texture (``TEXCOORD_0``) on an unlit material (``KHR_materials_unlit``: the light is in the
photo), and the photo's camera is kept in ``asset.extras.likeness.view_projection``.

Reading (:func:`read_glb`) lives in :mod:`likeness.avatar.glb_import`.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pygltflib as g

from likeness.avatar.extra_targets import extra_targets
from likeness.avatar.glb_import import read_glb
from likeness.avatar.model import Avatar, Part
from likeness.avatar.topology import vertex_normals
from likeness.blendshapes import NAMES
from likeness.errors import InputError

if TYPE_CHECKING:
    from likeness.trust.guard import Ingredient, OutputGuard

__all__ = ["read_glb", "write_glb"]


_ROUGHNESS = {"skin": 0.5, "eye": 0.1, "teeth": 0.35, "tongue": 0.4, "mouth": 0.9, "photo": 1.0}
UNLIT = "KHR_materials_unlit"


class _Blob:
    """The GLB binary chunk under construction, with one buffer view per array."""

    def __init__(self, gltf: g.GLTF2) -> None:
        self.gltf, self.data = gltf, bytearray()
        self.textures: dict[int, int] = {}

    def accessor(
        self, array: np.ndarray, kind: str, target: int | None, *, bounds: bool = False
    ) -> int:
        array = np.ascontiguousarray(array)
        self.data += b"\0" * (-len(self.data) % 4)
        self.gltf.bufferViews.append(
            g.BufferView(
                buffer=0, byteOffset=len(self.data), byteLength=array.nbytes, target=target
            )
        )
        self.data += array.tobytes()
        component = {
            np.dtype("float32"): g.FLOAT,
            np.dtype("uint32"): g.UNSIGNED_INT,
            np.dtype("uint16"): g.UNSIGNED_SHORT,
            np.dtype("uint8"): g.UNSIGNED_BYTE,
        }[array.dtype]
        accessor = g.Accessor(
            bufferView=len(self.gltf.bufferViews) - 1,
            componentType=component,
            count=len(array) if kind != "SCALAR" else array.size,
            type=kind,
        )
        if bounds:
            accessor.min = array.reshape(len(array), -1).min(axis=0).tolist()
            accessor.max = array.reshape(len(array), -1).max(axis=0).tolist()
        self.gltf.accessors.append(accessor)
        return len(self.gltf.accessors) - 1

    def image(self, rgb: np.ndarray) -> int:
        """Embed an sRGB image (h, w, 3) as PNG; returns its texture index (one per image)."""
        from PIL import Image

        key = id(rgb)
        if key not in self.textures:
            png = io.BytesIO()
            Image.fromarray(np.ascontiguousarray(rgb, np.uint8)).save(png, format="PNG")
            self.data += b"\0" * (-len(self.data) % 4)
            self.gltf.bufferViews.append(
                g.BufferView(buffer=0, byteOffset=len(self.data), byteLength=png.tell())
            )
            self.data += png.getvalue()
            self.gltf.images.append(
                g.Image(bufferView=len(self.gltf.bufferViews) - 1, mimeType="image/png")
            )
            if not self.gltf.samplers:
                self.gltf.samplers.append(
                    g.Sampler(magFilter=g.LINEAR, minFilter=g.LINEAR_MIPMAP_LINEAR,
                              wrapS=g.CLAMP_TO_EDGE, wrapT=g.CLAMP_TO_EDGE)
                )
            self.gltf.textures.append(g.Texture(sampler=0, source=len(self.gltf.images) - 1))
            self.textures[key] = len(self.gltf.textures) - 1
        return self.textures[key]

    def zeros(self, count: int) -> int:
        """A VEC3 float accessor of zeros with no data (glTF initialises it to zeros)."""
        self.gltf.accessors.append(
            g.Accessor(
                byteOffset=None,  # pygltflib writes 0 by default, which needs a bufferView
                componentType=g.FLOAT,
                count=count,
                type=g.VEC3,
                min=[0.0] * 3,
                max=[0.0] * 3,
            )
        )
        return len(self.gltf.accessors) - 1


def write_glb(
    avatar: Avatar,
    path: str | os.PathLike[str],
    *,
    guard: OutputGuard,
    ingredients: Sequence[Ingredient] = (),
) -> Path:
    """Write ``avatar`` as a GLB file with ARKit-named morph targets, atomically, under consent.

    Parameters
    ----------
    avatar : Avatar
    path : path-like
        Output ``.glb``.
    guard : OutputGuard
        Consent for the avatar's likeness (:func:`likeness.trust.output_guard`); the file is
        recorded in the audit log, or not written at all. An avatar of a real person (a twin)
        is bound to the likeness it shows (:func:`likeness.trust.binding.bind`, kept in
        ``asset.extras.likeness``), so every use of the file needs that person's grant too.
    ingredients : sequence of paths or bytes
        What it was made from (the photo of a twin), named by hash in the audit record.

    Returns
    -------
    Path

    Raises
    ------
    ConsentRefused
        The guard does not allow an export, or not of this avatar's likeness.
    """
    path = Path(path)
    if path.suffix.lower() != ".glb":
        raise InputError(f"{path}: expected a .glb output file")
    output = guard.output("export", ingredients=ingredients, shows=avatar.likeness_sha256)
    gltf = g.GLTF2(asset=g.Asset(version="2.0", generator="likeness"))
    blob = _Blob(gltf)
    pivot = avatar.neck_pivot_m.astype(np.float64)
    base = pivot + [0.0, -0.2, 0.0]
    # Nodes: 0 root, 1 Neck joint, 2 Head joint, 3 skinned mesh (a root), 4/5 eyes.
    gltf.nodes = [
        g.Node(name=avatar.name, children=[1]),
        g.Node(name="Neck", translation=base.tolist(), children=[2]),
        g.Node(name="Head", translation=(pivot - base).tolist(), children=[4, 5]),
        g.Node(name="HeadMesh", mesh=0, skin=0),
    ]
    gltf.skins = [g.Skin(name="head", joints=[1, 2], skeleton=1)]
    inverse_bind = np.stack([np.eye(4), np.eye(4)]).astype(np.float32)
    inverse_bind[0, 3, :3] = -base
    inverse_bind[1, 3, :3] = -pivot  # column-major: translation in the last column
    gltf.skins[0].inverseBindMatrices = blob.accessor(inverse_bind, g.MAT4, None)
    materials: dict[str, int] = {}
    extra_names, extra_weights = extra_targets()
    target_names = list(NAMES) + list(extra_names)
    face = g.Mesh(
        name="Head",
        primitives=[],
        weights=[0.0] * len(target_names),
        extras={"targetNames": target_names},
    )
    gltf.meshes = [face]
    for part in avatar.parts:
        if part.eye >= 0:
            continue
        primitive = _primitive(blob, part, part.positions_m, _material(blob, materials, part))
        n = len(part.positions_m)
        weights = np.zeros((n, 4), np.float32)
        weights[:, 1] = part.head_weight
        weights[:, 0] = 1.0 - part.head_weight
        joints = np.zeros((n, 4), np.uint8)
        joints[:, 1] = weights[:, 1] > 0  # joint 1 (Head) only where it has weight
        primitive.attributes.JOINTS_0 = blob.accessor(joints, g.VEC4, g.ARRAY_BUFFER)
        primitive.attributes.WEIGHTS_0 = blob.accessor(weights, g.VEC4, g.ARRAY_BUFFER)
        extra = np.tensordot(extra_weights, part.deltas_m, axes=1)
        primitive.targets = [
            g.Attributes(
                POSITION=blob.accessor(d.astype(np.float32), g.VEC3, g.ARRAY_BUFFER, bounds=True)
                if np.any(d)
                else blob.zeros(n)
            )
            for d in (*part.deltas_m, *extra)
        ]
        face.primitives.append(primitive)
    for eye, name in enumerate(("LeftEye", "RightEye")):
        parts = [p for p in avatar.parts if p.eye == eye]
        center = avatar.eye_centers_m[eye].astype(np.float64)
        mesh = g.Mesh(
            name=name,
            primitives=[
                _primitive(
                    blob,
                    p,
                    p.positions_m - center.astype(np.float32),
                    _material(blob, materials, p),
                )
                for p in parts
            ],
        )
        gltf.meshes.append(mesh)
        gltf.nodes.append(
            g.Node(name=name, translation=(center - pivot).tolist(), mesh=len(gltf.meshes) - 1)
        )
    if any(m.extensions for m in gltf.materials):
        gltf.extensionsUsed = [UNLIT]
    gltf.scenes = [g.Scene(nodes=[0, 3])]  # a skinned mesh's node belongs at the root
    gltf.scene = 0
    blob.data += b"\0" * (-len(blob.data) % 4)  # as a GLB stores it, so its hash is the same
    likeness: dict[str, Any] = {}
    if avatar.view_projection is not None:
        likeness["view_projection"] = np.asarray(avatar.view_projection).ravel().tolist()
    if avatar.likeness_sha256 is not None:
        from likeness.trust.binding import bind

        asset = guard.permission.likeness_asset
        likeness.update(bind(avatar.likeness_sha256, bytes(blob.data),
                             name=asset.name if asset is not None else avatar.name,
                             home=guard.home))
    if likeness:
        gltf.asset.extras = {"likeness": likeness}
    gltf.buffers = [g.Buffer(byteLength=len(blob.data))]
    gltf.set_binary_blob(bytes(blob.data))
    with output.writing(path, {"vertices": avatar.n_vertices,
                               "triangles": avatar.n_triangles}) as tmp:
        gltf.save_binary(str(tmp))
    return path


def _primitive(blob: _Blob, part: Part, positions: np.ndarray, material: int) -> g.Primitive:
    """A triangle primitive with positions, normals, linear vertex colours and indices."""
    positions = positions.astype(np.float32)
    normals = vertex_normals(positions, part.triangles)
    linear = np.clip(part.colors, 0, 1).astype(np.float32) ** 2.2
    indices = part.triangles.astype(np.uint16 if len(positions) < 65535 else np.uint32).ravel()
    attributes = g.Attributes(
        POSITION=blob.accessor(positions, g.VEC3, g.ARRAY_BUFFER, bounds=True),
        NORMAL=blob.accessor(normals, g.VEC3, g.ARRAY_BUFFER),
        COLOR_0=blob.accessor(linear, g.VEC3, g.ARRAY_BUFFER),
    )
    if part.texture is not None:
        attributes.TEXCOORD_0 = blob.accessor(part.uv.astype(np.float32), g.VEC2, g.ARRAY_BUFFER)
    return g.Primitive(
        attributes=attributes,
        indices=blob.accessor(indices, g.SCALAR, g.ELEMENT_ARRAY_BUFFER),
        material=material,
    )


def _material(blob: _Blob, cache: dict[str, int], part: Part) -> int:
    """The material of a part: one per kind, one per texture for photo parts (unlit)."""
    key = part.material if part.texture is None else f"{part.material}{id(part.texture)}"
    if key not in cache:
        pbr = g.PbrMetallicRoughness(
            baseColorFactor=[1.0, 1.0, 1.0, 1.0],
            metallicFactor=0.0,
            roughnessFactor=_ROUGHNESS[part.material],
        )
        extensions: dict[str, Any] = {}
        if part.texture is not None:
            pbr.baseColorTexture = g.TextureInfo(index=blob.image(part.texture))
            extensions[UNLIT] = {}
        blob.gltf.materials.append(
            g.Material(name=part.material, pbrMetallicRoughness=pbr, extensions=extensions)
        )
        cache[key] = len(blob.gltf.materials) - 1
    return cache[key]
