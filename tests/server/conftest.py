"""Fixtures for the server tests: avatars made from the rig, the app in-process and on a real
port, and headless Chromium."""

from __future__ import annotations

import socket
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from likeness.blendshapes import NAMES
from likeness.server import ServerOptions, create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def face_glb(*, morph_targets: bool = True) -> bytes:
    """A GLB of the rig's neutral face (478 vertices) with its 52 ARKit shapes as morph targets.

    The triangles are a Delaunay triangulation of the frontal projection; the mouth and eyes are
    covered, which is enough for a mesh whose jaw visibly drops.
    """
    import pygltflib
    from scipy.spatial import Delaunay

    from likeness.rig import neutral_m
    from likeness.rig.shapes import blendshape_deltas_m

    vertices = neutral_m().astype(np.float32)
    triangles = Delaunay(vertices[:, :2]).simplices.astype(np.uint32)
    # Delaunay winds some triangles clockwise; make every one face the camera (+z).
    a, b, c = (vertices[triangles[:, k], :2] for k in range(3))
    clockwise = np.cross(b - a, c - a) < 0
    triangles[clockwise] = triangles[clockwise][:, ::-1]
    blobs = [vertices.tobytes(), triangles.tobytes()]
    deltas = blendshape_deltas_m().astype(np.float32) if morph_targets else np.zeros((0, 478, 3))
    blobs += [d.tobytes() for d in deltas]
    offsets = np.cumsum([0] + [len(b) for b in blobs])
    views = [
        pygltflib.BufferView(buffer=0, byteOffset=int(offsets[i]), byteLength=len(b))
        for i, b in enumerate(blobs)
    ]

    def accessor(view: int, array: np.ndarray, kind: str, component: int) -> pygltflib.Accessor:
        return pygltflib.Accessor(
            bufferView=view,
            componentType=component,
            count=len(array),
            type=kind,
            min=array.min(0).tolist() if kind == "VEC3" else None,
            max=array.max(0).tolist() if kind == "VEC3" else None,
        )

    accessors = [
        accessor(0, vertices, "VEC3", pygltflib.FLOAT),
        pygltflib.Accessor(
            bufferView=1, componentType=pygltflib.UNSIGNED_INT, count=triangles.size, type="SCALAR"
        ),
    ]
    accessors += [accessor(2 + k, d, "VEC3", pygltflib.FLOAT) for k, d in enumerate(deltas)]
    primitive = pygltflib.Primitive(
        attributes=pygltflib.Attributes(POSITION=0),
        indices=1,
        material=0,
        targets=[{"POSITION": 2 + k} for k in range(len(deltas))],
    )
    mesh = pygltflib.Mesh(
        primitives=[primitive],
        name="face",
        extras={"targetNames": list(NAMES)} if morph_targets else {},
    )
    gltf = pygltflib.GLTF2(
        scene=0,
        scenes=[pygltflib.Scene(nodes=[0])],
        nodes=[pygltflib.Node(mesh=0, name="face")],
        meshes=[mesh],
        accessors=accessors,
        bufferViews=views,
        materials=[
            pygltflib.Material(
                doubleSided=True,
                pbrMetallicRoughness=pygltflib.PbrMetallicRoughness(
                    baseColorFactor=[0.85, 0.62, 0.5, 1.0], metallicFactor=0.0, roughnessFactor=0.8
                ),
            )
        ],
        buffers=[pygltflib.Buffer(byteLength=int(offsets[-1]))],
    )
    gltf.set_binary_blob(b"".join(blobs))
    return b"".join(gltf.save_to_bytes())


def grant_for(asset_bytes: bytes, tmp_path: Path, *, contexts: list[str]) -> bytes:
    """A grant signed by this installation's subject for the asset, as a file's bytes."""
    import datetime as dt

    from likeness.trust import consent, keys

    asset = tmp_path / "asset.glb"
    asset.write_bytes(asset_bytes)
    grant = consent.make_grant(
        subject="server-tests",
        likeness_asset=asset,
        contexts=contexts,
        expires=dt.datetime.now(dt.UTC) + dt.timedelta(days=1),
        signing_key=keys.load_identity(),
    )
    path = tmp_path / "grant.json"
    consent.write_grant(grant, path)
    return path.read_bytes()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def client_for():
    """``client_for(options)`` -> a TestClient of a fresh app (closed after the test)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's note about httpx on import
        from fastapi.testclient import TestClient
    clients = []

    def make(options: ServerOptions | None = None) -> TestClient:
        client = TestClient(create_app(options))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


class LiveServer:
    """The app served by uvicorn on a loopback port in a background thread."""

    def __init__(self, options: ServerOptions | None = None) -> None:
        import uvicorn

        self.app = create_app(options)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = uvicorn.Server(
            uvicorn.Config(
                self.app,
                host="127.0.0.1",
                port=self.port,
                log_level="warning",
                ws="websockets-sansio",
            )
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start within 10 s")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(10)


@pytest.fixture
def live_server():
    """``live_server(options)`` -> a running :class:`LiveServer` (stopped after the test)."""
    servers = []

    def start(options: ServerOptions | None = None) -> LiveServer:
        server = LiveServer(options).__enter__()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.__exit__(None, None, None)


@pytest.fixture(scope="session")
def playwright() -> Iterator[object]:
    """Playwright, for Debian's Chromium (failing, saying why, when it is absent)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: scripts/system-deps.sh installs Debian's chromium "
                    "(or leave the browser tests out: -m 'not browser')")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


def launch(playwright, *extra_args: str):  # type: ignore[no-untyped-def]
    """Headless Chromium with the project's flags (and any ``extra_args``)."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS + list(extra_args)
    )


@pytest.fixture(scope="session")
def browser(playwright) -> Iterator[object]:
    """One headless Chromium for the browser tests."""
    browser = launch(playwright)
    yield browser
    browser.close()


@pytest.fixture
def page(browser):
    """A fresh page; the test fails if the page logs an uncaught error."""
    context = browser.new_context(viewport={"width": 1000, "height": 700})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"errors in the page: {errors}"


@pytest.fixture(scope="session")
def face_glb_bytes() -> bytes:
    return face_glb()


@pytest.fixture(scope="session")
def server_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A LIKENESS_HOME with this installation's keys (the audit log needs them)."""
    from likeness.trust import keys

    home = tmp_path_factory.mktemp("home")
    keys.init_keys(name="Server tests", subject="server-tests", home=home)
    return home


@pytest.fixture(autouse=True)
def _use_server_home(server_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIKENESS_HOME", str(server_home))
    monkeypatch.delenv("LIKENESS_AUDIT", raising=False)
