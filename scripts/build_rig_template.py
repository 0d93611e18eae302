"""Regenerate ``likeness/rig/data/template.npz``, the neutral face the rig is built on.

The template is the 478-point MediaPipe face mesh measured on a real face photo (scikit-image's
``astronaut``), made metric and symmetric:

1. Landmarks from MediaPipe's face mesh in static-image mode, in pixels (x right, y up, z toward
   the camera).
2. The left/right correspondence of the 478 points: mirror the points, then alternate a rigid fit
   of the mirrored copy onto the original with an optimal one-to-one assignment until it no longer
   changes (it converges in two rounds; 28 points map to themselves: the midline).
3. The symmetric face is the average of the face and its fitted mirror image. Its head frame:
   +x across the symmetry plane toward the subject's left, +z along the normal of the face oval
   pointing out of the face, origin at the bridge of the nose (between the eyes).
4. Metric scale from the iris: a human iris is 11.7 mm across (the figure MediaPipe's own iris
   depth estimate assumes).
5. The photo's lips are parted in a smile; the inner lips are brought together so the template's
   mouth is closed, as a neutral rig needs.

Run: ``python scripts/build_rig_template.py`` (needs scikit-image, a test dependency).
"""

from __future__ import annotations

from pathlib import Path

import mediapipe as mp
import numpy as np
from mediapipe.python.solutions import face_mesh_connections
from scipy.optimize import linear_sum_assignment
from skimage import data

from likeness.rig import landmarks as lm

IRIS_DIAMETER_M = 0.0117
OUT = Path(__file__).resolve().parents[1] / "likeness" / "rig" / "data" / "template.npz"


def measure_face() -> np.ndarray:
    image = data.astronaut()
    height, width = image.shape[:2]
    with mp.solutions.face_mesh.FaceMesh(static_image_mode=True, refine_landmarks=True) as mesh:
        result = mesh.process(image)
    points = np.array([[p.x, p.y, p.z] for p in result.multi_face_landmarks[0].landmark])
    return np.column_stack([points[:, 0] * width, -points[:, 1] * height, -points[:, 2] * width])


def rigid_fit(source: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rotation and translation that best carry ``source`` onto ``target`` (Kabsch)."""
    cs, ct = source.mean(0), target.mean(0)
    u, _, vt = np.linalg.svd((source - cs).T @ (target - ct))
    d = np.sign(np.linalg.det(vt.T @ u.T))
    rotation = vt.T @ np.diag([1.0, 1.0, d]) @ u.T
    return rotation, ct - rotation @ cs


def mirror_correspondence(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mirrored = points * np.array([-1.0, 1.0, 1.0])
    match = np.arange(len(points))
    fitted = mirrored
    for _ in range(20):
        cost = ((points[:, None, :] - fitted[None, :, :]) ** 2).sum(-1)
        _, new_match = linear_sum_assignment(cost)
        if np.array_equal(new_match, match):
            break
        match = new_match
        rotation, translation = rigid_fit(mirrored[match], points)
        fitted = mirrored @ rotation.T + translation
    assert np.array_equal(match[match], np.arange(len(points))), "mirror map is not an involution"
    return match, fitted


def head_frame(points: np.ndarray, mirror: np.ndarray) -> np.ndarray:
    midpoints = (points + points[mirror]) / 2
    _, _, vt = np.linalg.svd(midpoints - midpoints.mean(0))
    across = points[lm.LEFT_EYE_OUTER_CORNER] - points[lm.RIGHT_EYE_OUTER_CORNER]
    x_axis = vt[2] * np.sign(across @ vt[2])
    oval = sorted({i for edge in face_mesh_connections.FACEMESH_FACE_OVAL for i in edge})
    _, _, vt = np.linalg.svd(points[oval] - points[oval].mean(0))
    z_axis = vt[2] * np.sign((points[lm.NOSE_TIP] - points[oval].mean(0)) @ vt[2])
    z_axis -= (z_axis @ x_axis) * x_axis
    z_axis /= np.linalg.norm(z_axis)
    basis = np.stack([x_axis, np.cross(z_axis, x_axis), z_axis])
    return (points - points[lm.NOSE_BRIDGE]) @ basis.T


def close_lips(points: np.ndarray) -> np.ndarray:
    points = points.copy()
    for upper, lower in zip(lm.LIPS_INNER_UPPER[1:-1], lm.LIPS_INNER_LOWER[1:-1], strict=True):
        gap = points[upper, 1] - points[lower, 1]
        points[upper, 1] -= 0.3 * gap
        points[lower, 1] += 0.7 * gap
    for lower in lm.LIPS_OUTER_LOWER[1:-1]:
        inner_lower = lm.LIPS_INNER_LOWER[lm.LIPS_OUTER_LOWER.index(lower)]
        points[lower, 1] = max(points[lower, 1], points[inner_lower, 1] - 0.006)
    return points


def main() -> None:
    raw = measure_face()
    raw -= raw.mean(0)
    mirror, fitted_mirror = mirror_correspondence(raw)
    symmetric = (raw + fitted_mirror[mirror]) / 2
    neutral = head_frame(symmetric, mirror)
    iris = np.mean([
        np.linalg.norm(neutral[a] - neutral[b])
        for ring in (lm.LEFT_IRIS_RING, lm.RIGHT_IRIS_RING)
        for a, b in ((ring[0], ring[2]), (ring[1], ring[3]))
    ])
    neutral *= IRIS_DIAMETER_M / iris
    neutral[:, 0] -= neutral[mirror == np.arange(len(mirror)), 0].mean()
    neutral = close_lips(neutral)
    neutral = (neutral + neutral[mirror] * np.array([-1.0, 1.0, 1.0])) / 2  # exact symmetry
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, neutral_m=neutral.astype(np.float32), mirror=mirror.astype(np.int16))
    n_fixed = int((mirror == np.arange(len(mirror))).sum())
    print(f"wrote {OUT}: {len(neutral)} points, face width "
          f"{np.ptp(neutral[:, 0]) * 100:.1f} cm, mirror-fixed points {n_fixed}")


if __name__ == "__main__":
    main()
