"""Head pose: a similarity fit of the rigid part of the face to the neutral template, lifted to
metric camera space through a pinhole camera."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.linalg.lapack import dgesvd

from likeness.errors import InputError
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


@dataclass(frozen=True, slots=True)
class MeshTurn:
    """How far a face mesh turns out of the picture: the share of the head's own turn (yaw,
    pitch) it shows, and the share of the view ray's angle (a face off to the side of the
    picture is seen from an angle, as if turned away from the camera). Roll, in the picture's
    plane, is seen in full."""

    head: float
    ray: float

    def __post_init__(self) -> None:
        if not (self.head > 0 and self.ray >= 0):
            raise InputError(f"a mesh's turn must be > 0 for the head and >= 0 for the ray, "
                             f"got {self.head} and {self.ray}")


IDEAL_TURN = MeshTurn(head=1.0, ray=1.0)
"""Landmarks that turn exactly with the head and the view, as the rig's own do."""
MEDIAPIPE_TURN = MeshTurn(head=0.89, ray=0.74)
"""MediaPipe's face mesh: its 3-D landmarks turn less than the head, toward the frontal face it
was trained around. Rendered turning +-25 degrees, the avatar read 0.83 of its yaw and 0.89 of
its pitch; rendered frontal 20 degrees off a wide camera's axis, it read turned 15 degrees away,
and with the whole ray taken out 5 degrees the other way. Measured by
``python -m likeness_lab.mesh_turn``."""


def image_points(landmarks: np.ndarray, image_size: tuple[int, int]) -> np.ndarray:
    """MediaPipe normalized landmarks (n, 3) -> pixel-unit points with x right, y up, z toward the
    camera (the axes of likeness's camera space), float64 (n, 3)."""
    return landmarks * _pixel_axes(image_size)


def _pixel_axes(image_size: tuple[int, int]) -> np.ndarray:
    """Per-axis factors from normalized landmarks to image points (see :func:`image_points`)."""
    width, height = image_size
    return np.array([width, -height, -width], np.float64)


class PoseAnchors:
    """The neutral's rigid landmarks, centred once: the fixed half of every frame's pose fit.

    Parameters
    ----------
    model : ndarray (n, 3)
        The anchors' points in the model (head) frame, e.g. ``neutral_m[POSE_ANCHORS]``.
    """

    __slots__ = ("mean", "centred", "spread")

    def __init__(self, model: np.ndarray) -> None:
        model = np.asarray(model, np.float64)
        self.mean = model.mean(0)
        self.centred = model - self.mean
        self.spread = float((self.centred * self.centred).sum())

    @classmethod
    def of_neutral(cls, neutral_m: np.ndarray) -> PoseAnchors:
        """The :data:`POSE_ANCHORS` of a neutral face (478, 3), head frame, metres."""
        return cls(np.asarray(neutral_m)[POSE_ANCHORS])

    def fit(self, observed: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
        """Rotation R (3, 3), scale s and offset c minimising ||s R model + c - observed|| for
        the anchors' observed points (n, 3) (Umeyama)."""
        # observed.mean(0)'s own sum and division, without its wrapper's cost (a fifth of the fit).
        mean_observed = np.add.reduce(observed, 0) / len(observed)
        # The model is centred, so the observed points need not be for the cross-covariance.
        u, sigma, vt, info = dgesvd(observed.T @ self.centred)
        if info != 0:
            raise np.linalg.LinAlgError(f"the pose fit's SVD did not converge ({info})")
        rotation = u @ vt
        if _det3(rotation.tolist()) < 0:  # a reflection fits better: take the nearest rotation
            u[:, 2] *= -1.0
            sigma[2] *= -1.0
            rotation = u @ vt
        scale = sum(sigma.tolist()) / self.spread
        return rotation, scale, mean_observed - scale * (rotation @ self.mean)


def _det3(m: list[list[float]]) -> float:
    """Determinant of a 3x3 matrix given as nested lists."""
    return (m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]))


class HeadPose:
    """The fitted pose of one face in one frame.

    Parameters
    ----------
    points_px : ndarray (478, 3)
        Image points (:func:`image_points`).
    neutral_m : ndarray (478, 3) or PoseAnchors
        The user's neutral in the head frame, metres, or its anchors prepared once.
    image_size : tuple[int, int]
        (width, height), pixels.
    camera : PinholeCamera
    turn : MeshTurn
        How far the landmarks turn with the head and the view: the reported rotation is the
        fitted one with its out-of-plane part scaled up to the head's, and the view ray's
        share of it taken out.

    Attributes
    ----------
    rotation_fit : ndarray (3, 3)
        Head frame to the image's (weak-perspective) axes; what undoes pose on the landmarks.
    scale_px_per_m : float
    origin_px : ndarray (3,)
        The head origin in image points (x right, y up).
    quaternion : ndarray float32 (4,)
        Head to camera space (x, y, z, w), corrected for how far the landmarks turn and for
        where the face sits in the picture.
    translation_m : ndarray float32 (3,)
        Head origin in camera space, metres (z < 0 in front of the camera).
    """

    __slots__ = ("rotation_fit", "scale_px_per_m", "origin_px", "quaternion", "translation_m")

    def __init__(self, points_px: np.ndarray, neutral_m: np.ndarray | PoseAnchors,
                 image_size: tuple[int, int], camera: PinholeCamera,
                 turn: MeshTurn = MEDIAPIPE_TURN) -> None:
        if not isinstance(neutral_m, PoseAnchors):
            neutral_m = PoseAnchors.of_neutral(neutral_m)
        self._place(neutral_m.fit(np.asarray(points_px, np.float64)[POSE_ANCHORS]),
                    image_size, camera, turn)

    @classmethod
    def from_landmarks(cls, landmarks: np.ndarray, anchors: PoseAnchors,
                       image_size: tuple[int, int], camera: PinholeCamera,
                       turn: MeshTurn = MEDIAPIPE_TURN) -> HeadPose:
        """The pose from MediaPipe normalized landmarks (478, 3), converting only the anchors."""
        pose = cls.__new__(cls)
        pose._place(anchors.fit(landmarks[POSE_ANCHORS] * _pixel_axes(image_size)),
                    image_size, camera, turn)
        return pose

    def _place(self, fit: tuple[np.ndarray, float, np.ndarray], image_size: tuple[int, int],
               camera: PinholeCamera, turn: MeshTurn) -> None:
        """Lift the image-space similarity fit to camera space."""
        rotation, scale, origin = fit
        self.rotation_fit, self.scale_px_per_m, self.origin_px = rotation, scale, origin
        width, height = image_size
        focal_px = camera.focal_px(width)
        depth_m = focal_px / scale
        origin_x, origin_y = float(origin[0]), float(origin[1])
        x_m = (origin_x - width / 2) * depth_m / focal_px
        y_m = (origin_y + height / 2) * depth_m / focal_px
        self.translation_m = np.array([x_m, y_m, -depth_m], np.float32)
        # The landmarks show the head as seen along the ray from the camera to it; turn that
        # view back into camera axes so a face off to the side that looks at the lens has the
        # rotation that points it at the lens. The mesh shows only part of the head's turn and
        # of the ray's: the fitted turn is scaled to the head's, and the ray's angle by as much.
        share = turn.ray / turn.head
        length = math.sqrt((share * x_m) ** 2 + (share * y_m) ** 2 + depth_m * depth_m)
        to_camera = (-share * x_m / length, -share * y_m / length, depth_m / length)
        head = _turned_further(rotation.tolist(), 1.0 / turn.head)
        self.quaternion = quaternion_from_matrix(_matmul3(turn_z_to(to_camera), head))

    def to_head(self, points_px: np.ndarray) -> np.ndarray:
        """Image points (n, 3) -> metres in the head frame (pose removed)."""
        return ((points_px - self.origin_px) @ self.rotation_fit) / self.scale_px_per_m

    def landmarks_to_head(self, landmarks: np.ndarray, image_size: tuple[int, int]) -> np.ndarray:
        """MediaPipe normalized landmarks (n, 3) -> metres in the head frame: :meth:`to_head` of
        their image points as one product (n, 3) @ (3, 3) and one offset."""
        to_head = (_pixel_axes(image_size)[:, None] * self.rotation_fit) / self.scale_px_per_m
        offset = (self.origin_px @ self.rotation_fit) / self.scale_px_per_m
        return landmarks @ to_head - offset


def _matmul3(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    """Product of two 3x3 matrices given as nested lists (faster than numpy at this size)."""
    return [[a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j] for j in range(3)]
            for i in range(3)]


def _turned_further(rotation: list[list[float]], gain: float) -> list[list[float]]:
    """``rotation`` (3x3, nested lists) with the angle by which it tips +z out of the picture
    multiplied by ``gain``, about the same axis; its roll about +z is kept."""
    x, y, z = rotation[0][2], rotation[1][2], rotation[2][2]
    sideways = math.hypot(x, y)
    if gain == 1.0 or sideways < 1e-12:
        return rotation
    tipped = math.atan2(sideways, z)
    more = min(gain * tipped, math.pi) - tipped
    # Rodrigues about the unit axis z x forward = (ax, ay, 0), by the extra angle.
    ax, ay = -y / sideways, x / sideways
    c, s = math.cos(more), math.sin(more)
    t = 1.0 - c
    extra = [[c + t * ax * ax, t * ax * ay, s * ay],
             [t * ax * ay, c + t * ay * ay, -s * ax],
             [-s * ay, s * ax, c]]
    return _matmul3(extra, rotation)


def turn_z_to(direction: tuple[float, float, float]) -> list[list[float]]:
    """The smallest rotation (3, 3, nested lists) taking +z to the unit vector ``direction``
    (Rodrigues)."""
    dx, dy, dz = direction
    ax, ay = -dy, dx  # the axis z x direction, scaled by the sine of the angle
    sin2 = ax * ax + ay * ay
    if sin2 < 1e-18:
        return [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]
    # I + K + K^2 (1 - cos) / sin^2, K the cross-product matrix of the axis (ax, ay, 0).
    c = (1.0 - dz) / sin2
    return [[1.0 - ay * ay * c, ax * ay * c, ay],
            [ax * ay * c, 1.0 - ax * ax * c, -ax],
            [-ay, ax, 1.0 - sin2 * c]]


def quaternion_from_matrix(m: np.ndarray | list[list[float]]) -> np.ndarray:
    """Rotation matrix (3, 3) -> unit quaternion (x, y, z, w) float32 with w >= 0."""
    if isinstance(m, np.ndarray):
        m = m.tolist()
    trace = m[0][0] + m[1][1] + m[2][2]
    if trace > 0:
        s = 2.0 * math.sqrt(trace + 1.0)
        q = [(m[2][1] - m[1][2]) / s, (m[0][2] - m[2][0]) / s, (m[1][0] - m[0][1]) / s, 0.25 * s]
    else:
        diagonal = [m[0][0], m[1][1], m[2][2]]
        i = diagonal.index(max(diagonal))
        j, k = (i + 1) % 3, (i + 2) % 3
        s = 2.0 * math.sqrt(1.0 + m[i][i] - m[j][j] - m[k][k])
        q = [0.0, 0.0, 0.0, (m[k][j] - m[j][k]) / s]
        q[i], q[j], q[k] = 0.25 * s, (m[j][i] + m[i][j]) / s, (m[k][i] + m[i][k]) / s
    if q[3] < 0:
        q = [-v for v in q]
    return np.array(q, np.float32)
