"""Choosing an animation format by file extension."""

from __future__ import annotations

import os
from pathlib import Path

from likeness.errors import InputError
from likeness.formats.animation_json import read_json, write_json
from likeness.formats.livelink_csv import read_csv, write_csv
from likeness.frame import Animation

ANIMATION_SUFFIXES = (".csv", ".json")


def write_animation(animation: Animation, path: str | os.PathLike[str]) -> None:
    """Write a Live Link Face CSV (``.csv``) or the project's JSON (``.json``)."""
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        write_csv(animation, path)
    elif suffix == ".json":
        write_json(animation, path)
    else:
        raise InputError(f"{path}: unknown animation format {suffix!r}, expected .csv or .json")


def read_animation(path: str | os.PathLike[str], *, fps: float | None = None) -> Animation:
    """Read a Live Link Face CSV or the project's JSON; ``fps`` overrides the file's rate."""
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return read_csv(path, fps=fps)
    if suffix == ".json":
        animation = read_json(path)
        return animation if fps is None else animation.resample(fps)
    raise InputError(f"{path}: unknown animation format {suffix!r}, expected .csv or .json")
