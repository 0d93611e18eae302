"""A UDP socket to one peer, for the sinks' sender threads."""

from __future__ import annotations

import socket

from likeness.errors import InputError


class UdpTransport:
    """Datagrams to ``host:port``.

    The socket is connected to the peer on first use, so that the kernel reports an ICMP
    "port unreachable" from a peer that has gone away as ``ConnectionRefusedError`` on a later
    send instead of dropping it silently. A failed connect (no route) is retried on the next send.
    """

    def __init__(self, host: str, port: int) -> None:
        try:
            family, kind, proto, _, address = socket.getaddrinfo(
                host, port, type=socket.SOCK_DGRAM)[0]
        except (socket.gaierror, UnicodeError) as e:
            raise InputError(f"udp://{host}:{port}: cannot resolve host {host!r} ({e})") from e
        self.address = address
        self._socket = socket.socket(family, kind, proto)
        self._connected = False

    def send(self, datagram: bytes) -> None:
        """Send one datagram; raises OSError when the peer cannot be reached."""
        if not self._connected:
            self._socket.connect(self.address)
            self._connected = True
        self._socket.send(datagram)

    def close(self) -> None:
        """Close the socket."""
        self._socket.close()
