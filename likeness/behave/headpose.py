"""Small quaternion helpers for stages that nudge the head: offsets, and where the face points.

Quaternions are (x, y, z, w) and angles follow :mod:`likeness.frame`: yaw about +y, pitch about
+x (positive down), roll about +z, composed intrinsically in Y-X-Z order.
"""

from __future__ import annotations

import math

import numpy as np


def quaternion_from_yaw_pitch_roll(yaw_rad: float, pitch_rad: float, roll_rad: float) -> np.ndarray:
    """(4,) quaternion of the intrinsic Y-X-Z rotation (yaw, then pitch, then roll)."""
    cy, sy = math.cos(yaw_rad / 2), math.sin(yaw_rad / 2)
    cp, sp = math.cos(pitch_rad / 2), math.sin(pitch_rad / 2)
    cr, sr = math.cos(roll_rad / 2), math.sin(roll_rad / 2)
    qy = np.array([0.0, sy, 0.0, cy])
    qx = np.array([sp, 0.0, 0.0, cp])
    qz = np.array([0.0, 0.0, sr, cr])
    return multiply(multiply(qy, qx), qz)


def multiply(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton product ``a * b`` of (x, y, z, w) quaternions: rotate by ``b``, then by ``a``."""
    ax, ay, az, aw = a
    bx, by, bz, bw = b
    return np.array(
        [
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
            aw * bw - ax * bx - ay * by - az * bz,
        ]
    )


def offset_head(
    rotation: np.ndarray, yaw_rad: float, pitch_rad: float, roll_rad: float
) -> np.ndarray:
    """``rotation`` turned further by (yaw, pitch, roll) about the head's own axes, float32 (4,)."""
    return multiply(
        np.asarray(rotation, np.float64),
        quaternion_from_yaw_pitch_roll(yaw_rad, pitch_rad, roll_rad),
    ).astype(np.float32)


def facing_yaw_pitch(rotation: np.ndarray) -> tuple[float, float]:
    """(yaw, pitch) in radians of the direction the face points (its +z axis) in camera space."""
    x, y, z, w = (float(v) for v in rotation)
    fx, fy, fz = 2 * (x * z + w * y), 2 * (y * z - w * x), 1 - 2 * (x * x + y * y)
    return math.atan2(fx, fz), math.asin(max(-1.0, min(1.0, -fy)))


def direction_in_head(
    rotation: np.ndarray, translation_m: np.ndarray, point_m: np.ndarray
) -> tuple[float, float] | None:
    """(yaw, pitch) in radians, relative to the head, of the line from the head to ``point_m``.

    ``point_m`` is in camera space. None when the point coincides with the head origin.
    """
    v = np.asarray(point_m, np.float64) - np.asarray(translation_m, np.float64)
    if float(np.linalg.norm(v)) < 1e-6:
        return None
    x, y, z, w = (float(c) for c in rotation)
    inverse = np.array([-x, -y, -z, w])
    u = multiply(multiply(inverse, np.array([*v, 0.0])), np.array([x, y, z, w]))[:3]
    return math.atan2(u[0], u[2]), math.atan2(-u[1], math.hypot(u[0], u[2]))
