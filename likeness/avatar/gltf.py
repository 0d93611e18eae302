"""glTF 2.0 binary (GLB) out and in, with morph targets named by their ARKit names.

Written files follow what three.js, Blender, Unity and Unreal read: each mesh's
``extras.targetNames`` lists the 52 ARKit names in order; a two-joint skin (``Neck`` at the base
of the neck, ``Head`` at the top) carries head pose; ``LeftEye`` and ``RightEye`` nodes under
the head carry gaze. Colours are per-vertex (``COLOR_0``, linear).

Reading accepts avatars in that style (Ready Player Me and similar): any meshes whose morph
targets carry ARKit names (camelCase, PascalCase, or with a ``prefix.`` as Maya exports), an
optional ``Head`` bone for pose and ``LeftEye``/``RightEye`` bones for gaze. The avatar is
taken in its bind pose and moved so that the point between the eyes is the origin of the head
frame.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pygltflib as g

from likeness.avatar.default import bridge_from_eye_centers_m
from likeness.avatar.model import Avatar, Part
from likeness.avatar.topology import vertex_normals
from likeness.blendshapes import N_BLENDSHAPES, NAMES, index
from likeness.errors import InputError
from likeness.fileio import atomic_output, existing_file

log = logging.getLogger(__name__)


_ROUGHNESS = {"skin": 0.5, "eye": 0.1, "teeth": 0.35, "tongue": 0.4, "mouth": 0.9}


class _Blob:
    """The GLB binary chunk under construction, with one buffer view per array."""

    def __init__(self, gltf: g.GLTF2) -> None:
        self.gltf, self.data = gltf, bytearray()

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


def write_glb(avatar: Avatar, path: str | os.PathLike[str]) -> Path:
    """Write ``avatar`` as a GLB file with ARKit-named morph targets, atomically.

    Parameters
    ----------
    avatar : Avatar
    path : path-like
        Output ``.glb``.

    Returns
    -------
    Path
    """
    path = Path(path)
    if path.suffix.lower() != ".glb":
        raise InputError(f"{path}: expected a .glb output file")
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
    face = g.Mesh(
        name="Head",
        primitives=[],
        weights=[0.0] * N_BLENDSHAPES,
        extras={"targetNames": list(NAMES)},
    )
    gltf.meshes = [face]
    for part in avatar.parts:
        if part.eye >= 0:
            continue
        primitive = _primitive(
            blob, part, part.positions_m, _material(gltf, materials, part.material)
        )
        n = len(part.positions_m)
        weights = np.zeros((n, 4), np.float32)
        weights[:, 1] = part.head_weight
        weights[:, 0] = 1.0 - part.head_weight
        joints = np.zeros((n, 4), np.uint8)
        joints[:, 1] = weights[:, 1] > 0  # joint 1 (Head) only where it has weight
        primitive.attributes.JOINTS_0 = blob.accessor(joints, g.VEC4, g.ARRAY_BUFFER)
        primitive.attributes.WEIGHTS_0 = blob.accessor(weights, g.VEC4, g.ARRAY_BUFFER)
        primitive.targets = [
            g.Attributes(
                POSITION=blob.accessor(d.astype(np.float32), g.VEC3, g.ARRAY_BUFFER, bounds=True)
                if np.any(d)
                else blob.zeros(n)
            )
            for d in part.deltas_m
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
                    _material(gltf, materials, p.material),
                )
                for p in parts
            ],
        )
        gltf.meshes.append(mesh)
        gltf.nodes.append(
            g.Node(name=name, translation=(center - pivot).tolist(), mesh=len(gltf.meshes) - 1)
        )
    gltf.scenes = [g.Scene(nodes=[0, 3])]  # a skinned mesh's node belongs at the root
    gltf.scene = 0
    gltf.buffers = [g.Buffer(byteLength=len(blob.data))]
    gltf.set_binary_blob(bytes(blob.data))
    with atomic_output(path) as tmp:
        gltf.save_binary(str(tmp))
    return path


def _primitive(blob: _Blob, part: Part, positions: np.ndarray, material: int) -> g.Primitive:
    """A triangle primitive with positions, normals, linear vertex colours and indices."""
    positions = positions.astype(np.float32)
    normals = vertex_normals(positions, part.triangles)
    linear = np.clip(part.colors, 0, 1).astype(np.float32) ** 2.2
    indices = part.triangles.astype(np.uint16 if len(positions) < 65535 else np.uint32).ravel()
    return g.Primitive(
        attributes=g.Attributes(
            POSITION=blob.accessor(positions, g.VEC3, g.ARRAY_BUFFER, bounds=True),
            NORMAL=blob.accessor(normals, g.VEC3, g.ARRAY_BUFFER),
            COLOR_0=blob.accessor(linear, g.VEC3, g.ARRAY_BUFFER),
        ),
        indices=blob.accessor(indices, g.SCALAR, g.ELEMENT_ARRAY_BUFFER),
        material=material,
    )


def _material(gltf: g.GLTF2, cache: dict[str, int], kind: str) -> int:
    if kind not in cache:
        gltf.materials.append(
            g.Material(
                name=kind,
                pbrMetallicRoughness=g.PbrMetallicRoughness(
                    baseColorFactor=[1.0, 1.0, 1.0, 1.0],
                    metallicFactor=0.0,
                    roughnessFactor=_ROUGHNESS[kind],
                ),
            )
        )
        cache[kind] = len(gltf.materials) - 1
    return cache[kind]


# -- reading ----------------------------------------------------------------------------------

_COMPONENTS = {
    g.BYTE: np.int8,
    g.UNSIGNED_BYTE: np.uint8,
    g.SHORT: np.int16,
    g.UNSIGNED_SHORT: np.uint16,
    g.UNSIGNED_INT: np.uint32,
    g.FLOAT: np.float32,
}
_WIDTH = {g.SCALAR: 1, g.VEC2: 2, g.VEC3: 3, g.VEC4: 4, g.MAT4: 16}


def read_glb(path: str | os.PathLike[str]) -> Avatar:
    """Load a GLB avatar whose morph targets carry the 52 ARKit names.

    Parameters
    ----------
    path : path-like
        A ``.glb`` file.

    Returns
    -------
    Avatar
        In its bind pose, in metres, moved so the point between the eyes is the origin. Vertices
        bound to a ``Head`` bone (or its children) turn with head pose; meshes bound to
        ``LeftEye``/``RightEye`` turn with gaze.

    Raises
    ------
    InputError
        Not a readable GLB, no triangle meshes, or ARKit morph targets missing (listed).
    """
    p = existing_file(path, "glTF binary")
    try:
        gltf = g.GLTF2().load_binary(str(p))
        blob = gltf.binary_blob()
    except Exception as e:  # pygltflib raises anything from struct errors to JSON errors
        raise InputError(f"{p}: not a readable glTF binary (.glb): {e}") from e
    if gltf is None or blob is None:
        raise InputError(f"{p}: not a glTF binary (.glb) with an embedded buffer")
    world = _world_matrices(gltf)
    head = _find_node(gltf, "head")
    eyes = [_find_node(gltf, "lefteye"), _find_node(gltf, "righteye")]
    head_nodes = _descendants(gltf, head) if head is not None else set(range(len(gltf.nodes)))
    found: set[int] = set()
    parts = []
    for node_index, node in enumerate(gltf.nodes):
        if node.mesh is None:
            continue
        mesh = gltf.meshes[node.mesh]
        names = _target_names(mesh)
        for k, primitive in enumerate(mesh.primitives):
            if primitive.mode not in (None, g.TRIANGLES) or primitive.attributes.POSITION is None:
                continue
            part, slots = _read_part(
                gltf, blob, p, node_index, node, mesh, k, primitive, names, world, head_nodes, eyes
            )
            found |= slots
            parts.append(part)
    if not parts:
        raise InputError(f"{p}: no triangle meshes found")
    missing = [name for i, name in enumerate(NAMES) if i not in found]
    if missing:
        raise InputError(
            f"{p}: morph targets missing for {len(missing)} of the 52 ARKit "
            f"blendshapes: {', '.join(missing)}"
        )
    eye_centers = np.array([world[e][:3, 3] if e is not None else [0.0, 0.0, 0.0] for e in eyes])
    if all(e is not None for e in eyes):
        origin = eye_centers.mean(axis=0) + bridge_from_eye_centers_m()
    elif head is not None:
        origin = world[head][:3, 3] + [0.0, 0.08, 0.05]
    else:
        top = max(part.positions_m[:, 1].max() for part in parts)
        origin = np.array([0.0, top - 0.10, 0.0])
    pivot = world[head][:3, 3] if head is not None else origin - [0.0, 0.1, 0.05]
    moved = tuple(_shift(part, origin) for part in parts)
    return Avatar(
        moved,
        (eye_centers - origin).astype(np.float32),
        (pivot - origin).astype(np.float32),
        p.stem,
    )


def _read_part(gltf, blob, p, node_index, node, mesh, k, primitive, names, world, head_nodes, eyes):
    """One primitive as a Part in world space (bind pose), and the blendshape slots it fills."""
    attributes = primitive.attributes
    positions = _read(gltf, blob, attributes.POSITION).astype(np.float64)
    n = len(positions)
    indices = (
        _read(gltf, blob, primitive.indices).ravel()
        if primitive.indices is not None
        else np.arange(n)
    ).astype(np.uint32)
    if len(indices) % 3 or (len(indices) and indices.max() >= n):
        raise InputError(f"{p}: mesh {mesh.name!r} has malformed triangle indices")
    if node.skin is not None:
        skin = gltf.skins[node.skin]
        joints = _read(gltf, blob, attributes.JOINTS_0).astype(np.intp)
        weights = _read(gltf, blob, attributes.WEIGHTS_0).astype(np.float64)
        weights /= np.maximum(weights.sum(axis=1, keepdims=True), 1e-12)
        inverse = (
            _read(gltf, blob, skin.inverseBindMatrices).reshape(-1, 4, 4).transpose(0, 2, 1)
            if skin.inverseBindMatrices is not None
            else np.tile(np.eye(4), (len(skin.joints), 1, 1))
        )
        joint_matrices = np.stack([world[j] @ inverse[i] for i, j in enumerate(skin.joints)])
        per_vertex = np.einsum("nk,nkij->nij", weights, joint_matrices[joints])
        joint_nodes = np.array(skin.joints)[joints]
        head_weight = (weights * np.isin(joint_nodes, list(head_nodes))).sum(axis=1)
        eye = next(
            (
                e
                for e, bone in enumerate(eyes)
                if bone is not None and (weights * (joint_nodes == bone)).sum(axis=1).mean() > 0.5
            ),
            -1,
        )
    else:
        per_vertex = np.tile(world[node_index], (n, 1, 1))
        head_weight = np.full(n, 1.0 if node_index in head_nodes else 0.0)
        eye = next(
            (
                e
                for e, bone in enumerate(eyes)
                if bone is not None and node_index in _descendants(gltf, bone)
            ),
            -1,
        )
    linear = per_vertex[:, :3, :3]
    world_positions = np.einsum("nij,nj->ni", linear, positions) + per_vertex[:, :3, 3]
    deltas = np.zeros((N_BLENDSHAPES, n, 3))
    slots: set[int] = set()
    for t, target in enumerate(primitive.targets or []):
        slot = _slot(names[t]) if t < len(names) else None
        accessor = (
            target.get("POSITION")
            if isinstance(target, dict)
            else getattr(target, "POSITION", None)
        )
        if slot is None or accessor is None:
            continue
        deltas[slot] = np.einsum(
            "nij,nj->ni", linear, _read(gltf, blob, accessor).astype(np.float64)
        )
        slots.add(slot)
    material = gltf.materials[primitive.material] if primitive.material is not None else None
    colors = _colors(gltf, blob, primitive, material, n)
    label = f"{mesh.name or 'mesh'}{k}".lower()
    material_name = (material.name or "").lower() if material is not None else ""
    kinds = ("teeth", "tongue", "mouth")
    kind = "eye" if eye >= 0 else next((m for m in kinds if m in label + material_name), "skin")
    part = Part(
        name=label,
        material=kind,
        positions_m=world_positions.astype(np.float32),
        triangles=indices.reshape(-1, 3),
        deltas_m=deltas.astype(np.float32),
        colors=colors.astype(np.float32),
        head_weight=np.clip(head_weight, 0, 1).astype(np.float32),
        eye=eye,
    )
    return part, slots


def _shift(part: Part, origin: np.ndarray) -> Part:
    return Part(
        part.name,
        part.material,
        (part.positions_m - origin).astype(np.float32),
        part.triangles,
        part.deltas_m,
        part.colors,
        part.head_weight,
        part.eye,
    )


def _slot(name: str) -> int | None:
    """The ARKit index of a target name like ``jawOpen``, ``JawOpen`` or ``blendShape1.jawOpen``."""
    try:
        return index(name.rsplit(".", 1)[-1].rsplit(":", 1)[-1])
    except KeyError:
        return None


def _target_names(mesh: g.Mesh) -> list[str]:
    extras = mesh.extras if isinstance(mesh.extras, dict) else {}
    names = extras.get("targetNames")
    if names is None and mesh.primitives:
        first = mesh.primitives[0].extras
        names = first.get("targetNames") if isinstance(first, dict) else None
    return [str(n) for n in names or []]


def _read(gltf: g.GLTF2, blob: bytes, accessor_index: int) -> np.ndarray:
    """An accessor's data as (count, width) (sparse substitutions applied)."""
    accessor = gltf.accessors[accessor_index]
    dtype = np.dtype(_COMPONENTS[accessor.componentType])
    width = _WIDTH[accessor.type]
    out = np.zeros((accessor.count, width), dtype)
    if accessor.bufferView is not None:
        view = gltf.bufferViews[accessor.bufferView]
        start = (view.byteOffset or 0) + (accessor.byteOffset or 0)
        stride = view.byteStride or dtype.itemsize * width
        rows: np.ndarray = np.ndarray(
            (accessor.count, width),
            dtype,
            buffer=blob,
            offset=start,
            strides=(stride, dtype.itemsize),
        )
        out[:] = rows
    if accessor.sparse is not None:
        sparse = accessor.sparse
        view = gltf.bufferViews[sparse.indices.bufferView]
        index_dtype = np.dtype(_COMPONENTS[sparse.indices.componentType])
        rows = np.frombuffer(
            blob,
            index_dtype,
            sparse.count,
            (view.byteOffset or 0) + (sparse.indices.byteOffset or 0),
        )
        view = gltf.bufferViews[sparse.values.bufferView]
        values = np.frombuffer(
            blob,
            dtype,
            sparse.count * width,
            (view.byteOffset or 0) + (sparse.values.byteOffset or 0),
        )
        out[rows] = values.reshape(-1, width)
    if accessor.normalized and dtype.kind in "iu":
        return out.astype(np.float32) / np.iinfo(dtype.type).max  # type: ignore[type-var]
    return out


def _colors(gltf, blob, primitive, material, n: int) -> np.ndarray:
    """sRGB albedo per vertex: base colour factor x vertex colour x base colour texture."""
    linear = np.ones((n, 3))
    if material is not None and material.pbrMetallicRoughness is not None:
        pbr = material.pbrMetallicRoughness
        linear *= np.asarray(pbr.baseColorFactor or [1, 1, 1, 1])[:3]
        texture = pbr.baseColorTexture
        uv = primitive.attributes.TEXCOORD_0
        if texture is not None and uv is not None:
            linear *= _sample_texture(
                gltf, blob, texture.index, _read(gltf, blob, uv).astype(np.float64)
            )
    if primitive.attributes.COLOR_0 is not None:
        linear *= _read(gltf, blob, primitive.attributes.COLOR_0).astype(np.float64)[:, :3]
    return np.clip(linear, 0, 1) ** (1 / 2.2)


def _sample_texture(gltf, blob, texture_index: int, uv: np.ndarray) -> np.ndarray:
    """Linear RGB of an embedded texture at each vertex's UV (nearest texel)."""
    import io

    from PIL import Image

    source = gltf.textures[texture_index].source
    image = gltf.images[source] if source is not None else None
    if image is None or image.bufferView is None:
        return np.ones((len(uv), 3))
    view = gltf.bufferViews[image.bufferView]
    data = blob[(view.byteOffset or 0) : (view.byteOffset or 0) + view.byteLength]
    try:
        pixels = np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), np.float64) / 255
    except OSError as e:
        log.warning("texture %d unreadable (%s); using its material colour", texture_index, e)
        return np.ones((len(uv), 3))
    h, w = pixels.shape[:2]
    x = np.clip((uv[:, 0] % 1.0) * w, 0, w - 1).astype(int)
    y = np.clip((uv[:, 1] % 1.0) * h, 0, h - 1).astype(int)
    return pixels[y, x] ** 2.2


def _world_matrices(gltf: g.GLTF2) -> dict[int, np.ndarray]:
    """(4, 4) world matrix of every node in the scene graph (rest pose)."""
    from scipy.spatial.transform import Rotation

    def local(node: g.Node) -> np.ndarray:
        if node.matrix:
            return np.array(node.matrix, np.float64).reshape(4, 4).T
        m = np.eye(4)
        m[:3, :3] = Rotation.from_quat(node.rotation or [0, 0, 0, 1]).as_matrix() * np.array(
            node.scale or [1, 1, 1]
        )
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


def _find_node(gltf: g.GLTF2, key: str) -> int | None:
    """A node whose name, lower-cased without a ``rig:`` prefix, is ``key``."""
    for i, node in enumerate(gltf.nodes):
        if (node.name or "").lower().rsplit(":", 1)[-1].replace("_", "") == key:
            return i
    return None


def _descendants(gltf: g.GLTF2, root: int) -> set[int]:
    out, stack = set(), [root]
    while stack:
        i = stack.pop()
        out.add(i)
        stack.extend(gltf.nodes[i].children or [])
    return out
