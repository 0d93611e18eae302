"""Portraits that installed packages ship, for twins made in the tests (nothing downloaded)."""

from pathlib import Path

import numpy as np


def astronaut() -> np.ndarray:
    """scikit-image's astronaut (Eileen Collins), head and shoulders: (260, 260, 3) uint8.

    The full picture shows her at half length, her face a fifth of its width; cropped, the face
    fills the frame as a talking-head render needs it to.
    """
    from skimage import data

    return np.ascontiguousarray(data.astronaut()[0:260, 60:320])


def hopper_path() -> Path:
    """Matplotlib's sample portrait of Grace Hopper (512 x 600 JPEG)."""
    from matplotlib import cbook

    return Path(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))


def astronaut_twin(folder: Path) -> tuple[Path, Path]:
    """(photo, twin): the astronaut saved as a PNG in ``folder`` and her twin GLB beside it,
    bound to that photo as ``likeness twin`` binds it (under a grant for it, in context
    "demo", left beside them as ``eileen-grant.json``)."""
    from PIL import Image

    from likeness.avatar.gltf import write_glb
    from likeness.avatar.twin import twin_from_photo
    from likeness.trust import output_guard
    from tests.grants import grant

    photo = folder / "eileen.png"
    Image.fromarray(astronaut()).save(photo)
    allowed = grant(folder / "eileen-grant.json", photo, subject="eileen")
    guard = output_guard(photo, grant=allowed, context="demo")
    twin = write_glb(twin_from_photo(photo), folder / "eileen.glb", guard=guard,
                     ingredients=[photo])
    return photo, twin
