"""WebSocket sessions driven in-process (and, for abrupt disconnects, over a real socket)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import time

import numpy as np
import pytest
from starlette.websockets import WebSocketDisconnect

from likeness.blendshapes import NAMES
from likeness.codecs.websocket import encode_binary, encode_json
from likeness.errors import InputError
from likeness.frame import Animation, FaceFrame
from likeness.server import ServerOptions
from likeness.server.protocol import decode_frame, encode_image
from likeness.server.session import IllegalTransition, Session, SessionState


def jaw_frame(jaw_open: float, t_s: float = 0.0) -> FaceFrame:
    weights = np.zeros(len(NAMES), np.float32)
    weights[NAMES.index("jawOpen")] = jaw_open
    return FaceFrame(t_s=t_s, weights=weights)


def receive_frame(ws) -> tuple[FaceFrame, int, float]:
    """The next frame message, skipping stats and other control messages."""
    while True:
        message = ws.receive()
        data = message.get("bytes") if message.get("bytes") is not None else message["text"]
        if isinstance(data, str) and json.loads(data)["type"] != "frame":
            continue
        return decode_frame(data)


def receive_type(ws, kind: str) -> dict:
    while True:
        message = ws.receive_json()
        if message["type"] == kind:
            return message


def test_publisher_frames_reach_every_viewer_in_order(client_for):
    client = client_for()
    with (
        client.websocket_connect("/ws/watch/stage?binary=1") as binary_viewer,
        client.websocket_connect("/ws/watch/stage") as json_viewer,
        client.websocket_connect("/ws/publish/stage") as publisher,
    ):
        hello = binary_viewer.receive_json()
        assert (
            hello["type"] == "hello" and hello["names"] == list(NAMES) and hello["binary"] is True
        )
        json_viewer.receive_json(), publisher.receive_json()
        for i in range(3):
            publisher.send_bytes(encode_binary(jaw_frame(i / 4, t_s=i / 60)))
        for viewer in (binary_viewer, json_viewer):
            for i in range(3):
                frame, seq, sent_ms = receive_frame(viewer)
                assert seq == i and frame.t_s == pytest.approx(i / 60, abs=1e-6)
                assert frame.weights[NAMES.index("jawOpen")] == pytest.approx(i / 4)
                assert abs(sent_ms - time.time() * 1e3) < 5000
        channels = client.get("/api/channels").json()
        assert channels == [
            {"name": "stage", "source": "live", "viewers": 2, "frames": 3, "publishers": 1}
        ]


def test_a_file_channel_plays_its_frames_live(client_for, tmp_path):
    from likeness.formats import write_animation
    from likeness.trust import output_guard

    take = Animation.neutral(30, 60.0)
    take.weights[:, NAMES.index("jawOpen")] = np.linspace(0, 1, 30)
    path = tmp_path / "take.json"
    write_animation(take, path, guard=output_guard())
    client = client_for(ServerOptions(watch=(("take", str(path)),)))
    with client.websocket_connect("/ws/watch/take?binary=1") as viewer:
        viewer.receive_json()
        frames = [receive_frame(viewer) for _ in range(40)]
    seqs = [seq for _, seq, _ in frames]
    assert seqs == list(range(40))
    times = np.array([f.t_s for f, _, _ in frames])
    # Live, looping on past the end of the take; a frame only goes missing if the player was
    # late by more than a frame interval (live means now, not catching up).
    steps = np.diff(times) * 60
    np.testing.assert_allclose(steps, np.rint(steps), atol=1e-6)
    steps = np.rint(steps)
    assert steps.min() >= 1 and np.mean(steps == 1) > 0.8
    jaw = np.array([f.weights[NAMES.index("jawOpen")] for f, _, _ in frames])
    row = np.rint(times * 60).astype(int) % 30
    np.testing.assert_allclose(jaw, take.weights[row, NAMES.index("jawOpen")], atol=1e-6)


def test_a_watch_file_that_cannot_be_read_fails_before_serving(tmp_path):
    from likeness.server import create_app

    with pytest.raises(InputError, match="missing.csv"):
        create_app(ServerOptions(watch=(("x", str(tmp_path / "missing.csv")),)))


def test_malformed_messages_get_errors_and_the_session_goes_on(client_for):
    client = client_for()
    with (
        client.websocket_connect("/ws/watch/s?binary=1") as viewer,
        client.websocket_connect("/ws/publish/s") as publisher,
    ):
        viewer.receive_json(), publisher.receive_json()
        bad_weights = jaw_frame(0).weights.copy()
        bad_weights[3] = np.inf
        for bad in (
            b"\x00" * 7,
            "not json",
            '{"type": 5}',
            encode_json(FaceFrame(0.0, bad_weights)),
            b"\x02" + encode_binary(jaw_frame(0))[1:],
        ):
            (publisher.send_bytes if isinstance(bad, bytes) else publisher.send_text)(bad)
            assert receive_type(publisher, "error")["message"]
        publisher.send_text(encode_json(jaw_frame(0.5)))
        frame, seq, _ = receive_frame(viewer)
        assert seq == 0 and frame.weights[NAMES.index("jawOpen")] == 0.5
        publisher.send_text('{"type": "ping", "client_ms": 12}')
        assert receive_type(publisher, "pong")["client_ms"] == 12
        live = {s["kind"]: s for s in client.get("/api/sessions").json()["live"]}
        assert live["publish"]["rejected_messages"] == 5 and live["watch"]["rejected_messages"] == 0


def test_a_flood_of_malformed_messages_closes_only_that_session(client_for):
    client = client_for()
    with (
        client.websocket_connect("/ws/watch/f") as viewer,
        client.websocket_connect("/ws/publish/f") as bad,
    ):
        viewer.receive_json(), bad.receive_json()
        for _ in range(101):
            bad.send_text("garbage")
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                bad.receive_text()
        assert closed.value.code == 1008
        with client.websocket_connect("/ws/publish/f") as good:
            good.receive_json()
            good.send_bytes(encode_binary(jaw_frame(1.0)))
            assert receive_frame(viewer)[0].weights[NAMES.index("jawOpen")] == 1.0


def test_a_viewer_vanishing_mid_session_leaves_the_others_unaffected(live_server):
    from websockets.sync.client import connect

    server = live_server()
    base = f"ws://127.0.0.1:{server.port}"
    with (
        connect(f"{base}/ws/watch/v?binary=1", proxy=None) as stayer,
        connect(f"{base}/ws/publish/v", proxy=None) as publisher,
    ):
        leaver = connect(f"{base}/ws/watch/v?binary=1", proxy=None)
        for ws in (stayer, publisher, leaver):
            assert json.loads(ws.recv(timeout=5))["type"] == "hello"
        publisher.send(encode_binary(jaw_frame(0.1)))
        leaver.recv(timeout=5)
        leaver.socket.close()  # no closing handshake: the client just disappears
        for i in range(30):
            publisher.send(encode_binary(jaw_frame(0.2, t_s=i / 60)))
            time.sleep(1 / 120)
        received = []
        while len(received) < 31:
            message = stayer.recv(timeout=5)
            if isinstance(message, bytes):
                received.append(decode_frame(message)[1])
        assert received == list(range(31))
    import httpx

    deadline = time.monotonic() + 5
    while True:
        sessions = httpx.get(f"{server.url}/api/sessions").json()
        if not sessions["live"] or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert sessions["live"] == []
    assert sorted(r["kind"] for r in sessions["finished"]) == ["publish", "watch", "watch"]
    assert httpx.get(f"{server.url}/api/health").json()["ok"] is True


def test_sessions_beyond_the_limit_are_refused(client_for):
    client = client_for(ServerOptions(max_sessions=1))
    with client.websocket_connect("/ws/watch/a") as first:
        first.receive_json()
        with pytest.raises(WebSocketDisconnect) as refused:
            with client.websocket_connect("/ws/watch/a") as second:
                second.receive_text()
        assert refused.value.code == 1013


def test_bad_channel_names_are_refused(client_for):
    with pytest.raises(WebSocketDisconnect) as refused:
        with client_for().websocket_connect("/ws/watch/" + "x" * 65) as ws:
            ws.receive_text()
    assert refused.value.code == 1008


def test_watch_sessions_take_no_frames(client_for):
    with client_for().websocket_connect("/ws/watch/w") as viewer:
        viewer.receive_json()
        viewer.send_bytes(encode_binary(jaw_frame(1)))
        assert "only ping and stats" in receive_type(viewer, "error")["message"]


def test_talk_answers_with_animation_and_wav(client_for):
    import io
    import wave

    client = client_for()
    with client.websocket_connect("/ws/talk") as talk:
        talk.receive_json()
        talk.send_text(json.dumps({"type": "say", "text": ""}))
        assert "non-empty text" in receive_type(talk, "error")["message"]
        talk.send_bytes(b"RIFF")
        assert "JSON text message" in receive_type(talk, "error")["message"]
        talk.send_text(json.dumps({"type": "say", "text": "Open wide."}))
        utterance = receive_type(talk, "utterance")
        wav = talk.receive_bytes()
    with wave.open(io.BytesIO(wav)) as audio:
        duration_s = audio.getnframes() / audio.getframerate()
        assert audio.getframerate() == utterance["sr"]
    assert utterance["duration_s"] == pytest.approx(duration_s, abs=1e-3)
    t_s = np.array(utterance["t_s"])
    assert t_s[0] == 0 and t_s[-1] == pytest.approx(duration_s, abs=2 / 60)
    jaw = np.array(utterance["weights"])[:, NAMES.index("jawOpen")]
    assert jaw.max() > 0.2  # "open wide" opens the mouth


def test_mirror_refuses_what_is_not_a_camera_image(client_for):
    with client_for().websocket_connect("/ws/mirror") as mirror:
        mirror.receive_json()
        mirror.send_text("hello")
        assert "binary image message" in receive_type(mirror, "error")["message"]
        mirror.send_bytes(encode_image(0, 0.0, b"\xff\xd8 not really"))
        assert "does not decode" in receive_type(mirror, "error")["message"]


def test_mirror_tracks_a_face_photo(client_for):
    import cv2
    from skimage import data

    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR))
    assert ok
    with client_for().websocket_connect("/ws/mirror?binary=1") as mirror:
        mirror.receive_json()
        mirror.send_bytes(encode_image(0, time.time() * 1e3, jpeg.tobytes()))
        frame, seq, _ = receive_frame(mirror)
        stats = receive_type(mirror, "stats")
    assert frame.found and seq == 0
    assert {"decode", "landmarks", "solve", "filter"} <= set(stats["latency_ms"])


# -- the session object ---------------------------------------------------------------------------


def test_only_the_drawn_transitions_are_allowed():
    session = Session("watch", _discard, binary=True, outbox_frames=4)
    with pytest.raises(IllegalTransition):
        session.transition(SessionState.CLOSING)
    session.transition(SessionState.ACTIVE)
    session.transition(SessionState.CLOSING)
    with pytest.raises(IllegalTransition):
        session.transition(SessionState.ACTIVE)
    session.transition(SessionState.CLOSED)
    with pytest.raises(IllegalTransition):
        session.transition(SessionState.CLOSED)


def test_a_full_outbox_drops_its_oldest_frames():
    async def scenario() -> list[int]:
        sent: list[int] = []

        async def send(message: bytes | str) -> None:
            sent.append(decode_frame(message)[1])

        session = Session("watch", send, binary=True, outbox_frames=3)
        session.offer(jaw_frame(0))  # not active yet: ignored
        session.transition(SessionState.ACTIVE)
        for i in range(10):
            session.offer(jaw_frame(i / 10))
        pump = asyncio.create_task(session.pump())
        await asyncio.sleep(0.01)
        session.transition(SessionState.CLOSED)
        await pump
        assert (session.n_offered, session.n_dropped, session.n_sent) == (10, 7, 3)
        return sent

    # In a thread of its own: the browser tests' Playwright keeps an event loop on this one.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, scenario()).result() == [7, 8, 9]


async def _discard(message: bytes | str) -> None:
    return None


@pytest.mark.parametrize("message_format", ["binary", "json"])
def test_the_cli_websocket_sink_publishes_to_a_channel(live_server, message_format):
    from websockets.sync.client import connect

    from likeness.sinks import open_sinks
    from likeness.trust import output_guard

    server = live_server()
    with connect(f"ws://127.0.0.1:{server.port}/ws/watch/cli?binary=1", proxy=None) as viewer:
        assert json.loads(viewer.recv(timeout=5))["type"] == "hello"
        with open_sinks(
            [f"ws://127.0.0.1:{server.port}/ws/publish/cli?format={message_format}"],
            guard=output_guard(),
        ) as sink:
            jaws = []
            deadline = time.monotonic() + 10
            while len(jaws) < 5 and time.monotonic() < deadline:
                sink.send(jaw_frame(0.75, t_s=time.monotonic()))
                time.sleep(1 / 60)
                try:
                    message = viewer.recv(timeout=0)
                except TimeoutError:
                    continue
                if isinstance(message, bytes):
                    jaws.append(decode_frame(message)[0].weights[NAMES.index("jawOpen")])
    assert jaws == [0.75] * 5
