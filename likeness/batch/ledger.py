"""Which outputs are finished: one small record per output, keyed by what produced it.

The key is a SHA-256 over the job, its options, the likeness version and the content of
everything the output depends on (input file, transcript, consent grant and context), so a
re-run skips exactly the outputs whose inputs and options are unchanged. Records live in
``OUTDIR/.likeness-batch/<key>.json`` and are written atomically by the worker right after its
output, so a batch killed at any moment loses at most the outputs in flight.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from likeness import __version__
from likeness.batch.inputs import BatchItem
from likeness.errors import InputError
from likeness.fileio import atomic_open

LEDGER_DIR = ".likeness-batch"
_CHUNK_BYTES = 1 << 20


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


def item_key(item: BatchItem, job: str, options: dict[str, Any],
             side_inputs: Sequence[Path] = ()) -> str:
    """Hex SHA-256 naming the output ``job`` with ``options`` makes from ``item`` (and
    ``side_inputs``, other files the job reads for it).

    Raises
    ------
    InputError
        The input or grant file cannot be read (the item then fails; others go on).
    """
    parts = {
        "job": job,
        "options": options,
        "likeness": __version__,
        "input_sha256": _optional_sha256(item.path, "input"),
        "side_inputs_sha256": [_optional_sha256(p, "input") for p in side_inputs],
        "text": item.text,
        "consent_sha256": _optional_sha256(item.consent, "consent grant"),
        "context": item.context,
    }
    canonical = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _optional_sha256(path: Path | None, what: str) -> str | None:
    """The file's hash, None without a file, InputError when it cannot be read."""
    if path is None:
        return None
    try:
        return file_sha256(path)
    except OSError as e:
        raise InputError(f"{path}: cannot read the {what} ({e.strerror or e})") from e


def record_path(outdir: Path, output: Path) -> Path:
    """Where the record of ``output`` lives: one per output file, since two inputs with the same
    content (the same line recorded twice) make two outputs under the same key."""
    name = output.relative_to(outdir).as_posix().replace("/", "%2F")
    return outdir / LEDGER_DIR / f"{name}.json"


def write_record(outdir: Path, key: str, item: BatchItem, files: list[Path],
                 seconds: float) -> None:
    """Record ``files`` (the output first) as finished, atomically, with hashes so a later edit
    is noticed."""
    record = {
        "key": key,
        "input": str(item.path) if item.path else None,
        "files": {f.relative_to(outdir).as_posix(): file_sha256(f) for f in files},
        "seconds": round(seconds, 4),
    }
    path = record_path(outdir, files[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(path, "w", encoding="utf-8") as handle:
        json.dump(record, handle, indent=1)


def is_finished(outdir: Path, key: str, output: Path) -> bool:
    """True when ``output`` was made under ``key`` (same inputs and options) and it and the files
    written with it are, byte for byte, as recorded."""
    try:
        record = json.loads(record_path(outdir, output).read_text(encoding="utf-8"))
        files = record["files"]
        return (record["key"] == key
                and next(iter(files)) == output.relative_to(outdir).as_posix()
                and all(file_sha256(outdir / name) == sha for name, sha in files.items()))
    except (OSError, ValueError, KeyError, TypeError, StopIteration):
        return False
