"""Live streams into engines: Live Link Face (Unreal), VMC (VSeeFace...), VRChat OSC, WebSocket.

Every sink has ``send(frame)`` (returns at once; see :mod:`likeness.sinks.sender`), ``stats()``
and ``close()``, and is a context manager. Open them by URL with :func:`open_sink`, or several
at once behind a :class:`FanOut` with :func:`open_sinks`; commands take ``--send URL`` through
:func:`add_send_argument`.
"""

from typing import TYPE_CHECKING

from likeness.lazy import lazy_exports

if TYPE_CHECKING:
    from likeness.sinks.fanout import FanOut
    from likeness.sinks.livelink import LiveLinkSink
    from likeness.sinks.sender import SinkStats, ThreadedSink
    from likeness.sinks.url import add_send_argument, open_sink, open_sinks
    from likeness.sinks.vmc import VmcSink
    from likeness.sinks.vrchat import VrchatSink
    from likeness.sinks.websocket import WebSocketSink

__all__ = [
    "FanOut", "LiveLinkSink", "SinkStats", "ThreadedSink", "VmcSink", "VrchatSink",
    "WebSocketSink", "add_send_argument", "open_sink", "open_sinks",
]

__getattr__ = lazy_exports(__name__, {
    "likeness.sinks.fanout": ("FanOut",),
    "likeness.sinks.livelink": ("LiveLinkSink",),
    "likeness.sinks.sender": ("SinkStats", "ThreadedSink"),
    "likeness.sinks.url": ("add_send_argument", "open_sink", "open_sinks"),
    "likeness.sinks.vmc": ("VmcSink",),
    "likeness.sinks.vrchat": ("VrchatSink",),
    "likeness.sinks.websocket": ("WebSocketSink",),
})
