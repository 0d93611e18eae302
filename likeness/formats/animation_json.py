"""The project's JSON animation format: every frame field, column by column, plus event tracks.

Schema (version 1)::

    {
      "format": "likeness.animation", "version": 1,
      "fps": 60.0,
      "blendshapes": ["eyeBlinkLeft", ...],          # the 52 ARKit names, column order of weights
      "frames": {
        "t_s": [n floats],                            # seconds
        "weights": [n x 52 floats],                   # 0..1 (overshoot to -0.5..1.5 clamped)
        "head_rotation": [n x 4 floats],              # quaternion x, y, z, w
        "head_translation_m": [n x 3 floats],         # metres, camera space
        "eyes_rad": [n x 2 x 2 floats],               # (left, right) x (yaw, pitch), radians
        "confidence": [n floats], "found": [n bools],
        "landmarks": [n x 478 x 3 floats] | null      # normalized image coordinates
      },
      "tracks": {"phonemes": [{"start_s":..,"end_s":..,...}], ...},
      "metadata": {...}
    }

Conventions are those of :mod:`likeness.frame`. Weights may be listed in any order in
``blendshapes``; a reader maps them by name.
"""

from __future__ import annotations

import json
import os
from typing import Any

import numpy as np

from likeness.blendshapes import INDEX, N_BLENDSHAPES, NAMES
from likeness.errors import InputError
from likeness.fileio import existing_file
from likeness.frame import CLAMPED_KEY, Animation, clamp_weights

FORMAT = "likeness.animation"
VERSION = 1


def to_dict(animation: Animation, *, decimals: int = 6) -> dict[str, Any]:
    """The JSON-ready document for ``animation``."""

    def rounded(a: np.ndarray) -> Any:
        return np.round(a.astype(np.float64), decimals).tolist()

    return {
        "format": FORMAT,
        "version": VERSION,
        "fps": animation.fps,
        "blendshapes": list(NAMES),
        "frames": {
            "t_s": rounded(animation.t_s),
            "weights": rounded(animation.weights),
            "head_rotation": rounded(animation.head_rotation),
            "head_translation_m": rounded(animation.head_translation_m),
            "eyes_rad": rounded(animation.eyes_rad),
            "confidence": rounded(animation.confidence),
            "found": animation.found.tolist(),
            "landmarks": None if animation.landmarks is None else rounded(animation.landmarks),
        },
        "tracks": animation.tracks,
        "metadata": {k: v for k, v in animation.metadata.items() if k != CLAMPED_KEY},
    }


def from_dict(doc: Any, *, name: str = "<json>") -> Animation:
    """Build an Animation from a parsed document, validating it on the way."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise InputError(f'{name}: not a likeness animation (expected "format": "{FORMAT}")')
    if doc.get("version") != VERSION:
        raise InputError(f"{name}: animation version {doc.get('version')!r}, expected {VERSION}")
    frames = doc.get("frames")
    names = doc.get("blendshapes")
    if not isinstance(frames, dict) or not isinstance(names, list):
        raise InputError(f'{name}: "frames" and "blendshapes" are required')
    unknown = [n for n in names if n not in INDEX]
    if unknown:
        raise InputError(f"{name}: unknown blendshape names: {', '.join(map(str, unknown))}")
    required = ("t_s", "weights")
    missing = [k for k in required if k not in frames]
    if missing:
        raise InputError(f"{name}: frames lack {', '.join(missing)}")
    try:
        t_s = np.asarray(frames["t_s"], np.float64)
        n = len(t_s)
        given = np.asarray(frames["weights"], np.float64).reshape(n, len(names))
        weights = np.zeros((n, N_BLENDSHAPES))
        weights[:, [INDEX[k] for k in names]] = given

        def column(key: str, shape: tuple[int, ...], default: np.ndarray) -> np.ndarray:
            value = frames.get(key)
            if value is None:
                return np.broadcast_to(default, (n,) + shape).copy()
            return np.asarray(value, np.float64).reshape((n,) + shape)

        head_rotation = column("head_rotation", (4,), np.array([0.0, 0.0, 0.0, 1.0]))
        head_translation = column("head_translation_m", (3,), np.zeros(3))
        eyes = column("eyes_rad", (2, 2), np.zeros((2, 2)))
        confidence = column("confidence", (), np.ones(()))
        found = np.asarray(frames.get("found", [True] * n), bool).reshape(n)
        landmarks = frames.get("landmarks")
        landmarks_array = None if landmarks is None else np.asarray(landmarks, np.float32)
        fps = float(doc.get("fps", 0))
    except (TypeError, ValueError) as e:
        raise InputError(f"{name}: malformed frames ({e})") from None
    for key, values in (
        ("t_s", t_s),
        ("weights", weights),
        ("head_rotation", head_rotation),
        ("head_translation_m", head_translation),
        ("eyes_rad", eyes),
    ):
        if not np.isfinite(values).all():
            raise InputError(f"{name}: {key} holds NaN or infinite values")
    weights, n_clamped = clamp_weights(
        weights, lambda row, col: f"{name}: frame {row}: {NAMES[col]}", warn=True)
    norms = np.linalg.norm(head_rotation, axis=1)
    if n and (norms < 1e-6).any():
        raise InputError(f"{name}: head_rotation holds a zero quaternion")
    return Animation(
        fps=fps,
        t_s=t_s,
        weights=weights,
        head_rotation=head_rotation / np.maximum(norms, 1e-12)[:, None],
        head_translation_m=head_translation,
        eyes_rad=eyes,
        confidence=confidence,
        found=found,
        landmarks=landmarks_array,
        tracks=dict(doc.get("tracks") or {}),
        metadata={**(doc.get("metadata") or {}), CLAMPED_KEY: n_clamped},
    )


def read_json(path: str | os.PathLike[str]) -> Animation:
    """Read the project's JSON animation, raising InputError naming the file on any defect."""
    p = existing_file(path, "animation file")
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise InputError(f"{p}: not valid JSON ({e})") from None
    return from_dict(doc, name=str(p))
