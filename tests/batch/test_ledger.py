"""Output keys change with everything an output depends on, and only with that."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from likeness.batch import BatchItem
from likeness.batch.ledger import is_finished, item_key, record_path, write_record
from likeness.errors import InputError

OPTIONS = {"fps": 60.0, "format": "csv"}


@pytest.fixture
def item(tmp_path: Path) -> BatchItem:
    (tmp_path / "a.wav").write_bytes(b"audio")
    (tmp_path / "grant.json").write_text("{}")
    return BatchItem(name="a", path=tmp_path / "a.wav", text="Hi.", consent=tmp_path / "grant.json",
                     context="game")


def test_key_depends_on_content_options_text_and_consent(item: BatchItem, tmp_path: Path) -> None:
    key = item_key(item, "lipsync", OPTIONS)
    moved = tmp_path / "moved.wav"
    moved.write_bytes(b"audio")
    assert item_key(dataclasses.replace(item, path=moved, name="b"), "lipsync", OPTIONS) == key
    variants = [
        item_key(item, "track", OPTIONS),
        item_key(item, "lipsync", {**OPTIONS, "fps": 30.0}),
        item_key(dataclasses.replace(item, text="Hi!"), "lipsync", OPTIONS),
        item_key(dataclasses.replace(item, context="film"), "lipsync", OPTIONS),
        item_key(dataclasses.replace(item, consent=None), "lipsync", OPTIONS),
    ]
    item.path.write_bytes(b"audio, re-recorded")
    variants.append(item_key(item, "lipsync", OPTIONS))
    assert len({key, *variants}) == len(variants) + 1


def test_two_outputs_of_the_same_content_keep_their_own_records(item: BatchItem,
                                                                 tmp_path: Path) -> None:
    outdir = tmp_path / "out"
    outdir.mkdir()
    first, second = outdir / "line_1.csv", outdir / "line_9.csv"
    key = item_key(item, "lipsync", OPTIONS)  # the same line recorded twice: one key
    for output in (first, second):
        output.write_text("frames")
        write_record(outdir, key, item, [output], seconds=0.1)
    assert is_finished(outdir, key, first) and is_finished(outdir, key, second)


def test_unreadable_input_is_an_input_error(item: BatchItem, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="missing.json: cannot read the consent grant"):
        item_key(dataclasses.replace(item, consent=tmp_path / "missing.json"), "lipsync", OPTIONS)


def test_record_holds_only_while_the_output_is_untouched(item: BatchItem, tmp_path: Path) -> None:
    outdir = tmp_path / "out"
    output = outdir / "a.csv"
    outdir.mkdir()
    output.write_text("frames")
    key = item_key(item, "lipsync", OPTIONS)
    assert not is_finished(outdir, key, output)
    speech = outdir / "a.wav"
    speech.write_bytes(b"speech")
    write_record(outdir, key, item, [output, speech], seconds=0.1)
    assert is_finished(outdir, key, output)
    assert not is_finished(outdir, key, outdir / "b.csv")
    speech.write_bytes(b"speech, edited")
    assert not is_finished(outdir, key, output)
    speech.write_bytes(b"speech")
    assert is_finished(outdir, key, output)
    assert not is_finished(outdir, item_key(item, "lipsync", {**OPTIONS, "fps": 30.0}), output)
    output.write_text("frames, edited")
    assert not is_finished(outdir, key, output)
    record_path(outdir, output).write_text("{not json")
    assert not is_finished(outdir, key, output)
