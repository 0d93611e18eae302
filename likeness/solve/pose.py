"""Head pose: a similarity fit of the rigid part of the face to the neutral template, lifted to
metric camera space through a pinhole camera."""

from __future__ import annotations

import numpy as np

from likeness.solve.camera import PinholeCamera

POSE_ANCHORS = np.array([
    # Forehead, nose bridge and nose: they do not move with any expression.
    10, 151, 9, 8, 168, 6, 197, 195, 5, 4,
    109, 338, 67, 297, 103, 332, 54, 284,
    # Cheekbones, temples and the upper face contour.
    117, 346, 119, 348, 121, 350, 127, 356, 143, 372, 234, 454,
    # Eye corners: squints barely move them.
    33, 263, 133, 362,
], dtype=np.intp)
"""Landmarks that hold still when the face changes expression (closed under left/right mirror)."""


def image_points(landmarks: np.ndarray, image_size: tuple[int, int]) -> np.ndarray:
    """MediaPipe normalized landmarks (n, 3) -> pixel-unit points with x right, y up, z toward the
    camera (the axes of likeness's camera space), float64 (n, 3)."""
    width, height = image_size
    points = np.empty(landmarks.shape, np.float64)
    points[:, 0] = landmarks[:, 0] * width
    points[:, 1] = -landmarks[:, 1] * height
    points[:, 2] = -landmarks[:, 2] * width
    return points


def similarity_fit(model: np.ndarray, observed: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """Rotation R (3, 3), scale s and offset c minimising ||s R model + c - observed|| (Umeyama)."""
    mean_model, mean_observed = model.mean(0), observed.mean(0)
    a, b = model - mean_model, observed - mean_observed
    u, sigma, vt = np.linalg.svd(b.T @ a)
    d = np.ones(3)
    d[2] = np.sign(np.linalg.det(u @ vt)) or 1.0
    rotation = (u * d) @ vt
    scale = float((sigma * d).sum() / (a * a).sum())
    return rotation, scale, mean_observed - scale * rotation @ mean_model


class HeadPose:
    """The fitted pose of one face in one frame.

    Attributes
    ----------
    rotation_fit : ndarray (3, 3)
        Head frame to the image's (weak-perspective) axes; what undoes pose on the landmarks.
    scale_px_per_m : float
    origin_px : ndarray (3,)
        The head origin in image points (x right, y up).
    quaternion : ndarray float32 (4,)
        Head to camera space (x, y, z, w), corrected for where the face sits in the picture.
    translation_m : ndarray float32 (3,)
        Head origin in camera space, metres (z < 0 in front of the camera).
    """

    __slots__ = ("rotation_fit", "scale_px_per_m", "origin_px", "quaternion", "translation_m")

    def __init__(self, points_px: np.ndarray, neutral_m: np.ndarray,
                 image_size: tuple[int, int], camera: PinholeCamera) -> None:
        rotation, scale, origin = similarity_fit(neutral_m[POSE_ANCHORS], points_px[POSE_ANCHORS])
        self.rotation_fit, self.scale_px_per_m, self.origin_px = rotation, scale, origin
        width, height = image_size
        focal_px = camera.focal_px(width)
        depth_m = focal_px / scale
        x_m = (origin[0] - width / 2) * depth_m / focal_px
        y_m = (origin[1] + height / 2) * depth_m / focal_px
        self.translation_m = np.array([x_m, y_m, -depth_m], np.float32)
        # The landmarks show the head as seen along the ray from the camera to it; turn that
        # view back into camera axes so a face off to the side that looks at the lens has the
        # rotation that points it at the lens.
        to_camera = np.array([-x_m, -y_m, depth_m]) / np.linalg.norm([x_m, y_m, depth_m])
        self.quaternion = quaternion_from_matrix(turn_z_to(to_camera) @ rotation)

    def to_head(self, points_px: np.ndarray) -> np.ndarray:
        """Image points (n, 3) -> metres in the head frame (pose removed)."""
        return ((points_px - self.origin_px) @ self.rotation_fit) / self.scale_px_per_m


def turn_z_to(direction: np.ndarray) -> np.ndarray:
    """The smallest rotation (3, 3) taking +z to the unit vector ``direction`` (Rodrigues)."""
    axis = np.array([-direction[1], direction[0], 0.0])
    sin2 = float(axis @ axis)
    if sin2 < 1e-18:
        return np.eye(3)
    cross = np.array([[0.0, 0.0, axis[1]], [0.0, 0.0, -axis[0]], [-axis[1], axis[0], 0.0]])
    return np.eye(3) + cross + cross @ cross * ((1.0 - direction[2]) / sin2)


def quaternion_from_matrix(m: np.ndarray) -> np.ndarray:
    """Rotation matrix (3, 3) -> unit quaternion (x, y, z, w) float32 with w >= 0."""
    trace = m[0, 0] + m[1, 1] + m[2, 2]
    if trace > 0:
        s = 2.0 * np.sqrt(trace + 1.0)
        q = [(m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s, 0.25 * s]
    else:
        i = int(np.argmax(np.diag(m)))
        j, k = (i + 1) % 3, (i + 2) % 3
        s = 2.0 * np.sqrt(1.0 + m[i, i] - m[j, j] - m[k, k])
        q = [0.0, 0.0, 0.0, (m[k, j] - m[j, k]) / s]
        q[i], q[j], q[k] = 0.25 * s, (m[j, i] + m[i, j]) / s, (m[k, i] + m[i, k]) / s
    out = np.array(q, np.float32)
    return out if out[3] >= 0 else -out
