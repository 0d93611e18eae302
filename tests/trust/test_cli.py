"""The trust commands end to end through ``likeness.cli.main``, with a fresh LIKENESS_HOME."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from likeness.cli import main
from likeness_lab.robustness import encode_h264, pan_zoom_clip, photo


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LIKENESS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("LIKENESS_AUDIT", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["keys", "init", "--name", "Alice", "--subject", "alice"]) == 0
    Path("alice.glb").write_bytes(b"glTF alice")
    return tmp_path


def grant_alice(*extra: str, expires: str = "2099-01-01") -> int:
    """`likeness consent grant` for alice's avatar in film-x, written to grant.json."""
    return main(["consent", "grant", "--subject", "alice", "--likeness", "alice.glb",
                 "--context", "film-x", "--expires", expires, *extra, "-o", "grant.json"])


def test_consent_grant_verify_revoke_list(state, capsys):
    assert grant_alice("--context", "film-y", "--outputs", "render,export") == 0
    grant = json.loads(Path("grant.json").read_text())
    assert grant["contexts"] == ["film-x", "film-y"] and grant["outputs"] == ["export", "render"]
    assert (
        main(["consent", "verify", "grant.json", "--likeness", "alice.glb", "--context", "film-y"])
        == 0
    )
    capsys.readouterr()
    assert main(["consent", "verify", "grant.json", "--context", "ads"]) == 3
    assert "wrong-context" in capsys.readouterr().err
    assert main(["consent", "verify", "grant.json", "--output-kind", "stream"]) == 3
    assert main(["consent", "revoke", "grant.json", "--reason", "withdrawn"]) == 0
    assert main(["consent", "verify", "grant.json"]) == 3
    assert "revoked" in capsys.readouterr().err
    assert main(["consent", "list"]) == 0
    assert f"{grant['grant_id']}" in capsys.readouterr().out


def test_delegated_grant(state, tmp_path, monkeypatch, capsys):
    from likeness.trust import keys

    agent_home = tmp_path / "agent"
    agent = keys.init_keys(name="Agent", home=agent_home)
    agent_key = keys.public_key_text(keys.load_identity(agent_home))
    assert (
        main(
            [
                "consent",
                "delegate",
                "--subject",
                "alice",
                "--to",
                agent_key,
                "--context",
                "film-x",
                "--expires",
                "2099-01-01",
                "-o",
                "delegation.json",
            ]
        )
        == 0
    )
    assert grant_alice("--key", str(agent.identity_key), "--delegation", "delegation.json",
                       expires="2098-01-01") == 0
    assert main(["consent", "verify", "grant.json", "--likeness", "alice.glb"]) == 0


def test_provenance_and_watermark_commands(state, capsys):
    frames = pan_zoom_clip(photo("chelsea"), n_frames=12, size_px=320, rng=np.random.default_rng(2))
    encode_h264(frames, Path("clip.mp4"), crf=18)
    assert main(["watermark", "embed", "clip.mp4", "--id", "0xC0FFEE", "-o", "marked.mp4"]) == 0
    capsys.readouterr()
    assert main(["watermark", "detect", "marked.mp4"]) == 0
    assert "id 12648430 (0x00c0ffee)" in capsys.readouterr().out
    assert main(["watermark", "detect", "clip.mp4"]) == 1
    assert "no watermark" in capsys.readouterr().out

    assert main(["provenance", "sign", "marked.mp4", "--ingredient", "clip.mp4"]) == 0
    assert main(["provenance", "verify", "marked.mp4"]) == 0
    data = bytearray(Path("marked.mp4").read_bytes())
    data[int(len(data) * 0.9)] ^= 1
    Path("edited.mp4").write_bytes(data)
    capsys.readouterr()
    assert main(["provenance", "verify", "edited.mp4"]) == 1
    assert "bmffHash.mismatch" in capsys.readouterr().err
    # A real person's likeness without a grant: refused before anything is written.
    before = Path("marked.mp4").read_bytes()
    assert main(["provenance", "sign", "marked.mp4", "--likeness", "alice.glb"]) == 3
    assert Path("marked.mp4").read_bytes() == before


def test_audit_commands_name_the_tampered_record(state, capsys):
    from likeness.trust.gate import authorize, record_output

    Path("out.png").write_bytes(b"\x89PNG pretend")
    auth = authorize("export", likeness_asset=None, grant=None, context=None)
    for i in range(3):
        record_output(auth, inputs=[f"take {i}".encode()], outputs=["out.png"])
    assert main(["audit", "verify"]) == 0
    assert "3 records, chain intact" in capsys.readouterr().out
    assert main(["audit", "list", "--last", "2"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2
    assert main(["audit", "export", "-o", "audit.jsonl"]) == 0
    assert [json.loads(line)["seq"] for line in Path("audit.jsonl").read_text().splitlines()] == [
        1,
        2,
        3,
    ]

    db = sqlite3.connect(state / "home" / "audit.sqlite")
    db.execute("DROP TRIGGER audit_log_no_delete")
    db.execute("DELETE FROM audit_log WHERE seq = 2")
    db.commit()
    db.close()
    capsys.readouterr()
    assert main(["audit", "verify"]) == 1
    assert "record 3 is bad" in capsys.readouterr().out


def test_keys_show_and_trust(state, capsys):
    from likeness.trust import keys

    other = keys.public_key_text(keys.load_identity())
    assert main(["keys", "trust", "bob", other]) == 0
    assert main(["keys", "show"]) == 0
    assert "trusted subject bob" in capsys.readouterr().out
    assert main(["keys", "init"]) == 2


def test_shared_consent_arguments(state):
    import argparse

    from likeness.commands.outputs import add_consent_arguments, command_guard
    from likeness.trust.consent import ConsentRefused

    parser = argparse.ArgumentParser()
    add_consent_arguments(parser)
    assert grant_alice() == 0
    args = parser.parse_args(["--consent", "grant.json", "--context", "film-x"])
    assert command_guard(args, likeness_asset="alice.glb").permission.subject == "alice"
    with pytest.raises(ConsentRefused) as refused:
        command_guard(parser.parse_args([]), likeness_asset="alice.glb")
    assert refused.value.reason == "missing"


def test_a_grant_signed_by_an_unregistered_key_says_how_to_make_it_usable(
        tmp_path, monkeypatch, capsys):
    from likeness.trust import keys

    monkeypatch.setenv("LIKENESS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("LIKENESS_AUDIT", raising=False)
    monkeypatch.chdir(tmp_path)
    keys.init_keys(name="Studio")  # this installation's identity is no one's registered key
    signer = keys.public_key_text(keys.load_identity())
    Path("alice.glb").write_bytes(b"glTF alice")
    assert grant_alice() == 0
    out, err = capsys.readouterr()
    assert f"signed by {signer}" in out
    fix = f"`likeness keys trust alice {signer}`"
    assert "will refuse this grant as wrong-key" in err and fix in err
    assert "`likeness keys init --subject alice`" in err

    assert main(["consent", "verify", "grant.json", "--likeness", "alice.glb"]) == 3
    err = capsys.readouterr().err
    assert "wrong-key" in err and "no public key is registered for subject 'alice'" in err
    assert fix in err

    assert main(["keys", "trust", "alice", signer]) == 0  # the step the messages name
    assert main(["consent", "verify", "grant.json", "--likeness", "alice.glb"]) == 0
    assert grant_alice() == 0
    assert "warning" not in capsys.readouterr().err
