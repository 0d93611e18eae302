"""``vrchat://HOST:PORT``: VRChat's OSC input (avatar parameters and native eye tracking)."""

from __future__ import annotations

from likeness.codecs.vrchat import DEFAULT_PORT, encode_messages
from likeness.frame import FaceFrame
from likeness.sinks.sender import ThreadedSink
from likeness.sinks.udp import UdpTransport


class VrchatSink(ThreadedSink):
    """Sends each frame as VRChat OSC messages, one datagram per parameter as VRChat reads them.

    Parameters
    ----------
    host, port : the machine running VRChat and its OSC input port (9000).
    """

    def __init__(self, host: str, port: int = DEFAULT_PORT) -> None:
        self._udp = UdpTransport(host, port)
        super().__init__(f"vrchat://{host}:{port}")

    def _transmit(self, frame: FaceFrame) -> None:
        for datagram in encode_messages(frame):
            self._udp.send(datagram)

    def _close_transport(self) -> None:
        self._udp.close()
