"""Every public way to produce output of a real person's likeness goes through the consent
guard: the Python API, the commands, the server and batch refuse without a valid grant, and
record every output they make (audit record; C2PA on media; watermark on video)."""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from likeness.cli import main
from likeness.trust import ConsentRefused, consent, keys, open_audit, output_guard, verify_media
from likeness.trust.watermark import detect
from tests import photos
from tests.grants import grant


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    state = tmp_path / "home"
    monkeypatch.setenv("LIKENESS_HOME", str(state))
    monkeypatch.delenv("LIKENESS_AUDIT", raising=False)
    return state


@pytest.fixture
def speech_take(tmp_path: Path, home: Path) -> Path:
    take = tmp_path / "take.json"
    assert main(["say", "Hello, this is a short sentence.", "-o", str(take)]) == 0
    return take


def _records(home: Path) -> list[dict]:
    with open_audit(home=home) as log:
        return list(log.records())


def test_a_rendered_video_carries_provenance_watermark_and_audit(tmp_path, home, speech_take):
    out = tmp_path / "talk.mp4"
    assert (
        main(
            [
                "render",
                str(speech_take),
                "-o",
                str(out),
                "--audio",
                str(speech_take.with_suffix(".wav")),
                "--no-progress",
            ]
        )
        == 0
    )
    assert verify_media(out).valid
    record = _records(home)[-1]
    assert record["kind"] == "render" and record["outputs"][0]["name"] == "talk.mp4"
    assert {i["name"] for i in record["inputs"]} == {"take.json", "take.wav"}
    found = detect(out)
    assert found.id == record["details"]["output_id"] and found.confidence > 0.99


def test_an_avatar_of_a_real_person_needs_a_grant_and_nothing_is_written(
    tmp_path, home, speech_take
):
    avatar = tmp_path / "person.glb"
    assert main(["avatar", "-o", str(avatar)]) == 0
    out = tmp_path / "person.png"
    assert main(["render", str(speech_take), "-o", str(out), "--avatar", str(avatar)]) == 3
    assert not out.exists()


def test_a_grant_for_another_likeness_is_refused(tmp_path, home, speech_take, capsys):
    avatar, other = tmp_path / "alice.glb", tmp_path / "bob.glb"
    assert main(["avatar", "-o", str(avatar)]) == 0
    other.write_bytes(avatar.read_bytes() + b"\0")  # a different likeness, byte for byte
    allowed = grant(tmp_path / "grant.json", other, contexts=["film-x"])
    out = tmp_path / "alice.png"
    argv = [
        "render",
        str(speech_take),
        "-o",
        str(out),
        "--avatar",
        str(avatar),
        "--consent",
        str(allowed),
        "--context",
        "film-x",
    ]
    assert main(argv) == 3
    assert "has sha256" in capsys.readouterr().err
    assert not out.exists()
    grant(allowed, avatar, contexts=["film-x"])
    assert main(argv) == 0
    record = _records(home)[-1]
    assert record["context"] == "film-x" and record["subject"] == "alice"
    assert verify_media(out).valid


def test_exports_are_audited_and_the_chain_verifies(tmp_path, home, speech_take):
    out = tmp_path / "take.csv"
    assert main(["lipsync", str(speech_take.with_suffix(".wav")), "-o", str(out)]) == 0
    kinds = [r["kind"] for r in _records(home)]
    assert kinds == ["export", "export"]  # say's JSON, then lipsync's CSV
    assert main(["audit", "verify"]) == 0


def test_an_expired_grant_stops_say_before_anything_is_written(tmp_path, home, speech_take, capsys):
    asset = tmp_path / "voice.bin"
    asset.write_bytes(b"voice")
    expired = grant(tmp_path / "grant.json", asset, contexts=["ads"], expires_in_days=-1)
    out = tmp_path / "ad.json"
    assert (
        main(["say", "Buy now", "-o", str(out), "--consent", str(expired), "--context", "ads"])
        == 3
    )
    assert "expired" in capsys.readouterr().err
    assert not out.exists() and not out.with_suffix(".wav").exists()


# -- every public way, refused without a valid grant, recorded when allowed ---------------------


@dataclass
class World:
    """Eileen's photo, her twin (bound to it), a short take, and grants for the photo."""

    folder: Path
    photo: Path
    twin: Path
    take: Path
    photo_sha256: str
    grants: dict[str, Path | None]

    def avatar(self):  # -> Avatar, read as a library user reads it
        from likeness.avatar.gltf import read_glb

        return read_glb(self.twin)

    def animation(self):  # -> Animation
        from likeness.formats import read_animation

        return read_animation(self.take)


REASONS = ("missing", "forged", "wrong-context", "expired", "revoked")
CONTEXT = "demo"
VIDEO_PX = 512
"""Videos of the twin: at this size its 24 frames carry a watermark the detector reads back."""


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    from likeness.formats import write_animation
    from likeness.frame import Animation
    from likeness.trust.consent import read_grant, sha256_file
    from likeness.trust.revocation import revoke

    folder = tmp_path_factory.mktemp("eileen")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LIKENESS_HOME", str(folder / "home"))
        patch.delenv("LIKENESS_AUDIT", raising=False)
        photo, twin = photos.astronaut_twin(folder)
        animation = Animation.neutral(24, 24.0)
        animation.weights[:, 24] = np.linspace(0.0, 0.8, 24)  # jawOpen
        take = folder / "take.json"
        write_animation(animation, take, guard=output_guard())
        grants: dict[str, Path | None] = {
            "valid": grant(folder / "valid.json", photo, subject="eileen"),
            "missing": None,
            "wrong-context": grant(folder / "other-use.json", photo, subject="eileen",
                                   contexts=["ads"]),
            "expired": grant(folder / "expired.json", photo, subject="eileen",
                             expires_in_days=-1),
            "revoked": grant(folder / "revoked.json", photo, subject="eileen"),
        }
        forged = json.loads(grants["valid"].read_text())
        forged["signature"] = keys.b64(bytes(64))
        grants["forged"] = folder / "forged.json"
        grants["forged"].write_text(json.dumps(forged))
        revoke(read_grant(grants["revoked"]), keys.load_identity(), reason="changed her mind")
        yield World(folder, photo, twin, take, sha256_file(photo), grants)


def _refused(error_text: str) -> ConsentRefused:
    """The refusal a command line or a server session reported as text."""
    found = re.search(r"consent refused \(([a-z-]+)\)", error_text)
    assert found, error_text
    return ConsentRefused(found.group(1), error_text)


def _render_video(world: World, grant: Path | None, context: str, out: Path) -> list[Path]:
    from likeness.render.video import render_video

    guard = output_guard(world.photo, grant=grant, context=context)
    return [render_video(world.animation(), out / "clip.mp4", guard=guard,
                         avatar=world.avatar(), size=VIDEO_PX, progress=False)]


def _contact_sheet(world: World, grant: Path | None, context: str, out: Path) -> list[Path]:
    from likeness.render.sheet import contact_sheet

    guard = output_guard(world.twin, grant=grant, context=context)  # the twin names the photo
    contact_sheet(out / "sheet.png", guard=guard, avatar=world.avatar(), cell_px=64)
    return [out / "sheet.png"]


def _write_animation(world: World, grant: Path | None, context: str, out: Path) -> list[Path]:
    from likeness.formats import write_animation

    guard = output_guard(world.photo, grant=grant, context=context)
    write_animation(world.animation(), out / "take.csv", guard=guard, ingredients=[world.take])
    return [out / "take.csv"]


def _write_twin(world: World, grant: Path | None, context: str, out: Path) -> list[Path]:
    from likeness.avatar.gltf import write_glb
    from likeness.avatar.twin import twin_from_photo

    guard = output_guard(world.photo, grant=grant, context=context)
    return [write_glb(twin_from_photo(world.photo), out / "twin.glb", guard=guard)]


def _open_sinks(world: World, grant: Path | None, context: str, out: Path) -> list[Path]:
    from likeness.sinks import open_sinks

    guard = output_guard(world.photo, grant=grant, context=context)
    with open_sinks(["vmc://127.0.0.1:39599"], guard=guard) as sinks:
        for frame in world.animation():
            sinks.send(frame)
    return []


def _server_session(world: World, grant: Path | None, context: str, out: Path) -> list[Path]:
    import warnings

    from starlette.websockets import WebSocketDisconnect

    from likeness.server import create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's note about httpx on import
        from fastapi.testclient import TestClient
    with TestClient(create_app()) as client:
        avatar = client.post("/api/avatars", content=world.twin.read_bytes()).json()["id"]
        query = f"avatar={avatar}&context={context}"
        if grant is not None:
            query += "&grant=" + client.post("/api/grants", content=grant.read_bytes()).json()["id"]
        try:
            with client.websocket_connect(f"/ws/watch/eileen?{query}") as ws:
                message = ws.receive_json()
                if message["type"] == "error":
                    raise _refused(message["message"])
        except WebSocketDisconnect as e:
            raise _refused(e.reason) from e
    return []


def _batch(world: World, grant: Path | None, context: str, out: Path) -> list[Path]:
    from likeness.batch import BatchItem, RenderJob

    job = RenderJob(format="mp4", size=VIDEO_PX, avatar=str(world.twin))
    item = BatchItem(name="take", path=world.take, consent=grant, context=context)
    return job.process(item, out / "take.mp4")


def _command_line(argv: list[str], grant: Path | None, context: str,
                  capsys: pytest.CaptureFixture) -> None:
    capsys.readouterr()
    consent_flags = ["--consent", str(grant), "--context", context] if grant else []
    status = main([*argv, *consent_flags])
    if status == 3:
        raise _refused(capsys.readouterr().err)
    assert status == 0, capsys.readouterr().err


def _cli_render(world: World, grant: Path | None, context: str, out: Path, capsys) -> list[Path]:
    _command_line(["render", str(world.take), "-o", str(out / "clip.mp4"), "--avatar",
                   str(world.twin), "--size", str(VIDEO_PX), "--no-progress"], grant, context,
                  capsys)
    return [out / "clip.mp4"]


def _cli_twin(world: World, grant: Path | None, context: str, out: Path, capsys) -> list[Path]:
    _command_line(["twin", str(world.photo), "-o", str(out / "twin.glb")], grant, context, capsys)
    return [out / "twin.glb"]


WAYS: dict[str, Callable[..., list[Path]]] = {
    "render_video": _render_video,
    "contact_sheet": _contact_sheet,
    "write_animation": _write_animation,
    "write_glb of a twin": _write_twin,
    "open_sinks": _open_sinks,
    "server session": _server_session,
    "batch": _batch,
    "likeness render": _cli_render,
    "likeness twin": _cli_twin,
}
KINDS = {"render_video": "render", "contact_sheet": "render", "write_animation": "export",
         "write_glb of a twin": "export", "open_sinks": "stream", "server session": "stream",
         "batch": "render", "likeness render": "render", "likeness twin": "export"}


def _run(way: str, world: World, grant: Path | None, context: str, out: Path,
         capsys: pytest.CaptureFixture) -> list[Path]:
    extra = (capsys,) if way.startswith("likeness ") else ()
    return WAYS[way](world, grant, context, out, *extra)


def _n_records() -> int:
    with open_audit() as log:
        return len(list(log.records()))


@pytest.mark.parametrize("reason", REASONS)
@pytest.mark.parametrize("way", WAYS)
def test_every_way_refuses_without_a_valid_grant_and_leaves_nothing(
    world, way, reason, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("LIKENESS_HOME", str(world.folder / "home"))
    monkeypatch.delenv("LIKENESS_AUDIT", raising=False)
    context = "ads" if reason == "wrong-context" else CONTEXT
    grant = world.grants["valid" if reason == "wrong-context" else reason]
    n_before = _n_records()
    with pytest.raises(ConsentRefused) as refused:
        _run(way, world, grant, context, tmp_path, capsys)
    assert refused.value.reason == reason
    assert list(tmp_path.iterdir()) == []  # no output, no temporary file
    assert _n_records() == n_before


@pytest.mark.parametrize("way", WAYS)
def test_every_way_records_what_a_valid_grant_allows(world, way, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("LIKENESS_HOME", str(world.folder / "home"))
    monkeypatch.delenv("LIKENESS_AUDIT", raising=False)
    n_before = _n_records()
    files = _run(way, world, world.grants["valid"], CONTEXT, tmp_path, capsys)
    with open_audit() as log:
        records = list(log.records())[n_before:]
    assert len(records) == 1
    record = records[0]
    assert record["kind"] == KINDS[way] and record["context"] == CONTEXT
    assert record["subject"] == "eileen" and record["likeness_sha256"] == world.photo_sha256
    assert [o["name"] for o in record["outputs"]][: len(files)] == [f.name for f in files]
    for path in files:
        if path.suffix in (".mp4", ".png"):
            manifest = verify_media(path)
            assert manifest.valid, manifest.failures
        if path.suffix == ".mp4":
            assert detect(path).id == record["details"]["output_id"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f.name for f in files)


@pytest.mark.parametrize("way", ["render_video", "contact_sheet", "write_glb of a twin"])
def test_an_avatar_of_a_real_person_is_not_covered_by_another_guard(world, way, tmp_path,
                                                                    monkeypatch):
    """The guard of the built-in avatar, or a grant for someone else, does not let a twin out."""
    from likeness.avatar.gltf import write_glb
    from likeness.render.sheet import contact_sheet
    from likeness.render.video import render_video

    monkeypatch.setenv("LIKENESS_HOME", str(world.folder / "home"))
    someone = tmp_path / "someone.png"
    someone.write_bytes(b"someone else's photo")
    someone_grant = grant(tmp_path / "someone.json", someone, subject="eileen")
    produce = {
        "render_video": lambda guard: render_video(world.animation(), tmp_path / "a.mp4",
                                                   guard=guard, avatar=world.avatar(), size=256),
        "contact_sheet": lambda guard: contact_sheet(tmp_path / "a.png", guard=guard,
                                                     avatar=world.avatar(), cell_px=64),
        "write_glb of a twin": lambda guard: write_glb(world.avatar(), tmp_path / "a.glb",
                                                       guard=guard),
    }[way]
    for guard, reason in ((output_guard(), "missing"),
                          (output_guard(someone, grant=someone_grant, context=CONTEXT),
                           "wrong-likeness")):
        with pytest.raises(ConsentRefused) as refused:
            produce(guard)
        assert refused.value.reason == reason
    assert sorted(p.name for p in tmp_path.iterdir()) == ["someone.json", "someone.png"]


@pytest.mark.parametrize("function", ["likeness.render.video.render_video",
                                      "likeness.render.sheet.contact_sheet",
                                      "likeness.formats.write_animation",
                                      "likeness.avatar.gltf.write_glb",
                                      "likeness.sinks.open_sinks"])
def test_the_output_functions_have_no_way_around_the_guard(function):
    import importlib

    module, name = function.rsplit(".", 1)
    guard = inspect.signature(getattr(importlib.import_module(module), name)).parameters["guard"]
    assert guard.kind is inspect.Parameter.KEYWORD_ONLY and guard.default is inspect.Parameter.empty


def test_one_command_checks_its_grant_once(tmp_path, home, monkeypatch):
    """``say`` to a video and to engines: one check of the grant, two outputs allowed by it."""
    from likeness.trust import gate

    asset = tmp_path / "voice.bin"
    asset.write_bytes(b"voice")
    allowed = grant(tmp_path / "grant.json", asset)
    checks = []
    monkeypatch.setattr(gate, "verify_signatures",
                        lambda *a, **k: checks.append(a) or consent.verify_signatures(*a, **k))
    assert main(["say", "Hi.", "-o", str(tmp_path / "hi.json"), "--send", "vmc://127.0.0.1:39599",
                 "--consent", str(allowed), "--context", CONTEXT]) == 0
    assert len(checks) == 1
    assert [r["kind"] for r in _records(home)] == ["export", "stream"]
