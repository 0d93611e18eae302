"""A talking digital twin from one frontal portrait: the photo's own pixels on a mesh fitted to it.

MediaPipe's face mesh finds the 478 landmarks on the photo. The rig template is on the same
topology, so a similarity fit (scale, rotation, translation) of the template onto the landmarks
puts the person's face into the rig's head frame, and the rig's 52 displacement fields carry over
as they are. The parts:

- **face**: the 468 landmarks with MediaPipe's triangles, textured with the photo at the
  landmarks' own pixels; rendered through the photo's camera, the face at rest *is* the photo;
- **background**: a grid over the whole picture (hair, ears, neck, background) behind the face;
  near the face it turns with the head, fading to still at a distance, so hair follows the head
  and the shoulders stay;
- **eyes**: a spherical cap behind each eye opening, textured with the person's own eye on a
  sclera-coloured surround; it turns with gaze, and the lids (face vertices) close over it;
- **mouth**: the rig's dark mouth pouch, teeth and tongue behind the lips, seen when the jaw opens.

The avatar carries the photo's camera (``Avatar.view_projection``): renderers use it, so a twin
renders framed as its photo was.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from likeness.avatar.model import Avatar, Part
from likeness.avatar.parts import mouth, teeth, tongue
from likeness.avatar.topology import boundary_loops, face_triangles, fan, orient_outward, stitch
from likeness.blendshapes import INDEX, N_BLENDSHAPES
from likeness.errors import InputError
from likeness.fileio import existing_file
from likeness.rig import landmarks as lm
from likeness.rig import neutral_m
from likeness.rig.shapes import blendshape_deltas_m

_MM = 1e-3
MAX_TEXTURE_PX = 1024
"""Longest side of the photo texture: more detail than a 512 px render can show."""
MAX_YAW_DEG = 30.0
"""A portrait turned further than this from the camera is refused: the far cheek is not in it."""
_GRID = 48
"""Background grid vertices along each side."""
_EYE_RADIUS_OF_WIDTH = 0.6
"""Eye cap radius as a fraction of the eye's corner-to-corner width: wide enough that its
outline covers the opening even turned 30 degrees."""
POUCH_BACK_M = 10 * _MM
"""How far the mouth's inside is set back from the rig's place for it: seen from a little below,
its roof would hide the upper teeth."""
UPPER_TEETH_SHOWN_M = 2.5 * _MM
LOWER_TEETH_SHOWN_M = 1.5 * _MM
"""How far the biting edges reach past the inner lips, as the photo's camera sees them: the rig
places the teeth for a level view, and a camera a little above or below would hide them."""


@dataclass(frozen=True)
class PhotoFit:
    """Where the rig's head frame sits in a square photo.

    Attributes
    ----------
    landmarks_px : ndarray, float64, shape (478, 3)
        MediaPipe's landmarks in the square crop's pixels: x right, y up, z toward the camera.
    scale, rotation, translation : float, ndarray (3, 3), ndarray (3,)
        ``landmarks_px ~ scale * rotation @ template_m + translation``.
    side_px : int
        The square crop's side.
    """

    landmarks_px: np.ndarray
    scale: float
    rotation: np.ndarray
    translation: np.ndarray
    side_px: int

    def to_head(self, points_px: np.ndarray) -> np.ndarray:
        """Crop pixels (n, 3) -> head frame, metres."""
        return (points_px - self.translation) @ self.rotation / self.scale

    def to_pixels(self, points_m: np.ndarray) -> np.ndarray:
        """Head frame (n, 3), metres -> crop pixels (x right, y up, z toward the camera)."""
        return self.scale * points_m @ self.rotation.T + self.translation

    def uv(self, points_m: np.ndarray) -> np.ndarray:
        """(n, 2) glTF texture coordinates of head-frame points seen by the photo's camera."""
        px = self.to_pixels(points_m)
        return np.stack([px[:, 0], self.side_px - px[:, 1]], axis=1) / self.side_px

    def view_projection(self, depth_m: float = 0.5) -> np.ndarray:
        """(4, 4) head frame -> clip space of the square crop, orthographic; depth +-``depth_m``."""
        m = np.zeros((4, 4))
        m[:2, :3] = 2.0 * self.scale / self.side_px * self.rotation[:2]
        m[:2, 3] = 2.0 * self.translation[:2] / self.side_px - 1.0
        m[2, :3] = -self.rotation[2] / depth_m  # nearer the camera is smaller depth
        m[3, 3] = 1.0
        return m.astype(np.float32)

    @property
    def yaw_deg(self) -> float:
        """How far the face is turned from the camera (about the vertical), degrees."""
        forward = self.rotation[:, 2]
        return float(np.degrees(np.arctan2(forward[0], forward[2])))


def read_photo(path: str | os.PathLike[str]) -> np.ndarray:
    """An image file as RGB uint8 (H, W, 3), upright per its EXIF orientation."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    p = existing_file(path, "photo")
    try:
        with Image.open(p) as image:
            return np.asarray(ImageOps.exif_transpose(image).convert("RGB")).copy()
    except (UnidentifiedImageError, OSError, ValueError) as e:
        raise InputError(f"{p}: not a readable image ({e})") from e


def twin_from_photo(path: str | os.PathLike[str]) -> Avatar:
    """:func:`build_twin` of an image file, named after it; its likeness is the file's, so a
    grant for the photo covers every output of the twin."""
    from likeness.trust.consent import sha256_file

    return build_twin(read_photo(path), name=Path(path).stem, likeness_sha256=sha256_file(path))


def build_twin(rgb: np.ndarray, *, name: str = "twin", likeness_sha256: str | None = None
               ) -> Avatar:
    """A talking avatar made of a frontal portrait's own pixels.

    Parameters
    ----------
    rgb : ndarray, uint8, shape (H, W, 3)
        The portrait. The largest square round the face is kept (the whole picture when it is
        square).
    name : str
    likeness_sha256 : str, optional
        Whose likeness it is, as a consent grant names it: the SHA-256 of the photo's file
        (:func:`twin_from_photo` gives it). Default: the SHA-256 of the pixels, which no grant
        made for a file names, so the twin's outputs are refused.

    Returns
    -------
    Avatar
        Parts ``face``, ``background``, ``eye_left``, ``eye_right`` (material ``photo``), and the
        mouth's inside, teeth and tongue; all 52 ARKit morph targets on the face (the rig's
        fields); ``view_projection`` is the photo's camera.

    Raises
    ------
    InputError
        No face in the photo, or a face turned more than :data:`MAX_YAW_DEG` from the camera.
    """
    rgb = np.asarray(rgb)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8 or min(rgb.shape[:2]) < 64:
        raise InputError(f"expected an RGB uint8 image at least 64 px a side, got "
                         f"{rgb.dtype} {rgb.shape}")
    crop, fit = _fit(rgb)
    if abs(fit.yaw_deg) > MAX_YAW_DEG:
        raise InputError(f"the face is turned {fit.yaw_deg:.0f} degrees from the camera; a twin "
                         f"needs a frontal portrait (within {MAX_YAW_DEG:.0f} degrees)")
    texture = _resized(crop, min(MAX_TEXTURE_PX, len(crop)))
    face = fit.to_head(fit.landmarks_px)
    triangles = face_triangles()
    loops = boundary_loops(triangles)
    oval = max(loops, key=len)
    face_part = Part(
        name="face",
        material="photo",
        positions_m=face[: lm.N_FACE_POINTS],
        triangles=triangles,
        deltas_m=blendshape_deltas_m()[:, : lm.N_FACE_POINTS],
        colors=np.ones((lm.N_FACE_POINTS, 3)),
        uv=fit.uv(face[: lm.N_FACE_POINTS]),
        texture=texture,
    )
    eye_loops = [_loop_around(loops, i) for i in (lm.LEFT_IRIS_CENTER, lm.RIGHT_IRIS_CENTER)]
    eyes = [_eye(crop, fit, face, loop, e) for e, loop in enumerate(eye_loops)]
    pouch = mouth(face)
    pouch = dataclasses.replace(pouch, positions_m=pouch.positions_m - [0.0, 0.0, POUCH_BACK_M])
    inside = (pouch, *_teeth_in_view(face, fit), tongue(face))
    deepest = min(p.positions_m[:, 2].min() for p in (face_part, *inside, *(e[0] for e in eyes)))
    background = _background(fit, face, oval, texture, depth_m=float(deepest) - 5 * _MM)
    mouth_y = face[lm.UPPER_LIP_CENTER_INNER, 1]
    pivot = np.array([0.0, mouth_y - 20 * _MM, -0.082])
    return Avatar(
        (background, face_part, *(e[0] for e in eyes), *inside),
        np.array([e[1] for e in eyes], np.float32),
        pivot.astype(np.float32),
        name,
        view_projection=fit.view_projection(),
        likeness_sha256=likeness_sha256 or hashlib.sha256(rgb.tobytes()).hexdigest(),
    )


def photo_of(avatar: Avatar) -> np.ndarray:
    """The square of the photo a twin keeps (its background's texture), (n, n, 3) uint8."""
    for part in avatar.parts:
        if part.name == "background" and part.texture is not None:
            return part.texture
    raise InputError(f"avatar {avatar.name!r} was not made from a photo")


def _fit(rgb: np.ndarray) -> tuple[np.ndarray, PhotoFit]:
    """The square crop kept and the rig's placement in it."""
    from likeness.track.mesh import FaceTracker

    with FaceTracker(max_faces=1) as tracker:
        faces = tracker(np.ascontiguousarray(rgb))
    if not faces:
        raise InputError("no face found in the photo (a twin needs a frontal portrait)")
    h, w = rgb.shape[:2]
    normalized = faces[0].landmarks.astype(np.float64)
    pixels = normalized * [w, h, w]
    side = min(w, h)
    center = pixels[: lm.N_FACE_POINTS, :2].mean(axis=0)
    x0 = int(np.clip(round(center[0] - side / 2), 0, w - side))
    y0 = int(np.clip(round(center[1] - side / 2), 0, h - side))
    crop = rgb[y0 : y0 + side, x0 : x0 + side]
    # x right, y up, z toward the camera (MediaPipe's z is smaller toward it).
    q = np.stack([pixels[:, 0] - x0, side - (pixels[:, 1] - y0), -pixels[:, 2]], axis=1)
    scale, rotation, translation = _similarity(neutral_m().astype(np.float64), q)
    return crop, PhotoFit(q, scale, rotation, translation, side)


def _similarity(source: np.ndarray, target: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Umeyama's least-squares ``target ~ s R source + t`` for point sets (n, 3)."""
    mu_s, mu_t = source.mean(axis=0), target.mean(axis=0)
    a, b = source - mu_s, target - mu_t
    u, sigma, vt = np.linalg.svd(b.T @ a)
    d = np.diag([1.0, 1.0, np.sign(np.linalg.det(u @ vt))])
    rotation = u @ d @ vt
    scale = float(np.trace(np.diag(sigma) @ d) / (a**2).sum())
    return scale, rotation, mu_t - scale * rotation @ mu_s


def _resized(image: np.ndarray, side: int) -> np.ndarray:
    """An image resampled to (side, side) (Lanczos), or itself when it is that size."""
    from PIL import Image

    if image.shape[0] == side and image.shape[1] == side:
        return np.ascontiguousarray(image)
    resample = Image.Resampling.LANCZOS
    return np.asarray(Image.fromarray(image).resize((side, side), resample))


def _teeth_in_view(face: np.ndarray, fit: PhotoFit) -> tuple[Part, Part]:
    """Upper and lower teeth, moved up or down so that the photo's camera sees their edges past
    the lips (MediaPipe's lip points fold over one another on thin or pressed lips)."""
    up = fit.rotation[1]  # the picture's up, in the head frame
    points = face[: lm.N_FACE_POINTS]
    center = points[[lm.UPPER_LIP_CENTER_INNER, lm.LOWER_LIP_CENTER_INNER]].mean(axis=0)
    near = (np.abs(points[:, 0] - center[0]) < 6 * _MM) & (
        np.abs(points[:, 1] - center[1]) < 12 * _MM
    )
    opening = blendshape_deltas_m()[INDEX["jawOpen"], : lm.N_FACE_POINTS]
    jaw = np.linalg.norm(opening, axis=1)
    on_jaw = jaw > 0.5 * jaw[lm.LOWER_LIP_CENTER_INNER]
    # The upper lip with the mouth open: the rig drags its inner surface down a little.
    upper_lip = (points + opening)[near & ~on_jaw] @ up
    lower_lip = points[near & on_jaw] @ up
    rows = []
    for upper, shown in ((True, UPPER_TEETH_SHOWN_M), (False, LOWER_TEETH_SHOWN_M)):
        part = teeth(face, upper=upper)
        middle = part.positions_m[np.abs(part.positions_m[:, 0]) < 3 * _MM] @ up
        reach = upper_lip.min() - middle.min() if upper else middle.max() - lower_lip.max()
        shift = max(0.0, shown - reach) / up[1] * (-1 if upper else 1)
        rows.append(dataclasses.replace(part, positions_m=part.positions_m + [0.0, shift, 0.0]))
    return rows[0], rows[1]


def _loop_around(loops: list[np.ndarray], iris: int) -> np.ndarray:
    """The hole of the face mesh that an iris centre lies in (its eye opening)."""
    template = neutral_m()
    return min(loops, key=lambda loop: np.linalg.norm(template[loop].mean(axis=0)
                                                      - template[iris]))


def _eye(crop: np.ndarray, fit: PhotoFit, face: np.ndarray, loop: np.ndarray,
         eye: int) -> tuple[Part, np.ndarray]:
    """A cap of a sphere behind one eye opening, wearing the person's eye; and its centre."""
    opening = face[loop]
    width = float(np.ptp(opening[:, 0]))
    radius = _EYE_RADIUS_OF_WIDTH * width
    # Just behind the lids everywhere, so that they close over it.
    front = np.r_[opening[:, :2].mean(axis=0), opening[:, 2].min() - 1 * _MM]
    center = front - [0.0, 0.0, radius]
    thetas = np.linspace(0.0, 1.9, 12)[1:]
    phi = np.linspace(0, 2 * np.pi, 32, endpoint=False)
    t, p = np.meshgrid(thetas, phi, indexing="ij")
    unit = np.stack([np.sin(t) * np.cos(p), np.sin(t) * np.sin(p), np.cos(t)], -1).reshape(-1, 3)
    positions = center + radius * np.concatenate([[[0.0, 0.0, 1.0]], unit])
    rows = list(1 + np.arange(len(unit)).reshape(len(thetas), len(phi)))
    triangles = orient_outward(positions, np.concatenate([fan(0, rows[0]), stitch(rows)]), center)
    # The texture: the photo's eye inside the opening, sclera round it (what a turn reveals).
    side = fit.side_px
    corner_px = fit.to_pixels(front[None])[0, :2] - 1.3 * radius * fit.scale
    size_px = max(int(np.ceil(2.6 * radius * fit.scale)), 8)
    x0, y0 = int(np.floor(corner_px[0])), int(np.floor(side - corner_px[1] - size_px))
    patch = _padded(crop, x0, y0, size_px).astype(np.float64)
    outline = fit.to_pixels(opening)[:, :2] * [1, -1] + [-x0, side - y0]
    inside = _polygon_mask(outline, size_px)
    sclera = _sclera_color(patch, inside)
    soft = _soften(inside, radius_px=max(1.0, 0.04 * size_px))
    texture = (patch * soft[..., None] + sclera * (1 - soft[..., None])).round()
    px = fit.to_pixels(positions)
    uv = np.stack([px[:, 0] - x0, side - px[:, 1] - y0], axis=1) / size_px
    part = Part(
        name="eye_left" if eye == 0 else "eye_right",
        material="photo",
        positions_m=positions,
        triangles=triangles,
        deltas_m=np.zeros((N_BLENDSHAPES, len(positions), 3)),
        colors=np.ones((len(positions), 3)),
        eye=eye,
        uv=uv,
        # A power-of-two side, as the glTF validator (and WebGL 1 mipmapping) prefers.
        texture=_resized(np.clip(texture, 0, 255).astype(np.uint8),
                         1 << int(np.ceil(np.log2(size_px)))),
    )
    return part, center


def _padded(image: np.ndarray, x0: int, y0: int, size: int) -> np.ndarray:
    """The (size, size) window of ``image`` at (x0, y0), edge pixels repeated outside it."""
    ys = np.clip(np.arange(y0, y0 + size), 0, image.shape[0] - 1)
    xs = np.clip(np.arange(x0, x0 + size), 0, image.shape[1] - 1)
    return image[ys[:, None], xs[None, :]]


def _polygon_mask(polygon: np.ndarray, size: int) -> np.ndarray:
    """(size, size) float 1 inside ``polygon`` (k, 2) pixel coordinates (x right, y down)."""
    from PIL import Image, ImageDraw

    mask = Image.new("L", (size, size), 0)
    ImageDraw.Draw(mask).polygon([tuple(p) for p in polygon.tolist()], fill=255)
    return np.asarray(mask, np.float64) / 255


def _soften(mask: np.ndarray, radius_px: float) -> np.ndarray:
    """A mask shrunk by about ``radius_px`` and feathered over as much again."""
    from scipy import ndimage

    return np.clip(2 * ndimage.gaussian_filter(mask, radius_px) - 1, 0, 1)


def _sclera_color(patch: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """(3,) the white of the eye: the brighter third of the pixels in the opening."""
    pixels = patch[inside > 0.5]
    if len(pixels) < 4:
        return np.array([200.0, 190.0, 185.0])
    brightness = pixels.sum(axis=1)
    return np.median(pixels[brightness >= np.quantile(brightness, 2 / 3)], axis=0)


def _background(fit: PhotoFit, face: np.ndarray, oval: np.ndarray, texture: np.ndarray,
                depth_m: float) -> Part:
    """The whole picture as a grid behind the face, turning with the head near the face."""
    side = fit.side_px
    u = np.linspace(0.0, side, _GRID)
    gx, gy = np.meshgrid(u, u[::-1])  # rows from the top: y up in pixels
    flat = np.stack([gx.ravel(), gy.ravel()], axis=1)
    outline_px = fit.to_pixels(face[oval])
    outline = outline_px[:, :2]
    face_width = float(np.ptp(outline[:, 0]))
    # Depth: outside the face, the face's outline carried outward (hair and ears continue its
    # surface, so nothing slides over them when the head turns); inside, it dips behind the
    # mouth and eyes.
    near = np.linalg.norm(flat[:, None] - outline[None], axis=2)
    weight = 1.0 / (near**2 + 1.0) ** 2
    depth_px = weight @ outline_px[:, 2] / weight.sum(axis=1)
    deep_px = fit.to_pixels(np.array([[0.0, 0.0, depth_m]]))[0, 2]
    inside = _outside_distance(flat, outline, inside=True)
    depth_px += (deep_px - depth_px) * _smoothstep(inside / (0.12 * face_width))
    positions = fit.to_head(np.c_[flat, depth_px])
    index = np.arange(_GRID * _GRID).reshape(_GRID, _GRID)
    a, b, c, d = index[:-1, :-1], index[:-1, 1:], index[1:, :-1], index[1:, 1:]
    triangles = np.concatenate([np.stack([a, c, b], -1).reshape(-1, 3),
                                np.stack([b, c, d], -1).reshape(-1, 3)])
    triangles = orient_outward(positions, triangles, positions.mean(axis=0) - [0.0, 0.0, 1.0])
    chin_y = float(outline[:, 1].min())
    distance = _outside_distance(flat, outline)
    # Hair and ears follow the head; below the chin the neck and shoulders stay with the body.
    distance += 2.0 * np.maximum(chin_y - flat[:, 1], 0.0)
    head_weight = 1.0 - _smoothstep(distance / (0.45 * face_width))
    # Skin just outside the outline goes where the outline goes (the jaw opening drags the
    # jawline's edge with it instead of leaving the old jawline behind).
    carried = (weight / weight.sum(axis=1, keepdims=True)) * (
        1.0 - _smoothstep(_outside_distance(flat, outline) / (0.15 * face_width))
    )[:, None]
    deltas = np.einsum("nk,bkd->bnd", carried, blendshape_deltas_m()[:, oval])
    return Part(
        name="background",
        material="photo",
        positions_m=positions,
        triangles=triangles,
        deltas_m=deltas,
        colors=np.ones((len(positions), 3)),
        head_weight=head_weight,
        uv=fit.uv(positions),
        texture=texture,
    )


def _outside_distance(points: np.ndarray, polygon: np.ndarray, *,
                      inside: bool = False) -> np.ndarray:
    """(n,) distance from 2-D points to a closed polygon, 0 inside it (or, with ``inside``,
    0 outside it)."""
    from matplotlib.path import Path as Polygon

    a, b = polygon, np.roll(polygon, -1, axis=0)
    ab = b - a
    t = np.clip(np.einsum("nkd,kd->nk", points[:, None] - a[None], ab) / (ab**2).sum(axis=1),
                0.0, 1.0)
    nearest = a[None] + t[..., None] * ab[None]
    distance = np.linalg.norm(points[:, None] - nearest, axis=2).min(axis=1)
    return np.where(Polygon(polygon).contains_points(points) != inside, 0.0, distance)


def _smoothstep(u: np.ndarray) -> np.ndarray:
    u = np.clip(u, 0.0, 1.0)
    return u * u * (3.0 - 2.0 * u)
