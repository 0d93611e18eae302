"""Environment settings, read in one place and always with the ``LIKENESS_`` prefix."""

from __future__ import annotations

import os
from pathlib import Path

PREFIX = "LIKENESS_"


def env(name: str, default: str | None = None) -> str | None:
    """The value of ``LIKENESS_<name>``, or ``default``."""
    return os.environ.get(PREFIX + name, default)


def home() -> Path:
    """Where likeness keeps keys, revocations and the audit log (LIKENESS_HOME, or ~/.likeness)."""
    return Path(env("HOME") or Path.home() / ".likeness")
