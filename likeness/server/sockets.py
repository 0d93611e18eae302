"""The WebSocket endpoints: one runner for every session, and what each kind does with messages.

Every session, whatever its kind, runs the same way: accept, authorize through the consent guard
(:mod:`likeness.trust.guard`), send ``hello``, then run three tasks until the first one ends:
the kind's receive loop, the frame pump and the stats ticker. Whatever ends it (the client
leaving, a send failing, the server shutting down), the session is closed and its record kept
(an authorized session's in the audit log). A malformed message is answered with an ``error``
message and counted; it never ends the session or touches another one.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from likeness.blendshapes import NAMES
from likeness.errors import ConsentError, InputError, LikenessError
from likeness.server.avatars import Uploads
from likeness.server.channels import Channel
from likeness.server.options import ServerOptions
from likeness.server.protocol import MAX_TEXT_CHARS, decode_image, decode_published, parse_text
from likeness.server.session import Session, SessionState

if TYPE_CHECKING:
    from likeness.trust.guard import GuardedOutput

log = logging.getLogger(__name__)

MAX_REJECTED_MESSAGES = 100
"""Malformed messages tolerated from one client before its session is closed (1008)."""

CLOSE_POLICY = 1008
CLOSE_TRY_AGAIN = 1013
CLOSE_REFUSED = 4403
LIVE_SOURCE = "live"
"""The source of channels fed by publishers (the others name the file the server plays)."""
MAX_CHANNEL_NAME = 64


class Hub:
    """Everything sessions share: options, live sessions, finished records, channels."""

    def __init__(self, options: ServerOptions, *, avatars: Uploads, grants: Uploads) -> None:
        self.options = options
        self.avatars = avatars
        self.grants = grants
        self.sessions: dict[str, Session] = {}
        self.records: list[dict[str, Any]] = []
        self.channels: dict[str, Channel] = {}

    def join(self, name: str) -> Channel:
        """The channel ``name``, opened for a live publisher if nobody has used it yet."""
        if name not in self.channels:
            self.channels[name] = Channel(name, source=LIVE_SOURCE)
        return self.channels[name]

    def leave(self, channel: Channel) -> None:
        """Forget a live channel once its last viewer and publisher have gone."""
        if channel.source == LIVE_SOURCE and not channel.viewers and not channel.n_publishers:
            self.channels.pop(channel.name, None)


Receive = Callable[[Session, bytes | None, str | None], Awaitable[None]]


async def run_session(
    hub: Hub,
    websocket: WebSocket,
    kind: str,
    on_message: Receive,
    *,
    setup: Callable[[Session], Awaitable[None]] | None = None,
    teardown: Callable[[Session], None] | None = None,
) -> None:
    """Run one session of ``kind`` on ``websocket``; ``on_message`` gets each client message."""
    if len(hub.sessions) >= hub.options.max_sessions:
        await websocket.close(CLOSE_TRY_AGAIN, f"server busy: {len(hub.sessions)} sessions")
        return
    await websocket.accept()
    binary = websocket.query_params.get("binary", "0") in ("1", "true")
    session = Session(
        kind,
        lambda m: _send(websocket, m),
        binary=binary,
        outbox_frames=hub.options.outbox_frames,
        client=f"{websocket.client.host}:{websocket.client.port}" if websocket.client else "",
    )
    hub.sessions[session.id] = session
    joined = False  # teardown undoes setup, so it runs only if setup did
    try:
        session.stream = _authorize(hub, websocket, session)
        session.transition(SessionState.ACTIVE)
        if setup is not None:
            await setup(session)
        joined = True
        await session.send_message(
            json.dumps(
                {
                    "type": "hello",
                    "session": session.id,
                    "kind": kind,
                    "binary": binary,
                    "names": NAMES,
                    "server_ms": time.time() * 1e3,
                }
            )
        )
        tasks = [
            asyncio.create_task(coroutine)
            for coroutine in (
                _receive_loop(session, websocket, on_message),
                session.pump(),
                _stats_loop(session, hub.options.stats_interval_s),
            )
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.wait(tasks)
        for task in done:
            error = None if task.cancelled() else task.exception()
            if error is not None and not _is_disconnect(error):
                log.warning("session %s ended by %r", session.id, error)
        if session.state is SessionState.ACTIVE:
            session.transition(SessionState.CLOSING)
            await _close(websocket, 1000, "session over")
    except (ConsentError, InputError) as e:
        await _refuse(session, websocket, e)
    except Exception as e:  # the client vanished during setup; nothing else is affected
        if not _is_disconnect(e):
            raise
    finally:
        if session.state is not SessionState.CLOSED:
            session.transition(SessionState.CLOSED)
        if teardown is not None and joined:
            teardown(session)
        del hub.sessions[session.id]
        hub.records.append(_record(session))
        del hub.records[:-1000]


async def _receive_loop(session: Session, websocket: WebSocket, on_message: Receive) -> None:
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        data, text = message.get("bytes"), message.get("text")
        try:
            if text is not None and await _common(session, text):
                continue
            await on_message(session, data, text)
        except InputError as e:
            session.n_rejected_messages += 1
            await session.send_message(json.dumps({"type": "error", "message": str(e)}))
            if session.n_rejected_messages > MAX_REJECTED_MESSAGES:
                session.transition(SessionState.CLOSING)
                await _close(websocket, CLOSE_POLICY, "too many malformed messages")
                return


async def _common(session: Session, text: str) -> bool:
    """Messages every session understands (ping, stats); True if ``text`` was one."""
    try:
        message = json.loads(text) if len(text) <= MAX_TEXT_CHARS else None
    except json.JSONDecodeError:
        return False  # the kind's own handler says what is wrong with it
    if not isinstance(message, dict):
        return False
    kind = message.get("type")
    if kind == "ping":
        await session.send_message(
            json.dumps(
                {
                    "type": "pong",
                    "client_ms": message.get("client_ms"),
                    "server_ms": time.time() * 1e3,
                }
            )
        )
        return True
    if kind == "stats":
        session.client_report = {k: v for k, v in message.items() if k != "type"}
        return True
    return False


async def _stats_loop(session: Session, interval_s: float) -> None:
    while True:
        await asyncio.sleep(interval_s)
        await session.send_message(json.dumps({"type": "stats", **session.figures()}))


# -- the kinds ----------------------------------------------------------------------------------


async def watch(hub: Hub, websocket: WebSocket, name: str) -> None:
    """``/ws/watch/{name}``: the frames of a channel (which may wait for its publisher)."""
    if not await _valid_channel_name(websocket, name):
        return

    async def join(session: Session) -> None:
        hub.join(name).viewers.add(session)

    def leave(session: Session) -> None:
        channel = hub.channels[name]
        channel.viewers.discard(session)
        hub.leave(channel)

    await run_session(hub, websocket, "watch", _no_more_messages, setup=join, teardown=leave)


async def publish(hub: Hub, websocket: WebSocket, name: str) -> None:
    """``/ws/publish/{name}``: send frames (``--send ws://...``) to everyone watching ``name``."""
    if not await _valid_channel_name(websocket, name):
        return

    async def on_frame(session: Session, data: bytes | None, text: str | None) -> None:
        frame, n_clamped = decode_published(data if data is not None else text or "")
        session.n_clamped_weights += n_clamped
        hub.channels[name].publish(frame)

    async def join(session: Session) -> None:
        hub.join(name).n_publishers += 1

    def leave(session: Session) -> None:
        channel = hub.channels[name]
        channel.n_publishers -= 1
        hub.leave(channel)

    await run_session(hub, websocket, "publish", on_frame, setup=join, teardown=leave)


async def _valid_channel_name(websocket: WebSocket, name: str) -> bool:
    if name.replace("-", "").replace("_", "").isalnum() and len(name) <= MAX_CHANNEL_NAME:
        return True
    await websocket.close(
        CLOSE_POLICY,
        f"channel name {name[:80]!r}: expected up to {MAX_CHANNEL_NAME} letters, digits, - and _",
    )
    return False


async def talk(hub: Hub, websocket: WebSocket) -> None:
    """``/ws/talk``: ``{"type": "say", "text": ...}`` in; an ``utterance`` and its WAV out."""
    from likeness.server.talk import speak

    n_utterances = 0

    async def on_say(session: Session, data: bytes | None, text: str | None) -> None:
        nonlocal n_utterances
        message = _expect_text(data, text, "say")
        try:
            voice, rate_wpm = str(message.get("voice", "en-us")), int(message.get("rate_wpm", 175))
        except (TypeError, ValueError) as e:
            raise InputError(
                f"talk: rate_wpm must be a whole number, got {message.get('rate_wpm')!r}"
            ) from e
        words = message.get("text")
        if not isinstance(words, str):
            raise InputError(f"talk: 'text' must be a string, got {type(words).__name__}")
        start = time.perf_counter()
        try:
            utterance = await asyncio.to_thread(speak, words, voice=voice, rate_wpm=rate_wpm)
        except InputError:
            raise
        except Exception as e:  # a fault in speech or behaviour: this answer fails, not the session
            log.exception("talk session %s could not speak %r", session.id, words)
            raise InputError(
                f"talk: the server could not speak this text ({type(e).__name__}: {e})"
            ) from e
        session.stages.add("speech", (time.perf_counter() - start) * 1e3)
        n_utterances += 1
        await session.send_message(utterance.animation_message(n_utterances))
        await session.send_message(utterance.audio_wav())

    await run_session(hub, websocket, "talk", on_say)


async def mirror(hub: Hub, websocket: WebSocket) -> None:
    """``/ws/mirror``: camera JPEGs in (:func:`~likeness.server.protocol.decode_image`), frames out.

    Only the newest image waits to be tracked: an image that arrives while another is waiting
    replaces it and counts as dropped, so latency stays one image deep however fast the camera.
    """
    from likeness.server.mirror import MirrorPipeline

    newest: dict[str, tuple[bytes, float]] = {}
    arrived = asyncio.Event()
    worker: asyncio.Task[None] | None = None

    async def track_forever(session: Session, pipeline: MirrorPipeline) -> None:
        while True:
            await arrived.wait()
            arrived.clear()
            jpeg, t_s = newest.pop("image")
            try:
                frame = await asyncio.to_thread(pipeline, jpeg, t_s, session.stages)
            except LikenessError as e:  # one bad image, not the end of the session
                session.n_rejected_messages += 1
                await session.send_message(json.dumps({"type": "error", "message": str(e)}))
                continue
            session.offer(frame)

    async def on_image(session: Session, data: bytes | None, text: str | None) -> None:
        if data is None:
            raise InputError(
                f"mirror: expected a binary image message, got text {(text or '')[:80]!r}"
            )
        if len(data) > hub.options.max_image_bytes:
            raise InputError(
                f"mirror: image of {len(data)} bytes, expected at most "
                f"{hub.options.max_image_bytes}"
            )
        _seq, capture_ms, jpeg = decode_image(data)
        if "image" in newest:
            session.n_dropped += 1
        # Frame time on the session's clock from the client's capture stamp (ms since epoch).
        newest["image"] = (jpeg, capture_ms / 1e3 - session.started_s)
        arrived.set()

    async def start(session: Session) -> None:
        nonlocal worker
        pipeline = await asyncio.to_thread(MirrorPipeline)
        worker = asyncio.create_task(track_forever(session, pipeline))

    def stop(session: Session) -> None:
        if worker is not None:  # the tracker is freed with the worker, after its last image
            worker.cancel()

    await run_session(hub, websocket, "mirror", on_image, setup=start, teardown=stop)


async def _no_more_messages(session: Session, data: bytes | None, text: str | None) -> None:
    raise InputError(f"{session.kind} sessions take only ping and stats messages")


def _expect_text(data: bytes | None, text: str | None, kind: str) -> dict[str, Any]:
    if text is None:
        raise InputError(
            f"expected a JSON text message of type {kind!r}, got {len(data or b'')} binary bytes"
        )
    message = parse_text(text)
    if message["type"] != kind:
        raise InputError(f"expected a message of type {kind!r}, got {message['type']!r}")
    return message


# -- plumbing -----------------------------------------------------------------------------------


def _authorize(hub: Hub, websocket: WebSocket, session: Session) -> GuardedOutput:
    """The session's stream, as the consent guard allows it; ConsentError refuses it.

    The likeness shown is the avatar the client names (``?avatar=ID``, an upload) or the
    built-in synthetic one; the grant is an uploaded one (``?grant=ID``) or the server's own.
    """
    from likeness.trust.guard import output_guard

    query = websocket.query_params
    avatar = hub.avatars.path(query["avatar"]) if "avatar" in query else None
    grant = hub.grants.path(query["grant"]) if "grant" in query else hub.options.consent_grant
    guard = output_guard(avatar, grant=grant,
                         context=query.get("context", hub.options.consent_context),
                         audit=hub.options.audit)
    return guard.output(
        "stream", ingredients=[f"{session.kind} session from {session.client}".encode()]
    )


async def _send(websocket: WebSocket, message: bytes | str) -> None:
    if isinstance(message, bytes):
        await websocket.send_bytes(message)
    else:
        await websocket.send_text(message)


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    if websocket.application_state is WebSocketState.CONNECTED:
        try:
            await websocket.close(code, reason[:120])
        except Exception as e:  # the client is already gone
            if not _is_disconnect(e):
                raise


async def _refuse(session: Session, websocket: WebSocket, error: LikenessError) -> None:
    try:
        await websocket.send_text(json.dumps({"type": "error", "message": str(error)}))
    except Exception as e:
        if not _is_disconnect(e):
            raise
    if session.state is SessionState.ACTIVE:
        session.transition(SessionState.CLOSING)
    await _close(
        websocket, CLOSE_REFUSED if isinstance(error, ConsentError) else CLOSE_POLICY, str(error)
    )


def _is_disconnect(error: BaseException) -> bool:
    """Whether ``error`` only says the client has gone (not a fault of the server)."""
    return isinstance(error, (WebSocketDisconnect, ConnectionError)) or (
        isinstance(error, RuntimeError) and "close" in str(error).lower()
    )


def _record(session: Session) -> dict[str, Any]:
    """Write the signed audit record of a finished session; returns its figures."""
    figures = session.figures()
    if session.stream is not None:
        summary = json.dumps(figures, sort_keys=True).encode()
        session.stream.record([summary], details={"session": figures})
    return figures
