"""The Live Link Face app's UDP packet (ARKit mode), encoded and decoded in one place.

Layout, all big-endian (Unreal's ``FLiveLinkFaceARKitSubject`` wire format)::

    uint8    version                 6
    int32    n bytes, then UTF-8     device id
    int32    n bytes, then UTF-8     subject name
    int32    frame                   frame number at the rate below
    float32  subframe                fraction of a frame, 0 <= subframe < 1
    int32    rate numerator          e.g. 60
    int32    rate denominator        e.g. 1
    uint8    count                   61
    float32 x 61                     52 blendshapes in ARKit order (likeness.blendshapes.NAMES),
                                     then head yaw, pitch, roll, left eye yaw, pitch, roll,
                                     right eye yaw, pitch, roll (radians)

Angles follow likeness's conventions (:mod:`likeness.frame`), as in the app's CSV takes that
:mod:`likeness.formats.livelink_csv` reads; eye roll is always 0.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from likeness.blendshapes import N_BLENDSHAPES, NAMES
from likeness.errors import InputError
from likeness.frame import FaceFrame, clamp_weights, quaternions_from_euler

VERSION = 6
N_VALUES = N_BLENDSHAPES + 9
DEFAULT_PORT = 11111

_VERSION = struct.Struct(">B")
_LENGTH = struct.Struct(">i")
_TIMING = struct.Struct(">ifiiB")  # frame, subframe, rate numerator, rate denominator, count
_VALUES = struct.Struct(f">{N_VALUES}f")

MAX_NAME_BYTES = 1024
"""Longest device id or subject name accepted; the app's are a few dozen bytes."""
MAX_FPS = 1000.0


@dataclass(frozen=True, eq=False)
class LiveLinkPacket:
    """One packet's fields, as on the wire.

    values : ndarray, float32, shape (61,)
        52 weights in 0..1 (a recording may overshoot slightly), then head (yaw, pitch, roll) and
        each eye's (yaw, pitch, roll), radians.
    """

    device_id: str
    subject: str
    frame: int
    subframe: float
    fps_numerator: int
    fps_denominator: int
    values: np.ndarray

    @property
    def fps(self) -> float:
        """The sender's frame rate, frames per second."""
        return self.fps_numerator / self.fps_denominator

    @property
    def t_s(self) -> float:
        """The packet's time code in seconds."""
        return (self.frame + self.subframe) * self.fps_denominator / self.fps_numerator

    @property
    def n_clamped(self) -> int:
        """How many weights overshoot 0..1 (:func:`frame_from_packet` clamps them)."""
        weights = self.values[:N_BLENDSHAPES]
        return int(np.count_nonzero((weights < 0) | (weights > 1)))


def encode_packet(packet: LiveLinkPacket) -> bytes:
    """The packet's bytes (see the module docstring for the layout)."""
    device = packet.device_id.encode("utf-8")
    subject = packet.subject.encode("utf-8")
    return b"".join((
        _VERSION.pack(VERSION),
        _LENGTH.pack(len(device)), device,
        _LENGTH.pack(len(subject)), subject,
        _TIMING.pack(packet.frame, packet.subframe, packet.fps_numerator, packet.fps_denominator,
                     N_VALUES),
        _VALUES.pack(*packet.values.tolist()),
    ))


def decode_packet(data: bytes) -> LiveLinkPacket:
    """Parse one datagram.

    Raises
    ------
    InputError
        Wrong version, truncated or oversized packet, a name that is not UTF-8, a frame rate
        that is not positive, a count other than 61, values that are not finite, weights beyond
        :data:`~likeness.frame.WEIGHT_LIMITS` (the app's slight overshoot of 0..1 is kept here
        and clamped by :func:`frame_from_packet`) or angles beyond ±pi.
    """
    if len(data) < _VERSION.size:
        raise InputError("Live Link packet is empty")
    (version,) = _VERSION.unpack_from(data, 0)
    if version != VERSION:
        raise InputError(f"Live Link packet version {version}, expected {VERSION}")
    device_id, offset = _read_name(data, _VERSION.size, "device id")
    subject, offset = _read_name(data, offset, "subject name")
    expected = offset + _TIMING.size + _VALUES.size
    if len(data) != expected:
        raise InputError(f"Live Link packet of {len(data)} bytes, expected {expected}")
    frame, subframe, numerator, denominator, count = _TIMING.unpack_from(data, offset)
    if count != N_VALUES:
        raise InputError(f"Live Link packet holds {count} values, expected {N_VALUES}")
    if frame < 0 or not 0.0 <= subframe < 1.0:
        raise InputError(f"Live Link time code frame {frame} + {subframe}, expected frame >= 0 "
                         "and 0 <= subframe < 1")
    if numerator <= 0 or denominator <= 0 or numerator / denominator > MAX_FPS:
        raise InputError(f"Live Link frame rate {numerator}/{denominator}, expected a positive "
                         f"rate up to {MAX_FPS:g} fps")
    values = np.frombuffer(data, ">f4", N_VALUES, offset + _TIMING.size).astype(np.float32)
    if not np.isfinite(values).all():
        raise InputError("Live Link packet holds values that are not finite numbers")
    clamp_weights(values[:N_BLENDSHAPES], lambda _, col: f"Live Link weight {NAMES[col]}")
    angles = values[N_BLENDSHAPES:]
    if np.abs(angles).max() > math.pi + 1e-3:
        raise InputError(f"Live Link angle of {np.abs(angles).max():g} rad, expected -pi..pi")
    return LiveLinkPacket(device_id, subject, frame, subframe, numerator, denominator, values)


def _read_name(data: bytes, offset: int, what: str) -> tuple[str, int]:
    """A length-prefixed UTF-8 string at ``offset``, and the offset after it."""
    if len(data) < offset + _LENGTH.size:
        raise InputError(f"Live Link packet ends before its {what} ({len(data)} bytes)")
    (n_bytes,) = _LENGTH.unpack_from(data, offset)
    start = offset + _LENGTH.size
    if not 0 <= n_bytes <= min(MAX_NAME_BYTES, len(data) - start):
        raise InputError(f"Live Link {what} of {n_bytes} bytes in a {len(data)}-byte packet")
    try:
        return data[start:start + n_bytes].decode("utf-8"), start + n_bytes
    except UnicodeDecodeError as e:
        raise InputError(f"Live Link {what} is not UTF-8 ({e})") from e


def packet_from_frame(frame: FaceFrame, *, device_id: str, subject: str,
                      fps: float) -> LiveLinkPacket:
    """The packet the app would send for ``frame``, its time code at ``fps``."""
    rate = _rational_rate(fps)
    frames = max(frame.t_s, 0.0) * rate
    whole = math.floor(frames)
    values = np.zeros(N_VALUES, np.float32)
    values[:N_BLENDSHAPES] = frame.weights
    values[N_BLENDSHAPES:N_BLENDSHAPES + 3] = frame.head_euler_rad()
    values[N_BLENDSHAPES + 3:N_BLENDSHAPES + 5] = frame.eyes_rad[0]
    values[N_BLENDSHAPES + 6:N_BLENDSHAPES + 8] = frame.eyes_rad[1]
    # float32 can round a subframe just below 1 up to 1.0, which decoders reject.
    subframe = min(float(frames - whole), float(np.nextafter(np.float32(1), np.float32(0))))
    return LiveLinkPacket(device_id, subject, int(whole), subframe, rate.numerator,
                          rate.denominator, values)


def _rational_rate(fps: float) -> Fraction:
    """``fps`` as numerator/denominator, NTSC rates (29.97...) as n * 1000/1001."""
    ntsc = round(fps * 1.001)
    if abs(fps - ntsc / 1.001) < 5e-3 and abs(fps - round(fps)) > 5e-3:
        return Fraction(ntsc * 1000, 1001)
    return Fraction(fps).limit_denominator(1000)


def frame_from_packet(packet: LiveLinkPacket) -> FaceFrame:
    """The face frame a packet describes; its time is the packet's time code."""
    values = packet.values
    head = values[N_BLENDSHAPES:N_BLENDSHAPES + 3]
    eyes = np.stack([values[N_BLENDSHAPES + 3:N_BLENDSHAPES + 5],
                     values[N_BLENDSHAPES + 6:N_BLENDSHAPES + 8]])
    return FaceFrame(
        t_s=packet.t_s,
        weights=np.clip(values[:N_BLENDSHAPES], 0.0, 1.0),
        head_rotation=quaternions_from_euler(head[None].astype(np.float64))[0],
        eyes_rad=eyes,
    )
