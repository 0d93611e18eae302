"""Choosing an animation format by file extension; writing one through the consent guard."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from likeness.errors import InputError
from likeness.formats.animation_json import read_json, to_dict
from likeness.formats.livelink_csv import read_csv, to_csv_text
from likeness.frame import Animation

if TYPE_CHECKING:
    from likeness.trust.guard import Ingredient, OutputGuard

ANIMATION_SUFFIXES = (".csv", ".json")


def write_animation(
    animation: Animation,
    path: str | os.PathLike[str],
    *,
    guard: OutputGuard,
    ingredients: Sequence[Ingredient] = (),
) -> None:
    """Write a Live Link Face CSV (``.csv``) or the project's JSON (``.json``), under consent.

    Parameters
    ----------
    animation : Animation
    path : path-like
        Output file, written atomically; its suffix picks the format.
    guard : OutputGuard
        Consent for the likeness the take comes from (:func:`likeness.trust.output_guard`); the
        file is recorded in the audit log, or not written at all.
    ingredients : sequence of paths or bytes
        The inputs that drove it (video, audio, text), named by hash in the audit record.

    Raises
    ------
    ConsentRefused
        The guard's grant does not allow exports.
    InputError
        Neither .csv nor .json.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in ANIMATION_SUFFIXES:
        raise InputError(f"{path}: unknown animation format {suffix!r}, expected .csv or .json")
    output = guard.output("export", ingredients=ingredients)
    with output.writing(path, {"frames": len(animation), "fps": animation.fps}) as tmp:
        if suffix == ".csv":
            with open(tmp, "w", newline="") as handle:
                handle.write(to_csv_text(animation))
        else:
            with open(tmp, "w", encoding="utf-8") as handle:
                json.dump(to_dict(animation), handle, separators=(",", ":"))


def read_animation(path: str | os.PathLike[str], *, fps: float | None = None) -> Animation:
    """Read a Live Link Face CSV or the project's JSON; ``fps`` overrides the file's rate."""
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        return read_csv(path, fps=fps)
    if suffix == ".json":
        animation = read_json(path)
        return animation if fps is None else animation.resample(fps)
    raise InputError(f"{path}: unknown animation format {suffix!r}, expected .csv or .json")
