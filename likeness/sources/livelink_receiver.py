"""``livelink://HOST:PORT``: receive the Live Link Face app's ARKit stream from an iPhone."""

from __future__ import annotations

from likeness.codecs.livelink import DEFAULT_PORT, decode_packet, frame_from_packet
from likeness.frame import FaceFrame
from likeness.sources.udp_receiver import UdpReceiver


class LiveLinkReceiver(UdpReceiver):
    """Frames from Live Link Face packets (see :mod:`likeness.codecs.livelink`).

    Parameters
    ----------
    host, port : where to listen; the app sends to port 11111 of the address set in it.
    subject : only take packets with this subject name (None: any).

    Attributes
    ----------
    fps : float or None
        The sender's frame rate from the latest packet.
    subject_seen : str or None
        The subject name of the latest packet.
    """

    scheme = "livelink"

    def __init__(self, host: str = "0.0.0.0", port: int = DEFAULT_PORT, *,
                 subject: str | None = None) -> None:
        super().__init__(host, port)
        self.subject = subject
        self.fps: float | None = None
        self.subject_seen: str | None = None

    def decode(self, datagram: bytes) -> list[FaceFrame]:
        packet = decode_packet(datagram)
        if self.subject is not None and packet.subject != self.subject:
            return []
        self.fps = packet.fps
        self.subject_seen = packet.subject
        self.count_clamped(packet.n_clamped)
        return [frame_from_packet(packet)]
