"""Camera and lights for the offscreen renderer, as frozen options validated once."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from likeness.errors import InputError


@dataclass(frozen=True)
class Camera:
    """A perspective camera orbiting the head at rest (head pose turns the head, not the camera).

    Attributes
    ----------
    distance_m : float
        From ``target_m`` to the eye of the camera.
    fov_deg : float
        Vertical field of view.
    target_m : tuple of float
        Point looked at, in the head frame of the resting head (metres).
    yaw_deg, pitch_deg : float
        Orbit: positive yaw moves the camera toward the subject's left, positive pitch above.
    background : tuple of float
        sRGB clear colour, 0..1.
    """

    distance_m: float = 0.70
    fov_deg: float = 30.0
    target_m: tuple[float, float, float] = (0.0, -0.05, -0.04)
    yaw_deg: float = 0.0
    pitch_deg: float = 0.0
    background: tuple[float, float, float] = (0.30, 0.33, 0.37)

    def __post_init__(self) -> None:
        if not self.distance_m > 0.05:
            raise InputError(f"camera distance_m must be > 0.05 m, got {self.distance_m}")
        if not 1.0 <= self.fov_deg <= 120.0:
            raise InputError(f"camera fov_deg must be within 1..120, got {self.fov_deg}")

    def eye_m(self) -> np.ndarray:
        """(3,) camera position in the head frame."""
        yaw, pitch = np.deg2rad(self.yaw_deg), np.deg2rad(self.pitch_deg)
        offset = np.array([np.sin(yaw) * np.cos(pitch), np.sin(pitch), np.cos(yaw) * np.cos(pitch)])
        return np.asarray(self.target_m) + self.distance_m * offset

    def view_projection(self, aspect: float) -> np.ndarray:
        """(4, 4) float32 matrix from the head frame to clip space (column vectors)."""
        eye, target = self.eye_m(), np.asarray(self.target_m, float)
        back = (eye - target) / np.linalg.norm(eye - target)
        right = np.cross([0.0, 1.0, 0.0], back)
        right /= np.linalg.norm(right)
        up = np.cross(back, right)
        view = np.eye(4)
        view[:3, :3] = np.stack([right, up, back])
        view[:3, 3] = -view[:3, :3] @ eye
        near, far = 0.05, 5.0
        f = 1.0 / np.tan(np.deg2rad(self.fov_deg) / 2)
        projection = np.array(
            [
                [f / aspect, 0, 0, 0],
                [0, f, 0, 0],
                [0, 0, (far + near) / (near - far), 2 * far * near / (near - far)],
                [0, 0, -1, 0],
            ]
        )
        return (projection @ view).astype(np.float32)


@dataclass(frozen=True)
class PhotoCamera:
    """The fixed camera a photo avatar was captured with (``Avatar.view_projection``).

    Attributes
    ----------
    matrix : tuple of float
        16 values, row-major: the (4, 4) map from the head frame to clip space.
    background : tuple of float
        sRGB clear colour, 0..1 (the photo's own background plane normally covers it).
    """

    matrix: tuple[float, ...]
    background: tuple[float, float, float] = (0.0, 0.0, 0.0)

    @classmethod
    def of(cls, view_projection: np.ndarray) -> PhotoCamera:
        """The camera of a (4, 4) head-frame-to-clip matrix."""
        return cls(tuple(float(x) for x in np.asarray(view_projection, np.float64).ravel()))

    def eye_m(self) -> np.ndarray:
        """(3,) a point 0.7 m toward the camera from the head (it is orthographic)."""
        m = np.array(self.matrix).reshape(4, 4)
        toward = -m[2, :3] / np.linalg.norm(m[2, :3])  # clip depth falls toward the camera
        return (0.7 * toward).astype(np.float64)

    def view_projection(self, aspect: float) -> np.ndarray:
        """(4, 4) float32 matrix from the head frame to clip space (square images only)."""
        return np.array(self.matrix, np.float32).reshape(4, 4)


@dataclass(frozen=True)
class Light:
    """A directional light.

    Attributes
    ----------
    direction : tuple of float
        Toward the light, head frame (normalised on use).
    color : tuple of float
        Linear RGB intensity.
    """

    direction: tuple[float, float, float]
    color: tuple[float, float, float]


def _studio() -> tuple[Light, ...]:
    return (
        Light(direction=(0.55, 0.45, 0.75), color=(2.6, 2.45, 2.3)),  # key: front left, high
        Light(direction=(-0.7, 0.1, 0.6), color=(0.7, 0.75, 0.85)),  # fill: cool, right
        Light(direction=(-0.3, 0.6, -0.8), color=(1.0, 0.95, 0.9)),  # rim: behind, above
    )


@dataclass(frozen=True)
class Lighting:
    """Directional lights plus a sky/ground ambient term (linear RGB)."""

    lights: tuple[Light, ...] = field(default_factory=_studio)
    sky: tuple[float, float, float] = (0.30, 0.32, 0.36)
    ground: tuple[float, float, float] = (0.16, 0.13, 0.11)

    def __post_init__(self) -> None:
        if not 1 <= len(self.lights) <= 4:
            raise InputError(f"lighting takes 1 to 4 lights, got {len(self.lights)}")
