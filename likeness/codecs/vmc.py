"""The VMC protocol (Virtual Motion Capture, OSC over UDP) for faces: messages in and out.

One OSC bundle per frame (:func:`encode_frame`), built with python-osc::

    /VMC/Ext/OK         i 1                                   model loaded
    /VMC/Ext/T          f t_s                                 sender time, seconds
    /VMC/Ext/Bone/Pos   s bone, f px py pz, f qx qy qz qw     for Head, LeftEye, RightEye
    /VMC/Ext/Blend/Val  s name, f weight                      per ARKit blendshape ("perfect
                                                              sync" PascalCase, e.g. EyeBlinkLeft)
    /VMC/Ext/Blend/Apply                                      apply the values above

Bones carry local rotations in Unity's left-handed space (+x right, +y up, +z forward, as seen
by the avatar). likeness's head frame is right-handed with +x the subject's own left, so a
vector (x, y, z) is (-x, y, z) in Unity and a rotation quaternion (x, y, z, w) becomes
(x, -y, -z, w): mirroring the x axis keeps the rotation about x and reverses those about y
and z. A head turned toward the subject's own left is a negative Unity yaw. Positions are
sent as zero: receivers apply rotations to humanoid bones and keep the avatar's own bone
offsets.

Received datagrams (a bundle or a single message, as other senders send them) are parsed by
:func:`decode_messages`, and :class:`VmcAssembler` turns the messages back into frames.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pythonosc.osc_bundle import OscBundle
from pythonosc.osc_bundle import ParseError as BundleParseError
from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message import ParseError as MessageParseError
from pythonosc.osc_message_builder import OscMessageBuilder
from pythonosc.osc_packet import OscPacket
from pythonosc.osc_packet import ParseError as PacketParseError

from likeness.blendshapes import N_BLENDSHAPES, NAMES, pascal_case
from likeness.errors import InputError
from likeness.frame import (
    IDENTITY_QUATERNION,
    FaceFrame,
    clamp_weights,
    euler_from_quaternions,
    quaternions_from_euler,
)

DEFAULT_PORT = 39539

OK = "/VMC/Ext/OK"
TIME = "/VMC/Ext/T"
BONE = "/VMC/Ext/Bone/Pos"
BLEND = "/VMC/Ext/Blend/Val"
APPLY = "/VMC/Ext/Blend/Apply"

HEAD, LEFT_EYE, RIGHT_EYE = "Head", "LeftEye", "RightEye"
BLEND_NAMES: tuple[str, ...] = tuple(pascal_case(name) for name in NAMES)
"""Perfect-sync blendshape clip names, in :data:`likeness.blendshapes.NAMES` order."""
BLEND_INDEX = {name: i for i, name in enumerate(BLEND_NAMES)}

_BUNDLE_HEAD = 16  # "#bundle\0" and an 8-byte time tag
_ELEMENT_SIZE = struct.Struct(">i")

# What python-osc raises on datagrams that are not OSC (found by fuzzing its parser).
_OSC_ERRORS = (PacketParseError, BundleParseError, MessageParseError, ValueError, IndexError,
               OverflowError)

_UNITY_QUATERNION_SIGNS = np.array([1.0, -1.0, -1.0, 1.0], np.float32)
_ORIGIN = (0.0, 0.0, 0.0)


def unity_quaternion(quaternion: np.ndarray) -> np.ndarray:
    """A rotation (x, y, z, w) from likeness's right-handed frame to Unity's, or back."""
    return np.asarray(quaternion, np.float32) * _UNITY_QUATERNION_SIGNS


def _eye_quaternions(eyes_rad: np.ndarray) -> np.ndarray:
    """(2, 2) eye (yaw, pitch) -> (2, 4) quaternions relative to the head."""
    angles = np.zeros((2, 3), np.float64)
    angles[:, :2] = eyes_rad
    return quaternions_from_euler(angles)


def _message(address: str, *args: tuple[Any, str]) -> Any:
    builder = OscMessageBuilder(address)
    for value, kind in args:
        builder.add_arg(value, kind)
    return builder.build()


def _bone(name: str, quaternion: np.ndarray) -> Any:
    q = unity_quaternion(quaternion).tolist()
    return _message(BONE, (name, "s"), *((v, "f") for v in _ORIGIN), *((v, "f") for v in q))


def encode_frame(frame: FaceFrame) -> bytes:
    """One frame as a VMC bundle datagram (see the module docstring)."""
    bundle = OscBundleBuilder(IMMEDIATELY)
    bundle.add_content(_message(OK, (1, "i")))
    bundle.add_content(_message(TIME, (float(frame.t_s), "f")))
    eyes = _eye_quaternions(frame.eyes_rad)
    bones = ((HEAD, frame.head_rotation), (LEFT_EYE, eyes[0]), (RIGHT_EYE, eyes[1]))
    for name, quaternion in bones:
        bundle.add_content(_bone(name, quaternion))
    for name, weight in zip(BLEND_NAMES, frame.weights.tolist(), strict=True):
        bundle.add_content(_message(BLEND, (name, "s"), (weight, "f")))
    bundle.add_content(_message(APPLY))
    return bundle.build().dgram


def decode_messages(datagram: bytes) -> list[tuple[str, list[Any]]]:
    """The (address, arguments) of every OSC message in one datagram, in order.

    Raises
    ------
    InputError
        The datagram is not OSC, or a bundle's element sizes do not add up to it.
    """
    if not (OscBundle.dgram_is_bundle(datagram) or OscMessage.dgram_is_message(datagram)):
        raise InputError("not an OSC packet (expected '#bundle' or an address starting '/')")
    _check_bundle_sizes(datagram)
    try:
        return [(timed.message.address, timed.message.params)
                for timed in OscPacket(datagram).messages]
    except _OSC_ERRORS as e:
        raise InputError(f"not an OSC packet ({type(e).__name__}: {e})") from e


def _check_bundle_sizes(datagram: bytes) -> None:
    """InputError unless every bundle element's size fits exactly (python-osc reads a truncated
    or padded bundle without complaint, yielding part of a frame)."""
    if not OscBundle.dgram_is_bundle(datagram):
        return
    offset = _BUNDLE_HEAD
    while offset < len(datagram):
        if offset + _ELEMENT_SIZE.size > len(datagram):
            raise InputError(f"OSC bundle ends inside an element size at byte {offset}")
        (size,) = _ELEMENT_SIZE.unpack_from(datagram, offset)
        start = offset + _ELEMENT_SIZE.size
        if size <= 0 or size % 4 or start + size > len(datagram):
            raise InputError(f"OSC bundle element of {size} bytes at byte {offset} in a "
                             f"{len(datagram)}-byte datagram")
        _check_bundle_sizes(datagram[start:start + size])
        offset = start + size
    if offset != len(datagram) or len(datagram) < _BUNDLE_HEAD:
        raise InputError(f"OSC bundle of {len(datagram)} bytes, expected a 16-byte head")


@dataclass
class VmcAssembler:
    """Turns a stream of VMC messages back into face frames, one per ``/VMC/Ext/Blend/Apply``.

    Values persist between frames, as VMC receivers keep them: a sender may send only the
    blendshapes that changed. Unknown blendshape and bone names are counted and ignored (a VMC
    stream may carry a whole body); weights slightly outside 0..1 are clamped and counted in
    ``n_clamped``.
    """

    weights: np.ndarray = field(default_factory=lambda: np.zeros(N_BLENDSHAPES, np.float32))
    head_rotation: np.ndarray = field(default_factory=lambda: IDENTITY_QUATERNION.copy())
    eyes_rad: np.ndarray = field(default_factory=lambda: np.zeros((2, 2), np.float32))
    t_s: float | None = None
    n_ignored: int = 0
    n_clamped: int = 0

    def feed(self, address: str, args: Iterable[Any]) -> FaceFrame | None:
        """Take one message; returns a frame when it is ``/VMC/Ext/Blend/Apply``.

        The frame's ``t_s`` is the last ``/VMC/Ext/T`` seen, or NaN when the sender sends no
        time (the receiver then stamps the arrival time).

        Raises
        ------
        InputError
            A known address with arguments of the wrong number or type, or not finite; a
            blendshape weight beyond :data:`~likeness.frame.WEIGHT_LIMITS`.
        """
        args = tuple(args)
        if address == APPLY:
            return FaceFrame(
                t_s=float("nan") if self.t_s is None else self.t_s,
                weights=self.weights.copy(),
                head_rotation=self.head_rotation.copy(),
                eyes_rad=self.eyes_rad.copy(),
            )
        if address == BLEND:
            name, weight = _expect(address, args, (str, float))
            if name in BLEND_INDEX:
                clamped, n_clamped = clamp_weights(np.array([weight]),
                                                   lambda *_: f"VMC {BLEND} {name}")
                self.weights[BLEND_INDEX[name]] = clamped[0]
                self.n_clamped += n_clamped
            else:
                self.n_ignored += 1
        elif address == BONE:
            name, *pose = _expect(address, args, (str,) + (float,) * 7)
            self._set_bone(name, np.asarray(pose[3:], np.float64))
        elif address == TIME:
            (self.t_s,) = _expect(address, args, (float,))
        else:
            self.n_ignored += 1
        return None

    def _set_bone(self, name: str, unity_q: np.ndarray) -> None:
        norm = float(np.linalg.norm(unity_q))
        if not 0.5 < norm < 1.5:
            raise InputError(f"VMC {BONE} {name}: rotation of norm {norm:g}, "
                             "expected a unit quaternion")
        quaternion = unity_quaternion(unity_q / norm)
        if name == HEAD:
            self.head_rotation = quaternion
        elif name in (LEFT_EYE, RIGHT_EYE):
            yaw, pitch, _ = euler_from_quaternions(quaternion[None])[0]
            self.eyes_rad[0 if name == LEFT_EYE else 1] = (yaw, pitch)
        else:
            self.n_ignored += 1


def _expect(address: str, args: tuple[Any, ...], kinds: tuple[type, ...]) -> tuple[Any, ...]:
    """``args`` if they match ``kinds`` (ints accepted as floats), else an InputError."""
    if len(args) != len(kinds):
        raise InputError(f"VMC {address}: {len(args)} arguments, expected {len(kinds)}")
    out = []
    for value, kind in zip(args, kinds, strict=True):
        if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            value = float(value)
            if not math.isfinite(value):
                raise InputError(f"VMC {address}: {value} is not a finite number")
        elif not isinstance(value, kind):
            raise InputError(f"VMC {address}: argument {value!r}, expected {kind.__name__}")
        out.append(value)
    return tuple(out)
