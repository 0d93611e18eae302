"""``vmc://HOST:PORT``: receive a VMC stream (perfect-sync blendshapes, head and eye bones)."""

from __future__ import annotations

import math
import struct

from pythonosc.osc_bundle import OscBundle
from pythonosc.osc_bundle import ParseError as BundleParseError
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message import ParseError as MessageParseError
from pythonosc.osc_packet import OscPacket
from pythonosc.osc_packet import ParseError as PacketParseError

from likeness.errors import InputError
from likeness.frame import FaceFrame
from likeness.sinks.vmc_messages import DEFAULT_PORT, VmcAssembler
from likeness.sources.udp_receiver import UdpReceiver

_BUNDLE_HEAD = 16  # "#bundle\0" and an 8-byte time tag
_ELEMENT_SIZE = struct.Struct(">i")

# What python-osc raises on datagrams that are not OSC (found by fuzzing its parser).
_OSC_ERRORS = (PacketParseError, BundleParseError, MessageParseError, ValueError, IndexError,
               OverflowError)


class VmcReceiver(UdpReceiver):
    """Frames from a VMC sender, one per ``/VMC/Ext/Blend/Apply``.

    The messages are those of :mod:`likeness.sinks.vmc_messages`.

    A frame's time is the sender's ``/VMC/Ext/T`` when it sends one, else the arrival time in
    seconds since :meth:`open`. A datagram with a malformed message is rejected as a whole,
    though messages before the bad one have already been applied, as in other VMC receivers.
    """

    scheme = "vmc"

    def __init__(self, host: str = "0.0.0.0", port: int = DEFAULT_PORT) -> None:
        super().__init__(host, port)
        self.assembler = VmcAssembler()

    def decode(self, datagram: bytes) -> list[FaceFrame]:
        if not (OscBundle.dgram_is_bundle(datagram) or OscMessage.dgram_is_message(datagram)):
            raise InputError("not an OSC packet (expected '#bundle' or an address starting '/')")
        _check_bundle_sizes(datagram)
        try:
            messages = [timed.message for timed in OscPacket(datagram).messages]
        except _OSC_ERRORS as e:
            raise InputError(f"not an OSC packet ({type(e).__name__}: {e})") from e
        frames = []
        n_clamped = self.assembler.n_clamped
        for message in messages:
            frame = self.assembler.feed(message.address, message.params)
            if frame is not None:
                if not math.isfinite(frame.t_s):
                    frame = frame.replace(t_s=self.arrival_s())
                frames.append(frame)
        self.count_clamped(self.assembler.n_clamped - n_clamped)
        return frames


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
