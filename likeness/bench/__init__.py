"""``likeness bench``: per-stage speed figures, each beside its baseline where one exists.

Each module listed in :data:`BENCH_MODULES` exposes ``run(options: BenchOptions) -> dict``; the
command merges their results under the module's short name into one JSON object.
"""

BENCH_MODULES: tuple[str, ...] = (
    "likeness.bench.batch",
    "likeness.bench.behave",
    "likeness.bench.render",
    "likeness.bench.server",
    "likeness.bench.speech",
    "likeness.bench.startup",
    "likeness.bench.streaming",
    "likeness.bench.tracking",
    "likeness.bench.trust",
)
