"""Keeping numpy's and scipy's BLAS on one thread where small products run many times.

The tracker's solver multiplies and inverts matrices of a few dozen rows every frame, and the
lip-sync blends a few dozen phone targets per block of frames. OpenBLAS spreads even those over
all cores: on a busy machine the hand-off costs 10-20x the arithmetic (an inverse of a 20x20
matrix: ~15 us on one thread, ~150-300 us on two loaded cores), and its idle workers then spin
on the other cores, doubling the CPU time of whatever runs next. These paths ask OpenBLAS for a
single thread: numpy's and scipy's each bundle their own (a triangular solve of 18 rows through
scipy took 9 ms on two loaded cores with scipy's left on two threads, 4 us on one).
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
def _openblas() -> tuple[tuple[Any, Any], ...]:
    """The thread setter and getter of each OpenBLAS numpy and scipy bundle."""
    site = Path(np.__file__).parent.parent
    found = []
    for path in sorted([*site.glob("numpy.libs/*openblas*.so*"),
                        *site.glob("scipy.libs/*openblas*.so*")]):
        lib = ctypes.CDLL(str(path))
        for prefix, suffix in (("", "64_"), ("", ""), ("scipy_", "64_"), ("scipy_", "")):
            setter = getattr(lib, f"{prefix}openblas_set_num_threads{suffix}", None)
            getter = getattr(lib, f"{prefix}openblas_get_num_threads{suffix}", None)
            if setter is not None and getter is not None:
                setter.argtypes, getter.restype = [ctypes.c_int], ctypes.c_int
                found.append((setter, getter))
                break
    if not found:
        log.debug("no bundled OpenBLAS found; BLAS threads left as they are")
    return tuple(found)


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Run the block with numpy's and scipy's OpenBLAS on one thread each, then restore their
    thread counts."""
    functions = _openblas()
    before = [getter() for _, getter in functions]
    for setter, _ in functions:
        setter(1)
    try:
        yield
    finally:
        for (setter, _), count in zip(functions, before, strict=True):
            setter(count)
