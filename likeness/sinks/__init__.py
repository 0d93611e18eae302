"""Live streams into engines: Live Link Face (Unreal), VMC (VSeeFace...), VRChat OSC, WebSocket.

Open them by URL (or its parsed :class:`SinkOptions`) with :func:`open_sinks`, which takes the
consent guard (:mod:`likeness.trust.guard`): a stream of a likeness is authorized when it opens
and recorded in the audit log when it closes. It returns a :class:`FanOut` with
``send(frame)`` (returns at once; see :mod:`likeness.sinks.sender`), ``stats()`` and
``close()``, a context manager. The transports behind it (``livelink.LiveLinkSink``,
``vmc.VmcSink``, ``vrchat.VrchatSink``, ``websocket.WebSocketSink``) send whatever they are
given, unguarded: they are its parts, not an API. Commands take ``--send URL`` through
:func:`add_send_argument`.
"""

from typing import TYPE_CHECKING

from likeness.lazy import lazy_exports

if TYPE_CHECKING:
    from likeness.sinks.fanout import FanOut
    from likeness.sinks.sender import SinkStats
    from likeness.sinks.url import SinkOptions, add_send_argument, open_sinks

__all__ = ["FanOut", "SinkOptions", "SinkStats", "add_send_argument", "open_sinks"]

__getattr__ = lazy_exports(__name__, {
    "likeness.sinks.fanout": ("FanOut",),
    "likeness.sinks.sender": ("SinkStats",),
    "likeness.sinks.url": ("SinkOptions", "add_send_argument", "open_sinks"),
})
