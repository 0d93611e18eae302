"""Connecting to Ray: a local runtime on this machine's cores, or an existing cluster by address."""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from types import ModuleType

from likeness.errors import InputError, LikenessError

RAY_INSTALL_LINE = "pip install 'likeness[ray]'   (or: pip install ray==2.60.0)"


def import_ray() -> ModuleType:
    """The ``ray`` module, or a LikenessError giving the exact install line."""
    try:
        import ray
    except ImportError as e:
        raise LikenessError(
            f"likeness batch runs on Ray, which is not installed: {RAY_INSTALL_LINE}") from e
    return ray


@contextlib.contextmanager
def ray_runtime(address: str | None = None, *, n_workers: int | None = None) -> Iterator[int]:
    """Make sure Ray is up for the block; yields how many tasks to keep running at once.

    Parameters
    ----------
    address : str, optional
        ``None`` starts a private local runtime (shut down afterwards); ``"auto"`` joins the
        cluster this machine belongs to (``ray start``); ``"ray://HOST:10001"`` connects a client
        to a remote head node. A runtime already initialized in this process is used as it is.
    n_workers : int, optional
        Parallel tasks. Local default: every core. On a cluster: at most this many at once
        (default: the cluster's CPUs).

    Raises
    ------
    InputError
        ``n_workers`` is not positive.
    LikenessError
        Ray is missing or the cluster cannot be reached.
    """
    if n_workers is not None and n_workers < 1:
        raise InputError(f"--workers must be at least 1, got {n_workers}")
    ray = import_ray()
    started = False
    if not ray.is_initialized():
        # Before init: the flag is read when the runtime starts.
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        local = {"num_cpus": n_workers or os.cpu_count() or 1, "include_dashboard": False}
        try:
            ray.init(address=address, **({} if address else local),
                     logging_level=logging.ERROR, log_to_driver=False)
        except (ConnectionError, RuntimeError, ValueError) as e:
            where = address or "a local runtime"
            raise LikenessError(f"cannot start or reach Ray at {where}: {e}") from e
        started = True
    try:
        n_cpus = int(ray.cluster_resources().get("CPU", 1))
        yield max(1, min(n_workers or n_cpus, n_cpus))
    finally:
        if started:
            ray.shutdown()
