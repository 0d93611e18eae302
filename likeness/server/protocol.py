"""The WebSocket messages between ``likeness serve`` and its clients, declared once.

A face frame itself travels in the format of :mod:`likeness.codecs.websocket` (JSON text or
a 268-byte little-endian binary record), so anything ``--send ws://...`` produces can be
published to the server unchanged. Frames the server sends to a viewer are wrapped in an envelope
that carries a sequence number (to count drops) and the server's clock when the frame was made
(to measure latency):

- binary (a session opened with ``binary=1``): :data:`ENVELOPE` (16 bytes) + the binary frame::

      offset 0  2 bytes   magic b"LS"
      offset 2  uint8     version (1)
      offset 3  pad
      offset 4  uint32    seq, frame number within the session (0, 1, 2...)
      offset 8  float64   sent_ms, server wall clock (Unix epoch, ms) when the frame was made
      offset 16 268 bytes the frame (likeness.codecs.websocket)

- JSON: ``{"type": "frame", "seq": n, "sent_ms": x, "frame": {...the JSON frame...}}``.

Every other message is a JSON object with a string ``"type"`` (see ``docs/server.md``). A mirror
client sends camera images as binary messages: :data:`IMAGE_HEADER` (16 bytes) + a JPEG::

      offset 0  2 bytes   magic b"LI"
      offset 2  uint8     version (1)
      offset 3  pad
      offset 4  uint32    seq, image number within the session
      offset 8  float64   capture_ms, the client's clock when the image was taken
      offset 16 the JPEG bytes (starting FF D8)

The golden-bytes tests in ``tests/server/test_protocol.py`` pin both layouts; ``static/viewer.js``
reads and writes the same ones.
"""

from __future__ import annotations

import json
import math
import struct
from typing import Any

import numpy as np

from likeness.blendshapes import NAMES
from likeness.codecs.websocket import (
    BINARY_SIZE,
    decode_binary,
    decode_json,
    encode_binary,
    encode_json,
)
from likeness.errors import InputError
from likeness.frame import FaceFrame, clamp_weights

VERSION = 1
ENVELOPE = struct.Struct("<2sBxId")
ENVELOPE_MAGIC = b"LS"
IMAGE_HEADER = struct.Struct("<2sBxId")
IMAGE_MAGIC = b"LI"
JPEG_MAGIC = b"\xff\xd8"
MAX_TEXT_CHARS = 65536
"""Longest JSON text message a client may send (a talk request is far shorter)."""


def encode_frame(frame: FaceFrame, seq: int, sent_ms: float, *, binary: bool) -> bytes | str:
    """One frame as the server sends it to a viewer (binary envelope or JSON text)."""
    if binary:
        return ENVELOPE.pack(ENVELOPE_MAGIC, VERSION, seq & 0xFFFFFFFF, sent_ms) + encode_binary(
            frame
        )
    return f'{{"type":"frame","seq":{seq},"sent_ms":{sent_ms!r},"frame":{encode_json(frame)}}}'


def decode_frame(data: bytes | str) -> tuple[FaceFrame, int, float]:
    """(frame, seq, sent_ms) from a message made by :func:`encode_frame` (clients, tests, bench)."""
    if isinstance(data, bytes):
        if len(data) != ENVELOPE.size + BINARY_SIZE:
            raise InputError(
                f"binary frame message of {len(data)} bytes, expected {ENVELOPE.size + BINARY_SIZE}"
            )
        magic, version, seq, sent_ms = ENVELOPE.unpack_from(data)
        _check_magic("binary frame message", magic, version, ENVELOPE_MAGIC)
        return decode_binary(data[ENVELOPE.size :]), seq, sent_ms
    message = parse_text(data)
    if message["type"] != "frame" or not isinstance(message.get("frame"), dict):
        raise InputError(
            f"expected a message of type 'frame' with a 'frame' object, got {data[:80]!r}"
        )
    return decode_json(json.dumps(message["frame"])), int(message["seq"]), float(message["sent_ms"])


def decode_published(data: bytes | str) -> tuple[FaceFrame, int]:
    """A frame a publisher sent (either form of :mod:`likeness.codecs.websocket`), its
    weights clamped into 0..1, and how many were clamped (a relayed ARKit stream overshoots a
    little); InputError for NaN, infinities and weights beyond
    :data:`~likeness.frame.WEIGHT_LIMITS`."""
    frame = decode_binary(data) if isinstance(data, bytes) else decode_json(_bounded(data))
    numbers = np.concatenate(
        [frame.weights, frame.head_rotation, frame.head_translation_m, frame.eyes_rad.ravel()]
    )
    if not (np.isfinite(numbers).all() and math.isfinite(frame.t_s)):
        raise InputError("published frame contains NaN or infinite numbers")
    weights, n_clamped = clamp_weights(frame.weights, lambda _, col: f"published {NAMES[col]}")
    return frame.replace(weights=weights), n_clamped


def parse_text(text: str) -> dict[str, Any]:
    """A client's JSON text message as a dict with a string ``type``; InputError otherwise."""
    try:
        message = json.loads(_bounded(text))
    except json.JSONDecodeError as e:
        raise InputError(f"text message is not JSON ({e})") from e
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise InputError(f"expected a JSON object with a string 'type', got {text[:80]!r}")
    return message


def encode_image(seq: int, capture_ms: float, jpeg: bytes) -> bytes:
    """A mirror client's binary image message (what the page sends)."""
    return IMAGE_HEADER.pack(IMAGE_MAGIC, VERSION, seq & 0xFFFFFFFF, capture_ms) + jpeg


def decode_image(data: bytes) -> tuple[int, float, bytes]:
    """(seq, capture_ms, JPEG bytes) from a mirror client's binary image message."""
    if len(data) <= IMAGE_HEADER.size:
        raise InputError(
            f"image message of {len(data)} bytes, expected a {IMAGE_HEADER.size}-byte "
            "header and a JPEG"
        )
    magic, version, seq, capture_ms = IMAGE_HEADER.unpack_from(data)
    _check_magic("image message", magic, version, IMAGE_MAGIC)
    jpeg = data[IMAGE_HEADER.size :]
    if jpeg[:2] != JPEG_MAGIC:
        raise InputError(
            f"image message payload starts {jpeg[:2].hex(' ')}, expected a JPEG (ff d8)"
        )
    return seq, capture_ms, jpeg


def _bounded(text: str) -> str:
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(
            f"text message of {len(text)} characters, expected at most {MAX_TEXT_CHARS}"
        )
    return text


def _check_magic(what: str, magic: bytes, version: int, expected: bytes) -> None:
    if magic != expected or version != VERSION:
        raise InputError(
            f"{what} starts {magic!r} version {version}, expected {expected!r} version {VERSION}"
        )
