"""The FastAPI application behind ``likeness serve``: the page, its avatars, the sessions."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request, WebSocket
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles

from likeness.blendshapes import NAMES
from likeness.errors import ConsentError, InputError, LikenessError
from likeness.server import sockets
from likeness.server.avatars import DefaultAvatar, Uploads
from likeness.server.channels import Channel, play_loop
from likeness.server.glb import check_glb
from likeness.server.options import ServerOptions

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
THREE_DIR = HERE / "web" / "node_modules" / "three"
THREE_VRM_DIR = HERE / "web" / "node_modules" / "@pixiv" / "three-vrm" / "lib"
GLB_MEDIA_TYPE = "model/gltf-binary"
MAX_GRANT_BYTES = 64 * 1024


def create_app(options: ServerOptions | None = None) -> FastAPI:
    """The ASGI application of ``likeness serve``.

    Parameters
    ----------
    options : ServerOptions, optional
        Limits, watch channels and consent defaults; the defaults if omitted.

    Raises
    ------
    InputError
        A watch file cannot be read (checked here, before anything is served).
    """
    from likeness.formats import read_animation
    from likeness.trust.consent import read_grant
    from likeness.trust.guard import ensure_keys

    options = options or ServerOptions()
    ensure_keys()  # every session leaves a signed audit record
    playlists = {name: read_animation(spec) for name, spec in options.watch}
    folder = Path(tempfile.mkdtemp(prefix="likeness-serve-"))
    avatars = Uploads(
        folder,
        what="avatar (POST /api/avatars)",
        suffix=".glb",
        max_files=options.max_avatars,
        check=lambda path, name: check_glb(path.read_bytes(), name=name),
    )
    grants = Uploads(
        folder,
        what="grant (POST /api/grants)",
        suffix=".json",
        max_files=options.max_avatars,
        check=lambda path, name: read_grant(path),
    )
    hub = sockets.Hub(options, avatars=avatars, grants=grants)
    for name, spec in options.watch:
        hub.channels[name] = Channel(name, source=spec)
    default_glb = DefaultAvatar(options.audit)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        by_fps: dict[float, list[tuple[Channel, Any]]] = {}
        for name, animation in playlists.items():
            by_fps.setdefault(animation.fps, []).append((hub.channels[name], animation))
        players = [
            asyncio.create_task(play_loop(playlist, fps)) for fps, playlist in by_fps.items()
        ]
        try:
            yield
        finally:
            for player in players:
                player.cancel()
            await asyncio.gather(*players, return_exceptions=True)
            shutil.rmtree(folder, ignore_errors=True)

    app = FastAPI(
        title="likeness",
        summary="A live avatar in the browser: face frames over WebSockets (mirror, talk, watch).",
        description="HTTP endpoints of `likeness serve`. The WebSocket sessions "
        "(`/ws/watch/{name}`,"
        " `/ws/publish/{name}`, `/ws/talk`, `/ws/mirror`) and their message format are described "
        "in docs/server.md.",
        version="1",
        lifespan=lifespan,
        # FastAPI's /docs and /redoc pages load their scripts from a CDN; the description is
        # served as /openapi.json only.
        docs_url=None,
        redoc_url=None,
    )
    app.state.hub = hub

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for vendored, route in ((THREE_DIR, "three"), (THREE_VRM_DIR, "three-vrm")):
        if vendored.is_dir():
            app.mount(f"/vendor/{route}", StaticFiles(directory=vendored), name=route)
        else:
            log.warning("%s is not installed at %s: run scripts/system-deps.sh", route, vendored)

    @app.get("/api/expression-fallbacks",
             summary="The expressions each ARKit channel is made from when an avatar lacks it")
    async def expression_fallbacks() -> dict[str, Any]:
        from likeness.avatar.expressions import FALLBACKS

        return {"names": list(NAMES),
                "fallbacks": {name: list(sources) for name, sources in FALLBACKS.items()}}

    @app.get("/api/health", summary="Whether the server is up, and what it can do")
    async def health() -> dict[str, Any]:
        return {"ok": True, "sessions": len(hub.sessions), "viewer_installed": THREE_DIR.is_dir()}

    @app.get(
        "/api/avatars/default.glb",
        summary="The default avatar (GLB with 52 ARKit morph targets)",
        response_class=Response,
        responses={200: {"content": {GLB_MEDIA_TYPE: {}}}},
    )
    async def default_avatar() -> Response:
        try:
            data = await asyncio.to_thread(default_glb)
        except ImportError as e:
            raise HTTPException(503, f"the default avatar needs likeness.avatar ({e})") from e
        except LikenessError as e:
            raise HTTPException(500, f"the default avatar could not be made: {e}") from e
        return Response(data, media_type=GLB_MEDIA_TYPE)

    @app.post(
        "/api/avatars",
        summary="Upload a GLB avatar with ARKit-named morph targets",
        description="The request body is the GLB file itself (Content-Type "
        "model/gltf-binary). Refused with 413 over the size limit, 400 when it is not a "
        "GLB or carries no ARKit-named morph targets (the message lists the names).",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {GLB_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            }
        },
    )
    async def upload_avatar(request: Request) -> dict[str, Any]:
        data = await _read_body(request, options.max_upload_bytes)
        name = request.headers.get("x-filename", "upload.glb")[:200]
        try:
            avatar_id, report = avatars.add(data, name=name)
        except InputError as e:
            raise HTTPException(400, str(e)) from e
        return {
            "id": avatar_id,
            "url": f"/api/avatars/{avatar_id}.glb",
            "morph_targets": list(report.present),
            "mapped": report.mapped,
            "missing": list(report.missing),
        }

    @app.post(
        "/api/grants",
        summary="Upload a consent grant for an uploaded avatar",
        description="The body is the grant JSON (`likeness.consent/1`). Sessions showing "
        "an uploaded avatar name it with `?avatar=ID&grant=ID&context=C`; the grant is "
        "checked (signature, subject key, expiry, revocation, context, likeness hash) when "
        "the session starts. 400 when it is not a well-formed grant.",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        },
    )
    async def upload_grant(request: Request) -> dict[str, Any]:
        data = await _read_body(request, MAX_GRANT_BYTES)
        try:
            grant_id, grant = grants.add(data, name="grant")
        except LikenessError as e:
            raise HTTPException(400, str(e)) from e
        return {
            "id": grant_id,
            "subject": grant["subject"],
            "contexts": grant["contexts"],
            "expires": grant["expires"],
        }

    @app.get(
        "/api/avatars/{avatar_id}.glb",
        summary="An uploaded avatar, under the consent grant for the likeness it shows",
        description="An uploaded avatar is a real person's likeness: it is served only with "
        "`?grant=ID&context=C` (or the server's own `--consent/--context`) naming a grant that "
        "allows streaming it, and each download is recorded in the audit log. 403 with the "
        "reason otherwise; 404 for an unknown id.",
        response_class=Response,
        responses={200: {"content": {GLB_MEDIA_TYPE: {}}}},
    )
    async def uploaded_avatar(avatar_id: str, grant: str | None = None,
                              context: str | None = None) -> Response:
        from likeness.trust.guard import output_guard

        try:
            path = avatars.path(avatar_id)
            guard = output_guard(path, grant=grants.path(grant) if grant
                                 else options.consent_grant,
                                 context=context or options.consent_context, audit=options.audit)
            served = guard.output("stream", ingredients=[b"avatar file served to a viewer"])
        except ConsentError as e:
            raise HTTPException(403, str(e)) from e
        except InputError as e:
            raise HTTPException(404, str(e)) from e
        served.record([path])
        return FileResponse(path, media_type=GLB_MEDIA_TYPE)

    @app.get("/api/sessions", summary="Live sessions and the records of finished ones")
    async def list_sessions() -> dict[str, Any]:
        return {
            "live": [s.figures() for s in hub.sessions.values()],
            "finished": hub.records[-100:],
        }

    @app.get("/api/channels", summary="Watch channels: server-played files and live publishers")
    async def list_channels() -> list[dict[str, Any]]:
        return [c.describe() for c in hub.channels.values()]

    @app.websocket("/ws/watch/{name}")
    async def ws_watch(websocket: WebSocket, name: str) -> None:
        await sockets.watch(hub, websocket, name)

    @app.websocket("/ws/publish/{name}")
    async def ws_publish(websocket: WebSocket, name: str) -> None:
        await sockets.publish(hub, websocket, name)

    @app.websocket("/ws/talk")
    async def ws_talk(websocket: WebSocket) -> None:
        await sockets.talk(hub, websocket)

    @app.websocket("/ws/mirror")
    async def ws_mirror(websocket: WebSocket) -> None:
        await sockets.mirror(hub, websocket)

    return app


async def _read_body(request: Request, max_bytes: int) -> bytes:
    """The request body, refused with 413 as soon as it passes ``max_bytes``."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise HTTPException(413, f"upload of {declared} bytes, expected at most {max_bytes}")
    chunks, n_bytes = [], 0
    async for chunk in request.stream():
        n_bytes += len(chunk)
        if n_bytes > max_bytes:
            raise HTTPException(413, f"upload over {max_bytes} bytes refused")
        chunks.append(chunk)
    if not n_bytes:
        raise HTTPException(400, "empty upload: expected a GLB file as the request body")
    return b"".join(chunks)
