"""``--job say`` and ``--job track``: the same takes and speech as the single-file commands, bad
inputs reported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from likeness.cli import main
from tests.batch.conftest import assert_same_audio, assert_same_take

pytestmark = pytest.mark.slow


def _summary(outdir: Path) -> dict:
    return json.loads((outdir / "batch-summary.json").read_text())


def test_say_manifest_and_folder_match_likeness_say(ray_cluster: str, tmp_path: Path) -> None:
    lines = {"hello": "Hello there.", "cold": "-5 degrees outside, again?", "dock": "To the docks!"}
    manifest = tmp_path / "script.jsonl"
    manifest.write_text("".join(json.dumps({"text": t, "name": f"act1/{n}"}) + "\n"
                                for n, t in lines.items()) + '{"text": "   "}\n', encoding="utf-8")
    outdir = tmp_path / "out"
    assert main(["batch", str(manifest), "-o", str(outdir), "--job", "say", "--rate", "220",
                 "--format", "json", "--no-progress"]) == 1
    summary = _summary(outdir)
    assert [f["name"] for f in summary["failed"]] == ["000004"]
    assert "text to speak is empty" in summary["failed"][0]["error"]

    folder = tmp_path / "txt"
    folder.mkdir()
    (folder / "hello.txt").write_text(lines["hello"] + "\n", encoding="utf-8")
    assert main(["batch", str(folder), "-o", str(tmp_path / "from-folder"), "--job", "say",
                 "--rate", "220", "--format", "json", "--no-progress"]) == 0

    for name, text in lines.items():
        single = tmp_path / "single" / f"{name}.json"
        single.parent.mkdir(exist_ok=True)
        # A process per line, as a user runs it (espeak-ng's output depends on what the process
        # spoke before, which is why the say job isolates its inputs too).
        subprocess.run([sys.executable, "-m", "likeness.cli", "say", text, "-o", str(single),
                        "--rate", "220"], check=True, capture_output=True)
        outputs = [outdir / "act1" / name] + ([tmp_path / "from-folder" / name]
                                               if name == "hello" else [])
        for output in outputs:
            assert_same_take(output.with_suffix(".json"), single)
            assert_same_audio(output.with_suffix(".wav"), single.with_suffix(".wav"))

    # The speech is part of the finished work: losing it makes the line due again.
    (outdir / "act1" / "dock.wav").unlink()
    assert main(["batch", str(manifest), "-o", str(outdir), "--job", "say", "--rate", "220",
                 "--format", "json", "--no-progress"]) == 1
    assert [d["name"] for d in _summary(outdir)["done"]] == ["act1/dock"]
    assert (outdir / "act1" / "dock.wav").is_file()


def _noise_clip(path: Path, n_frames: int = 10) -> None:
    """An H.264 clip of noise: a video with no face in it."""
    rng = np.random.default_rng(7)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        for _ in range(n_frames):
            rgb = rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        container.mux(stream.encode())


def test_track_folder_matches_likeness_track(ray_cluster: str, tmp_path: Path) -> None:
    from likeness.bench.tracking import write_face_clip

    folder = tmp_path / "takes"
    (folder / "day2").mkdir(parents=True)
    write_face_clip(folder / "a.mp4", n_frames=20)
    write_face_clip(folder / "day2" / "b.mp4", n_frames=15, mirror=True)
    _noise_clip(folder / "noise.mp4")
    outdir = tmp_path / "out"
    assert main(["batch", str(folder), "-o", str(outdir), "--job", "track", "--no-progress"]) == 1
    summary = _summary(outdir)
    assert sorted(d["name"] for d in summary["done"]) == ["a", "day2/b"]
    assert [f["name"] for f in summary["failed"]] == ["noise"]
    assert "no face found" in summary["failed"][0]["error"]

    for name in ("a", "day2/b"):
        single = tmp_path / "single" / f"{name.replace('/', '_')}.csv"
        single.parent.mkdir(exist_ok=True)
        assert main(["track", str(folder / f"{name}.mp4"), "-o", str(single)]) == 0
        assert_same_take(outdir / f"{name}.csv", single)

