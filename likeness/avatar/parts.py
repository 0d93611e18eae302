"""The default avatar's parts besides the skin: neck, eyeballs, teeth, tongue, the inside of
the mouth. All in the head frame, metres; the jaw-borne parts move with the rig's jaw bone."""

from __future__ import annotations

import numpy as np

from likeness.avatar.model import Part
from likeness.avatar.topology import fan, orient_outward, stitch
from likeness.blendshapes import INDEX, N_BLENDSHAPES
from likeness.rig import landmarks as lm
from likeness.rig.shapes import jaw_bone_deltas_m

_MM = 1e-3

# Albedo, sRGB 0..1.
SKIN = (0.80, 0.58, 0.47)
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

NECK_CENTER_M = np.array([0.0, 0.0, -0.082])
_NECK_RADII_M = (0.052, 0.056)
_NECK_TOP_Y_M, _NECK_BASE_Y_M = -0.105, -0.34


def eye_centers_m(points: np.ndarray) -> np.ndarray:
    """(2, 3) centres of the (left, right) eyeballs: behind the iris centres by the iris depth."""
    irises = points[[lm.LEFT_IRIS_CENTER, lm.RIGHT_IRIS_CENTER]]
    return irises - [0.0, 0.0, EYE_CENTER_BEHIND_IRIS_M]


def neck() -> Part:
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
        center = NECK_CENTER_M + [0.0, y, 0.08 * (y - _NECK_TOP_Y_M) - 0.01 * shoulder]
        rings.append(
            center + np.stack([radius_x * np.sin(angle), slant, radius_z * np.cos(angle)], 1)
        )
    positions = np.concatenate(rings)
    rows = list(np.arange(len(positions)).reshape(len(ys), n_around))
    triangles = orient_outward(positions, stitch(rows), NECK_CENTER_M + [0, -0.12, -0.01])
    follow = np.clip((positions[:, 1] - _NECK_BASE_Y_M) / (_NECK_TOP_Y_M - _NECK_BASE_Y_M), 0, 1)
    return Part(
        name="neck",
        material="skin",
        positions_m=positions,
        triangles=triangles,
        deltas_m=np.zeros((N_BLENDSHAPES, len(positions), 3), np.float32),
        colors=np.tile(np.array(SKIN, np.float32) * 0.97, (len(positions), 1)),
        head_weight=follow * follow * (3 - 2 * follow),
    )


def _smoothstep(u):
    """0 below 0, 1 above 1, C1 in between."""
    u = np.clip(u, 0.0, 1.0)
    return u * u * (3 - 2 * u)


def mouth(points: np.ndarray) -> Part:
    """The inside of the mouth: a closed pouch behind the lips, wound to face inward, so that
    with back faces culled only its far wall shows, through the parted lips. Its floor rides
    the jaw."""
    lips = points[lm.UPPER_LIP_CENTER_INNER]
    center = np.array([0.0, lips[1] - 10 * _MM, lips[2] - 30 * _MM])
    radii = np.array([27 * _MM, 24 * _MM, 34 * _MM])
    positions, triangles = _uv_ellipsoid(center, radii, n_rows=10, n_around=20)
    triangles = orient_outward(positions, triangles, center)[:, ::-1].copy()
    below = _smoothstep((lips[1] + 2 * _MM - positions[:, 1]) / (12 * _MM))
    deltas = jaw_bone_deltas_m(positions) * below[None, :, None]
    return Part(
        name="mouth",
        material="mouth",
        positions_m=positions,
        triangles=triangles,
        deltas_m=deltas,
        colors=np.tile(np.array(MOUTH), (len(positions), 1)),
    )


def _uv_ellipsoid(center, radii, n_rows: int, n_around: int):
    """A closed ellipsoid: points (n, 3) and triangles (m, 3), poles at +-y."""
    theta = np.linspace(0, np.pi, n_rows)
    phi = np.linspace(0, 2 * np.pi, n_around, endpoint=False)
    t, p = np.meshgrid(theta[1:-1], phi, indexing="ij")
    unit = np.stack([np.sin(t) * np.cos(p), np.cos(t), np.sin(t) * np.sin(p)], -1).reshape(-1, 3)
    unit = np.concatenate([[[0, 1.0, 0]], unit, [[0, -1.0, 0]]])
    rows = list(1 + np.arange(len(unit) - 2).reshape(n_rows - 2, n_around))
    triangles = [fan(0, rows[0]), stitch(rows), fan(len(unit) - 1, rows[-1])]
    return center + unit * radii, np.concatenate(triangles)


def eyeball(center: np.ndarray, eye: int) -> Part:
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
    triangles = orient_outward(local, np.concatenate([fan(0, rows[0]), stitch(rows)]), np.zeros(3))
    colors = np.array([_eye_albedo(t) for t in theta_all])
    positions = local + center
    return Part(
        name="eye_left" if eye == 0 else "eye_right",
        material="eye",
        positions_m=positions,
        triangles=triangles,
        deltas_m=np.zeros((N_BLENDSHAPES, len(positions), 3), np.float32),
        colors=colors,
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


def teeth(points: np.ndarray, upper: bool) -> Part:
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
    triangles = np.concatenate([stitch(list(grid), wrap=False, loop=True), *ends])
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
        positions_m=positions,
        triangles=triangles,
        deltas_m=deltas,
        colors=colors,
    )


def tongue(points: np.ndarray) -> Part:
    """A flattened half-ellipsoid on the floor of the mouth, carried by the jaw; tongueOut slides
    its tip out between the lips."""
    lips = points[lm.UPPER_LIP_CENTER_INNER]
    center = np.array([0.0, lips[1] - 9.5 * _MM, lips[2] - 30 * _MM])
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
        positions_m=positions,
        triangles=triangles,
        deltas_m=deltas,
        colors=np.tile(np.array(TONGUE), (len(positions), 1)),
    )
