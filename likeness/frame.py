"""The one data type that flows between stages: :class:`FaceFrame`, and its columnar sequence
:class:`Animation`.

Conventions (shared by every stage, sink and file format):

- Time ``t_s`` in seconds from the start of the source.
- ``weights``: float32[52] in :data:`likeness.blendshapes.NAMES` order, each in 0..1. Readers
  clamp the small overshoot of real ARKit recordings into 0..1 (see :func:`clamp_weights`).
- Head frame: right-handed, metres; +x is the subject's own left, +y up, +z out of the face
  toward the camera (ARKit's face-anchor axes). The camera looks down its own -z axis.
- ``head_rotation``: unit quaternion (x, y, z, w) taking head-frame vectors to camera space.
  ``head_translation_m``: the head origin (between the eyes, at the bridge of the nose) in camera
  space; a face 50 cm in front of the camera has z = -0.5.
- Angles (head and eyes) are right-handed rotations in radians: yaw about +y (positive turns the
  face or eye toward the subject's own left), pitch about +x (positive turns it down), roll about
  +z (positive tips the head toward the subject's right shoulder... as seen from the camera,
  counter-clockwise).
- ``eyes_rad``: float32[2, 2], rows (left eye, right eye), columns (yaw, pitch), relative to the
  head.
"""

from __future__ import annotations

import dataclasses
import logging
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.spatial.transform import Rotation, Slerp

from likeness.blendshapes import N_BLENDSHAPES
from likeness.errors import InputError

log = logging.getLogger(__name__)

N_LANDMARKS = 478
"""MediaPipe face mesh points with refined irises (468 face + 2 x 5 iris)."""

IDENTITY_QUATERNION = np.array([0.0, 0.0, 0.0, 1.0], dtype=np.float32)

WEIGHT_LIMITS = (-0.5, 1.5)
"""The blendshape weights a reader takes, and clamps to 0..1. ARKit overshoots a little in real
recordings (a Live Link Face take may hold EyeLookInRight = 1.00334); a value beyond these bounds
is no overshoot but a wrong file or packet, and is refused."""

CLAMPED_KEY = "n_weights_clamped"
"""The ``Animation.metadata`` key in which readers say how many weights they clamped (not
written back to files: it describes the reading, not the take)."""


def clamp_weights(weights: np.ndarray, where: Callable[[int, int], str], *,
                  warn: bool = False) -> tuple[np.ndarray, int]:
    """Weights clamped to 0..1, and how many were outside 0..1.

    Parameters
    ----------
    weights : float array, shape (n, 52) or (52,)
        Blendshape weights as read.
    where : callable
        ``where(row, column)`` names a value for the error message (a file, line and column).
    warn : bool
        Log a warning saying how many values were clamped, and where the first was (for files;
        streams count instead of logging every packet).

    Returns
    -------
    (clamped, n_clamped) : (array of the same shape and dtype, int)

    Raises
    ------
    InputError
        A NaN, an infinity, or a value outside :data:`WEIGHT_LIMITS`, naming the first one.
    """
    rows = np.atleast_2d(weights)
    low, high = WEIGHT_LIMITS
    bad = ~np.isfinite(rows) | (rows < low) | (rows > high)
    if bad.any():
        row, col = (int(i) for i in np.argwhere(bad)[0])
        raise InputError(f"{where(row, col)} = {rows[row, col]:g}, expected a weight in 0..1 "
                         f"(overshoot within {low:g}..{high:g} is clamped)")
    outside = (rows < 0) | (rows > 1)
    n_clamped = int(np.count_nonzero(outside))
    if n_clamped and warn:
        row, col = (int(i) for i in np.argwhere(outside)[0])
        log.warning("%s = %g clamped to 0..1; %d weight(s) clamped in all (ARKit overshoots 0..1 "
                    "a little in real recordings)", where(row, col), rows[row, col], n_clamped)
    return np.clip(weights, 0.0, 1.0), n_clamped


@dataclass(frozen=True, slots=True)
class FaceFrame:
    """One face at one instant.

    Attributes
    ----------
    t_s : float
        Time in seconds from the start of the source.
    weights : ndarray, float32, shape (52,)
        ARKit blendshape weights in 0..1, in :data:`likeness.blendshapes.NAMES` order.
    head_rotation : ndarray, float32, shape (4,)
        Unit quaternion (x, y, z, w), head frame to camera space.
    head_translation_m : ndarray, float32, shape (3,)
        Head origin in camera space, metres.
    eyes_rad : ndarray, float32, shape (2, 2)
        (left, right) x (yaw, pitch) relative to the head, radians.
    landmarks : ndarray, float32, shape (478, 3), optional
        Tracker landmarks in normalized image coordinates (x, y in 0..1, z in image-width units).
    confidence : float
        0..1; 0 where no face was found.
    found : bool
        False marks a frame in which no face was seen: its values are the last known (or neutral)
        ones, never invented detail.
    face_id : int
        Stable id of the face across frames when several are tracked.
    speaking : bool
        The face is speaking at this instant: the behaviour stages (blink, gaze, idle) read it.
    attending : bool
        The face attends closely to someone else (listening, watching): blinks come less often.
        Neither flag is written to files: a take's ``phonemes`` and ``listening`` tracks say the
        same for a whole take.
    """

    t_s: float
    weights: np.ndarray
    head_rotation: np.ndarray = field(default_factory=lambda: IDENTITY_QUATERNION.copy())
    head_translation_m: np.ndarray = field(default_factory=lambda: np.zeros(3, np.float32))
    eyes_rad: np.ndarray = field(default_factory=lambda: np.zeros((2, 2), np.float32))
    landmarks: np.ndarray | None = None
    confidence: float = 1.0
    found: bool = True
    face_id: int = 0
    speaking: bool = False
    attending: bool = False

    @classmethod
    def neutral(cls, t_s: float = 0.0, **fields: Any) -> FaceFrame:
        """A rest face: all weights zero, head upright at the origin, eyes ahead."""
        return cls(t_s=t_s, weights=np.zeros(N_BLENDSHAPES, np.float32), **fields)

    def head_euler_rad(self) -> np.ndarray:
        """Head (yaw, pitch, roll) in radians, intrinsic Y-X-Z, as in the module conventions."""
        return euler_from_quaternions(self.head_rotation[None])[0]

    def replace(self, **changes: Any) -> FaceFrame:
        """A copy with some fields changed (frames are immutable)."""
        # Every stage makes its frame this way, several times a frame: copying the fields
        # straight over takes half the time of dataclasses.replace, which calls __init__.
        unknown = changes.keys() - _FACE_FRAME_FIELDS
        if unknown:
            raise TypeError(f"FaceFrame has no field {', '.join(sorted(unknown))}")
        copy = object.__new__(FaceFrame)
        for name in _FACE_FRAME_FIELDS:
            object.__setattr__(copy, name, changes[name] if name in changes
                               else getattr(self, name))
        return copy


_FACE_FRAME_FIELDS = tuple(f.name for f in dataclasses.fields(FaceFrame))


def euler_from_quaternions(quaternions: np.ndarray) -> np.ndarray:
    """(n, 4) quaternions (x, y, z, w) -> (n, 3) (yaw, pitch, roll) radians, intrinsic Y-X-Z.

    At a pitch of +-90 degrees yaw and roll turn about the same axis; the turn is reported as
    yaw with zero roll, quietly (scipy warns on every such rotation, and a stream may send many).
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Gimbal lock detected", category=UserWarning)
        return Rotation.from_quat(quaternions).as_euler("YXZ").astype(np.float32)


def quaternions_from_euler(yaw_pitch_roll_rad: np.ndarray) -> np.ndarray:
    """(n, 3) (yaw, pitch, roll) radians -> (n, 4) quaternions (x, y, z, w)."""
    return Rotation.from_euler("YXZ", yaw_pitch_roll_rad).as_quat().astype(np.float32)


@dataclass(slots=True)
class Animation:
    """A sequence of face frames at a frame rate, stored column by column.

    Row ``i`` of every array is frame ``i``. Columnar storage keeps whole-take operations
    (filters, resampling, file writing) vectorised.

    Attributes
    ----------
    fps : float
        Nominal frame rate (frames per second) the frames were sampled at.
    t_s : ndarray, float64, shape (n,)
    weights : ndarray, float32, shape (n, 52)
    head_rotation : ndarray, float32, shape (n, 4)
    head_translation_m : ndarray, float32, shape (n, 3)
    eyes_rad : ndarray, float32, shape (n, 2, 2)
    confidence : ndarray, float32, shape (n,)
    found : ndarray, bool, shape (n,)
    landmarks : ndarray, float32, shape (n, 478, 3), optional
    tracks : dict
        Named event tracks that are not per frame (phonemes, visemes...), each a list of
        JSON-serialisable dicts with ``start_s`` and ``end_s``.
    metadata : dict
        JSON-serialisable facts about the take (source, options, calibration).
    """

    fps: float
    t_s: np.ndarray
    weights: np.ndarray
    head_rotation: np.ndarray
    head_translation_m: np.ndarray
    eyes_rad: np.ndarray
    confidence: np.ndarray
    found: np.ndarray
    landmarks: np.ndarray | None = None
    tracks: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.t_s = np.asarray(self.t_s, np.float64)
        self.weights = np.asarray(self.weights, np.float32)
        self.head_rotation = np.asarray(self.head_rotation, np.float32)
        self.head_translation_m = np.asarray(self.head_translation_m, np.float32)
        self.eyes_rad = np.asarray(self.eyes_rad, np.float32)
        self.confidence = np.asarray(self.confidence, np.float32)
        self.found = np.asarray(self.found, bool)
        if self.landmarks is not None:
            self.landmarks = np.asarray(self.landmarks, np.float32)
        self._verify()

    def _verify(self) -> None:
        n = len(self.t_s)
        expected = {
            "t_s": (n,),
            "weights": (n, N_BLENDSHAPES),
            "head_rotation": (n, 4),
            "head_translation_m": (n, 3),
            "eyes_rad": (n, 2, 2),
            "confidence": (n,),
            "found": (n,),
        }
        if self.landmarks is not None:
            expected["landmarks"] = (n, N_LANDMARKS, 3)
        for name, shape in expected.items():
            actual = getattr(self, name).shape
            if actual != shape:
                raise InputError(f"Animation.{name} must have shape {shape}, got {actual}")
        if not (np.isfinite(self.fps) and self.fps > 0):
            raise InputError(f"Animation.fps must be a positive number, got {self.fps}")

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def neutral(cls, n_frames: int, fps: float, *, t0_s: float = 0.0) -> Animation:
        """``n_frames`` rest frames at ``fps``, starting at ``t0_s``."""
        return cls(
            fps=fps,
            t_s=t0_s + np.arange(n_frames) / fps,
            weights=np.zeros((n_frames, N_BLENDSHAPES), np.float32),
            head_rotation=np.tile(IDENTITY_QUATERNION, (n_frames, 1)),
            head_translation_m=np.zeros((n_frames, 3), np.float32),
            eyes_rad=np.zeros((n_frames, 2, 2), np.float32),
            confidence=np.ones(n_frames, np.float32),
            found=np.ones(n_frames, bool),
        )

    @classmethod
    def from_frames(cls, frames: Iterable[FaceFrame], fps: float, **extra: Any) -> Animation:
        """Stack frames into columns; landmarks are kept only if every frame has them."""
        frames = list(frames)
        if not frames:
            return cls.neutral(0, fps, **extra)
        with_landmarks = all(f.landmarks is not None for f in frames)
        return cls(
            fps=fps,
            t_s=np.array([f.t_s for f in frames]),
            weights=np.stack([f.weights for f in frames]),
            head_rotation=np.stack([f.head_rotation for f in frames]),
            head_translation_m=np.stack([f.head_translation_m for f in frames]),
            eyes_rad=np.stack([f.eyes_rad for f in frames]),
            confidence=np.array([f.confidence for f in frames]),
            found=np.array([f.found for f in frames]),
            landmarks=np.stack([f.landmarks for f in frames]) if with_landmarks else None,  # type: ignore[misc]
            **extra,
        )

    # -- access -------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.t_s)

    def __getitem__(self, i: int) -> FaceFrame:
        return FaceFrame(
            t_s=float(self.t_s[i]),
            weights=self.weights[i],
            head_rotation=self.head_rotation[i],
            head_translation_m=self.head_translation_m[i],
            eyes_rad=self.eyes_rad[i],
            landmarks=None if self.landmarks is None else self.landmarks[i],
            confidence=float(self.confidence[i]),
            found=bool(self.found[i]),
        )

    def __iter__(self) -> Iterator[FaceFrame]:
        return (self[i] for i in range(len(self)))

    @property
    def duration_s(self) -> float:
        """Time from the first frame to the end of the last one."""
        return float(self.t_s[-1] - self.t_s[0] + 1.0 / self.fps) if len(self) else 0.0

    def head_euler_rad(self) -> np.ndarray:
        """(n, 3) head (yaw, pitch, roll) in radians."""
        if not len(self):
            return np.zeros((0, 3), np.float32)
        return euler_from_quaternions(self.head_rotation)

    def replace(self, **changes: Any) -> Animation:
        """A new Animation with some columns (or fps, tracks, metadata) replaced, shapes checked."""
        return dataclasses.replace(self, **changes)

    def select(self, rows: slice | Sequence[int] | np.ndarray) -> Animation:
        """The frames at ``rows`` (a slice, indices or a boolean mask), tracks and metadata kept."""
        return Animation(
            fps=self.fps,
            t_s=self.t_s[rows],
            weights=self.weights[rows],
            head_rotation=self.head_rotation[rows],
            head_translation_m=self.head_translation_m[rows],
            eyes_rad=self.eyes_rad[rows],
            confidence=self.confidence[rows],
            found=self.found[rows],
            landmarks=None if self.landmarks is None else self.landmarks[rows],
            tracks=self.tracks,
            metadata=self.metadata,
        )

    # -- resampling ---------------------------------------------------------------------------

    def resample(self, fps: float) -> Animation:
        """The same motion sampled at ``fps``, from the first frame's time to the last's.

        Weights, translation, gaze and confidence are interpolated linearly, rotation by
        spherical interpolation. A resampled frame counts as found only if both frames it lies
        between were found, so gaps are never papered over. Landmarks are dropped (they are
        measurements, not animation).
        """
        if not (np.isfinite(fps) and fps > 0):
            raise InputError(f"fps must be a positive number, got {fps}")
        if len(self) < 2:
            return self.replace(fps=fps, landmarks=None)
        t0, t1 = float(self.t_s[0]), float(self.t_s[-1])
        n_out = int(np.floor((t1 - t0) * fps + 1e-6)) + 1
        t_out = t0 + np.arange(n_out) / fps

        def lerp(values: np.ndarray) -> np.ndarray:
            flat = values.reshape(len(self), -1)
            columns = [np.interp(t_out, self.t_s, flat[:, k]) for k in range(flat.shape[1])]
            return np.stack(columns, axis=1).reshape((n_out,) + values.shape[1:])

        right = np.clip(np.searchsorted(self.t_s, t_out, side="left"), 0, len(self) - 1)
        left = np.clip(right - 1, 0, len(self) - 1)
        exact = np.isclose(self.t_s[right], t_out)
        found = np.where(exact, self.found[right], self.found[left] & self.found[right])
        rotation = Slerp(self.t_s, Rotation.from_quat(self.head_rotation))(t_out).as_quat()
        return Animation(
            fps=fps,
            t_s=t_out,
            weights=lerp(self.weights),
            head_rotation=rotation,
            head_translation_m=lerp(self.head_translation_m),
            eyes_rad=lerp(self.eyes_rad),
            confidence=lerp(self.confidence),
            found=found,
            tracks=self.tracks,
            metadata=self.metadata,
        )
