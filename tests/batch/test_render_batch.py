"""``--job render`` of a real person's avatar: each input is checked against its own consent grant,
and an input without one is reported while the others are rendered."""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest

from likeness.blendshapes import index
from likeness.cli import build_parser, main
from likeness.formats import write_animation
from likeness.frame import Animation

pytestmark = pytest.mark.slow
SIZE = ["--size", "64"]


def _render_takes_grants() -> bool:
    commands = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    return "--consent" in commands["render"]._option_string_actions


@pytest.fixture
def alice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    """(avatar, grant): Alice's avatar as a GLB and her grant for it in context ``film-x``."""
    if not _render_takes_grants():
        pytest.skip("`likeness render` takes no consent grant in this build yet")
    from likeness.avatar import default_avatar
    from likeness.avatar.gltf import write_glb
    from likeness.trust import consent, keys

    monkeypatch.setenv("LIKENESS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("LIKENESS_AUDIT", raising=False)
    keys.init_keys(name="Alice", subject="alice")
    avatar = tmp_path / "alice.glb"
    write_glb(default_avatar(), avatar)
    grant = tmp_path / "alice-grant.json"
    consent.write_grant(consent.make_grant(
        subject="alice", likeness_asset=avatar, contexts=["film-x"],
        expires=dt.datetime.now(dt.UTC) + dt.timedelta(days=30),
        signing_key=keys.load_identity()), grant)
    return avatar, grant


def _take(path: Path, jaw_open: float) -> None:
    """A short take whose jaw opens to ``jaw_open``."""
    animation = Animation.neutral(8, 30.0)
    animation.weights[:, index("jawOpen")] = np.linspace(0, jaw_open, 8, dtype=np.float32)
    write_animation(animation, path)


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
        assert (outdir / f"{name}.png").read_bytes() == single.read_bytes(), name


def test_mp4_takes_the_speech_beside_each_animation(ray_cluster: str, tmp_path: Path) -> None:
    from likeness.sources.audio import write_wav

    folder = tmp_path / "takes"
    folder.mkdir()
    _take(folder / "talk.csv", 0.7)
    t_s = np.arange(int(16000 * 8 / 30)) / 16000
    write_wav(folder / "talk.wav", 0.3 * np.sin(2 * np.pi * 220 * t_s), 16000)
    _take(folder / "mute.csv", 0.3)
    outdir = tmp_path / "out"
    assert main(["batch", str(folder), "-o", str(outdir), "--job", "render", *SIZE,
                 "--no-progress"]) == 0

    for name, audio in (("talk", ["--audio", str(folder / "talk.wav")]), ("mute", [])):
        single = tmp_path / f"{name}.mp4"
        assert main(["render", str(folder / f"{name}.csv"), "-o", str(single), *audio, *SIZE,
                     "--no-progress"]) == 0
        assert (outdir / f"{name}.mp4").read_bytes() == single.read_bytes(), name

    # New speech for a take makes its video due again; the other stays as it was.
    write_wav(folder / "talk.wav", 0.3 * np.sin(2 * np.pi * 330 * t_s), 16000)
    assert main(["batch", str(folder), "-o", str(outdir), "--job", "render", *SIZE,
                 "--no-progress"]) == 0
    summary = json.loads((outdir / "batch-summary.json").read_text())
    assert [d["name"] for d in summary["done"]] == ["talk"]
    assert [s["name"] for s in summary["skipped"]] == ["mute"]
