import json
import shutil
import subprocess
from pathlib import Path

import pytest

VALIDATOR = Path(__file__).resolve().parents[2] / "tools" / "gltf-validator"


@pytest.fixture(scope="session")
def validate_gltf():
    """Run the Khronos glTF validator on a file; returns its report (a dict)."""
    node = shutil.which("node")
    if node is None or not (VALIDATOR / "node_modules" / "gltf-validator").is_dir():
        pytest.fail("the Khronos glTF validator is not installed: run scripts/system-deps.sh")

    def run(path: Path) -> dict:
        done = subprocess.run(
            [node, str(VALIDATOR / "validate.js"), str(path)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode in (0, 1), done.stderr
        return json.loads(done.stdout)

    return run


@pytest.fixture(scope="session")
def avatar_glb(tmp_path_factory) -> Path:
    from likeness.avatar import default_avatar
    from likeness.avatar.gltf import write_glb
    from likeness.trust import output_guard

    return write_glb(default_avatar(), tmp_path_factory.mktemp("glb") / "avatar.glb",
                     guard=output_guard())
