"""``livelink://HOST:PORT``: the Live Link Face app's UDP stream, for Unreal's Live Link."""

from __future__ import annotations

from likeness.codecs.livelink import (
    DEFAULT_PORT,
    MAX_FPS,
    MAX_NAME_BYTES,
    encode_packet,
    packet_from_frame,
)
from likeness.errors import InputError
from likeness.frame import FaceFrame
from likeness.sinks.sender import ThreadedSink
from likeness.sinks.udp import UdpTransport


class LiveLinkSink(ThreadedSink):
    """Sends each frame as one Live Link Face ARKit packet; Unreal then lists ``subject``.

    Parameters
    ----------
    host, port : the machine running Unreal and its Live Link Face port (11111).
    subject : the subject name Unreal shows.
    device_id : the device id in every packet.
    fps : the rate the packets' time codes count frames at, frames per second.
    """

    def __init__(self, host: str, port: int = DEFAULT_PORT, *, subject: str = "likeness",
                 device_id: str = "likeness", fps: float = 60.0) -> None:
        for what, text in (("subject", subject), ("device_id", device_id)):
            if not 0 < len(text.encode("utf-8")) <= MAX_NAME_BYTES:
                raise InputError(f"Live Link {what} {text!r}: expected 1..{MAX_NAME_BYTES} bytes")
        if not 0 < fps <= MAX_FPS:
            raise InputError(f"Live Link fps {fps}: expected 0 < fps <= {MAX_FPS:g}")
        self.subject = subject
        self.device_id = device_id
        self.fps = fps
        self._udp = UdpTransport(host, port)
        super().__init__(f"livelink://{host}:{port}")

    def _transmit(self, frame: FaceFrame) -> None:
        packet = packet_from_frame(frame, device_id=self.device_id, subject=self.subject,
                                   fps=self.fps)
        self._udp.send(encode_packet(packet))

    def _close_transport(self) -> None:
        self._udp.close()
