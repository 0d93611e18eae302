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
from likeness.avatar.topology import (
    boundary_loops,
    face_triangles,
    loop_subdivision,
    orient_outward,
)
from likeness.blendshapes import INDEX, N_BLENDSHAPES
from likeness.rig import landmarks as lm
from likeness.rig import neutral_m
from likeness.rig.shapes import blendshape_deltas_m, jaw_bone_deltas_m

_MM = 1e-3

# Albedo, sRGB 0..1.
SKIN = (0.80, 0.58, 0.47)
LIPS = (0.70, 0.36, 0.36)
BROWS = (0.24, 0.16, 0.11)
HAIR = (0.13, 0.09, 0.07)
LASHES = (0.10, 0.07, 0.06)
SCLERA = (0.93, 0.91, 0.88)
IRIS = (0.32, 0.45, 0.58)
IRIS_RIM = (0.12, 0.16, 0.22)
PUPIL = (0.02, 0.02, 0.02)
TEETH = (0.93, 0.90, 0.82)
TONGUE = (0.72, 0.32, 0.35)
MOUTH = (0.30, 0.09, 0.09)

EYEBALL_RADIUS_M = 12 * _MM
EYE_CENTER_BEHIND_IRIS_M = 10.5 * _MM
EYEBALL_CAP_RAD = 1.9
"""How far round from the gaze axis the eyeball's surface is modelled (110 degrees): far
enough that a turned eye never shows its edge, short of the sides that would poke through the
skin at the temples."""
IRIS_HALF_ANGLE_RAD = 0.52
"""Iris radius ~6 mm on a 12 mm eyeball."""
PUPIL_HALF_ANGLE_RAD = 0.20

# The skull: an ellipsoid behind the face, its radii chosen per half (up/down) in metres.
_SKULL_CENTER_M = np.array([0.0, 0.005, -0.072])
_SKULL_RADII_UP_M = np.array([0.080, 0.118, 0.108])
_SKULL_RADII_DOWN_M = np.array([0.074, 0.100, 0.104])
_N_CAP_RINGS = 6
_SUBDIVISIONS = 1
"""Loop subdivision levels of the skin: one keeps rasterisation on llvmpipe well within real
time (per-pixel shading hides the rest); each further level quadruples the triangles."""
_NECK_CENTER_M = np.array([0.0, 0.0, -0.082])
_NECK_RADII_M = (0.052, 0.056)
_NECK_TOP_Y_M, _NECK_BASE_Y_M = -0.105, -0.34


@lru_cache(maxsize=1)
def default_avatar() -> Avatar:
    """The project's own head: a face on the rig template with all 52 ARKit morph targets.

    Returns
    -------
    Avatar
        Skin (face, skull, neck), two eyeballs, upper and lower teeth and a tongue, in the head
        frame in metres. Built once per process (about a second) and cached.
    """
    points = neutral_m().astype(np.float64)
    eye_centers = np.stack([points[lm.LEFT_IRIS_CENTER], points[lm.RIGHT_IRIS_CENTER]]) - np.array(
        [0.0, 0.0, 10.5 * _MM]
    )
    mouth_y = points[lm.UPPER_LIP_CENTER_INNER, 1]
    parts = (
        _skin(points),
        _neck(),
        *(_eyeball(center, eye) for eye, center in enumerate(eye_centers)),
        _teeth(points, upper=True),
        _teeth(points, upper=False),
        _tongue(points),
        _mouth(points),
    )
    pivot = np.array([0.0, mouth_y - 20 * _MM, _NECK_CENTER_M[2]])
    return Avatar(parts, eye_centers.astype(np.float32), pivot.astype(np.float32), "likeness")


def _eye_centers_m(points: np.ndarray) -> np.ndarray:
    """(2, 3) centres of the (left, right) eyeballs: behind the iris centres by the iris depth."""
    irises = points[[lm.LEFT_IRIS_CENTER, lm.RIGHT_IRIS_CENTER]]
    return irises - [0.0, 0.0, EYE_CENTER_BEHIND_IRIS_M]


def bridge_from_eye_centers_m() -> np.ndarray:
    """(3,) the head frame's origin (bridge of the nose) seen from the midpoint of the eyeball
    centres, in this anatomy; places the origin in imported avatars that have eye bones."""
    return -_eye_centers_m(neutral_m().astype(np.float64)).mean(axis=0)


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
        positions_m=fine.astype(np.float32),
        triangles=fine_triangles.astype(np.uint32),
        deltas_m=fine_deltas.astype(np.float32),
        colors=colors.astype(np.float32),
        head_weight=np.ones(len(fine), np.float32),
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
    triangles = np.concatenate([_stitch(ring_index), _fan(n_face + len(cap) - 1, ring_index[-1])])
    ring_of.append((_N_CAP_RINGS + 1, 0))
    return cap, triangles.astype(np.int32), np.array(ring_of)


def _stitch(rows: list[np.ndarray], *, wrap: bool = True, loop: bool = False) -> np.ndarray:
    """Triangles (m, 3) joining consecutive rows of vertex indices quad by quad; ``wrap`` closes
    each row on itself, ``loop`` joins the last row back to the first."""
    pairs = list(zip(rows[:-1], rows[1:], strict=True)) + ([(rows[-1], rows[0])] if loop else [])
    triangles = []
    for inner, outer in pairs:
        n = len(inner)
        for k in range(n if wrap else n - 1):
            a, b, c, d = inner[k], inner[(k + 1) % n], outer[(k + 1) % n], outer[k]
            triangles += [(a, b, c), (a, c, d)]
    return np.array(triangles, dtype=np.int64)


def _fan(apex: int, ring: np.ndarray) -> np.ndarray:
    """Triangles (n, 3) closing a ring of vertex indices onto one apex vertex."""
    return np.array([(apex, ring[k], ring[(k + 1) % len(ring)]) for k in range(len(ring))])


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


def _neck() -> Part:
    """A neck flaring into the shoulders; its top turns with the head, its base stays put."""
    n_around, ys = 32, np.linspace(_NECK_TOP_Y_M, _NECK_BASE_Y_M, 14)
    angle = np.linspace(0, 2 * np.pi, n_around, endpoint=False)
    rings = []
    for j, y in enumerate(ys):
        # The top is cut on a slant, high at the back to meet the skull, low in front so that
        # nothing of the neck stands inside the mouth.
        slant = 0.05 * (1 - np.cos(angle)) / 2 * max(0.0, 1 - j / 4)
        shoulder = _smoothstep((-0.16 - y) / 0.13)
        radius_x = _NECK_RADII_M[0] + 0.13 * shoulder**1.3
        radius_z = _NECK_RADII_M[1] + 0.035 * shoulder
        # The neck leans forward from its base up to the skull.
        center = _NECK_CENTER_M + [0.0, y, 0.08 * (y - _NECK_TOP_Y_M) - 0.01 * shoulder]
        rings.append(
            center + np.stack([radius_x * np.sin(angle), slant, radius_z * np.cos(angle)], 1)
        )
    positions = np.concatenate(rings)
    rows = list(np.arange(len(positions)).reshape(len(ys), n_around))
    triangles = orient_outward(positions, _stitch(rows), _NECK_CENTER_M + [0, -0.12, -0.01])
    follow = np.clip((positions[:, 1] - _NECK_BASE_Y_M) / (_NECK_TOP_Y_M - _NECK_BASE_Y_M), 0, 1)
    return Part(
        name="neck",
        material="skin",
        positions_m=positions.astype(np.float32),
        triangles=triangles.astype(np.uint32),
        deltas_m=np.zeros((N_BLENDSHAPES, len(positions), 3), np.float32),
        colors=np.tile(np.array(SKIN, np.float32) * 0.97, (len(positions), 1)),
        head_weight=(follow * follow * (3 - 2 * follow)).astype(np.float32),
    )


def _smoothstep(u):
    """0 below 0, 1 above 1, C1 in between."""
    u = np.clip(u, 0.0, 1.0)
    return u * u * (3 - 2 * u)


def _mouth(points: np.ndarray) -> Part:
    """The inside of the mouth: a closed pouch behind the lips, wound to face inward, so that
    with back faces culled only its far wall shows, through the parted lips. Its floor rides
    the jaw."""
    mouth = points[lm.UPPER_LIP_CENTER_INNER]
    center = np.array([0.0, mouth[1] - 10 * _MM, mouth[2] - 30 * _MM])
    radii = np.array([27 * _MM, 24 * _MM, 34 * _MM])
    positions, triangles = _uv_ellipsoid(center, radii, n_rows=10, n_around=20)
    triangles = orient_outward(positions, triangles, center)[:, ::-1].copy()
    below = _smoothstep((mouth[1] + 2 * _MM - positions[:, 1]) / (12 * _MM))
    deltas = jaw_bone_deltas_m(positions) * below[None, :, None]
    return Part(
        name="mouth",
        material="mouth",
        positions_m=positions.astype(np.float32),
        triangles=triangles.astype(np.uint32),
        deltas_m=deltas.astype(np.float32),
        colors=np.tile(np.array(MOUTH), (len(positions), 1)).astype(np.float32),
        head_weight=np.ones(len(positions), np.float32),
    )


def _uv_ellipsoid(center, radii, n_rows: int, n_around: int):
    """A closed ellipsoid: points (n, 3) and triangles (m, 3), poles at +-y."""
    theta = np.linspace(0, np.pi, n_rows)
    phi = np.linspace(0, 2 * np.pi, n_around, endpoint=False)
    t, p = np.meshgrid(theta[1:-1], phi, indexing="ij")
    unit = np.stack([np.sin(t) * np.cos(p), np.cos(t), np.sin(t) * np.sin(p)], -1).reshape(-1, 3)
    unit = np.concatenate([[[0, 1.0, 0]], unit, [[0, -1.0, 0]]])
    rows = list(1 + np.arange(len(unit) - 2).reshape(n_rows - 2, n_around))
    triangles = [_fan(0, rows[0]), _stitch(rows), _fan(len(unit) - 1, rows[-1])]
    return center + unit * radii, np.concatenate(triangles)


def _eyeball(center: np.ndarray, eye: int) -> Part:
    """The front of an eyeball looking down +z, with the iris and pupil as rings of vertices
    (crisp edges) and the cornea bulging over the iris. It stops short of the sides, which lie
    under the skin at the corners of the eye and would show through it when the head turns."""
    thetas = np.concatenate(
        [
            [PUPIL_HALF_ANGLE_RAD - 0.01, PUPIL_HALF_ANGLE_RAD + 0.01],
            np.linspace(PUPIL_HALF_ANGLE_RAD + 0.08, IRIS_HALF_ANGLE_RAD - 0.06, 2),
            [IRIS_HALF_ANGLE_RAD - 0.015, IRIS_HALF_ANGLE_RAD + 0.015],
            np.linspace(IRIS_HALF_ANGLE_RAD + 0.2, EYEBALL_CAP_RAD, 4),
        ]
    )
    n_around = 28
    phi = np.linspace(0, 2 * np.pi, n_around, endpoint=False)
    theta_grid, phi_grid = np.meshgrid(thetas, phi, indexing="ij")
    directions = np.stack(
        [
            np.sin(theta_grid) * np.cos(phi_grid),
            np.sin(theta_grid) * np.sin(phi_grid),
            np.cos(theta_grid),
        ],
        axis=-1,
    ).reshape(-1, 3)
    theta = theta_grid.ravel()
    # Cornea: a clear dome ~1 mm proud of the sphere over the iris.
    bulge = 1.0 * _MM * np.clip(1 - theta / (IRIS_HALF_ANGLE_RAD + 0.1), 0, 1) ** 2
    radius = EYEBALL_RADIUS_M + bulge
    front = np.array([[0, 0, EYEBALL_RADIUS_M + 1.0 * _MM]])
    local = np.concatenate([front, directions * radius[:, None]])
    theta_all = np.concatenate([[0.0], theta])
    rows = list(1 + np.arange(len(theta)).reshape(len(thetas), n_around))
    triangles = orient_outward(
        local, np.concatenate([_fan(0, rows[0]), _stitch(rows)]), np.zeros(3)
    )
    colors = np.array([_eye_albedo(t) for t in theta_all])
    positions = local + center
    return Part(
        name="eye_left" if eye == 0 else "eye_right",
        material="eye",
        positions_m=positions.astype(np.float32),
        triangles=triangles.astype(np.uint32),
        deltas_m=np.zeros((N_BLENDSHAPES, len(positions), 3), np.float32),
        colors=colors.astype(np.float32),
        head_weight=np.ones(len(positions), np.float32),
        eye=eye,
    )


def _eye_albedo(theta_rad: float) -> np.ndarray:
    """Albedo at an angle from the gaze axis: pupil, iris darkening to its rim, then sclera."""
    if theta_rad <= PUPIL_HALF_ANGLE_RAD:
        return np.array(PUPIL)
    if theta_rad <= IRIS_HALF_ANGLE_RAD:
        u = (theta_rad - PUPIL_HALF_ANGLE_RAD) / (IRIS_HALF_ANGLE_RAD - PUPIL_HALF_ANGLE_RAD)
        return np.array(IRIS) * (1 - u**3) + np.array(IRIS_RIM) * u**3
    # The sclera greys a little toward the back where it is shadowed in life.
    return np.array(SCLERA) * (1.0 - 0.15 * (theta_rad - IRIS_HALF_ANGLE_RAD) / np.pi)


def _arch(points: np.ndarray, n: int = 28) -> np.ndarray:
    """(n, 3) points along the dental arch at mouth height, (x, 0, z), right to left."""
    front_z = points[lm.UPPER_LIP_CENTER_INNER, 2] - 5.5 * _MM
    angle = np.linspace(-1.25, 1.25, n)
    return np.stack(
        [24 * _MM * np.sin(angle), np.zeros(n), front_z - 26 * _MM * (1 - np.cos(angle))], axis=1
    )


def _teeth(points: np.ndarray, upper: bool) -> Part:
    """A row of teeth: a closed band bent along the dental arch; the lower row rides the jaw."""
    arch = _arch(points)
    if not upper:  # the lower row closes just behind the upper one
        arch = arch * [0.94, 1.0, 1.0] - [0.0, 0.0, 1.5 * _MM]
    mouth_y = points[lm.UPPER_LIP_CENTER_INNER, 1]
    edge_y = mouth_y - 2.5 * _MM if upper else mouth_y - 3.0 * _MM
    toward_gum = 1.0 if upper else -1.0
    height, thickness = (9 * _MM if upper else 8 * _MM), 5 * _MM
    tangent = np.gradient(arch, axis=0)
    outward = np.cross(tangent, [0.0, 1.0, 0.0])
    outward /= np.linalg.norm(outward, axis=1, keepdims=True)
    # Cross-section, a closed loop: biting edge front, gum front, gum back, biting edge back.
    section = [(0.0, 0.0), (0.0, height), (-thickness, height), (-0.6 * thickness, 0.0)]
    rows = [arch + outward * off + [0.0, edge_y + toward_gum * h, 0.0] for off, h in section]
    positions = np.concatenate(rows)
    n, k = len(arch), len(section)
    grid = np.arange(n * k).reshape(k, n)
    # The band is closed round its cross-section; two quads cap its ends.
    ends = [end[[0, 1, 2, 0, 2, 3]].reshape(2, 3) for end in (grid[:, 0], grid[:, -1])]
    triangles = np.concatenate([_stitch(list(grid), wrap=False, loop=True), *ends])
    triangles = orient_outward(positions, triangles, arch.mean(axis=0) + [0, edge_y, -20 * _MM])
    # Gaps between teeth: darken the band periodically along the arch.
    along = np.tile(np.linspace(0, 1, n), k)
    gaps = 1 - 0.25 * (np.cos(along * np.pi * 13) > 0.92)
    colors = np.array(TEETH)[None] * gaps[:, None]
    deltas = (
        np.zeros((N_BLENDSHAPES, len(positions), 3))
        if upper
        else jaw_bone_deltas_m(positions).astype(np.float64)
    )
    return Part(
        name="teeth_upper" if upper else "teeth_lower",
        material="teeth",
        positions_m=positions.astype(np.float32),
        triangles=triangles.astype(np.uint32),
        deltas_m=deltas.astype(np.float32),
        colors=colors.astype(np.float32),
        head_weight=np.ones(len(positions), np.float32),
    )


def _tongue(points: np.ndarray) -> Part:
    """A flattened half-ellipsoid on the floor of the mouth, carried by the jaw; tongueOut slides
    its tip out between the lips."""
    mouth = points[lm.UPPER_LIP_CENTER_INNER]
    center = np.array([0.0, mouth[1] - 9.5 * _MM, mouth[2] - 30 * _MM])
    radii = np.array([18 * _MM, 5 * _MM, 26 * _MM])
    positions, triangles = _uv_ellipsoid(np.zeros(3), radii, n_rows=12, n_around=20)
    positions[:, 1] *= np.where(positions[:, 1] < 0, 0.35, 1.0)  # flat underneath
    positions += center
    triangles = orient_outward(positions, triangles, center)
    deltas = jaw_bone_deltas_m(positions).astype(np.float64)
    # The front half slides out past the teeth and lips, thinning as it goes.
    front = np.clip((positions[:, 2] - center[2]) / radii[2] + 0.2, 0, 1)[:, None]
    out = (
        np.array([0.0, -2 * _MM, 32 * _MM]) * front
        + (center - positions) * [0.25, 0.2, 0.0] * front
    )
    deltas[INDEX["tongueOut"]] += out
    return Part(
        name="tongue",
        material="tongue",
        positions_m=positions.astype(np.float32),
        triangles=triangles.astype(np.uint32),
        deltas_m=deltas.astype(np.float32),
        colors=np.tile(np.array(TONGUE), (len(positions), 1)).astype(np.float32),
        head_weight=np.ones(len(positions), np.float32),
    )
