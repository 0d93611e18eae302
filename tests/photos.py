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
    bound to that photo as ``likeness twin`` binds it."""
    from PIL import Image

    from likeness.avatar.gltf import write_glb
    from likeness.avatar.twin import build_twin
    from likeness.trust.binding import bind

    photo = folder / "eileen.png"
    Image.fromarray(astronaut()).save(photo)
    twin = write_glb(build_twin(astronaut()), folder / "eileen.glb",
                     bind=lambda blob: bind(photo, blob))
    return photo, twin
