"""The default avatar, generated from the rig template: no external asset.

The face is the template's 468 points with MediaPipe's triangles; a skull cap closes the head
behind the face's outline and a neck carries it. The skin is Loop-subdivided, and
the morph targets are the rig's landmark fields subdivided with the same weights, so the avatar
deforms exactly as the solver's model of a face does. Eyeballs (iris, pupil, a bulging cornea)
sit behind the lids and turn with gaze; teeth and a tongue ride on the jaw bone.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from likeness.avatar.model import Avatar, Part
from likeness.avatar.parts import (
    NECK_CENTER_M,
    SKIN,
    eye_centers_m,
    eyeball,
    mouth,
    neck,
    teeth,
    tongue,
)
from likeness.avatar.topology import (
    boundary_loops,
    face_triangles,
    fan,
    loop_subdivision,
    orient_outward,
    stitch,
)
from likeness.rig import landmarks as lm
from likeness.rig import neutral_m
from likeness.rig.shapes import blendshape_deltas_m

_MM = 1e-3

# Albedo, sRGB 0..1.
LIPS = (0.70, 0.36, 0.36)
BROWS = (0.24, 0.16, 0.11)
HAIR = (0.13, 0.09, 0.07)
LASHES = (0.10, 0.07, 0.06)

# The skull: an ellipsoid behind the face, its radii chosen per half (up/down) in metres.
_SKULL_CENTER_M = np.array([0.0, 0.005, -0.072])
_SKULL_RADII_UP_M = np.array([0.080, 0.118, 0.108])
_SKULL_RADII_DOWN_M = np.array([0.074, 0.100, 0.104])
_N_CAP_RINGS = 6
_SUBDIVISIONS = 1
"""Loop subdivision levels of the skin: one keeps rasterisation on llvmpipe well within real
time (per-pixel shading hides the rest); each further level quadruples the triangles."""


@lru_cache(maxsize=1)
def default_avatar() -> Avatar:
    """The project's own head: a face on the rig template with all 52 ARKit morph targets.

    Returns
    -------
    Avatar
        Skin (face and skull), neck, two eyeballs, upper and lower teeth, a tongue and the inside
        of the mouth, in the head frame in metres. Built once per process and cached.
    """
    points = neutral_m().astype(np.float64)
    eye_centers = eye_centers_m(points)
    mouth_y = points[lm.UPPER_LIP_CENTER_INNER, 1]
    parts = (
        _skin(points),
        neck(),
        *(eyeball(center, eye) for eye, center in enumerate(eye_centers)),
        teeth(points, upper=True),
        teeth(points, upper=False),
        tongue(points),
        mouth(points),
    )
    pivot = np.array([0.0, mouth_y - 20 * _MM, NECK_CENTER_M[2]])
    return Avatar(parts, eye_centers.astype(np.float32), pivot.astype(np.float32), "likeness")


def bridge_from_eye_centers_m() -> np.ndarray:
    """(3,) the head frame's origin (bridge of the nose) seen from the midpoint of the eyeball
    centres, in this anatomy; places the origin in imported avatars that have eye bones."""
    return -eye_centers_m(neutral_m().astype(np.float64)).mean(axis=0)


def _skin(points: np.ndarray) -> Part:
    """Face plus skull cap, subdivided, with the rig's fields as morph targets."""
    face = points[: lm.N_FACE_POINTS]
    triangles = face_triangles()
    oval = max(boundary_loops(triangles), key=len)
    cap_points, cap_triangles, ring_of = _skull_cap(face, oval)
    coarse = np.concatenate([face, cap_points])
    coarse_triangles = orient_outward(
        coarse, np.concatenate([triangles, cap_triangles]), _SKULL_CENTER_M
    )
    # Cap vertices inherit the motion of the outline point they grow from, fading ring by ring
    # (the skin under the chin stretches when the jaw opens; the skull does not move).
    deltas = blendshape_deltas_m()[:, : lm.N_FACE_POINTS].astype(np.float64)
    fade = np.zeros(_N_CAP_RINGS + 2)
    fade[1:3] = 0.55, 0.2
    cap_deltas = deltas[:, oval[ring_of[:, 1]]] * fade[ring_of[:, 0]][None, :, None]
    coarse_deltas = np.concatenate([deltas, cap_deltas], axis=1)

    fine, fine_triangles = coarse, coarse_triangles
    fine_deltas = coarse_deltas
    for _ in range(_SUBDIVISIONS):
        matrix, fine_triangles = loop_subdivision(len(fine), fine_triangles)
        fine = matrix @ fine
        fine_deltas = np.stack([matrix @ d for d in fine_deltas])
    colors = _skin_colors(fine, points)
    return Part(
        name="skin",
        material="skin",
        positions_m=fine,
        triangles=fine_triangles,
        deltas_m=fine_deltas,
        colors=colors,
    )


def _skull_cap(face: np.ndarray, oval: np.ndarray):
    """Rings of vertices from the face outline round the skull to a pole at the back of the head.

    Returns the cap's points (k, 3), its triangles (indices continue after the 468 face points)
    and, per cap point, (ring number from 1, index into ``oval``).
    """
    back = np.array([0.0, -0.3, -1.0]) / np.linalg.norm([0.0, -0.3, -1.0])
    start = face[oval] - _SKULL_CENTER_M
    start_radius = np.linalg.norm(start, axis=1)
    start_dir = start / start_radius[:, None]
    rings, ring_of = [], []
    for j in range(1, _N_CAP_RINGS + 1):
        t = j / (_N_CAP_RINGS + 1)
        direction = _slerp(start_dir, back, t)
        blend = np.clip(t * 2.5, 0.0, 1.0)[None]
        radius = (1 - blend) * start_radius + blend * _ellipsoid_radius(direction)
        rings.append(_SKULL_CENTER_M + direction * radius[:, None])
        ring_of += [(j, k) for k in range(len(oval))]
    pole = _SKULL_CENTER_M + back * _ellipsoid_radius(back[None])[0]
    cap = np.concatenate(rings + [pole[None]])
    n_face, n_oval = len(face), len(oval)
    ring_index = [oval] + [n_face + np.arange(n_oval) + j * n_oval for j in range(_N_CAP_RINGS)]
    triangles = np.concatenate([stitch(ring_index), fan(n_face + len(cap) - 1, ring_index[-1])])
    ring_of.append((_N_CAP_RINGS + 1, 0))
    return cap, triangles.astype(np.int32), np.array(ring_of)


def _slerp(directions: np.ndarray, target: np.ndarray, t: float) -> np.ndarray:
    """Unit vectors (n, 3) the fraction ``t`` of the great-circle way from ``directions`` on."""
    cos = np.clip(directions @ target, -1.0, 1.0)
    angle = np.arccos(cos)[:, None]
    sin = np.maximum(np.sin(angle), 1e-9)
    out = (np.sin((1 - t) * angle) * directions + np.sin(t * angle) * target) / sin
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def _ellipsoid_radius(directions: np.ndarray) -> np.ndarray:
    """Distance from the skull centre to its surface along unit ``directions`` (n, 3)."""
    radii = np.where(directions[:, 1:2] >= 0, _SKULL_RADII_UP_M, _SKULL_RADII_DOWN_M)
    return 1.0 / np.linalg.norm(directions / radii, axis=1)


def _skin_colors(fine: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Per-vertex albedo (n, 3): skin, with lips, brows, lash lines and hair painted on."""
    xy = fine[:, :2]
    color = np.tile(np.array(SKIN), (len(fine), 1))

    def paint(weight: np.ndarray, albedo) -> None:
        color[:] = color * (1 - weight[:, None]) + np.array(albedo) * weight[:, None]

    lips = points[list(lm.LIPS_OUTER_UPPER + lm.LIPS_OUTER_LOWER[-2:0:-1])][:, :2]
    front = fine[:, 2] > -0.03
    paint(_soft_inside(xy, lips, 1.2 * _MM) * front, LIPS)
    for upper, lower in (
        (lm.LEFT_BROW_UPPER, lm.LEFT_BROW_LOWER),
        (lm.RIGHT_BROW_UPPER, lm.RIGHT_BROW_LOWER),
    ):
        brow = points[list(upper + lower[::-1])][:, :2]
        paint(0.85 * _soft_inside(xy, brow, 1.5 * _MM) * front, BROWS)
    for lid in (lm.LEFT_EYE_UPPER_LID, lm.RIGHT_EYE_UPPER_LID):
        distance = _distance_to_polyline(fine, points[list(lid)])
        paint(np.clip(1.6 - distance / (0.9 * _MM), 0, 1) * 0.9, LASHES)
    hairline_y = 0.056 - 1.1 * np.maximum(0.0, -0.06 - fine[:, 2])
    paint(np.clip((fine[:, 1] - hairline_y) / (8 * _MM) + 0.5, 0, 1), HAIR)
    return color


def _soft_inside(xy: np.ndarray, polygon: np.ndarray, edge_m: float) -> np.ndarray:
    """(n,) 1 inside the closed ``polygon`` (k, 2), 0 outside, ramping over ``edge_m``."""
    a, b = polygon, np.roll(polygon, -1, axis=0)
    crosses = ((a[:, 1] > xy[:, None, 1]) != (b[:, 1] > xy[:, None, 1])) & (
        xy[:, None, 0]
        < (b[:, 0] - a[:, 0]) * (xy[:, None, 1] - a[:, 1]) / (b[:, 1] - a[:, 1] + 1e-12) + a[:, 0]
    )
    inside = crosses.sum(axis=1) % 2 == 1
    distance = _distance_to_segments(xy, a, b)
    signed = np.where(inside, distance, -distance)
    return np.clip(0.5 + signed / edge_m, 0.0, 1.0)


def _distance_to_segments(points: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(n,) distance from each point to the nearest of the segments a[i]-b[i]."""
    ab = b - a
    t = np.clip(
        np.einsum("nkd,kd->nk", points[:, None] - a[None], ab) / (ab**2).sum(axis=1), 0.0, 1.0
    )
    nearest = a[None] + t[..., None] * ab[None]
    return np.linalg.norm(points[:, None] - nearest, axis=2).min(axis=1)


def _distance_to_polyline(points: np.ndarray, polyline: np.ndarray) -> np.ndarray:
    """(n,) distance in 3-D from each point to an open polyline (k, 3)."""
    return _distance_to_segments(points, polyline[:-1], polyline[1:])
