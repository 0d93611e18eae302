"""The avatars the viewer can show: the default one and GLBs that clients upload."""

from __future__ import annotations

import collections
import hashlib
import tempfile
from pathlib import Path

from likeness.errors import InputError
from likeness.server.glb import MorphTargetReport, check_glb


class AvatarStore:
    """Uploaded GLBs kept in memory by content id (the newest ``max_avatars``), plus the default."""

    def __init__(self, *, max_avatars: int) -> None:
        self._uploads: collections.OrderedDict[str, tuple[bytes, MorphTargetReport]] = (
            collections.OrderedDict())
        self._max_avatars = max_avatars
        self._default: bytes | None = None

    def add(self, data: bytes, *, name: str) -> tuple[str, MorphTargetReport]:
        """Check and keep an uploaded GLB; returns its id and what it can show."""
        report = check_glb(data, name=name)
        avatar_id = hashlib.sha256(data).hexdigest()[:16]
        self._uploads[avatar_id] = (data, report)
        self._uploads.move_to_end(avatar_id)
        while len(self._uploads) > self._max_avatars:
            self._uploads.popitem(last=False)
        return avatar_id, report

    def get(self, avatar_id: str) -> bytes:
        """The GLB bytes of an uploaded avatar; InputError if it is unknown or forgotten."""
        if avatar_id not in self._uploads:
            raise InputError(f"no uploaded avatar {avatar_id!r} (upload it with POST /api/avatars)")
        return self._uploads[avatar_id][0]

    def default(self) -> bytes:
        """The default avatar as GLB bytes, made once by :mod:`likeness.avatar`."""
        if self._default is None:
            from likeness.avatar import default_avatar
            from likeness.avatar.gltf import write_glb

            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "default.glb"
                write_glb(default_avatar(), path)
                data = path.read_bytes()
            check_glb(data, name="default avatar")
            self._default = data
        return self._default

