"""Per-user calibration: the user's own neutral face, found automatically or loaded from a file.

File format (JSON, UTF-8), written by :func:`save_calibration`::

    {
      "format": "likeness.calibration",
      "version": 1,
      "neutral_m": [[x, y, z], ...],   // 478 landmarks, head frame, metres
      "n_frames": 12,                  // frames averaged into it
      "source": "take.mp4"             // where it was measured
    }
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from likeness.errors import InputError
from likeness.fileio import atomic_open, existing_file
from likeness.frame import N_LANDMARKS

FORMAT = "likeness.calibration"
VERSION = 1

KEEP_FRACTION = 0.25
"""Share of the early frames, the calmest, that are averaged into the neutral."""


@dataclass(frozen=True)
class Calibration:
    """A user's neutral face.

    Attributes
    ----------
    neutral_m : ndarray float32 (478, 3)
        Landmarks at rest, eyes ahead, in the head frame, metres.
    n_frames : int
        How many frames were averaged into it.
    source : str
        Where it was measured (a file name or camera spec).
    capture_pose : tuple[ndarray (3, 3), float], optional
        The head's pose in the frames it was taken from (``HeadPose.rotation_fit`` and
        ``scale_px_per_m``), when it was measured in this session: the solver allows for the
        tracker's pose-dependent drift from there. Not saved: it belongs to one camera set-up.
    """

    neutral_m: np.ndarray
    n_frames: int = 1
    source: str = ""
    capture_pose: tuple[np.ndarray, float] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        neutral = np.asarray(self.neutral_m, np.float32)
        if neutral.shape != (N_LANDMARKS, 3) or not np.isfinite(neutral).all():
            raise InputError(f"a calibration neutral must be {N_LANDMARKS} finite (x, y, z) "
                             f"points, got shape {neutral.shape}")
        object.__setattr__(self, "neutral_m", neutral)


def calmest_neutral(head_points_m: np.ndarray, weights: np.ndarray, *, source: str = "",
                    poses: Sequence[tuple[np.ndarray, float]] | None = None) -> Calibration:
    """The neutral face averaged over the calmest of some early frames.

    Calm means both still (little landmark motion since the previous frame) and relaxed (small
    blendshape weights against the generic neutral); frames are ranked on each and the best
    :data:`KEEP_FRACTION` by the sum of ranks are averaged.

    Parameters
    ----------
    head_points_m : ndarray (n, 478, 3)
        Early frames' landmarks in the head frame, metres (n >= 1).
    weights : ndarray (n, 52)
        Their blendshape weights solved against the generic neutral.
    poses : sequence of (ndarray (3, 3), float), optional
        Their head poses (``HeadPose.rotation_fit``, ``scale_px_per_m``); the chosen frames'
        mean becomes the calibration's ``capture_pose``.
    """
    n = len(head_points_m)
    if n == 0:
        raise InputError("calibration needs at least one frame with a face, got none")
    motion = np.zeros(n)
    if n > 1:
        step = np.linalg.norm(np.diff(head_points_m, axis=0), axis=-1).mean(-1)
        motion[1:] = step
        motion[0] = step[0]
    effort = np.square(weights).sum(-1)
    score = motion.argsort().argsort() + effort.argsort().argsort()
    keep = np.argsort(score, kind="stable")[: max(1, int(round(KEEP_FRACTION * n)))]
    capture_pose = None
    if poses is not None:
        # The nearest rotation to the chosen frames' mean rotation matrix, and their mean size.
        u, _, vt = np.linalg.svd(np.mean([poses[i][0] for i in keep], axis=0))
        scale = float(np.exp(np.mean([np.log(poses[i][1]) for i in keep])))
        capture_pose = (u @ vt, scale)
    return Calibration(head_points_m[keep].mean(0), n_frames=len(keep), source=source,
                       capture_pose=capture_pose)


def save_calibration(calibration: Calibration, path: str | os.PathLike[str]) -> None:
    """Write ``calibration`` as JSON (atomically); see the module docstring for the format."""
    document = {
        "format": FORMAT,
        "version": VERSION,
        "neutral_m": np.round(calibration.neutral_m.astype(np.float64), 7).tolist(),
        "n_frames": calibration.n_frames,
        "source": calibration.source,
    }
    with atomic_open(path, "w", encoding="utf-8") as handle:
        json.dump(document, handle)


def load_calibration(path: str | os.PathLike[str]) -> Calibration:
    """Read a calibration file written by :func:`save_calibration`; InputError if it is not one."""
    p = existing_file(path, "calibration file")
    try:
        document = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"{p}: not a likeness calibration file (not JSON: {e})") from e
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InputError(f"{p}: not a likeness calibration file "
                         f"(expected \"format\": \"{FORMAT}\")")
    if document.get("version") != VERSION:
        raise InputError(f"{p}: calibration version {document.get('version')!r}, "
                         f"this likeness reads version {VERSION}")
    try:
        return Calibration(np.array(document["neutral_m"], np.float32),
                           n_frames=int(document.get("n_frames", 1)),
                           source=str(document.get("source", "")))
    except (KeyError, ValueError, TypeError) as e:
        raise InputError(f"{p}: malformed calibration ({e})") from e
