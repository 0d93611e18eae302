"""What clients upload (avatar GLBs, consent grants), kept on disk by content id, and the
default avatar."""

from __future__ import annotations

import collections
import hashlib
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

from likeness.errors import InputError
from likeness.fileio import atomic_output

Report = TypeVar("Report")


class Uploads(Generic[Report]):
    """Uploaded files of one kind in ``folder``, named by content hash; the newest ``max_files``.

    Files live on disk (not only in memory) because the consent gate hashes the likeness asset
    and reads the grant from a path.
    """

    def __init__(
        self,
        folder: Path,
        *,
        what: str,
        suffix: str,
        max_files: int,
        check: Callable[[Path, str], Report],
    ) -> None:
        self.folder = folder
        self._what = what
        self._suffix = suffix
        self._max_files = max_files
        self._check = check
        self._ids: collections.OrderedDict[str, Path] = collections.OrderedDict()

    def add(self, data: bytes, *, name: str) -> tuple[str, Report]:
        """Check and keep ``data``; returns its id and what ``check`` said about it."""
        upload_id = hashlib.sha256(data).hexdigest()[:16]
        path = self.folder / f"{upload_id}{self._suffix}"
        with atomic_output(path) as tmp:
            tmp.write_bytes(data)
            report = self._check(tmp, name)  # a refused upload is never kept
        self._ids[upload_id] = path
        self._ids.move_to_end(upload_id)
        while len(self._ids) > self._max_files:
            self._ids.popitem(last=False)[1].unlink(missing_ok=True)
        return upload_id, report

    def path(self, upload_id: str) -> Path:
        """The file of an upload; InputError if it is unknown or forgotten."""
        if upload_id not in self._ids:
            raise InputError(
                f"no {self._what} {upload_id!r} here (upload it first; the server "
                f"keeps the newest {self._max_files})"
            )
        return self._ids[upload_id]


class DefaultAvatar:
    """The default avatar as GLB bytes, made once by :mod:`likeness.avatar` (and, as every
    output, recorded in the audit log ``audit``)."""

    def __init__(self, audit: str | None = None) -> None:
        self._audit = audit
        self._data: bytes | None = None

    def __call__(self) -> bytes:
        if self._data is None:
            from likeness.avatar import default_avatar
            from likeness.avatar.gltf import write_glb
            from likeness.trust.guard import output_guard

            with tempfile.TemporaryDirectory() as folder:
                path = write_glb(default_avatar(), Path(folder) / "default.glb",
                                 guard=output_guard(audit=self._audit))
                self._data = Path(path).read_bytes()
        return self._data
