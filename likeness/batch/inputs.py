"""What a batch works on: every matching file under a folder, or the rows of a CSV/JSONL manifest.

A manifest row names one input and what goes with it::

    path,text,consent,context,name
    lines/intro_001.wav,"Welcome back, commander.",grants/alice.json,game-dialogue,
    lines/intro_002.wav,,,,

``path`` is the input file (relative to the manifest's folder unless absolute); ``text`` its
transcript (for ``say``, the line to speak, and then ``path`` may be empty); ``consent`` and
``context`` the consent grant and the use it is for; ``name`` the output's path under the output
folder without extension (default: ``path`` without extension, or the row number for ``say``).
JSONL manifests carry the same keys, one object per line.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from likeness.errors import InputError

MANIFEST_SUFFIXES = (".csv", ".jsonl")
SUMMARY_NAME = "batch-summary.json"
"""The summary a batch leaves in its output folder; never an input when that folder is."""
MANIFEST_KEYS = ("path", "text", "consent", "context", "name")


@dataclass(frozen=True)
class BatchItem:
    """One unit of work.

    Attributes
    ----------
    name : str
        The output's path under the output folder, '/'-separated, without extension.
    path : Path or None
        The input file (absolute); None for a ``say`` line given only as text.
    text : str or None
        The transcript, or the line to speak.
    consent : Path or None
        The consent grant file for this input.
    context : str or None
        The use the output is for, checked against the grant.
    """

    name: str
    path: Path | None = None
    text: str | None = None
    consent: Path | None = None
    context: str | None = None


def read_inputs(spec: str | os.PathLike[str], *, suffixes: Iterable[str],
                exclude: Path | None = None) -> list[BatchItem]:
    """The items of a folder or a manifest, in a stable order.

    Parameters
    ----------
    spec : path-like
        A folder (every file whose extension is in ``suffixes``, recursively, hidden files and
        folders left out) or a ``.csv`` / ``.jsonl`` manifest.
    suffixes : iterable of str
        Input extensions the job accepts, lower case with the dot (``".wav"``).
    exclude : Path, optional
        A folder under ``spec`` to leave out (the output folder, when it sits inside the input).

    Raises
    ------
    InputError
        ``spec`` is missing or neither a folder nor a manifest; a manifest row is malformed; two
        items would write the same output; nothing to do.
    """
    source = Path(spec)
    if source.is_dir():
        items = _scan_folder(source, tuple(s.lower() for s in suffixes), exclude)
        if not items:
            raise InputError(f"{source}: no input files ({', '.join(suffixes)}) in this folder")
    elif not source.exists():
        raise InputError(f"{source}: no such folder or manifest")
    elif source.suffix.lower() == ".csv":
        items = _from_rows(source, _csv_rows(source))
    elif source.suffix.lower() == ".jsonl":
        items = _from_rows(source, _jsonl_rows(source))
    else:
        raise InputError(f"{source}: expected a folder or a manifest "
                         f"({', '.join(MANIFEST_SUFFIXES)}), got a "
                         f"{source.suffix or 'extensionless'} file")
    if not items:
        raise InputError(f"{source}: the manifest lists no inputs")
    _check_unique_names(source, items)
    return items


def _scan_folder(folder: Path, suffixes: tuple[str, ...], exclude: Path | None) -> list[BatchItem]:
    """Files under ``folder`` with one of ``suffixes``, but no hidden entries, nor ``exclude``."""
    excluded = exclude.resolve() if exclude is not None else None
    items = []
    for root, dirs, files in os.walk(folder):
        root_path = Path(root)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".")
                         and (root_path / d).resolve() != excluded)
        for file_name in sorted(files):
            path = root_path / file_name
            if (file_name.startswith(".") or file_name == SUMMARY_NAME
                    or path.suffix.lower() not in suffixes):
                continue
            relative = path.relative_to(folder).with_suffix("")
            items.append(BatchItem(name=relative.as_posix(), path=path.resolve()))
    return sorted(items, key=lambda item: item.name)


def _csv_rows(manifest: Path) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of a CSV manifest with a header row."""
    try:
        with open(manifest, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            _check_keys(manifest, 1, reader.fieldnames or [])
            return [(reader.line_num, {k: v for k, v in row.items() if k is not None})
                    for row in reader]
    except (UnicodeDecodeError, csv.Error) as e:
        raise InputError(f"{manifest}: not a readable UTF-8 CSV manifest ({e})") from e


def _jsonl_rows(manifest: Path) -> list[tuple[int, dict[str, str]]]:
    """(line number, object) pairs of a JSONL manifest; blank lines are skipped."""
    rows = []
    try:
        lines = manifest.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError as e:
        raise InputError(f"{manifest}: not UTF-8 text ({e})") from e
    for line_no, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputError(f"{manifest}:{line_no}: not a JSON object ({e.msg})") from e
        if not isinstance(row, dict):
            raise InputError(f"{manifest}:{line_no}: expected a JSON object, "
                             f"got {type(row).__name__}")
        _check_keys(manifest, line_no, row)
        bad = {k: v for k, v in row.items() if v is not None and not isinstance(v, str)}
        if bad:
            raise InputError(f"{manifest}:{line_no}: values must be strings, got {bad}")
        rows.append((line_no, row))
    return rows


def _check_keys(manifest: Path, line_no: int, keys: Iterable[str]) -> None:
    """Unknown columns are refused, so that a misspelt ``consent`` never goes unnoticed."""
    unknown = sorted(set(keys) - set(MANIFEST_KEYS))
    if unknown:
        raise InputError(f"{manifest}:{line_no}: unknown column(s) {unknown}, expected some of "
                         f"{list(MANIFEST_KEYS)}")


def _from_rows(manifest: Path, rows: list[tuple[int, dict[str, str]]]) -> list[BatchItem]:
    """BatchItems from manifest rows; relative paths are taken from the manifest's folder."""
    base = manifest.resolve().parent
    items = []
    for index, (line_no, row) in enumerate(rows, 1):
        value = {k: (row.get(k) or "").strip() or None for k in MANIFEST_KEYS}
        text = row.get("text") or None  # the transcript keeps its own spacing
        if value["path"] is None and text is None:
            raise InputError(f"{manifest}:{line_no}: a row needs a path or a text")
        path = base / value["path"] if value["path"] else None
        name = value["name"] or _default_name(value["path"], index)
        if PurePosixPath(name).is_absolute() or ".." in PurePosixPath(name).parts:
            raise InputError(f"{manifest}:{line_no}: output name {name!r} must stay inside the "
                             f"output folder")
        items.append(BatchItem(
            name=name,
            path=path.resolve() if path else None,
            text=text,
            consent=(base / value["consent"]).resolve() if value["consent"] else None,
            context=value["context"],
        ))
    return items


def _default_name(path: str | None, index: int) -> str:
    """The input's relative path without extension, or its file name when it leaves the folder."""
    if path is None:
        return f"{index:06d}"
    relative = PurePosixPath(path.replace("\\", "/")).with_suffix("")
    if relative.is_absolute() or ".." in relative.parts:
        return relative.name
    return relative.as_posix()


def _check_unique_names(source: Path, items: list[BatchItem]) -> None:
    """Two items writing one output would overwrite each other's work."""
    seen: dict[str, BatchItem] = {}
    for item in items:
        if item.name in seen:
            raise InputError(f"{source}: {seen[item.name].path or seen[item.name].text!r} and "
                             f"{item.path or item.text!r} would both write output {item.name!r}; "
                             f"give one a 'name' in the manifest")
        seen[item.name] = item
