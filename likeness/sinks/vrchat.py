"""``vrchat://HOST:PORT``: VRChat's OSC input (avatar parameters and native eye tracking)."""

from __future__ import annotations

from pythonosc.osc_message_builder import OscMessageBuilder

from likeness.frame import FaceFrame
from likeness.sinks.sender import ThreadedSink
from likeness.sinks.udp import UdpTransport
from likeness.sinks.vrchat_parameters import (
    ARKIT_ADDRESSES,
    DEFAULT_PORT,
    EYES_CLOSED_AMOUNT,
    EYES_LEFT_RIGHT_PITCH_YAW,
    UNIFIED_ADDRESSES,
    native_eye_values,
    unified_values,
)


def _float_message(address: str, values: list[float]) -> bytes:
    builder = OscMessageBuilder(address)
    for value in values:
        builder.add_arg(value, "f")
    return builder.build().dgram


def encode_messages(frame: FaceFrame) -> list[bytes]:
    """The OSC datagrams for one frame, one message each, in the order of the address tables."""
    pitch_yaw_deg, closed = native_eye_values(frame)
    singles = zip(ARKIT_ADDRESSES + UNIFIED_ADDRESSES,
                  frame.weights.tolist() + unified_values(frame).tolist(), strict=True)
    return [_float_message(address, [value]) for address, value in singles] + [
        _float_message(EYES_LEFT_RIGHT_PITCH_YAW, pitch_yaw_deg),
        _float_message(EYES_CLOSED_AMOUNT, [closed]),
    ]


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
