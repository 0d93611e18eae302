"""The README's Python API runs as written: its snippets, in order, on tiny inputs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"


def python_api_snippets() -> list[str]:
    """The ```python blocks of the README's "Python API" section, in order."""
    text = README.read_text(encoding="utf-8")
    section = text.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.DOTALL)


def test_the_section_shows_each_way_in_a_few_lines():
    snippets = python_api_snippets()
    assert all(len(s.strip().splitlines()) <= 10 for s in snippets)
    for name in ("say", "lipsync_file", "render_video", "track_video", "open_sinks",
                 "twin_from_photo"):
        assert any(name in s for s in snippets), name
    # Every output goes through the guard.
    for call in ("write_animation(", "render_video(", "write_glb(", "open_sinks("):
        uses = [line for s in snippets for line in s.splitlines() if call in line]
        assert uses and all("guard=" in line for line in uses), call


@pytest.mark.slow
def test_the_python_api_snippets_run_and_every_output_is_recorded(tmp_path, monkeypatch):
    from PIL import Image

    from likeness.trust import open_audit, verify_media
    from likeness.trust.consent import sha256_file
    from likeness.trust.watermark import detect
    from tests import photos
    from tests.grants import grant

    monkeypatch.setenv("LIKENESS_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("LIKENESS_AUDIT", raising=False)
    monkeypatch.chdir(tmp_path)
    Image.fromarray(photos.astronaut()).save("eileen.png")
    grant(Path("eileen-grant.json"), Path("eileen.png"), subject="eileen", contexts=["demo"])
    namespace: dict = {}
    for snippet in python_api_snippets():
        exec(compile(snippet, str(README), "exec"), namespace)  # noqa: S102

    with open_audit() as log:
        records = list(log.records())
    outputs = [(r["kind"], r["outputs"][0]["name"]) for r in records]
    assert outputs == [
        ("export", "hello.json"), ("export", "hello.csv"), ("render", "hello.mp4"),
        ("export", "tracked.csv"), ("stream", "bytes[0]"), ("export", "eileen.glb"),
        ("render", "eileen.mp4"),
    ]
    for video in ("hello.mp4", "eileen.mp4"):
        assert verify_media(video).valid
        record = next(r for r in records if r["outputs"][0]["name"] == video)
        assert detect(video).id == record["details"]["output_id"]
    assert [r["subject"] for r in records[-2:]] == ["eileen", "eileen"]
    assert {r["likeness_sha256"] for r in records[-2:]} == {sha256_file("eileen.png")}
    assert namespace["tracked"].found.mean() > 0.9  # the rendered avatar was tracked back
