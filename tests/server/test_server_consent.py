"""Each session passes the consent gate for the avatar it shows and leaves an audit record."""

from __future__ import annotations

import json

import pytest
from starlette.websockets import WebSocketDisconnect

from tests.server.conftest import face_glb, grant_for


def upload_avatar(client) -> tuple[str, bytes]:
    data = face_glb()
    return client.post("/api/avatars", content=data).json()["id"], data


def refusal(client, url: str) -> tuple[int, str]:
    with pytest.raises(WebSocketDisconnect) as closed:
        with client.websocket_connect(url) as ws:
            error = ws.receive_json()
            assert error["type"] == "error"
            ws.receive_text()
    return closed.value.code, error["message"]


def test_an_uploaded_avatar_needs_a_grant(client_for):
    client = client_for()
    avatar_id, _ = upload_avatar(client)
    code, message = refusal(client, f"/ws/watch/c?avatar={avatar_id}")
    assert code == 4403 and "needs a consent grant" in message


def test_a_valid_grant_lets_the_session_start_and_the_wrong_context_does_not(client_for, tmp_path):
    client = client_for()
    avatar_id, data = upload_avatar(client)
    uploaded = client.post(
        "/api/grants", content=grant_for(data, tmp_path, contexts=["telepresence"])
    )
    assert uploaded.status_code == 200 and uploaded.json()["contexts"] == ["telepresence"]
    grant_id = uploaded.json()["id"]
    with client.websocket_connect(
        f"/ws/watch/c?avatar={avatar_id}&grant={grant_id}&context=telepresence"
    ) as ws:
        assert ws.receive_json()["type"] == "hello"
    code, message = refusal(client, f"/ws/watch/c?avatar={avatar_id}&grant={grant_id}&context=ads")
    assert code == 4403 and "contexts ['telepresence']" in message


def test_a_grant_for_another_likeness_is_refused(client_for, tmp_path):
    client = client_for()
    avatar_id, _ = upload_avatar(client)
    grant_id = client.post(
        "/api/grants", content=grant_for(b"someone else", tmp_path, contexts=["telepresence"])
    ).json()["id"]
    code, message = refusal(
        client, f"/ws/talk?avatar={avatar_id}&grant={grant_id}&context=telepresence"
    )
    assert code == 4403 and "likeness sha256" in message


def test_a_forged_or_malformed_grant_upload_is_refused(client_for, tmp_path):
    client = client_for()
    _, data = upload_avatar(client)
    grant = json.loads(grant_for(data, tmp_path, contexts=["telepresence"]))
    grant["contexts"] = ["everything"]  # no longer what was signed
    forged_id = client.post("/api/grants", content=json.dumps(grant).encode()).json()["id"]
    avatar_id, _ = upload_avatar(client)
    code, message = refusal(
        client, f"/ws/watch/c?avatar={avatar_id}&grant={forged_id}&context=everything"
    )
    assert code == 4403 and "signature" in message
    assert client.post("/api/grants", content=b"{not json").status_code == 400


def session_records(audit, session_id: str) -> list[dict]:
    from likeness.trust import open_audit

    with open_audit(audit) as log:
        return [r for r in log.records()
                if r["details"].get("session", {}).get("id") == session_id]


def test_every_session_leaves_a_signed_audit_record(client_for):
    client = client_for()
    with client.websocket_connect("/ws/watch/audited") as ws:
        session_id = ws.receive_json()["session"]
    client.get("/api/health")  # the record is written as the session closes
    records = session_records(None, session_id)
    assert len(records) == 1
    assert (
        records[0]["kind"] == "stream"
        and records[0]["subject"] == "likeness built-in synthetic avatar"
    )


def test_sessions_are_recorded_in_the_audit_log_the_server_was_given(client_for, tmp_path):
    from likeness.server import ServerOptions

    audit = tmp_path / "sessions.sqlite"
    client = client_for(ServerOptions(audit=str(audit)))
    with client.websocket_connect("/ws/watch/elsewhere") as ws:
        session_id = ws.receive_json()["session"]
    client.get("/api/health")
    assert len(session_records(audit, session_id)) == 1
    assert session_records(None, session_id) == []


def test_a_twin_is_shown_only_under_a_grant_for_the_photo_it_was_made_from(
    client_for, tmp_path
):
    """A twin GLB stands for its photo: a session needs the photo's grant, not the file's."""
    from tests.photos import astronaut_twin

    photo, twin = astronaut_twin(tmp_path)
    client = client_for()
    uploaded = client.post("/api/avatars", content=twin.read_bytes())
    assert uploaded.status_code == 200, uploaded.text
    avatar_id = uploaded.json()["id"]
    code, message = refusal(client, f"/ws/watch/c?avatar={avatar_id}")
    assert code == 4403 and "needs a consent grant" in message
    for_file = client.post(
        "/api/grants", content=grant_for(twin.read_bytes(), tmp_path, contexts=["demo"])
    ).json()["id"]
    code, message = refusal(client, f"/ws/watch/c?avatar={avatar_id}&grant={for_file}&context=demo")
    assert code == 4403 and "likeness sha256" in message
    for_photo = client.post(
        "/api/grants", content=grant_for(photo.read_bytes(), tmp_path, contexts=["demo"])
    ).json()["id"]
    with client.websocket_connect(
        f"/ws/watch/c?avatar={avatar_id}&grant={for_photo}&context=demo"
    ) as ws:
        assert ws.receive_json()["type"] == "hello"
