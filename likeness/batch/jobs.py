"""The jobs a batch can run: each is the single-file command's work on one input.

A job turns the command's flags into a plain dict of options (JSON-able: it keys the ledger and
travels to the workers) and processes one :class:`~likeness.batch.inputs.BatchItem` into one
output file, calling the very functions the single-file command calls, so that a batch output is
byte-identical to the command's. Heavy imports happen inside ``process``, in the worker.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from likeness.batch.inputs import BatchItem
from likeness.errors import InputError

ANIMATION_FORMATS = ("csv", "json")
AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".m4a", ".aac", ".opus")


@dataclass(frozen=True)
class Job:
    """One kind of batch work.

    name: the ``--job`` value, also the single-file command it mirrors.
    summary: one line for ``--help``.
    input_suffixes: extensions picked up when the input is a folder.
    flags: the job-option destinations it takes (the batch command declares every job's flags
        once, default None, and refuses those a job does not take).
    options_from_args: parsed flags -> the options dict (JSON-able, defaults filled, validated).
    output_suffix: options -> the output file's extension.
    process: (item, output path, options) -> None; writes the output atomically.
    """

    name: str
    summary: str
    input_suffixes: tuple[str, ...]
    flags: tuple[str, ...]
    options_from_args: Callable[[argparse.Namespace], dict[str, Any]]
    output_suffix: Callable[[dict[str, Any]], str]
    process: Callable[[BatchItem, Path, dict[str, Any]], None]


def _require_input(item: BatchItem, job: str) -> Path:
    """The item's input file, or an InputError for a manifest row that gives only text."""
    if item.path is None:
        raise InputError(f"{item.name}: the {job} job needs an input file, the row gives none")
    return item.path


def _choice(flag: str, value: str | None, choices: tuple[str, ...]) -> str:
    """``value`` if it is one of ``choices`` (None: the first), else an InputError."""
    if value is None:
        return choices[0]
    if value not in choices:
        raise InputError(f"--{flag} must be one of {', '.join(choices)} for this job, got {value!r}")
    return value


# lipsync: speech audio (+ optional transcript) -> animation file -------------------------------

def _lipsync_options(args: argparse.Namespace) -> dict[str, Any]:
    fps = 60.0 if args.fps is None else float(args.fps)
    if not 1.0 <= fps <= 240.0:
        raise InputError(f"--fps must be in 1..240, got {fps}")
    return {"fps": fps, "format": _choice("format", args.format, ANIMATION_FORMATS)}


def _lipsync(item: BatchItem, output: Path, options: dict[str, Any]) -> None:
    from likeness.formats import write_animation
    from likeness.sources.audio import WORKING_RATE_HZ, read_audio
    from likeness.speech import lipsync

    pcm = read_audio(_require_input(item, "lipsync"), sr=WORKING_RATE_HZ)
    animation = lipsync(pcm, WORKING_RATE_HZ, text=item.text, fps=options["fps"])
    write_animation(animation, output)


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job(
            name="lipsync",
            summary="speech audio (+ transcript) -> lip-synced animation",
            input_suffixes=AUDIO_SUFFIXES,
            flags=("fps", "format"),
            options_from_args=_lipsync_options,
            output_suffix=lambda options: "." + options["format"],
            process=_lipsync,
        ),
    )
}
