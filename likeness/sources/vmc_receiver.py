"""``vmc://HOST:PORT``: receive a VMC stream (perfect-sync blendshapes, head and eye bones)."""

from __future__ import annotations

import math

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

# What python-osc raises on datagrams that are not OSC (found by fuzzing its parser).
_OSC_ERRORS = (PacketParseError, BundleParseError, MessageParseError, ValueError, IndexError,
               OverflowError)


class VmcReceiver(UdpReceiver):
    """Frames from a VMC sender, one per ``/VMC/Ext/Blend/Apply`` (see :mod:`likeness.sinks.vmc_messages`).

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
        try:
            messages = [timed.message for timed in OscPacket(datagram).messages]
        except _OSC_ERRORS as e:
            raise InputError(f"not an OSC packet ({type(e).__name__}: {e})") from e
        frames = []
        for message in messages:
            frame = self.assembler.feed(message.address, message.params)
            if frame is not None:
                frames.append(frame if math.isfinite(frame.t_s) else frame.replace(t_s=self.arrival_s()))
        return frames
