"""``likeness bench``: print one JSON object of per-stage speed figures."""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys

from likeness.bench import BENCH_MODULES

STAGES = tuple(name.rsplit(".", 1)[-1] for name in BENCH_MODULES)

def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="measure every stage and print one JSON object",
        description="Measures each pipeline stage on media the benchmark makes itself (median "
        "and p95 ms, frames per second, real-time factor), each beside its baseline where one "
        "exists, and prints one JSON object on standard output.",
    )
    parser.add_argument("--quick", action="store_true", help="short runs, for smoke tests")
    parser.add_argument("--only", action="append", metavar="STAGE", choices=STAGES,
                        help=f"run only this benchmark (repeatable): {', '.join(STAGES)}")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from likeness.bench.timing import BenchOptions

    options = BenchOptions(quick=args.quick)
    report: dict[str, object] = {
        "machine": {"python": platform.python_version(), "cpu_count": os.cpu_count(),
                    "platform": platform.platform()},
    }
    for module_name in BENCH_MODULES:
        short = module_name.rsplit(".", 1)[-1]
        if args.only and short not in args.only:
            continue
        print(f"bench: {short}...", file=sys.stderr)
        report[short] = importlib.import_module(module_name).run(options)
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0
