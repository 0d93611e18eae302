"""A twin is a real person's likeness: bound to the photo's hash, refused without the person's
grant on every path (making it, rendering it, a talking render of it), its renders signed and
watermarked, and a twin altered after it was made refused as forged."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pygltflib
import pytest

from likeness.cli import main
from likeness.frame import Animation
from likeness.trust import consent, keys, open_audit, verify_media
from likeness.trust.consent import sha256_file
from likeness.trust.guard import ensure_keys
from likeness.trust.watermark import detect
from tests import photos


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    state = tmp_path / "home"
    monkeypatch.setenv("LIKENESS_HOME", str(state))
    monkeypatch.delenv("LIKENESS_AUDIT", raising=False)
    ensure_keys(state)
    key = keys.load_identity(state)
    keys.trust_subject("eileen", keys.public_key_text(key), home=state)
    return state


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    from PIL import Image

    path = tmp_path / "eileen.png"
    Image.fromarray(photos.astronaut()).save(path)
    return path


def grant(path: Path, asset: Path, home: Path, *, outputs=("render", "stream", "export")) -> Path:
    """Eileen's grant for ``asset`` in context "demo"."""
    now = dt.datetime.now(dt.UTC)
    doc = consent.make_grant(subject="eileen", likeness_asset=asset, contexts=["demo"],
                             expires=now + dt.timedelta(days=1),
                             signing_key=keys.load_identity(home), outputs=outputs,
                             now=now - dt.timedelta(hours=1))
    consent.write_grant(doc, path)
    return path


@pytest.fixture
def twin(tmp_path, home, photo) -> Path:
    out = tmp_path / "eileen.glb"
    allowed = grant(tmp_path / "photo-grant.json", photo, home)
    assert main(["twin", str(photo), "-o", str(out), "--consent", str(allowed),
                 "--context", "demo"]) == 0
    return out


@pytest.fixture
def take(tmp_path) -> Path:
    from likeness.formats import write_animation
    from likeness.trust import output_guard

    animation = Animation.neutral(12, 30)
    animation.weights[:, 24] = np.linspace(0, 1, 12)  # jawOpen
    path = tmp_path / "take.json"
    write_animation(animation, path, guard=output_guard())
    return path


def test_making_a_twin_needs_the_persons_grant_and_writes_nothing_without_it(
    tmp_path, home, photo, capsys
):
    out = tmp_path / "twin.glb"
    assert main(["twin", str(photo), "-o", str(out)]) == 3
    assert "needs a consent grant" in capsys.readouterr().err
    other = tmp_path / "other.png"
    other.write_bytes(photo.read_bytes() + b"\0")
    wrong = grant(tmp_path / "wrong.json", other, home)
    assert main(["twin", str(photo), "-o", str(out), "--consent", str(wrong),
                 "--context", "demo"]) == 3
    assert not out.exists() and not list(tmp_path.glob(".twin.glb*"))


def test_a_twin_is_bound_to_the_photos_hash_and_audited(twin, photo, home):
    gltf = pygltflib.GLTF2().load_binary(str(twin))
    bound = gltf.asset.extras["likeness"]
    assert bound["source"]["sha256"] == sha256_file(photo)
    with open_audit(home=home) as log:
        record = list(log.records())[-1]
    assert record["kind"] == "export" and record["likeness_sha256"] == sha256_file(photo)


def test_no_face_or_a_broken_photo_writes_nothing(tmp_path, home, capsys):
    from PIL import Image
    from skimage import data

    cat = tmp_path / "cat.png"
    Image.fromarray(data.chelsea()).save(cat)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"\xff\xd8 not a jpeg")
    for bad, message in ((cat, "no face found"), (broken, "not a readable image")):
        allowed = grant(tmp_path / f"{bad.stem}.json", bad, home)
        out = tmp_path / f"{bad.stem}.glb"
        assert main(["twin", str(bad), "-o", str(out), "--consent", str(allowed),
                     "--context", "demo"]) == 2
        assert message in capsys.readouterr().err
        assert not out.exists()


def test_rendering_a_twin_needs_the_photos_grant(tmp_path, home, photo, twin, take, capsys):
    out = tmp_path / "eileen.mp4"
    assert main(["render", str(take), "-o", str(out), "--avatar", str(twin),
                 "--no-progress"]) == 3
    assert not out.exists()
    # A grant for the twin file itself does not name the person's likeness: the photo's does.
    for_file = grant(tmp_path / "file-grant.json", twin, home)
    assert main(["render", str(take), "-o", str(out), "--avatar", str(twin), "--no-progress",
                 "--consent", str(for_file), "--context", "demo"]) == 3
    assert "likeness sha256" in capsys.readouterr().err
    allowed = grant(tmp_path / "render-grant.json", photo, home)
    assert main(["render", str(take), "-o", str(out), "--avatar", str(twin), "--no-progress",
                 "--consent", str(allowed), "--context", "demo"]) == 0
    assert verify_media(out).valid
    with open_audit(home=home) as log:
        record = list(log.records())[-1]
    assert record["likeness_sha256"] == sha256_file(photo) and record["subject"] == "eileen"
    assert detect(out).id == record["details"]["output_id"]


def test_say_renders_a_twin_only_with_the_grant(tmp_path, home, photo, twin):
    out = tmp_path / "hello.png"
    assert main(["say", "Hello.", "-o", str(out), "--avatar", str(twin)]) == 3
    assert not out.exists()
    allowed = grant(tmp_path / "say-grant.json", photo, home, outputs=("render",))
    assert main(["say", "Hello.", "-o", str(out), "--avatar", str(twin),
                 "--consent", str(allowed), "--context", "demo"]) == 0
    assert verify_media(out).valid


@pytest.mark.parametrize("change", ["texture", "source"])
def test_a_twin_changed_after_it_was_made_is_refused_as_forged(
    tmp_path, home, photo, twin, take, capsys, change
):
    gltf = pygltflib.GLTF2().load_binary(str(twin))
    if change == "texture":
        blob = bytearray(gltf.binary_blob())
        blob[len(blob) // 2] ^= 0xFF
        gltf.set_binary_blob(bytes(blob))
    else:  # claim to be someone else's photo, one there is a grant for
        other = tmp_path / "other.png"
        other.write_bytes(b"someone else")
        gltf.asset.extras["likeness"]["source"]["sha256"] = sha256_file(other)
    altered = tmp_path / "altered.glb"
    gltf.save_binary(str(altered))
    allowed = grant(tmp_path / "grant.json", photo if change == "texture" else other, home)
    out = tmp_path / "out.png"
    assert main(["render", str(take), "-o", str(out), "--avatar", str(altered),
                 "--consent", str(allowed), "--context", "demo"]) == 3
    assert "forged" in capsys.readouterr().err
    assert not out.exists()



def test_a_twin_made_elsewhere_is_accepted_once_its_maker_is_trusted(
    tmp_path, home, photo, twin, take, capsys, monkeypatch
):
    studio_key = keys.public_key_text(keys.load_identity(home))
    allowed = grant(tmp_path / "grant.json", photo, home)
    elsewhere = tmp_path / "elsewhere"
    monkeypatch.setenv("LIKENESS_HOME", str(elsewhere))
    ensure_keys(elsewhere)
    keys.trust_subject("eileen", studio_key, home=elsewhere)
    out = tmp_path / "out.png"
    render = ["render", str(take), "-o", str(out), "--avatar", str(twin), "--no-progress",
              "--consent", str(allowed), "--context", "demo"]
    assert main(render) == 3
    assert f"keys trust-maker NAME {studio_key}" in capsys.readouterr().err
    assert not out.exists()
    assert main(["keys", "trust-maker", "studio", studio_key]) == 0
    assert main(render) == 0
    assert verify_media(out).valid


def test_contact_sheets_of_a_twin_are_signed_and_need_the_grant(tmp_path, home, photo, twin):
    from PIL import Image

    sheet = tmp_path / "sheet.png"
    assert main(["avatar", "--contact-sheet", str(sheet), "--avatar", str(twin)]) == 3
    assert not sheet.exists()
    allowed = grant(tmp_path / "grant.json", photo, home)
    again = tmp_path / "again.glb"
    assert main(["twin", str(photo), "-o", str(again), "--contact-sheet", str(sheet),
                 "--consent", str(allowed), "--context", "demo"]) == 0
    assert verify_media(sheet).valid
    grid = np.asarray(Image.open(sheet))
    assert grid.shape[0] % 256 == 0 and grid.shape[1] == 6 * 256


def test_track_retargets_a_performance_onto_the_twin_only_with_the_grant(
    tmp_path, home, photo, twin
):
    """A video of a face, tracked and rendered on the twin (here the twin's own render: the
    performance comes back on the same face)."""
    from likeness.formats import write_animation
    from likeness.trust import output_guard

    animation = Animation.neutral(45, 30)
    animation.weights[15:30, 24] = np.sin(np.linspace(0, np.pi, 15))  # jawOpen
    take = tmp_path / "performance.json"
    write_animation(animation, take, guard=output_guard())
    allowed = grant(tmp_path / "grant.json", photo, home)
    video = tmp_path / "performance.mp4"
    assert main(["render", str(take), "-o", str(video), "--avatar", str(twin), "--no-progress",
                 "--consent", str(allowed), "--context", "demo"]) == 0
    out = tmp_path / "retargeted.mp4"
    assert main(["track", str(video), "-o", str(out), "--avatar", str(twin)]) == 3
    assert not out.exists()
    assert main(["track", str(video), "-o", str(out), "--avatar", str(twin),
                 "--consent", str(allowed), "--context", "demo"]) == 0
    assert verify_media(out).valid
    with open_audit(home=home) as log:
        record = list(log.records())[-1]
    assert record["kind"] == "render" and record["likeness_sha256"] == sha256_file(photo)
