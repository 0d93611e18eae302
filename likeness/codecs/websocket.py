"""Face frames as WebSocket messages: JSON text or a compact binary record, for browsers.

JSON (a text message)::

    {"t_s": 1.25, "weights": [52 numbers in ARKit order], "head_rotation": [x, y, z, w],
     "head_translation_m": [x, y, z],
     "eyes_rad": [[left yaw, left pitch], [right yaw, right pitch]],
     "confidence": 1.0, "found": true, "face_id": 0}

Binary (a binary message, 268 bytes, little-endian so that a browser can view the floats
in place with ``new Float32Array(buffer, 16, 63)``)::

    offset  0  uint8    version (1)
    offset  1  uint8    flags: bit 0 = found
    offset  2  uint16   face id
    offset  4  float32  confidence
    offset  8  float64  t_s
    offset 16  float32 x 63: 52 weights, head rotation (x, y, z, w), head translation (m),
               left eye (yaw, pitch), right eye (yaw, pitch)
"""

from __future__ import annotations

import json
import struct
from typing import Any

import numpy as np

from likeness.blendshapes import N_BLENDSHAPES
from likeness.errors import InputError
from likeness.frame import FaceFrame

BINARY_VERSION = 1
FORMATS = ("json", "binary")

_HEADER = struct.Struct("<BBHfd")
_N_FLOATS = N_BLENDSHAPES + 4 + 3 + 4
_FLOATS = np.dtype("<f4")
BINARY_SIZE = _HEADER.size + _N_FLOATS * _FLOATS.itemsize
_FOUND = 1
_DECIMALS = 6


def encode_json(frame: FaceFrame) -> str:
    """The frame as a JSON text message."""
    def rounded(values: np.ndarray) -> Any:
        return np.round(values.astype(np.float64), _DECIMALS).tolist()

    return json.dumps({
        "t_s": round(float(frame.t_s), _DECIMALS),
        "weights": rounded(frame.weights),
        "head_rotation": rounded(frame.head_rotation),
        "head_translation_m": rounded(frame.head_translation_m),
        "eyes_rad": rounded(frame.eyes_rad),
        "confidence": round(float(frame.confidence), _DECIMALS),
        "found": bool(frame.found),
        "face_id": int(frame.face_id),
    }, separators=(",", ":"))


def decode_json(text: str | bytes) -> FaceFrame:
    """A JSON text message back to a frame; InputError when it is not one."""
    try:
        record = json.loads(text)
        return FaceFrame(
            t_s=float(record["t_s"]),
            weights=_array(record["weights"], (N_BLENDSHAPES,)),
            head_rotation=_array(record["head_rotation"], (4,)),
            head_translation_m=_array(record["head_translation_m"], (3,)),
            eyes_rad=_array(record["eyes_rad"], (2, 2)),
            confidence=float(record["confidence"]),
            found=bool(record["found"]),
            face_id=int(record["face_id"]),
        )
    except (ValueError, KeyError, TypeError) as e:
        raise InputError(f"WebSocket JSON frame: {e}") from e


def _array(values: Any, shape: tuple[int, ...]) -> np.ndarray:
    array = np.asarray(values, np.float32)
    if array.shape != shape:
        raise InputError(f"WebSocket JSON frame: shape {array.shape}, expected {shape}")
    return array


def encode_binary(frame: FaceFrame) -> bytes:
    """The frame as a 268-byte binary message."""
    floats = np.concatenate([frame.weights, frame.head_rotation, frame.head_translation_m,
                             frame.eyes_rad.ravel()]).astype(_FLOATS)
    flags = _FOUND if frame.found else 0
    header = _HEADER.pack(BINARY_VERSION, flags, frame.face_id, frame.confidence, frame.t_s)
    return header + floats.tobytes()


def decode_binary(data: bytes) -> FaceFrame:
    """A binary message back to a frame; InputError when it is not one."""
    if len(data) != BINARY_SIZE:
        raise InputError(f"WebSocket binary frame of {len(data)} bytes, expected {BINARY_SIZE}")
    version, flags, face_id, confidence, t_s = _HEADER.unpack_from(data)
    if version != BINARY_VERSION:
        raise InputError(f"WebSocket binary frame version {version}, expected {BINARY_VERSION}")
    floats = np.frombuffer(data, _FLOATS, _N_FLOATS, _HEADER.size).astype(np.float32)
    n = N_BLENDSHAPES
    return FaceFrame(
        t_s=t_s,
        weights=floats[:n],
        head_rotation=floats[n:n + 4],
        head_translation_m=floats[n + 4:n + 7],
        eyes_rad=floats[n + 7:].reshape(2, 2),
        confidence=confidence,
        found=bool(flags & _FOUND),
        face_id=face_id,
    )
