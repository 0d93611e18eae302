"""Folders and manifests into batch items; malformed manifests refused with the line named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from likeness.batch import BatchItem, read_inputs
from likeness.errors import InputError

WAV = (".wav",)


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


def test_folder_keeps_relative_names_and_skips_hidden_other_and_output(tmp_path: Path) -> None:
    a = touch(tmp_path / "in" / "b.wav")
    b = touch(tmp_path / "in" / "act1" / "a.WAV")
    touch(tmp_path / "in" / ".hidden.wav")
    touch(tmp_path / "in" / ".cache" / "c.wav")
    touch(tmp_path / "in" / "notes.txt")
    touch(tmp_path / "in" / "out" / "old.wav")
    touch(tmp_path / "in" / "batch-summary.json")
    items = read_inputs(tmp_path / "in", suffixes=(*WAV, ".json"), exclude=tmp_path / "in" / "out")
    assert items == [BatchItem(name="act1/a", path=b.resolve()),
                     BatchItem(name="b", path=a.resolve())]


def test_empty_folder_and_missing_input_are_refused(tmp_path: Path) -> None:
    touch(tmp_path / "notes.txt")
    with pytest.raises(InputError, match="no input files"):
        read_inputs(tmp_path, suffixes=WAV)
    with pytest.raises(InputError, match="no such folder or manifest"):
        read_inputs(tmp_path / "nope", suffixes=WAV)
    with pytest.raises(InputError, match="expected a folder or a manifest"):
        read_inputs(tmp_path / "notes.txt", suffixes=WAV)


def test_csv_manifest_resolves_paths_from_its_folder(tmp_path: Path) -> None:
    manifest = tmp_path / "lines.csv"
    manifest.write_text(
        "path,text,consent,context,name\n"
        'vo/a.wav,"Hello, there.",grants/alice.json,game,\n'
        "vo/b.wav,,,,takes/second\n"
        "../elsewhere/c.wav,,,,\n",
        encoding="utf-8",
    )
    items = read_inputs(manifest, suffixes=WAV)
    assert items == [
        BatchItem(name="vo/a", path=(tmp_path / "vo/a.wav").resolve(), text="Hello, there.",
                  consent=(tmp_path / "grants/alice.json").resolve(), context="game"),
        BatchItem(name="takes/second", path=(tmp_path / "vo/b.wav").resolve()),
        BatchItem(name="c", path=(tmp_path.parent / "elsewhere/c.wav").resolve()),
    ]


def test_jsonl_manifest_with_text_only_rows(tmp_path: Path) -> None:
    manifest = tmp_path / "say.jsonl"
    rows = [{"text": "First line."}, {}, {"text": "Second.", "name": "intro/two"}]
    manifest.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with pytest.raises(InputError, match=r"say.jsonl:2: a row needs a path or a text"):
        read_inputs(manifest, suffixes=WAV)
    manifest.write_text(json.dumps(rows[0]) + "\n\n" + json.dumps(rows[2]) + "\n", encoding="utf-8")
    assert read_inputs(manifest, suffixes=WAV) == [
        BatchItem(name="000001", text="First line."),
        BatchItem(name="intro/two", text="Second."),
    ]


@pytest.mark.parametrize(
    ("suffix", "content", "message"),
    [
        (".csv", "path,consnet\na.wav,g.json\n", r"lines.csv:1: unknown column\(s\) \['consnet'\]"),
        (".jsonl", '{"path": "a.wav"}\n{"path": \n', r"lines.jsonl:2: not a JSON object"),
        (".jsonl", '["a.wav"]\n', r"lines.jsonl:1: expected a JSON object, got list"),
        (".jsonl", '{"path": "a.wav", "text": 3}\n', r"lines.jsonl:1: values must be strings"),
        (".csv", "path,name\na.wav,../../etc/x\n", r"lines.csv:2: output name '../../etc/x'"),
        (".csv", "path\na.wav\nsub/../a.flac\n", r"would both write output 'a'"),
        (".csv", "path\n", r"lists no inputs"),
        (".csv", b"path\n\xff\xfe.wav\n", r"not a readable UTF-8 CSV manifest"),
    ],
)
def test_malformed_manifests_are_refused(tmp_path: Path, suffix: str, content: str | bytes,
                                         message: str) -> None:
    manifest = tmp_path / f"lines{suffix}"
    if isinstance(content, bytes):
        manifest.write_bytes(content)
    else:
        manifest.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_inputs(manifest, suffixes=WAV)
