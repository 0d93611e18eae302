"""``vmc://HOST:PORT``: the VMC protocol over OSC, for VSeeFace, VNyan, Warudo and other apps."""

from __future__ import annotations

from likeness.codecs.vmc import DEFAULT_PORT, encode_frame
from likeness.frame import FaceFrame
from likeness.sinks.sender import ThreadedSink
from likeness.sinks.udp import UdpTransport


class VmcSink(ThreadedSink):
    """Sends each frame as one VMC bundle: perfect-sync blendshapes, head and eye bones.

    Parameters
    ----------
    host, port : the VMC receiver (VSeeFace listens on 39539 by default).
    """

    def __init__(self, host: str, port: int = DEFAULT_PORT) -> None:
        self._udp = UdpTransport(host, port)
        super().__init__(f"vmc://{host}:{port}")

    def _transmit(self, frame: FaceFrame) -> None:
        self._udp.send(encode_frame(frame))

    def _close_transport(self) -> None:
        self._udp.close()
