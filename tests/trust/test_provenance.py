"""C2PA provenance: signed MP4/PNG/JPEG validate with c2pa's Reader; a flipped byte fails."""

from __future__ import annotations

import hashlib
import json
import wave
from pathlib import Path

import c2pa
import cv2
import numpy as np
import pytest

from likeness.errors import InputError, ProvenanceError
from likeness.trust.gate import authorize
from likeness.trust.provenance import TRAINED_ALGORITHMIC_MEDIA, sign_media, verify_media
from likeness_lab.robustness import encode_h264, pan_zoom_clip, photo

from .conftest import NOW


@pytest.fixture
def media(tmp_path: Path) -> dict[str, Path]:
    """A small H.264 MP4, a PNG and a JPEG made from scikit-image's astronaut."""
    frames = pan_zoom_clip(
        photo("astronaut"), n_frames=6, size_px=256, rng=np.random.default_rng(1)
    )
    files = {"mp4": encode_h264(frames, tmp_path / "render.mp4", crf=23)}
    for ext in ("png", "jpg"):
        files[ext] = tmp_path / f"render.{ext}"
        cv2.imwrite(str(files[ext]), cv2.cvtColor(frames[0], cv2.COLOR_RGB2BGR))
    return files


def flip_byte(path: Path, out: Path, at: float = 0.5) -> Path:
    data = bytearray(path.read_bytes())
    data[int(len(data) * at)] ^= 0x01
    out.write_bytes(data)
    return out


@pytest.mark.parametrize("ext", ["mp4", "png", "jpg"])
def test_signed_file_validates_with_the_c2pa_reader(home, media, tmp_path, ext):
    path = media[ext]
    audio = tmp_path / "drive.wav"
    with wave.open(str(audio), "wb") as out:
        out.setnchannels(1), out.setsampwidth(2), out.setframerate(16000)
        out.writeframes((np.sin(np.arange(1600) * 0.2) * 8000).astype("<i2").tobytes())
    sign_media(path, ingredients=[audio, b"hello there"], watermark_id=0xC0FFEE)
    report = verify_media(path)
    assert report.valid and report.state == "Trusted", report.failures

    # Independently of our wrapper: the official Reader, with our CA as the only anchor.
    settings = c2pa.Settings.from_dict(
        {
            "verify": {"verify_trust": True},
            "trust": {"trust_anchors": (home / "keys/ca.pem").read_text()},
        }
    )
    with c2pa.Context(settings) as context, c2pa.Reader(str(path), context=context) as reader:
        assert reader.get_validation_state() == "Trusted"
        store = json.loads(reader.json())
    manifest = store["manifests"][store["active_manifest"]]
    assertions = {a["label"]: a["data"] for a in manifest["assertions"]}
    action = next(
        a
        for label, d in assertions.items()
        if label.startswith("c2pa.actions")
        for a in d["actions"]
    )
    assert action["action"] == "c2pa.created"
    assert action["digitalSourceType"] == TRAINED_ALGORITHMIC_MEDIA
    assert action["softwareAgent"]["name"] == "likeness"
    inputs = assertions["org.likeness.inputs"]["inputs"]
    assert inputs[0]["sha256"] == hashlib.sha256(audio.read_bytes()).hexdigest()
    assert inputs[1]["sha256"] == hashlib.sha256(b"hello there").hexdigest()
    assert [i["relationship"] for i in manifest["ingredients"]] == ["inputTo"]
    assert assertions["org.likeness.consent"] == {"synthetic_avatar": True}
    assert assertions["org.likeness.watermark"]["id"] == 0xC0FFEE
    assert sorted(p.name for p in tmp_path.glob(".*")) == []  # no temporary files left


@pytest.mark.parametrize("ext", ["mp4", "png", "jpg"])
def test_one_flipped_byte_fails(home, media, tmp_path, ext):
    sign_media(media[ext])
    # Late in the file: inside the picture data, past the manifest and headers.
    report = verify_media(flip_byte(media[ext], tmp_path / f"edited.{ext}", at=0.9))
    assert not report.valid
    assert any("mismatch" in f for f in report.failures), report.failures


def test_mp4_flip_is_a_bmff_hash_mismatch(home, media, tmp_path):
    sign_media(media["mp4"])
    report = verify_media(flip_byte(media["mp4"], tmp_path / "edited.mp4", at=0.9))
    assert any(f.startswith("assertion.bmffHash.mismatch") for f in report.failures)


def test_manifest_references_the_consent_grant(home, media, make_grant, asset):
    grant = make_grant()
    auth = authorize("render", likeness_asset=asset, grant=grant, context="film-x", now=NOW)
    sign_media(media["png"], authorization=auth)
    consent = {a["label"]: a["data"] for a in verify_media(media["png"]).manifest["assertions"]}[
        "org.likeness.consent"
    ]
    assert consent["grant_id"] == auth.grant_id and consent["context"] == "film-x"
    assert consent["grant_sha256"] == hashlib.sha256(grant.read_bytes()).hexdigest()
    assert consent["likeness_sha256"] == hashlib.sha256(asset.read_bytes()).hexdigest()


def test_untrusted_signer_is_not_valid_under_another_anchor(home, media, tmp_path, monkeypatch):
    sign_media(media["png"])
    from likeness.trust import keys

    other = keys.init_keys(name="Someone else", home=tmp_path / "other")
    report = verify_media(media["png"], trust_anchors=[other.ca_cert])
    assert not report.valid and report.state == "Valid"


def test_unsigned_and_unsupported_files(home, media, tmp_path):
    assert not verify_media(media["png"]).valid
    text = tmp_path / "notes.txt"
    text.write_text("not media")
    with pytest.raises(InputError, match="C2PA signing supports"):
        sign_media(text)


def test_signing_without_keys_leaves_the_file_untouched(media, tmp_path, monkeypatch):
    monkeypatch.setenv("LIKENESS_HOME", str(tmp_path / "no-keys"))
    before = media["mp4"].read_bytes()
    with pytest.raises(ProvenanceError, match="keys init"):
        sign_media(media["mp4"])
    assert media["mp4"].read_bytes() == before
