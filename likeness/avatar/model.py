"""The avatar data type: triangle meshes in the head frame, each with 52 ARKit morph targets."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from likeness.blendshapes import N_BLENDSHAPES
from likeness.errors import InputError

MATERIALS = ("skin", "eye", "teeth", "tongue", "mouth", "photo")
"""How the renderer shades a part: subsurface skin, an eyeball with iris and cornea, enamel, a
wet tongue, the shadowed inside of the mouth, or a photo's own pixels (unlit: the light is
already in them)."""


@dataclass(frozen=True, eq=False)
class Part:
    """One mesh of an avatar.

    Attributes
    ----------
    name : str
    material : str
        One of :data:`MATERIALS`.
    positions_m : ndarray, float32, shape (n, 3)
        Rest positions in the head frame, metres (+x the subject's left, +y up, +z forward).
    triangles : ndarray, uint32, shape (m, 3)
        Counter-clockwise seen from outside.
    deltas_m : ndarray, float32, shape (52, n, 3)
        Morph target displacements at weight 1, in :data:`likeness.blendshapes.NAMES` order.
    colors : ndarray, float32, shape (n, 3)
        Linear RGB albedo in 0..1.
    head_weight : ndarray, float32, shape (n,), optional
        1 where the vertex turns with the head, 0 where it stays with the body (the neck's base);
        all 1 when omitted.
    eye : int
        -1, or 0 / 1 for a part that turns with the left / right eye about ``Avatar.eye_centers_m``.
    uv : ndarray, float32, shape (n, 2), optional
        Texture coordinates, glTF's convention (0, 0 the top-left of the image); with ``texture``.
    texture : ndarray, uint8, shape (h, w, 3), optional
        sRGB base colour image; a textured part's ``colors`` multiply it.
    """

    name: str
    material: str
    positions_m: np.ndarray
    triangles: np.ndarray
    deltas_m: np.ndarray
    colors: np.ndarray
    head_weight: np.ndarray = field(default_factory=lambda: np.empty(0, np.float32))
    eye: int = -1
    uv: np.ndarray = field(default_factory=lambda: np.empty((0, 2), np.float32))
    texture: np.ndarray | None = None

    def __post_init__(self) -> None:
        # Builders pass whatever numpy made; the renderer and the GLB writer need these types.
        n = len(self.positions_m)
        head_weight = self.head_weight if len(self.head_weight) else np.ones(n)
        for field_name, value, dtype in (
            ("positions_m", self.positions_m, np.float32),
            ("triangles", self.triangles, np.uint32),
            ("deltas_m", self.deltas_m, np.float32),
            ("colors", self.colors, np.float32),
            ("head_weight", head_weight, np.float32),
        ):
            object.__setattr__(self, field_name, np.asarray(value, dtype))
        expected = {
            "positions_m": (n, 3),
            "deltas_m": (N_BLENDSHAPES, n, 3),
            "colors": (n, 3),
            "head_weight": (n,),
        }
        for field_name, shape in expected.items():
            if getattr(self, field_name).shape != shape:
                raise InputError(
                    f"avatar part {self.name!r}: {field_name} should have shape {shape}, "
                    f"got {getattr(self, field_name).shape}"
                )
        if self.material not in MATERIALS:
            raise InputError(
                f"avatar part {self.name!r}: material {self.material!r} not in {MATERIALS}"
            )
        object.__setattr__(self, "uv", np.asarray(self.uv, np.float32))
        if (self.texture is None) != (len(self.uv) == 0) or (
            self.texture is not None
            and (self.uv.shape != (n, 2) or self.texture.ndim != 3 or self.texture.shape[2] != 3)
        ):
            raise InputError(
                f"avatar part {self.name!r}: a texture (h, w, 3) needs uv of shape {(n, 2)}, "
                f"got texture {None if self.texture is None else self.texture.shape} "
                f"and uv {self.uv.shape}"
            )
        if self.triangles.ndim != 2 or self.triangles.shape[1] != 3 or self.triangles.max() >= n:
            raise InputError(f"avatar part {self.name!r}: triangles must index its {n} vertices")


@dataclass(frozen=True, eq=False)
class Avatar:
    """A head that can be rendered and exported: parts plus the pivots pose and gaze turn about.

    Attributes
    ----------
    parts : tuple of Part
    eye_centers_m : ndarray, float32, shape (2, 3)
        Centres of rotation of the (left, right) eyeballs, head frame, metres.
    neck_pivot_m : ndarray, float32, shape (3,)
        The point the head turns about (top of the neck), head frame, metres.
    name : str
    view_projection : ndarray, float32, shape (4, 4), optional
        For an avatar made from a photo: the camera that took it, as a matrix from the head frame
        to clip space (column vectors). Rendered through it, the avatar at rest is the photo.
    channel_sources : dict, optional
        For an imported avatar: ARKit name -> the expression of the file it was made from (its
        own name when the file has it); channels absent were missing and stay still.
    likeness_sha256 : str, optional
        Whose likeness it shows, as the SHA-256 a consent grant names: the photo of a twin, the
        file an avatar was read from (:func:`likeness.trust.binding.likeness_sha256`). None is
        the built-in synthetic avatar; any other needs a grant for every output
        (:mod:`likeness.trust.guard`).
    """

    parts: tuple[Part, ...]
    eye_centers_m: np.ndarray
    neck_pivot_m: np.ndarray
    name: str = "likeness"
    view_projection: np.ndarray | None = None
    channel_sources: dict[str, str] = field(default_factory=dict)
    likeness_sha256: str | None = None

    @property
    def n_vertices(self) -> int:
        """Vertices over all parts."""
        return sum(len(p.positions_m) for p in self.parts)

    @property
    def n_triangles(self) -> int:
        """Triangles over all parts."""
        return sum(len(p.triangles) for p in self.parts)
