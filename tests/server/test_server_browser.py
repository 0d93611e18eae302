"""The viewer in a real browser: headless Debian Chromium driven by Playwright."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest

from likeness.blendshapes import NAMES
from likeness.codecs.websocket import encode_binary
from likeness.frame import FaceFrame

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CANVAS = "#view"
BACKGROUND_RGB = np.array([0x26, 0x2A, 0x33])
TALK_TEXT = "Hello there, how are you today?"


def canvas_rgb(page) -> np.ndarray:
    """A screenshot of the viewer's canvas as RGB uint8 (H, W, 3)."""
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(page.locator(CANVAS).screenshot())).convert("RGB"))


def open_viewer(page, server, query: str) -> None:
    page.goto(f"{server.url}/?{query}")
    page.wait_for_function(
        "window.likeness && (window.likeness.avatarReady || window.likeness.avatarError)",
        timeout=30000,
    )
    assert page.evaluate("window.likeness.avatarError") is None
    page.wait_for_function("window.likeness.session !== null", timeout=10000)


def upload(server, data: bytes, tmp_path) -> str:
    """Upload an avatar and a grant for it; the viewer's query naming both."""
    import httpx

    from tests.server.conftest import grant_for

    avatar = httpx.post(
        f"{server.url}/api/avatars", content=data, headers={"content-type": "model/gltf-binary"}
    )
    assert avatar.status_code == 200, avatar.text
    grant = httpx.post(
        f"{server.url}/api/grants", content=grant_for(data, tmp_path, contexts=["demo"])
    )
    assert grant.status_code == 200, grant.text
    return f"avatar={avatar.json()['id']}&grant={grant.json()['id']}&context=demo"


def publish_jaw(port: int, jaw_open: float, *, n_frames: int = 20) -> None:
    """Publish ``n_frames`` frames at 60 fps with ``jawOpen`` at ``jaw_open``, all else neutral."""
    from websockets.sync.client import connect

    weights = np.zeros(len(NAMES), np.float32)
    weights[NAMES.index("jawOpen")] = jaw_open
    with connect(f"ws://127.0.0.1:{port}/ws/publish/test", proxy=None) as publisher:
        publisher.recv(timeout=5)  # hello
        for _ in range(n_frames):
            publisher.send(encode_binary(FaceFrame(t_s=time.monotonic(), weights=weights)))
            time.sleep(1 / 60)


def jaw_closed_and_opened(page, port: int) -> tuple[np.ndarray, np.ndarray]:
    """The canvas (int16 RGB) with jawOpen frames at 0 and then at 1 published, each shown past
    the viewer's interpolation delay."""
    shown = []
    for jaw_open, ready in ((0.0, "window.likeness.lastWeights !== null"),
                            (1.0, f"window.likeness.lastWeights[{NAMES.index('jawOpen')}] > 0.99")):
        publish_jaw(port, jaw_open)
        page.wait_for_function(ready)
        time.sleep(0.3)
        shown.append(canvas_rgb(page).astype(np.int16))
    return shown[0], shown[1]


@pytest.mark.parametrize("avatar", ["default", "uploaded"])
def test_avatar_shows_and_its_mouth_opens_with_jaw_open_frames(
    page, live_server, face_glb_bytes, tmp_path, avatar
):
    server = live_server()
    query = "" if avatar == "default" else upload(server, face_glb_bytes, tmp_path) + "&"
    open_viewer(page, server, f"{query}session=watch&channel=test")
    assert set(NAMES) <= set(page.evaluate("window.likeness.morphTargets"))

    closed, opened = jaw_closed_and_opened(page, server.port)
    height, width, _ = closed.shape
    # The avatar covers the middle of the canvas; the background shows at the corners.
    differs = np.abs(closed - BACKGROUND_RGB).sum(axis=2) > 30
    assert differs[height // 3 : 2 * height // 3, width // 3 : 2 * width // 3].mean() > 0.95
    assert differs[: height // 10, : width // 10].mean() < 0.01

    changed = np.abs(opened - closed).sum(axis=2) > 40
    rows, columns = np.nonzero(changed)
    # What changed is the mouth and jaw: a sizeable area, in the lower middle of the face.
    assert changed.mean() > 0.01
    assert np.percentile(rows, 2) > height * 0.45, f"changes start at row {rows.min()} of {height}"
    assert abs(np.median(columns) - width / 2) < width * 0.05
    assert np.percentile(columns, 98) - np.percentile(columns, 2) < width * 0.5
    status = page.locator("#status").inner_text()
    assert "display fps" in status and "server→page ms" in status


def test_talk_plays_audio_and_animation_in_sync(page, live_server):
    from likeness.server.talk import speak

    server = live_server()
    open_viewer(page, server, "session=talk")
    page.fill("#say-text", TALK_TEXT)
    page.click("#say")  # a user gesture: the browser lets the page start audio
    page.wait_for_function(
        "window.likeness.utterances.length === 1 && window.likeness.utterances[0].ended",
        timeout=30000,
    )
    log = page.evaluate("window.likeness.talkLog")
    heard = speak(TALK_TEXT)
    duration_s = len(heard.pcm) / heard.sr
    assert page.evaluate("window.likeness.utterances[0].durationS") == pytest.approx(
        duration_s, abs=1e-3
    )
    assert len(log) >= 10, "the face was hardly redrawn while it spoke"

    # The page's own timing log: the face shown against the audio heard when it was drawn. The
    # face is sampled at the audible audio position, so it is never ahead of the sound by more
    # than the half frame the sampling snaps to; how far behind it falls is the drawing time,
    # which grows with the machine's load and is not asserted.
    offsets_ms = np.array([e["offsetMs"] for e in log if 0 < e["animS"] < duration_s - 0.05])
    assert len(offsets_ms) and offsets_ms.max() <= 1000 / 60 / 2 + 1, offsets_ms

    # The audio really plays where the page thinks it is: the loudness its analyser read
    # matches the speech's own loudness at that time, best at zero lag.
    analysed_s = np.array([e["analysedS"] for e in log])
    window_s = log[0]["analysedWindowS"]
    measured = np.array([e["rms"] for e in log])

    def speech_rms(times_s: np.ndarray) -> np.ndarray:
        out = np.zeros(len(times_s))
        for i, t in enumerate(times_s):
            a, b = int(max(t - window_s, 0) * heard.sr), int(max(t, 0) * heard.sr)
            segment = heard.pcm[a:b]
            out[i] = np.sqrt(np.mean(segment**2)) if len(segment) else 0.0
        return out

    lags_s = np.arange(-0.1, 0.1001, 0.005)
    correlation = [np.corrcoef(measured, speech_rms(analysed_s + lag))[0, 1] for lag in lags_s]
    best = int(np.argmax(correlation))
    assert correlation[best] > 0.8
    assert abs(lags_s[best]) <= 0.02, (
        f"audio plays {lags_s[best] * 1e3:.0f} ms from where the page expects"
    )

    # And the mouth moved with the speech.
    jaw = np.array([e["jawOpen"] for e in log])
    assert jaw.max() > 0.2 and jaw.min() < 0.1


def test_upload_without_morph_targets_is_refused_on_the_page(page, live_server, tmp_path):
    from tests.server.conftest import face_glb

    server = live_server()
    open_viewer(page, server, f"{upload(server, face_glb(), tmp_path)}&session=watch&channel=x")
    path = tmp_path / "statue.glb"
    path.write_bytes(face_glb(morph_targets=False))
    page.set_input_files("#avatar-file", str(path))
    page.wait_for_function("window.likeness.errors.length > 0")
    message = page.locator("#message").inner_text()
    assert "statue.glb" in message and "no morph targets" in message and "jawOpen" in message
    assert page.evaluate("window.likeness.avatarReady")  # the previous avatar stays


def test_mirror_page_sends_camera_images_and_gets_frames_back(live_server, playwright):
    """Chromium's stand-in camera (a test pattern, no face): the page's capture, JPEG and
    WebSocket path end to end, and the server's tracking stages in the status figures."""
    from tests.server.conftest import launch

    server = live_server()
    browser = launch(
        playwright, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"
    )
    try:
        page = browser.new_page()
        open_viewer(page, server, "session=mirror")
        page.wait_for_function("window.likeness.framesReceived >= 3", timeout=30000)
        page.wait_for_function(
            "window.likeness.server.latency_ms && window.likeness.server.latency_ms.landmarks",
            timeout=10000,
        )
        figures = page.evaluate("window.likeness.server")
        errors = page.evaluate("window.likeness.errors")
    finally:
        browser.close()
    assert errors == []
    assert {"decode", "landmarks", "solve", "filter"} <= set(figures["latency_ms"])
    assert figures["frames_sent"] > 0 and figures["rejected_messages"] == 0


def vrm_glb(tmp_path, version: str) -> bytes:
    """The built-in avatar as a VRM ``version`` ("1.0" or "0.x"): no ARKit target names, its
    mouth opened by the ``aa`` expression (VRM 0.x: the ``a`` blend shape group, at percent
    weights) and its blink by ``blink``, its eyes humanoid bones (loaded by @pixiv/three-vrm).
    A VRM 0.x model faces -z, as those exporters write them."""
    import pygltflib

    from likeness.avatar import default_avatar
    from likeness.avatar.gltf import write_glb
    from likeness.trust import output_guard

    path = write_glb(default_avatar(), tmp_path / "avatar.glb", guard=output_guard())
    gltf = pygltflib.GLTF2().load_binary(str(path))
    head_mesh = next(i for i, m in enumerate(gltf.meshes) if m.name == "Head")
    head = gltf.meshes[head_mesh]
    head.extras["targetNames"] = [f"Fcl_{k}" for k in range(len(head.extras["targetNames"]))]
    # The body bones VRM requires, as empty nodes: this avatar is a head.
    bones = {"hips": 1, "head": 2, "leftEye": 4, "rightEye": 5}
    for side in ("left", "right"):
        for part in ("UpperArm", "LowerArm", "Hand", "UpperLeg", "LowerLeg", "Foot"):
            bones[side + part] = len(gltf.nodes)
            gltf.nodes.append(pygltflib.Node(name=side + part))
    bones["spine"] = len(gltf.nodes)
    gltf.nodes.append(pygltflib.Node(name="spine"))
    gltf.nodes[1].children = (gltf.nodes[1].children or []) + list(range(6, len(gltf.nodes)))
    if version == "1.0":
        def bind(*names):
            return {"morphTargetBinds": [{"node": 3, "index": NAMES.index(n), "weight": 1.0}
                                         for n in names]}

        gltf.extensionsUsed = ["VRMC_vrm"]
        gltf.extensions = {"VRMC_vrm": {
            "specVersion": "1.0",
            "meta": {"name": "likeness test", "authors": ["likeness"], "metaVersion": "1",
                     "licenseUrl": "https://vrm.dev/licenses/1.0/"},
            "humanoid": {"humanBones": {bone: {"node": node} for bone, node in bones.items()}},
            "expressions": {"preset": {"aa": bind("jawOpen"),
                                       "blink": bind("eyeBlinkLeft", "eyeBlinkRight")}},
        }}
    else:
        def group(preset, *names):
            return {"name": preset.upper(), "presetName": preset,
                    "binds": [{"mesh": head_mesh, "index": NAMES.index(n), "weight": 100}
                              for n in names]}

        gltf.nodes[0].rotation = [0.0, 1.0, 0.0, 0.0]
        gltf.extensionsUsed = ["VRM"]
        gltf.extensions = {"VRM": {
            "specVersion": "0.0", "exporterVersion": "likeness test",
            "meta": {"title": "likeness test", "author": "likeness"},
            "humanoid": {"humanBones": [{"bone": bone, "node": node}
                                        for bone, node in bones.items()]},
            "blendShapeMaster": {"blendShapeGroups": [
                group("a", "jawOpen"), group("blink", "eyeBlinkLeft", "eyeBlinkRight")]},
        }}
    return b"".join(gltf.save_to_bytes())


@pytest.mark.parametrize("version", ["1.0", "0.x"])
def test_a_vrm_avatar_loads_and_its_mouth_opens_through_its_expressions(
    page, live_server, tmp_path, version
):
    server = live_server()
    data = vrm_glb(tmp_path, version)
    open_viewer(page, server, upload(server, data, tmp_path) + "&session=watch&channel=test")
    vrm = page.evaluate("window.likeness.vrm")
    assert vrm["version"] == version[0]
    assert vrm["expressions"]["jawOpen"] == "aa" and vrm["expressions"]["eyeBlinkLeft"] == "blink"
    assert "cheekPuff" in vrm["missing"]
    closed, opened = jaw_closed_and_opened(page, server.port)
    changed = np.abs(opened - closed).sum(axis=2) > 40
    rows, _ = np.nonzero(changed)
    assert changed.mean() > 0.01 and np.percentile(rows, 2) > changed.shape[0] * 0.45


def test_a_twin_loads_in_three_js_as_its_photo_and_opens_its_mouth(page, live_server, tmp_path):
    """The twin GLB (unlit photo textures, KHR_materials_unlit) in the viewer, under the grant
    for the photo it was made from."""
    import httpx

    from tests.photos import astronaut_twin
    from tests.server.conftest import grant_for

    photo, twin = astronaut_twin(tmp_path)
    server = live_server()
    avatar = httpx.post(f"{server.url}/api/avatars", content=twin.read_bytes())
    grant = httpx.post(f"{server.url}/api/grants",
                       content=grant_for(photo.read_bytes(), tmp_path, contexts=["demo"]))
    query = f"avatar={avatar.json()['id']}&grant={grant.json()['id']}&context=demo"
    open_viewer(page, server, query + "&session=watch&channel=test")
    closed, opened = jaw_closed_and_opened(page, server.port)
    # The photo fills the view: its colours, not the page's background.
    assert (np.abs(closed - BACKGROUND_RGB).sum(axis=2) > 30).mean() > 0.9
    changed = np.abs(opened - closed).sum(axis=2) > 40
    rows, _ = np.nonzero(changed)
    assert changed.mean() > 0.005 and np.percentile(rows, 2) > changed.shape[0] * 0.4
