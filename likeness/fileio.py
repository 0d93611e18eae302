"""Writing files so that a failure never leaves half an output behind."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from likeness.errors import InputError, SinkError


def _umask() -> int:
    """The process's file-creation mask (reading it means setting it, so set it back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike[str], *, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it onto ``path`` only if the block succeeds.

    The temporary file keeps ``path``'s extension (or ``suffix``) so that libraries choosing a
    container by extension (PyAV, OpenCV) see the right one. On any exception the temporary file
    is removed and ``path`` is left as it was.
    """
    target = Path(path)
    if target.is_dir():
        raise SinkError(f"{target}: is a directory, expected an output file path")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise SinkError(f"{target}: folder {parent} does not exist")
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=suffix or target.suffix, dir=parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    # mkstemp makes the file private (0600); the output should get the usual permissions.
    os.chmod(tmp, 0o666 & ~_umask())
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w", **kwargs: object) -> Iterator[IO]:
    """``open()`` for writing through :func:`atomic_output`."""
    with atomic_output(path) as tmp, open(tmp, mode, **kwargs) as handle:  # type: ignore[call-overload]
        yield handle


def existing_file(path: str | os.PathLike[str], what: str = "file") -> Path:
    """``path`` as a Path, or an InputError naming it if it is missing, a folder or empty."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such {what}")
    if p.is_dir():
        raise InputError(f"{p}: is a directory, expected a {what}")
    if p.stat().st_size == 0:
        raise InputError(f"{p}: {what} is empty (0 bytes)")
    return p
