"""Opening sinks by URL: ``livelink://``, ``vmc://``, ``vrchat://``, ``ws://`` and ``wss://``,
under the consent guard (:func:`open_sinks`).

Options ride in the query string: ``livelink://10.0.0.5?subject=Anna&fps=60``,
``ws://localhost:8765/face?format=binary``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from likeness.errors import InputError

if TYPE_CHECKING:
    from likeness.sinks.fanout import FanOut
    from likeness.sinks.sender import SinkStats, ThreadedSink
    from likeness.trust.guard import GuardedOutput, Ingredient, OutputGuard

DEFAULT_PORTS: Mapping[str, int] = {"livelink": 11111, "vmc": 39539, "vrchat": 9000}
SCHEMES = (*DEFAULT_PORTS, "ws", "wss")
SEND_HELP = (
    "stream frames live to URL (repeatable): livelink://HOST[:11111][?subject=NAME&fps=60] "
    "(Unreal Live Link Face), vmc://HOST[:39539] (VSeeFace and other VMC apps), "
    "vrchat://HOST[:9000] (VRChat OSC), ws://HOST:PORT/PATH[?format=json|binary]"
)


def split_address(url: str) -> tuple[str, str, int, dict[str, str]]:
    """``scheme://host:port?options`` -> (scheme, host, port, options), default ports filled in."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise InputError(f"{url}: not a valid address ({e})") from e
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        raise InputError(f"{url}: unknown scheme {scheme!r}, expected one of "
                         + ", ".join(f"{s}://" for s in SCHEMES))
    if not parts.hostname:
        raise InputError(f"{url}: no host, expected {scheme}://HOST[:PORT]")
    if port is None:
        if scheme not in DEFAULT_PORTS:
            raise InputError(f"{url}: no port, expected {scheme}://HOST:PORT/PATH")
        port = DEFAULT_PORTS[scheme]
    return scheme, parts.hostname, port, dict(parse_qsl(parts.query))


def check_options(url: str, options: dict[str, str],
                  known: Mapping[str, Callable[[str], object]]) -> dict:
    """``options`` converted by ``known`` (name -> type); InputError naming any unknown one."""
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise InputError(f"{url}: unknown option {', '.join(unknown)}; expected "
                         + (", ".join(known) or "none"))
    try:
        return {name: known[name](value) for name, value in options.items()}
    except ValueError as e:
        raise InputError(f"{url}: {e}") from e


@dataclass(frozen=True)
class SinkOptions:
    """One destination, as its URL gives it: parsed and checked once (see the module
    docstring)."""

    url: str  # as given
    scheme: str  # livelink, vmc, vrchat, ws or wss
    host: str
    port: int  # the scheme's default where the URL gives none
    settings: Mapping[str, object] = field(default_factory=dict)  # the query's options, typed

    @classmethod
    def parse(cls, url: str) -> SinkOptions:
        """The options of ``url``.

        Raises
        ------
        InputError
            Unknown scheme or option, an option of the wrong type, missing host or port.
        """
        scheme, host, port, options = split_address(url)
        return cls(url, scheme, host, port, check_options(url, options, SINK_SETTINGS[scheme]))


SINK_SETTINGS: Mapping[str, Mapping[str, Callable[[str], object]]] = {
    "livelink": {"subject": str, "device_id": str, "fps": float},
    "vmc": {},
    "vrchat": {},
    "ws": {"format": str},
    "wss": {"format": str},
}
"""The query options each scheme takes, and their types."""


def _open_sink(options: SinkOptions) -> ThreadedSink:
    """A sink for one destination; sending starts at once."""
    # The sinks load numpy and the codecs: imported here, not to build a command's parser.
    from likeness.sinks.livelink import LiveLinkSink
    from likeness.sinks.vmc import VmcSink
    from likeness.sinks.vrchat import VrchatSink
    from likeness.sinks.websocket import WebSocketSink

    scheme, host, port, settings = options.scheme, options.host, options.port, options.settings
    if scheme == "livelink":
        return LiveLinkSink(host, port, **settings)  # type: ignore[arg-type]
    if scheme in ("ws", "wss"):
        bare = urlsplit(options.url)._replace(query="").geturl()
        return WebSocketSink(bare, message_format=str(settings.get("format", "json")))
    return VmcSink(host, port) if scheme == "vmc" else VrchatSink(host, port)


def open_sinks(
    urls: Sequence[str | SinkOptions] | None,
    *,
    guard: OutputGuard,
    ingredients: Sequence[Ingredient] = (),
) -> FanOut:
    """One sink per URL (see the module docstring) behind a :class:`FanOut`, under consent.

    Parameters
    ----------
    urls : sequence of str or SinkOptions
        Destinations (all are checked before any opens); none gives an empty fan-out, with
        nothing to authorize or record.
    guard : OutputGuard
        Consent for the likeness the frames come from (:func:`likeness.trust.output_guard`):
        the stream is authorized when it opens and recorded in the audit log when it closes,
        with each destination's figures.
    ingredients : sequence of paths or bytes
        The inputs that drive it (video, audio, text), named by hash in the audit record.

    Raises
    ------
    ConsentRefused
        The guard's grant does not allow streaming.
    InputError
        Unknown scheme or option, missing host or port, a host that does not resolve (the sinks
        already open are closed).
    """
    from likeness.sinks.fanout import FanOut

    if not urls:
        return FanOut([])
    destinations = [u if isinstance(u, SinkOptions) else SinkOptions.parse(u) for u in urls]
    output = guard.output("stream", ingredients=ingredients)
    sinks: list[ThreadedSink] = []
    try:
        for destination in destinations:
            sinks.append(_open_sink(destination))
    except BaseException:
        for sink in sinks:
            sink.close()
        raise
    return FanOut(sinks, on_close=lambda stats: _record_stream(output, stats))


def _record_stream(output: GuardedOutput, stats: Mapping[str, SinkStats]) -> None:
    """The audit record of a finished stream: where it went and how it went there."""
    figures = {name: s.as_dict() for name, s in stats.items()}
    summary = json.dumps({"destinations": figures}, sort_keys=True).encode()
    output.record([summary], details={"destinations": figures})


def add_send_argument(parser: argparse.ArgumentParser) -> None:
    """Add the repeatable ``--send URL`` option (open it with :func:`open_sinks`)."""
    parser.add_argument("--send", action="append", default=[], metavar="URL", help=SEND_HELP)
