"""Keeping numpy's BLAS on one thread where small products run many times.

The tracker's solver multiplies and inverts matrices of a few dozen rows every frame, and the
lip-sync blends a few dozen phone targets per block of frames. OpenBLAS spreads even those over
all cores: on a busy machine the hand-off costs 10-20x the arithmetic (an inverse of a 20x20
matrix: ~15 us on one thread, ~150-300 us on two loaded cores), and its idle workers then spin
on the other cores, doubling the CPU time of whatever runs next. These paths ask OpenBLAS for a
single thread.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

log = logging.getLogger(__name__)


@lru_cache(maxsize=1)
def _openblas() -> tuple[Any, Any] | None:
    """numpy's bundled OpenBLAS thread setter and getter, or None where there is none."""
    libs = Path(np.__file__).parent.parent / "numpy.libs"
    for path in sorted(libs.glob("libopenblas*.so*")):
        lib = ctypes.CDLL(str(path))
        for suffix in ("64_", ""):
            setter = getattr(lib, f"openblas_set_num_threads{suffix}", None)
            getter = getattr(lib, f"openblas_get_num_threads{suffix}", None)
            if setter is not None and getter is not None:
                setter.argtypes, getter.restype = [ctypes.c_int], ctypes.c_int
                return setter, getter
    log.debug("numpy's OpenBLAS not found; BLAS threads left as they are")
    return None


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Run the block with numpy's OpenBLAS on one thread, then restore its thread count."""
    functions = _openblas()
    if functions is None:
        yield
        return
    setter, getter = functions
    before = getter()
    setter(1)
    try:
        yield
    finally:
        setter(before)
