"""What importing likeness costs: the runtime never loads the measuring tools of likeness_lab."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


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
