"""What importing likeness costs: ``likeness --help`` loads no numpy, scipy or cryptography,
packages load their public names on first use, and the runtime never loads likeness_lab."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import likeness

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numpy", "scipy", "cryptography")
LAZY_PACKAGES = ("likeness", "likeness.batch", "likeness.behave", "likeness.sinks",
                 "likeness.speech", "likeness.trust")


def modules_after(code: str) -> set[str]:
    """The modules loaded by ``code`` run in a fresh interpreter (which prints nothing else)."""
    script = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    return set(json.loads(result.stdout.splitlines()[-1]))


def test_no_runtime_module_imports_the_measuring_tools() -> None:
    loaded = modules_after(
        "import importlib, pkgutil, likeness\n"
        "names = [m.name for m in pkgutil.walk_packages(likeness.__path__, 'likeness.')]\n"
        "assert len(names) > 100, names\n"
        "for name in names:\n"
        "    importlib.import_module(name)"
    )
    assert "likeness.solve.solver" in loaded  # the walk did import the runtime
    assert not {name for name in loaded if name.split(".")[0] == "likeness_lab"}


def heavy(modules: set[str]) -> set[str]:
    return {name for name in modules if name.split(".")[0] in HEAVY}


def test_help_loads_no_numpy_scipy_or_cryptography() -> None:
    loaded = modules_after(
        "import contextlib, io\n"
        "from likeness.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):\n"
        "    main(['--help'])"
    )
    from likeness.cli import COMMAND_MODULES

    assert set(COMMAND_MODULES) <= loaded  # every command was registered
    assert not heavy(loaded)


def test_importing_the_packages_loads_nothing_heavy() -> None:
    assert not heavy(modules_after("import " + ", ".join(LAZY_PACKAGES)))


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_every_public_name_is_there_on_first_use(package: str) -> None:
    module = importlib.import_module(package)
    for name in module.__all__:
        value = getattr(module, name)
        assert getattr(module, name) is value and name in vars(module)


def test_a_name_not_exported_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="'likeness' has no attribute 'FaceFrames'"):
        likeness.FaceFrames  # noqa: B018


def test_the_startup_bench_reports_help_beside_a_bare_interpreter() -> None:
    from likeness.bench import startup
    from likeness.bench.timing import BenchOptions

    report = startup.run(BenchOptions(quick=True))
    assert report["help"]["n"] == report["bare_interpreter"]["n"] == 5
    assert report["help"]["median_ms"] <= report["help"]["p95_ms"]
