"""OSC 1.0 written from the specification, sharing no code with likeness or python-osc, so that
the codecs' bytes can be checked against it.

A message is an OSC-string address, an OSC-string type tag (``,`` then one letter per argument),
then the arguments: ``i`` int32 and ``f`` float32 big-endian, ``s`` an OSC-string. An OSC-string
is ASCII, NUL-terminated and padded with NULs to a multiple of 4 bytes. A bundle is the
OSC-string ``#bundle``, a 64-bit time tag (1 means "immediately"), then each element preceded
by its size as an int32.
"""

from __future__ import annotations

import struct

IMMEDIATELY = 1
_ARGUMENTS = {"i": struct.Struct(">i"), "f": struct.Struct(">f")}


def osc_string(text: str) -> bytes:
    data = text.encode("ascii") + b"\0"
    return data + b"\0" * (-len(data) % 4)


def osc_message(address: str, tags: str, *values: str | float) -> bytes:
    assert len(tags) == len(values)
    body = b"".join(
        osc_string(str(value)) if tag == "s" else _ARGUMENTS[tag].pack(value)
        for tag, value in zip(tags, values, strict=True)
    )
    return osc_string(address) + osc_string("," + tags) + body


def osc_bundle(*elements: bytes) -> bytes:
    sized = b"".join(struct.pack(">i", len(element)) + element for element in elements)
    return osc_string("#bundle") + struct.pack(">Q", IMMEDIATELY) + sized
