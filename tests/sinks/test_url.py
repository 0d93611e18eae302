"""Sinks by URL and the --send option."""

from __future__ import annotations

import argparse

import pytest

from likeness.errors import InputError
from likeness.sinks import add_send_argument, open_sinks
from likeness.sinks.livelink import LiveLinkSink
from likeness.sinks.url import SinkOptions, split_address
from likeness.sinks.vmc import VmcSink
from likeness.sinks.vrchat import VrchatSink
from likeness.sinks.websocket import WebSocketSink
from likeness.trust import output_guard
from tests.sinks.conftest import open_one


@pytest.mark.parametrize(("url", "kind", "name"), [
    ("livelink://127.0.0.1", LiveLinkSink, "livelink://127.0.0.1:11111"),
    ("vmc://127.0.0.1", VmcSink, "vmc://127.0.0.1:39539"),
    ("vrchat://127.0.0.1", VrchatSink, "vrchat://127.0.0.1:9000"),
    ("vrchat://127.0.0.1:9100", VrchatSink, "vrchat://127.0.0.1:9100"),
    ("ws://127.0.0.1:8765/face?format=binary", WebSocketSink, "ws://127.0.0.1:8765/face"),
])
def test_schemes_open_their_sink_with_default_ports(url: str, kind: type, name: str) -> None:
    with open_one(url) as sink:
        assert isinstance(sink, kind) and sink.name == name


def test_livelink_options_ride_in_the_query() -> None:
    with open_one("livelink://127.0.0.1?subject=Anna&fps=30") as sink:
        assert (sink.subject, sink.fps) == ("Anna", 30.0)


@pytest.mark.parametrize(("url", "message"), [
    ("osc://127.0.0.1", "unknown scheme 'osc'"),
    ("vmc://", "no host"),
    ("ws://127.0.0.1/face", "no port"),
    ("vmc://127.0.0.1:99999", "not a valid address"),
    ("livelink://127.0.0.1?subjet=x", "unknown option subjet"),
    ("livelink://127.0.0.1?fps=fast", "could not convert"),
    ("livelink://127.0.0.1?fps=0", "fps 0.0"),
    ("ws://127.0.0.1:1/x?format=xml", "format 'xml'"),
    ("vmc://no-such-host.invalid", "cannot resolve"),
])
def test_bad_urls_are_input_errors(url: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        open_sinks([url], guard=output_guard())


def test_sink_options_are_the_url_parsed_once() -> None:
    options = SinkOptions.parse("livelink://127.0.0.1?subject=Anna&fps=30")
    assert (options.scheme, options.host, options.port) == ("livelink", "127.0.0.1", 11111)
    assert options.settings == {"subject": "Anna", "fps": 30.0}
    with open_sinks([options], guard=output_guard()) as fanout:
        (sink,) = fanout.sinks
        assert (sink.subject, sink.fps) == ("Anna", 30.0)


def test_split_address() -> None:
    assert split_address("livelink://0.0.0.0:11112?subject=A") == ("livelink", "0.0.0.0", 11112,
                                                                  {"subject": "A"})


def test_send_is_repeatable_and_fans_out() -> None:
    parser = argparse.ArgumentParser()
    add_send_argument(parser)
    args = parser.parse_args(["--send", "vmc://127.0.0.1:39600", "--send", "vrchat://127.0.0.1:9100"])
    with open_sinks(args.send, guard=output_guard()) as fanout:
        assert [s.name for s in fanout.sinks] == args.send
        assert set(fanout.stats()) == set(args.send)
    assert len(open_sinks(parser.parse_args([]).send, guard=output_guard())) == 0


def test_a_bad_url_closes_the_sinks_already_opened() -> None:
    with pytest.raises(InputError):
        open_sinks(["vmc://127.0.0.1:39600", "nope://x"], guard=output_guard())
