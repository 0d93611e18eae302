"""Every command that produces likeness output goes through consent, provenance and audit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from likeness.cli import main
from likeness.trust import consent, keys, open_audit, verify_media
from likeness.trust.watermark import detect


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


def _alice():
    """This installation's identity (made by the first output), trusted as subject 'alice'."""
    key = keys.load_identity()
    keys.trust_subject("alice", keys.public_key_text(key))
    return key


def _write_grant(path: Path, asset: Path, context: str, *, expires_in_days: float = 1) -> None:
    """A grant signed by alice for ``asset`` in ``context``, issued two days ago."""
    now = dt.datetime.now(dt.UTC)
    grant = consent.make_grant(
        subject="alice",
        likeness_asset=asset,
        contexts=[context],
        expires=now + dt.timedelta(days=expires_in_days),
        signing_key=keys.load_identity(),
        now=now - dt.timedelta(days=2),
    )
    consent.write_grant(grant, path)


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
    _alice()
    avatar, other = tmp_path / "alice.glb", tmp_path / "bob.glb"
    assert main(["avatar", "-o", str(avatar)]) == 0
    other.write_bytes(avatar.read_bytes() + b"\0")  # a different likeness, byte for byte
    grant = tmp_path / "grant.json"
    _write_grant(grant, other, "film-x")
    out = tmp_path / "alice.png"
    argv = [
        "render",
        str(speech_take),
        "-o",
        str(out),
        "--avatar",
        str(avatar),
        "--consent",
        str(grant),
        "--context",
        "film-x",
    ]
    assert main(argv) == 3
    assert "has sha256" in capsys.readouterr().err
    assert not out.exists()
    _write_grant(grant, avatar, "film-x")
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
    _alice()
    grant = tmp_path / "grant.json"
    asset = tmp_path / "voice.bin"
    asset.write_bytes(b"voice")
    _write_grant(grant, asset, "ads", expires_in_days=-1)
    out = tmp_path / "ad.json"
    assert (
        main(["say", "Buy now", "-o", str(out), "--consent", str(grant), "--context", "ads"]) == 3
    )
    assert "expired" in capsys.readouterr().err
    assert not out.exists() and not out.with_suffix(".wav").exists()
