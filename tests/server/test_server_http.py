"""The HTTP side of the server: the page, three.js from npm, avatars, OpenAPI."""

from __future__ import annotations

from likeness.blendshapes import NAMES
from likeness.server import ServerOptions
from likeness.server.glb import check_glb
from tests.server.conftest import face_glb, grant_for


def test_openapi_describes_every_http_endpoint(client_for):
    schema = client_for().get("/openapi.json").json()
    assert {
        "/api/health",
        "/api/avatars",
        "/api/avatars/default.glb",
        "/api/avatars/{avatar_id}.glb",
        "/api/sessions",
        "/api/channels",
    } <= set(schema["paths"])
    upload = schema["paths"]["/api/avatars"]["post"]
    assert "model/gltf-binary" in upload["requestBody"]["content"]


def test_the_page_loads_three_from_the_server_not_a_cdn(client_for):
    client = client_for()
    page = client.get("/").text
    assert '"three": "/vendor/three/build/three.module.js"' in page
    assert "http" not in page.split("importmap")[1].split("</script>")[0]
    three = client.get("/vendor/three/build/three.module.js")
    assert three.status_code == 200, "three.js is not installed: run scripts/system-deps.sh"
    assert client.get("/vendor/three/examples/jsm/loaders/GLTFLoader.js").status_code == 200
    assert client.get("/static/viewer.js").status_code == 200


def test_an_uploaded_avatar_is_served_back_only_under_its_grant_and_each_download_audited(
    client_for, tmp_path
):
    from likeness.trust import open_audit

    client = client_for()
    data = face_glb()
    response = client.post(
        "/api/avatars", content=data, headers={"content-type": "model/gltf-binary"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["morph_targets"] == list(NAMES) and body["missing"] == []
    refused = client.get(body["url"])
    assert refused.status_code == 403 and "grant" in refused.json()["detail"]
    grant = client.post("/api/grants", content=grant_for(data, tmp_path, contexts=["demo"]))
    wrong_context = client.get(body["url"], params={"grant": grant.json()["id"],
                                                    "context": "ads"})
    assert wrong_context.status_code == 403
    with open_audit() as log:
        before = len(list(log.records()))
    fetched = client.get(body["url"], params={"grant": grant.json()["id"], "context": "demo"})
    assert fetched.content == data and fetched.headers["content-type"] == "model/gltf-binary"
    with open_audit() as log:
        records = list(log.records())
    assert len(records) == before + 1 and records[-1]["subject"] == "server-tests"


def test_an_avatar_without_morph_targets_is_refused_with_the_missing_names(client_for):
    response = client_for().post(
        "/api/avatars", content=face_glb(morph_targets=False), headers={"x-filename": "statue.glb"}
    )
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail.startswith("statue.glb: no morph targets") and "jawOpen" in detail


def test_oversized_and_empty_uploads_are_refused(client_for):
    client = client_for(ServerOptions(max_upload_bytes=1000))
    too_big = client.post("/api/avatars", content=face_glb())
    assert too_big.status_code == 413 and "at most 1000" in too_big.json()["detail"]

    def chunks():  # no Content-Length: the limit holds while reading
        for _ in range(5):
            yield b"x" * 400

    streamed = client.post("/api/avatars", content=chunks())
    assert streamed.status_code == 413
    assert client.post("/api/avatars", content=b"").status_code == 400
    assert client.get("/api/health").json()["ok"] is True


def test_unknown_and_forgotten_avatars_are_404(client_for):
    client = client_for(ServerOptions(max_avatars=1))
    first = client.post("/api/avatars", content=face_glb()).json()
    second = client.post(
        "/api/avatars", content=face_glb().replace(b'"jawOpen"', b'"jawOpem"', 1)
    ).json()
    assert client.get(second["url"]).status_code == 403  # kept, but served only under a grant
    assert client.get(first["url"]).status_code == 404
    assert "POST /api/avatars" in client.get("/api/avatars/nope.glb").json()["detail"]


def test_default_avatar_is_a_glb_with_the_52_shapes(client_for):
    response = client_for().get("/api/avatars/default.glb")
    assert response.status_code == 200
    assert check_glb(response.content).present == NAMES
