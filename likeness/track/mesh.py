"""Face landmarks from RGB frames: MediaPipe's face mesh (0.10.21) with refined irises, in video
mode, with stable ids for several faces."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from likeness.errors import InputError, TrackingError
from likeness.frame import N_LANDMARKS

log = logging.getLogger(__name__)

MAX_ID_JUMP = 0.5
"""A face keeps its id if its centre moved less than this many face widths since last seen."""
FORGET_AFTER_FRAMES = 30
"""A lost face's id can be reclaimed by a face reappearing near it for this many frames."""


@dataclass(frozen=True, slots=True)
class TrackedFace:
    """One face found in one frame.

    Attributes
    ----------
    face_id : int
        Stable across frames while the face stays in view (0 for the first face seen).
    landmarks : ndarray, float32, shape (478, 3)
        x, y in 0..1 of the image width and height (y down), z in image-width units, smaller
        toward the camera (MediaPipe's normalized landmarks).
    image_size : tuple[int, int]
        (width, height) of the frame in pixels.
    """

    face_id: int
    landmarks: np.ndarray
    image_size: tuple[int, int]


class FaceTracker:
    """MediaPipe face mesh in video mode: tracks from frame to frame instead of re-detecting.

    Call it with consecutive frames of one source; ``reset()`` before another source.

    Parameters
    ----------
    max_faces : int
        Most faces to track at once (>= 1).
    min_detection_confidence, min_tracking_confidence : float
        MediaPipe's thresholds, 0..1: below the tracking one it falls back to detection.
    """

    def __init__(self, max_faces: int = 1, *, min_detection_confidence: float = 0.5,
                 min_tracking_confidence: float = 0.5) -> None:
        if max_faces < 1:
            raise InputError(f"max_faces must be at least 1, got {max_faces}")
        self.max_faces = max_faces
        self._confidences = (min_detection_confidence, min_tracking_confidence)
        self._mesh: Any = None
        self.reset()

    def reset(self) -> None:
        """Forget the faces seen so far (a new source begins)."""
        if self._mesh is not None:
            self._mesh.close()
            self._mesh = None
        self._last: dict[int, tuple[np.ndarray, float, int]] = {}  # id -> (centre, width, frame)
        self._next_id = 0
        self._n_frames = 0

    def _open(self) -> None:
        try:
            from mediapipe.python.solutions import face_mesh
        except ImportError as e:
            raise TrackingError(f"MediaPipe's face mesh is not installed ({e}); "
                                "install mediapipe==0.10.21") from e
        self._mesh = face_mesh.FaceMesh(
            static_image_mode=False,
            max_num_faces=self.max_faces,
            refine_landmarks=True,
            min_detection_confidence=self._confidences[0],
            min_tracking_confidence=self._confidences[1],
        )

    def __call__(self, rgb: np.ndarray, t_s: float | None = None) -> list[TrackedFace]:
        """The faces in one frame, sorted by id; an empty list when there is none.

        Parameters
        ----------
        rgb : ndarray, uint8, shape (H, W, 3)
        t_s : float, optional
            Frame time in seconds (kept for the interface; MediaPipe's legacy graph orders
            frames by call).
        """
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise InputError(f"expected an RGB uint8 image (H, W, 3), got {rgb.dtype} {rgb.shape}")
        if self._mesh is None:
            self._open()
        result = self._mesh.process(np.ascontiguousarray(rgb))
        self._n_frames += 1
        meshes = result.multi_face_landmarks or []
        points = [landmarks_array(m) for m in meshes]
        ids = self._assign_ids(points)
        size = (rgb.shape[1], rgb.shape[0])
        faces = [TrackedFace(i, p, size) for i, p in zip(ids, points, strict=True)]
        return sorted(faces, key=lambda f: f.face_id)

    def _assign_ids(self, points: list[np.ndarray]) -> list[int]:
        """Give each face the id of the nearest recently seen face, or a new one."""
        centres = [p[:, :2].mean(0) for p in points]
        widths = [float(np.ptp(p[:, 0])) for p in points]
        candidates = sorted(
            (float(np.linalg.norm(c - last_c)) / max(last_w, 1e-6), face, face_id)
            for face, c in enumerate(centres)
            for face_id, (last_c, last_w, seen) in self._last.items()
            if self._n_frames - seen <= FORGET_AFTER_FRAMES
        )
        ids: list[int | None] = [None] * len(points)
        taken: set[int] = set()
        for jump, face, face_id in candidates:
            if jump <= MAX_ID_JUMP and ids[face] is None and face_id not in taken:
                ids[face] = face_id
                taken.add(face_id)
        for face in range(len(points)):
            if ids[face] is None:
                ids[face] = self._next_id
                self._next_id += 1
            self._last[ids[face]] = (centres[face], widths[face], self._n_frames)  # type: ignore[index]
        return ids  # type: ignore[return-value]

    def close(self) -> None:
        """Release MediaPipe's graph."""
        self.reset()

    def __enter__(self) -> FaceTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def landmarks_array(face_landmarks: object) -> np.ndarray:
    """MediaPipe's NormalizedLandmarkList -> float32 (478, 3)."""
    marks = face_landmarks.landmark  # type: ignore[attr-defined]
    flat = np.fromiter((v for p in marks for v in (p.x, p.y, p.z)), np.float32, 3 * len(marks))
    points = flat.reshape(-1, 3)
    if len(points) != N_LANDMARKS:
        raise TrackingError(f"expected {N_LANDMARKS} landmarks with refined irises, "
                            f"MediaPipe gave {len(points)}")
    return points
