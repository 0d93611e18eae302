"""``--job render``: the same pictures and sound as ``likeness render``; with a real person's
avatar each input is checked against its own consent grant, and an input without one is
reported while the others are rendered.

Rendered media carry a watermark of their own output id and a C2PA manifest (with its time), so
two renders of one take are the same picture and sound, not always the same bytes."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import av
import numpy as np
import pytest

from likeness.blendshapes import index
from likeness.cli import main
from likeness.formats import write_animation
from likeness.frame import Animation
from likeness.trust import output_guard

pytestmark = pytest.mark.slow
SIZE = ["--size", "64"]
VIDEO_SIZE = ["--size", "256"]  # the smallest frame the watermark fits in


@pytest.fixture
def alice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """(avatar, grant): Alice's avatar as a GLB and her grant for it in context ``film-x``."""
    from likeness.avatar import default_avatar
    from likeness.avatar.gltf import write_glb
    from likeness.trust import consent, keys

    monkeypatch.setenv("LIKENESS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("LIKENESS_AUDIT", raising=False)
    keys.init_keys(name="Alice", subject="alice")
    avatar = tmp_path / "alice.glb"
    write_glb(default_avatar(), avatar, guard=output_guard())
    grant = tmp_path / "alice-grant.json"
    consent.write_grant(consent.make_grant(
        subject="alice", likeness_asset=avatar, contexts=["film-x"],
        expires=dt.datetime.now(dt.UTC) + dt.timedelta(days=30),
        signing_key=keys.load_identity()), grant)
    return avatar, grant


def _decoded(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(video frames uint8 (n, H, W, 3), audio samples) of a rendered file."""
    with av.open(str(path)) as container:
        frames = np.stack([f.to_ndarray(format="rgb24") for f in container.decode(video=0)])
    with av.open(str(path)) as container:
        has_audio = bool(container.streams.audio)
        audio = [f.to_ndarray() for f in container.decode(audio=0)] if has_audio else []
    return frames, (np.concatenate(audio, axis=-1) if audio else np.zeros(0, np.float32))


def assert_same_render(batch: Path, single: Path) -> None:
    """Same sound and the same pictures: a still within one level per pixel (the two renders run
    in different processes, whose floats may round differently), a video up to the two outputs'
    different watermarks (a few luma levels)."""
    if batch.read_bytes() == single.read_bytes():
        return
    (frames_a, audio_a), (frames_b, audio_b) = _decoded(batch), _decoded(single)
    assert frames_a.shape == frames_b.shape and audio_a.shape == audio_b.shape
    np.testing.assert_allclose(audio_a, audio_b, atol=1e-4)
    if batch.suffix == ".png":
        assert np.abs(frames_a.astype(np.int16) - frames_b).max() <= 1
    else:
        difference = np.abs(frames_a.astype(np.int16) - frames_b).mean(axis=(1, 2, 3))
        assert difference.max() < 4.0, difference


def _take(path: Path, jaw_open: float) -> None:
    """A short take whose jaw opens to ``jaw_open``."""
    animation = Animation.neutral(8, 30.0)
    animation.weights[:, index("jawOpen")] = np.linspace(0, jaw_open, 8, dtype=np.float32)
    write_animation(animation, path, guard=output_guard())


def test_each_input_needs_its_grant(ray_cluster: str, alice: tuple[Path, Path],
                                   tmp_path: Path) -> None:
    avatar, grant = alice
    for name, jaw in (("a", 0.8), ("b", 0.4), ("c", 0.6), ("d", 0.2)):
        _take(tmp_path / f"{name}.csv", jaw)
    manifest = tmp_path / "takes.csv"
    with open(manifest, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "consent", "context"])
        writer.writerows([["a.csv", grant.name, "film-x"], ["b.csv", grant.name, "film-x"],
                          ["c.csv", "", ""], ["d.csv", grant.name, "ad-campaign"]])
    outdir = tmp_path / "out"
    assert main(["batch", str(manifest), "-o", str(outdir), "--job", "render", "--avatar",
                 str(avatar), "--format", "png", *SIZE, "--no-progress"]) == 1

    summary = json.loads((outdir / "batch-summary.json").read_text())
    assert sorted(d["name"] for d in summary["done"]) == ["a", "b"]
    failed = {f["name"]: f["error"] for f in summary["failed"]}
    assert set(failed) == {"c", "d"}
    assert failed["c"].startswith("ConsentRefused") and "needs a consent grant" in failed["c"]
    assert failed["d"].startswith("ConsentRefused") and "'ad-campaign'" in failed["d"]
    assert not (outdir / "c.png").exists() and not (outdir / "d.png").exists()

    for name in ("a", "b"):
        single = tmp_path / "single" / f"{name}.png"
        single.parent.mkdir(exist_ok=True)
        assert main(["render", str(tmp_path / f"{name}.csv"), "-o", str(single), "--avatar",
                     str(avatar), "--consent", str(grant), "--context", "film-x", *SIZE,
                     "--no-progress"]) == 0
        assert_same_render(outdir / f"{name}.png", single)


def test_mp4_takes_the_speech_beside_each_animation(ray_cluster: str, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from likeness.sources.audio import write_wav

    # A fresh installation: the workers share its first signing keys and its audit log.
    monkeypatch.setenv("LIKENESS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("LIKENESS_AUDIT", raising=False)

    folder = tmp_path / "takes"
    folder.mkdir()
    _take(folder / "talk.csv", 0.7)
    t_s = np.arange(int(16000 * 8 / 30)) / 16000
    write_wav(folder / "talk.wav", 0.3 * np.sin(2 * np.pi * 220 * t_s), 16000)
    _take(folder / "mute.csv", 0.3)
    outdir = tmp_path / "out"
    assert main(["batch", str(folder), "-o", str(outdir), "--job", "render", *VIDEO_SIZE,
                 "--no-progress"]) == 0

    for name, audio in (("talk", ["--audio", str(folder / "talk.wav")]), ("mute", [])):
        single = tmp_path / f"{name}.mp4"
        assert main(["render", str(folder / f"{name}.csv"), "-o", str(single), *audio, *VIDEO_SIZE,
                     "--no-progress"]) == 0
        assert_same_render(outdir / f"{name}.mp4", single)

    # New speech for a take makes its video due again; the other stays as it was.
    write_wav(folder / "talk.wav", 0.3 * np.sin(2 * np.pi * 330 * t_s), 16000)
    assert main(["batch", str(folder), "-o", str(outdir), "--job", "render", *VIDEO_SIZE,
                 "--no-progress"]) == 0
    summary = json.loads((outdir / "batch-summary.json").read_text())
    assert [d["name"] for d in summary["done"]] == ["talk"]
    assert [s["name"] for s in summary["skipped"]] == ["mute"]
    _check_audit(n_records=7)  # 2 takes written, 3 batch outputs, 2 single renders


def _check_audit(n_records: int) -> None:
    """The audit log holds one record per output, and its chain verifies."""
    from likeness.trust.audit import open_audit, trusted_audit_keys

    with open_audit() as log:
        assert len(list(log.records())) == n_records
        result = log.verify(trusted_audit_keys())
    assert result.ok and result.n_records == n_records, result
