"""Many files at once, on Ray: a local runtime by default, an existing cluster by address.

:func:`read_inputs` turns a folder or manifest into :class:`BatchItem` s; :func:`run_batch` runs one
of the :data:`JOBS` (the single-file commands' work, with its options: ``LipsyncJob(fps=30)``)
over them, skipping outputs already finished and recording each bad input's error instead of
stopping. Every output goes through a consent guard for its input's grant and context. Ray is
imported only when a batch runs.
"""

from typing import TYPE_CHECKING

from likeness.lazy import lazy_exports

if TYPE_CHECKING:
    from likeness.batch.cluster import RAY_INSTALL_LINE, ray_runtime
    from likeness.batch.inputs import BatchItem, read_inputs
    from likeness.batch.jobs import JOBS, BatchJob, LipsyncJob, RenderJob, SayJob, TrackJob
    from likeness.batch.runner import run_batch

__all__ = ["BatchItem", "BatchJob", "JOBS", "LipsyncJob", "RAY_INSTALL_LINE", "RenderJob",
           "SayJob", "TrackJob", "ray_runtime", "read_inputs", "run_batch"]

__getattr__ = lazy_exports(__name__, {
    "likeness.batch.cluster": ("RAY_INSTALL_LINE", "ray_runtime"),
    "likeness.batch.inputs": ("BatchItem", "read_inputs"),
    "likeness.batch.jobs": ("JOBS", "BatchJob", "LipsyncJob", "RenderJob", "SayJob", "TrackJob"),
    "likeness.batch.runner": ("run_batch",),
})
