"""Speech clips made with espeak-ng, one Ray runtime shared by the batch tests, and how a batch
output is compared with the single-file command's."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

TAKE_ATOL = 1e-5
"""Batch and single-file outputs are computed in different processes (Ray workers run with their
own BLAS threads), so their floats may differ in the last bits; takes are written with 6
significant digits, and 1e-5 is far below anything visible in a face."""

PHRASES = (
    "Welcome back, commander.",
    "The bridge is yours.",
    "Shields are holding at forty percent.",
    "We should not be here.",
    "Open the cargo bay doors.",
    "Watch the left flank!",
    "I will meet you at the docks.",
    "Thank you, that was close.",
)


def _make_lines(folder: Path, n_lines: int) -> list[tuple[Path, str]]:
    """``n_lines`` short spoken lines (``line_0000.wav`` ...) and their transcripts."""
    from likeness.sources.audio import write_wav
    from likeness.speech.tts import synthesize

    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(n_lines):
        text = PHRASES[i % len(PHRASES)] if i % 3 else f"Line {i}."
        speech = synthesize(text, rate_wpm=260)
        path = folder / f"line_{i:04d}.wav"
        write_wav(path, speech.pcm, speech.sample_rate_hz)
        path.with_suffix(".txt").write_text(text, encoding="utf-8")
        lines.append((path, text))
    return lines


@pytest.fixture(scope="session", autouse=True)
def likeness_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A private LIKENESS_HOME (keys, audit log) for the batch tests, the workers' included."""
    with pytest.MonkeyPatch.context() as patch:
        home = tmp_path_factory.mktemp("likeness-home")
        patch.setenv("LIKENESS_HOME", str(home))
        patch.delenv("LIKENESS_AUDIT", raising=False)
        yield home


@pytest.fixture(scope="session")
def make_lines() -> Callable[[Path, int], list[tuple[Path, str]]]:
    """Writes ``n_lines`` short espeak-ng lines into a folder; returns (path, transcript) pairs."""
    return _make_lines


def assert_same_take(path: Path, expected: Path) -> None:
    """The take at ``path`` is the one at ``expected``: same frames, numbers within
    :data:`TAKE_ATOL`."""
    from likeness.formats import read_animation

    if path.read_bytes() == expected.read_bytes():
        return
    a, b = read_animation(path), read_animation(expected)
    assert (len(a), a.fps) == (len(b), b.fps), path
    for column in ("t_s", "weights", "head_rotation", "head_translation_m", "eyes_rad"):
        np.testing.assert_allclose(getattr(a, column), getattr(b, column), atol=TAKE_ATOL,
                                   err_msg=f"{path}: {column}")
    assert a.tracks.keys() == b.tracks.keys(), path


def assert_same_audio(path: Path, expected: Path) -> None:
    """The same sound: as many samples, each within one 16-bit step."""
    from likeness.sources.audio import read_audio

    if path.read_bytes() == expected.read_bytes():
        return
    a, b = read_audio(path), read_audio(expected)
    assert a.shape == b.shape, path
    np.testing.assert_allclose(a, b, atol=1.5 / 32768, err_msg=str(path))


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[str]:
    """One local two-CPU Ray runtime for every batch test (it takes seconds to start); yields
    its address for subprocesses."""
    import ray

    from likeness.batch import ray_runtime

    with ray_runtime(n_workers=2):
        yield ray.get_runtime_context().gcs_address
