"""``likeness serve``: a live avatar in the browser.

A FastAPI app (:func:`create_app`) serves a three.js viewer (installed from npm, served from
this package) and WebSocket sessions that drive it with face frames: ``watch`` a channel (a file
the server plays, or anything the CLI publishes with ``--send ws://...``), ``talk`` (text in,
speech and animation out) and ``mirror`` (camera images in, the tracked face out). The message
format is in :mod:`likeness.server.protocol` and ``docs/server.md``.
"""

from likeness.server.app import create_app
from likeness.server.options import ServerOptions

__all__ = ["ServerOptions", "create_app"]
