"""``vmc://HOST:PORT``: receive a VMC stream (perfect-sync blendshapes, head and eye bones)."""

from __future__ import annotations

import math

from likeness.codecs.vmc import DEFAULT_PORT, VmcAssembler, decode_messages
from likeness.frame import FaceFrame
from likeness.sources.udp_receiver import UdpReceiver


class VmcReceiver(UdpReceiver):
    """Frames from a VMC sender, one per ``/VMC/Ext/Blend/Apply``.

    The messages are those of :mod:`likeness.codecs.vmc`.

    A frame's time is the sender's ``/VMC/Ext/T`` when it sends one, else the arrival time in
    seconds since :meth:`open`. A datagram with a malformed message is rejected as a whole,
    though messages before the bad one have already been applied, as in other VMC receivers.
    """

    scheme = "vmc"

    def __init__(self, host: str = "0.0.0.0", port: int = DEFAULT_PORT) -> None:
        super().__init__(host, port)
        self.assembler = VmcAssembler()

    def decode(self, datagram: bytes) -> list[FaceFrame]:
        frames = []
        n_clamped = self.assembler.n_clamped
        for address, args in decode_messages(datagram):
            frame = self.assembler.feed(address, args)
            if frame is not None:
                if not math.isfinite(frame.t_s):
                    frame = frame.replace(t_s=self.arrival_s())
                frames.append(frame)
        self.count_clamped(self.assembler.n_clamped - n_clamped)
        return frames
