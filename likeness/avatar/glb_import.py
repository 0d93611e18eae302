"""Reading a user's avatar: glTF/GLB with ARKit-named morph targets (Ready Player Me style),
and VRM 0.x and 1.0.

Meshes are taken in their bind pose. Morph targets named by ARKit (camelCase, PascalCase, or with
a ``blendShape1.``-style prefix as Maya exports) drive their channels; a channel the file has no
target of its own for is made from the expressions it has (VRM presets and custom expressions,
visemes, ``mouthOpen``...: :mod:`likeness.avatar.expressions`), and what was mapped or is missing
is logged and kept in ``Avatar.channel_sources``. A bone named ``Head`` (a VRM's humanoid
``head``) drives head pose for the vertices bound to it and its children; ``LeftEye`` and
``RightEye`` bones (a VRM's ``leftEye`` / ``rightEye``) drive gaze. The avatar is moved so that
the bridge of the nose is the origin of the head frame. Base-colour textures are sampled at the
vertices, except a photo avatar's unlit ones, kept per pixel.
"""

from __future__ import annotations

import dataclasses
import io
import logging
import os
from pathlib import Path

import numpy as np
import pygltflib as g
from scipy.spatial.transform import Rotation

from likeness.avatar.default import bridge_from_eye_centers_m
from likeness.avatar.expressions import Binds, arkit_deltas, key, vrm_bones, vrm_expressions
from likeness.avatar.model import Avatar, Part
from likeness.blendshapes import N_BLENDSHAPES, NAMES
from likeness.errors import InputError
from likeness.fileio import existing_file

log = logging.getLogger(__name__)

_COMPONENTS = {
    g.BYTE: np.int8,
    g.UNSIGNED_BYTE: np.uint8,
    g.SHORT: np.int16,
    g.UNSIGNED_SHORT: np.uint16,
    g.UNSIGNED_INT: np.uint32,
    g.FLOAT: np.float32,
}
_WIDTH = {g.SCALAR: 1, g.VEC2: 2, g.VEC3: 3, g.VEC4: 4, g.MAT4: 16}
_KINDS = ("teeth", "tongue", "mouth")
"""Materials recognised from mesh or material names; everything else is skin or an eye."""


def read_glb(path: str | os.PathLike[str]) -> Avatar:
    """Load a GLB avatar whose morph targets carry the 52 ARKit names.

    Parameters
    ----------
    path : path-like
        A ``.glb`` file.

    Returns
    -------
    Avatar
        In its bind pose, in metres, moved so the bridge of the nose is the origin. Vertices
        bound to a ``Head`` bone (or its children) turn with head pose; meshes bound to
        ``LeftEye``/``RightEye`` turn with gaze. ``likeness_sha256`` names whose likeness it
        shows, so its outputs need that person's grant.

    Raises
    ------
    InputError
        Not a readable GLB, no triangle meshes, or nothing to make any ARKit channel from.
    ConsentRefused
        ``forged``: a twin whose binding to its photo does not verify on this installation.
    """
    p = existing_file(path, "glTF binary")
    try:
        gltf = g.GLTF2().load_binary(str(p))
        blob = gltf.binary_blob() if gltf is not None else None
    except Exception as e:  # pygltflib raises anything from struct errors to JSON errors
        raise InputError(f"{p}: not a readable glTF binary (.glb): {e}") from e
    if gltf is None or blob is None:
        raise InputError(f"{p}: not a glTF binary (.glb) with an embedded buffer")
    scene = _Scene(gltf, blob, str(p))
    parts: list[Part] = []
    targets: list[list[np.ndarray]] = []
    nodes: list[int] = []
    meshes: list[int] = []
    expressions: dict[str, Binds] = {}
    for node_index, node in enumerate(gltf.nodes):
        if node.mesh is None:
            continue
        mesh = gltf.meshes[node.mesh]
        for k, primitive in enumerate(mesh.primitives):
            if primitive.mode in (None, g.TRIANGLES) and primitive.attributes.POSITION is not None:
                part, named = scene.part(node_index, mesh, k, primitive)
                for t, (name, _) in enumerate(named):
                    if name:
                        expressions.setdefault(key(name), []).append((len(parts), t, 1.0))
                parts.append(part)
                targets.append([delta for _, delta in named])
                nodes.append(node_index)
                meshes.append(node.mesh)
    if not parts:
        raise InputError(f"{p}: no triangle meshes found")
    # VRM expressions come after the targets' own names: a target named jawOpen is jawOpen.
    for name, binds in vrm_expressions(gltf.extensions, nodes, meshes).items():
        expressions.setdefault(name, binds)
    eye_centers = np.array(
        [scene.position(e) if e is not None else np.zeros(3) for e in scene.eyes]
    )
    if all(e is not None for e in scene.eyes):
        origin = eye_centers.mean(axis=0) + bridge_from_eye_centers_m()
    elif scene.head is not None:  # a typical head bone sits at the base of the skull
        origin = scene.position(scene.head) + [0.0, 0.08, 0.05]
    else:
        top = max(part.positions_m[:, 1].max() for part in parts)
        origin = np.array([0.0, top - 0.10, 0.0])
    pivot = scene.position(scene.head) if scene.head is not None else origin - [0.0, 0.1, 0.05]
    positions = [part.positions_m - origin for part in parts]
    deltas, sources, missing = arkit_deltas(positions, targets, expressions)
    if len(missing) == len(NAMES):
        raise InputError(
            f"{p}: no ARKit morph targets, and no expressions (VRM, visemes) to make them from"
        )
    mapped = {name: source for name, source in sources.items() if key(name) != source}
    if mapped or missing:
        log.warning(
            "%s: %d of the 52 ARKit channels made from other expressions (%s); %d missing, "
            "left still (%s)", p.name, len(mapped),
            ", ".join(f"{n} <- {s}" for n, s in mapped.items()) or "none", len(missing),
            ", ".join(missing) or "none",
        )
    moved = tuple(
        dataclasses.replace(part, positions_m=position.astype(np.float32), deltas_m=delta)
        for part, position, delta in zip(parts, positions, deltas, strict=True)
    )
    view = _view_projection(gltf)
    if view is not None:  # the camera sees the moved avatar as it saw the file's
        shift = np.eye(4)
        shift[:3, 3] = origin
        view = (view @ shift).astype(np.float32)
    return Avatar(
        moved,
        (eye_centers - origin).astype(np.float32),
        (pivot - origin).astype(np.float32),
        p.stem,
        view_projection=view,
        channel_sources=sources,
        likeness_sha256=_likeness_sha256(p, gltf, blob),
    )


def _likeness_sha256(path: Path, gltf: g.GLTF2, blob: bytes) -> str:
    """Whose likeness the file shows: the photo a twin is bound to (its binding verified here),
    else the file itself."""
    from likeness.trust.binding import glb_likeness_sha256
    from likeness.trust.consent import sha256_file

    if path.suffix.lower() != ".glb":
        return sha256_file(path)
    return glb_likeness_sha256(path, likeness_extras(gltf), blob)


def likeness_extras(gltf: g.GLTF2) -> dict:
    """What likeness keeps in a file's ``asset.extras.likeness`` (empty if nothing)."""
    extras = gltf.asset.extras if gltf.asset is not None else None
    found = extras.get("likeness") if isinstance(extras, dict) else None
    return found if isinstance(found, dict) else {}


def _view_projection(gltf: g.GLTF2) -> np.ndarray | None:
    """The photo camera a photo avatar was written with, (4, 4), or None."""
    values = likeness_extras(gltf).get("view_projection")
    if values is None:
        return None
    try:
        return np.asarray(values, np.float64).reshape(4, 4)
    except (TypeError, ValueError):
        log.warning("ignoring a malformed view_projection in the file's extras")
        return None


class _Scene:
    """A loaded glTF: its node transforms in the rest pose, its head and eye bones, its data."""

    def __init__(self, gltf: g.GLTF2, blob: bytes, name: str) -> None:
        self.gltf, self.blob, self.name = gltf, blob, name
        self.images: dict[int, np.ndarray | None] = {}
        self.world = _world_matrices(gltf)
        extensions = gltf.extensions if isinstance(gltf.extensions, dict) else {}
        if "VRM" in extensions and "VRMC_vrm" not in extensions:
            # VRM 0.x avatars face -z; turned half round they face +z like every glTF.
            turn = np.diag([-1.0, 1.0, -1.0, 1.0])
            self.world = {i: turn @ m for i, m in self.world.items()}
        bones = vrm_bones(gltf.extensions)  # a VRM names its humanoid bones
        self.head = bones.get("head", self._find("head"))
        self.eyes = [bones.get("leftEye", self._find("lefteye")),
                     bones.get("rightEye", self._find("righteye"))]
        self.head_nodes = (
            self._descendants(self.head) if self.head is not None else set(range(len(gltf.nodes)))
        )

    def position(self, node: int) -> np.ndarray:
        """(3,) a node's origin in the scene."""
        return self.world[node][:3, 3]

    def part(self, node_index: int, mesh: g.Mesh, k: int, primitive: g.Primitive):
        """One primitive as a Part in scene space (bind pose, no morph targets yet), and its
        morph targets: (name or None, displacements (n, 3)) by target index."""
        positions = self.read(primitive.attributes.POSITION).astype(np.float64)
        n = len(positions)
        indices = (
            self.read(primitive.indices).ravel() if primitive.indices is not None else np.arange(n)
        ).astype(np.uint32)
        if len(indices) % 3 or (len(indices) and indices.max() >= n):
            raise InputError(f"{self.name}: mesh {mesh.name!r} has malformed triangle indices")
        matrices, head_weight, eye = self._binding(node_index, primitive, n)
        linear = matrices[:, :3, :3]
        names = _target_names(mesh)
        named: list[tuple[str | None, np.ndarray]] = []
        for t, target in enumerate(primitive.targets or []):
            accessor = target.get("POSITION") if isinstance(target, dict) else target.POSITION
            delta = (
                np.einsum("nij,nj->ni", linear, self.read(accessor))
                if accessor is not None
                else np.zeros((n, 3))
            )
            named.append((names[t] if t < len(names) else None, delta))
        material = (
            self.gltf.materials[primitive.material] if primitive.material is not None else None
        )
        label = f"{mesh.name or 'mesh'}{k}".lower()
        material_name = (material.name or "").lower() if material is not None else ""
        kind = (
            "eye" if eye >= 0 else next((m for m in _KINDS if m in label + material_name), "skin")
        )
        uv, texture = self._photo(primitive, material)
        if texture is not None:
            kind = "photo"
        part = Part(
            name=label,
            material=kind,
            positions_m=np.einsum("nij,nj->ni", linear, positions) + matrices[:, :3, 3],
            triangles=indices.reshape(-1, 3),
            deltas_m=np.zeros((N_BLENDSHAPES, n, 3)),  # made from the expressions later
            colors=self._colors(primitive, material, n),
            head_weight=np.clip(head_weight, 0, 1),
            eye=eye,
            uv=uv,
            texture=texture,
        )
        return part, named

    def _photo(self, primitive: g.Primitive, material: g.Material | None):
        """(uv, image) of an unlit textured primitive (a photo's pixels), else (empty, None)."""
        none = np.empty((0, 2), np.float32), None
        pbr = material.pbrMetallicRoughness if material is not None else None
        if (
            material is None
            or "KHR_materials_unlit" not in (material.extensions or {})
            or pbr is None
            or pbr.baseColorTexture is None
            or primitive.attributes.TEXCOORD_0 is None
        ):
            return none
        pixels = self._image(pbr.baseColorTexture.index)
        if pixels is None:
            return none
        return self.read(primitive.attributes.TEXCOORD_0), pixels

    def _binding(self, node_index: int, primitive: g.Primitive, n: int):
        """Per vertex: the (4, 4) bind-pose matrix, the head's share of the skinning, the eye."""
        node = self.gltf.nodes[node_index]
        if node.skin is None:
            matrices = np.tile(self.world[node_index], (n, 1, 1))
            head_weight = np.full(n, 1.0 if node_index in self.head_nodes else 0.0)
            eye = next(
                (
                    e
                    for e, bone in enumerate(self.eyes)
                    if bone is not None and node_index in self._descendants(bone)
                ),
                -1,
            )
            return matrices, head_weight, eye
        skin = self.gltf.skins[node.skin]
        joints = self.read(primitive.attributes.JOINTS_0).astype(np.intp)
        weights = self.read(primitive.attributes.WEIGHTS_0).astype(np.float64)
        weights /= np.maximum(weights.sum(axis=1, keepdims=True), 1e-12)
        inverse = (
            self.read(skin.inverseBindMatrices).reshape(-1, 4, 4).transpose(0, 2, 1)
            if skin.inverseBindMatrices is not None
            else np.tile(np.eye(4), (len(skin.joints), 1, 1))
        )
        per_joint = np.stack([self.world[j] @ inverse[i] for i, j in enumerate(skin.joints)])
        matrices = np.einsum("nk,nkij->nij", weights, per_joint[joints])
        joint_nodes = np.array(skin.joints)[joints]
        head_weight = (weights * np.isin(joint_nodes, list(self.head_nodes))).sum(axis=1)
        eye_share = [
            (weights * (joint_nodes == bone)).sum(axis=1).mean() if bone is not None else 0.0
            for bone in self.eyes
        ]
        eye = int(np.argmax(eye_share)) if max(eye_share) > 0.5 else -1
        return matrices, head_weight, eye

    def read(self, accessor_index: int) -> np.ndarray:
        """An accessor's data as (count, width) float64 (sparse substitutions applied)."""
        accessor = self.gltf.accessors[accessor_index]
        dtype = np.dtype(_COMPONENTS[accessor.componentType])
        width = _WIDTH[accessor.type]
        out = np.zeros((accessor.count, width), dtype)
        if accessor.bufferView is not None:
            view = self.gltf.bufferViews[accessor.bufferView]
            out[:] = np.ndarray(
                (accessor.count, width),
                dtype,
                buffer=self.blob,
                offset=(view.byteOffset or 0) + (accessor.byteOffset or 0),
                strides=(view.byteStride or dtype.itemsize * width, dtype.itemsize),
            )
        if accessor.sparse is not None:
            sparse = accessor.sparse
            rows = self._span(
                sparse.indices, _COMPONENTS[sparse.indices.componentType], sparse.count
            )
            out[rows] = self._span(sparse.values, dtype, sparse.count * width).reshape(-1, width)
        if accessor.normalized and dtype.kind in "iu":
            return out / float(np.iinfo(dtype.type).max)  # type: ignore[type-var]
        return out.astype(np.float64)

    def _span(self, ref, dtype, count: int) -> np.ndarray:
        """``count`` values of ``dtype`` where a sparse indices/values reference points."""
        view = self.gltf.bufferViews[ref.bufferView]
        return np.frombuffer(
            self.blob, dtype, count, (view.byteOffset or 0) + (ref.byteOffset or 0)
        )

    def _colors(self, primitive: g.Primitive, material: g.Material | None, n: int) -> np.ndarray:
        """sRGB albedo per vertex: base colour factor x vertex colour x base colour texture
        (a photo part keeps its texture per pixel instead)."""
        linear = np.ones((n, 3))
        unlit = material is not None and "KHR_materials_unlit" in (material.extensions or {})
        if material is not None and material.pbrMetallicRoughness is not None:
            pbr = material.pbrMetallicRoughness
            linear *= np.asarray(pbr.baseColorFactor or [1, 1, 1, 1])[:3]
            uv = primitive.attributes.TEXCOORD_0
            if pbr.baseColorTexture is not None and uv is not None and not unlit:
                linear *= self._texture(pbr.baseColorTexture.index, self.read(uv))
        if primitive.attributes.COLOR_0 is not None:
            linear *= self.read(primitive.attributes.COLOR_0)[:, :3]
        return np.clip(linear, 0, 1) ** (1 / 2.2)

    def _image(self, texture_index: int) -> np.ndarray | None:
        """An embedded texture as sRGB uint8 (h, w, 3), decoded once; None if unreadable."""
        from PIL import Image

        if texture_index in self.images:
            return self.images[texture_index]
        source = self.gltf.textures[texture_index].source
        image = self.gltf.images[source] if source is not None else None
        pixels = None
        if image is not None and image.bufferView is not None:
            view = self.gltf.bufferViews[image.bufferView]
            start = view.byteOffset or 0
            try:
                with Image.open(io.BytesIO(self.blob[start : start + view.byteLength])) as picture:
                    pixels = np.asarray(picture.convert("RGB"))
            except OSError as e:
                log.warning("%s: texture %d unreadable (%s); using the material colour",
                            self.name, texture_index, e)
        self.images[texture_index] = pixels
        return pixels

    def _texture(self, texture_index: int, uv: np.ndarray) -> np.ndarray:
        """Linear RGB of an embedded texture at each vertex's UV (nearest texel)."""
        image = self._image(texture_index)
        if image is None:
            return np.ones((len(uv), 3))
        pixels = image.astype(np.float64) / 255
        h, w = pixels.shape[:2]
        x = np.clip((uv[:, 0] % 1.0) * w, 0, w - 1).astype(int)
        y = np.clip((uv[:, 1] % 1.0) * h, 0, h - 1).astype(int)
        return pixels[y, x] ** 2.2

    def _find(self, key: str) -> int | None:
        """A node whose name, lower-cased without a ``rig:`` prefix or underscores, is ``key``."""
        for i, node in enumerate(self.gltf.nodes):
            if (node.name or "").lower().rsplit(":", 1)[-1].replace("_", "") == key:
                return i
        return None

    def _descendants(self, root: int) -> set[int]:
        """A node and everything under it."""
        out, stack = set(), [root]
        while stack:
            i = stack.pop()
            out.add(i)
            stack.extend(self.gltf.nodes[i].children or [])
        return out


def _world_matrices(gltf: g.GLTF2) -> dict[int, np.ndarray]:
    """(4, 4) scene matrix of every node (rest pose)."""

    def local(node: g.Node) -> np.ndarray:
        if node.matrix:
            return np.array(node.matrix, np.float64).reshape(4, 4).T  # stored column-major
        m = np.eye(4)
        rotation = Rotation.from_quat(node.rotation or [0, 0, 0, 1]).as_matrix()
        m[:3, :3] = rotation * np.array(node.scale or [1, 1, 1])
        m[:3, 3] = node.translation or [0, 0, 0]
        return m

    parents = {c: i for i, node in enumerate(gltf.nodes) for c in node.children or []}
    world: dict[int, np.ndarray] = {}

    def resolve(i: int) -> np.ndarray:
        if i not in world:
            world[i] = (resolve(parents[i]) if i in parents else np.eye(4)) @ local(gltf.nodes[i])
        return world[i]

    for i in range(len(gltf.nodes)):
        resolve(i)
    return world


def _target_names(mesh: g.Mesh) -> list[str]:
    """Morph target names from the mesh's extras (or its first primitive's)."""
    extras = mesh.extras if isinstance(mesh.extras, dict) else {}
    names = extras.get("targetNames")
    if names is None and mesh.primitives:
        first = mesh.primitives[0].extras
        names = first.get("targetNames") if isinstance(first, dict) else None
    return [str(n) for n in names or []]
