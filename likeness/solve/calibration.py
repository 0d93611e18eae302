"""Per-user calibration: the user's rest face, learned from a take or loaded from a file.

File format (JSON, UTF-8), written by :func:`save_calibration`::

    {
      "format": "likeness.calibration",
      "version": 1,
      "neutral_m": [[x, y, z], ...],   // 478 landmarks, head frame, metres
      "rest": {                        // optional: what was learned besides (likeness.solve.rest)
        "measures_m": [...],           //   the expression measures at rest
        "floors": [...],               //   52 channel floors, 0..1
        "ranges": [...],               //   52 channel ranges, >= 1
        "habits": [[...], ...]         //   optional: 52 rows, one per measured channel
      },
      "n_frames": 12,                  // frames it was learned from
      "source": "take.mp4"             // where it was measured
    }
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace

import numpy as np

from likeness.errors import InputError
from likeness.fileio import atomic_open, existing_file
from likeness.frame import N_LANDMARKS
from likeness.solve.measures import MEASURES
from likeness.solve.rest import Rest

FORMAT = "likeness.calibration"
VERSION = 1
_REST_FIELDS = ("measures_m", "floors", "ranges", "habits")


@dataclass(frozen=True)
class Calibration:
    """A user's rest face.

    Attributes
    ----------
    neutral_m : ndarray float32 (478, 3)
        Landmarks at rest, eyes ahead, in the head frame, metres.
    learned : Rest, optional
        What else was learned of the face at rest (likeness.solve.rest); without it, the
        neutral's own measures, no floors and the rig's ranges.
    n_frames : int
        How many frames it was learned from.
    source : str
        Where it was measured (a file name or camera spec).
    capture_pose : tuple[ndarray (3, 3), float], optional
        The head's pose in the frames it was taken from (``HeadPose.rotation_fit`` and
        ``scale_px_per_m``), when it was measured in this session: the solver allows for the
        tracker's pose-dependent drift from there. Not saved: it belongs to one camera set-up.
    """

    neutral_m: np.ndarray
    learned: Rest | None = None
    n_frames: int = 1
    source: str = ""
    capture_pose: tuple[np.ndarray, float] | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        neutral = np.asarray(self.neutral_m, np.float32)
        if neutral.shape != (N_LANDMARKS, 3) or not np.isfinite(neutral).all():
            raise InputError(f"a calibration neutral must be {N_LANDMARKS} finite (x, y, z) "
                             f"points, got shape {neutral.shape}")
        object.__setattr__(self, "neutral_m", neutral)

    @property
    def rest(self) -> Rest:
        """The face at rest this calibration describes."""
        neutral = self.neutral_m.astype(np.float64)
        if self.learned is None:
            return Rest(MEASURES(neutral), neutral)
        return replace(self.learned, neutral_m=neutral)


def save_calibration(calibration: Calibration, path: str | os.PathLike[str]) -> None:
    """Write ``calibration`` as JSON (atomically); see the module docstring for the format."""
    rest = calibration.rest
    document = {
        "format": FORMAT,
        "version": VERSION,
        "neutral_m": np.round(calibration.neutral_m.astype(np.float64), 7).tolist(),
        "rest": {name: np.round(np.asarray(getattr(rest, name), np.float64), 7).tolist()
                 for name in _REST_FIELDS},
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
        neutral = np.array(document["neutral_m"], np.float32)
        calibration = Calibration(neutral, n_frames=int(document.get("n_frames", 1)),
                                  source=str(document.get("source", "")))
        if "rest" in document:
            default = calibration.rest
            arrays = {}
            for name in _REST_FIELDS:
                value = np.array(document["rest"].get(name, getattr(default, name)), np.float64)
                if value.shape != np.shape(getattr(default, name)) or not np.isfinite(value).all():
                    raise ValueError(f"rest.{name} has shape {value.shape}, expected "
                                     f"{np.shape(getattr(default, name))}")
                arrays[name] = value
            learned = Rest(neutral_m=neutral.astype(np.float64), **arrays)
            calibration = Calibration(neutral, learned, calibration.n_frames, calibration.source)
        return calibration
    except (KeyError, ValueError, TypeError) as e:
        raise InputError(f"{p}: malformed calibration ({e})") from e
