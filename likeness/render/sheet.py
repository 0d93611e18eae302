"""A contact sheet: the avatar's expressions in a labelled grid, to see a rig at a glance."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from likeness.avatar.model import Avatar
from likeness.blendshapes import INDEX
from likeness.errors import InputError
from likeness.frame import FaceFrame, quaternions_from_euler
from likeness.render.camera import Camera

if TYPE_CHECKING:
    from likeness.trust.guard import Ingredient, OutputGuard

PORTRAIT = Camera(distance_m=0.45, target_m=(0.0, -0.035, -0.02))
"""Head and shoulders' top: the face fills most of a cell."""

EXPRESSIONS: tuple[tuple[str, dict[str, float], tuple[float, float]], ...] = (
    ("neutral", {}, (0.0, 0.0)),
    ("jawOpen", {"jawOpen": 0.7}, (0.0, 0.0)),
    (
        "smile",
        {
            "mouthSmileLeft": 1.0,
            "mouthSmileRight": 1.0,
            "cheekSquintLeft": 0.5,
            "cheekSquintRight": 0.5,
        },
        (0.0, 0.0),
    ),
    ("eyeBlinkLeft", {"eyeBlinkLeft": 1.0}, (0.0, 0.0)),
    ("eyeBlinkRight", {"eyeBlinkRight": 1.0}, (0.0, 0.0)),
    (
        "browInnerUp",
        {
            "browInnerUp": 1.0,
            "browOuterUpLeft": 0.5,
            "browOuterUpRight": 0.5,
            "eyeWideLeft": 0.6,
            "eyeWideRight": 0.6,
        },
        (0.0, 0.0),
    ),
    (
        "browDown",
        {"browDownLeft": 1.0, "browDownRight": 1.0, "eyeSquintLeft": 0.6, "eyeSquintRight": 0.6},
        (0.0, 0.0),
    ),
    ("mouthPucker", {"mouthPucker": 1.0}, (0.0, 0.0)),
    ("mouthFunnel", {"mouthFunnel": 1.0, "jawOpen": 0.15}, (0.0, 0.0)),
    ("frown", {"mouthFrownLeft": 1.0, "mouthFrownRight": 1.0, "mouthShrugLower": 0.5}, (0.0, 0.0)),
    ("mouthSmileLeft", {"mouthSmileLeft": 1.0}, (0.0, 0.0)),
    (
        "sneer",
        {
            "noseSneerLeft": 1.0,
            "noseSneerRight": 1.0,
            "mouthUpperUpLeft": 0.6,
            "mouthUpperUpRight": 0.6,
        },
        (0.0, 0.0),
    ),
    ("cheekPuff", {"cheekPuff": 1.0}, (0.0, 0.0)),
    ("tongueOut", {"tongueOut": 1.0, "jawOpen": 0.35}, (0.0, 0.0)),
    ("mouthLeft", {"mouthLeft": 1.0, "jawLeft": 0.5}, (0.0, 0.0)),
    ("stretch", {"mouthStretchLeft": 1.0, "mouthStretchRight": 1.0, "jawOpen": 0.1}, (0.0, 0.0)),
    ("look left/up", {}, (0.45, -0.3)),
    ("head yaw", {"mouthSmileLeft": 0.4, "mouthSmileRight": 0.4}, (0.0, 0.0)),
)
"""(label, weights, (eye yaw, eye pitch) radians) per cell; "head yaw" also turns the head."""


def contact_sheet(
    path: str | os.PathLike[str],
    *,
    guard: OutputGuard,
    ingredients: Sequence[Ingredient] = (),
    avatar: Avatar | None = None,
    cell_px: int = 256,
    n_columns: int = 6,
    expressions: tuple[tuple[str, dict[str, float], tuple[float, float]], ...] = EXPRESSIONS,
    photo: np.ndarray | None = None,
) -> np.ndarray:
    """Render :data:`EXPRESSIONS` into a labelled grid and write it as a PNG, under consent.

    Parameters
    ----------
    path : path-like
        Output .png, written atomically, with a C2PA manifest and an audit record.
    guard : OutputGuard
        Consent for the avatar shown (:func:`likeness.trust.output_guard`).
    ingredients : sequence of paths or bytes
        What it was made from (the avatar file, the photo), named in the manifest and the
        audit record.
    avatar : Avatar, optional
        Defaults to the built-in avatar. An avatar made from a photo is seen through the
        photo's camera, the others through :data:`PORTRAIT`.
    cell_px : int
        Size of each square cell.
    n_columns : int
    expressions : tuple
        Cells as in :data:`EXPRESSIONS`.
    photo : ndarray, uint8, shape (h, w, 3), optional
        Shown, square and labelled "photo", in the first cell (a twin beside its photo).

    Returns
    -------
    ndarray, uint8, shape (rows * cell_px, n_columns * cell_px, 3)

    Raises
    ------
    ConsentRefused
        The guard does not allow a render, or not of this avatar's likeness.
    InputError
        ``path`` is not a .png.
    """
    from PIL import Image, ImageDraw

    from likeness.render.renderer import Renderer

    if Path(path).suffix.lower() != ".png":
        raise InputError(f"{path}: a contact sheet is written as PNG, expected a .png path")
    output = guard.output(
        "render", ingredients=ingredients, shows=None if avatar is None else avatar.likeness_sha256
    )

    def labelled(image: Image.Image, label: str) -> np.ndarray:
        ImageDraw.Draw(image).text((6, 4), label, fill=(255, 255, 255))
        return np.asarray(image)

    cells = []
    if photo is not None:
        side = min(photo.shape[:2])
        y0, x0 = (photo.shape[0] - side) // 2, (photo.shape[1] - side) // 2
        square = Image.fromarray(photo[y0 : y0 + side, x0 : x0 + side])
        cells.append(labelled(square.resize((cell_px, cell_px)), "photo"))
    camera = None if avatar is not None and avatar.view_projection is not None else PORTRAIT
    with Renderer(cell_px, avatar=avatar, camera=camera) as renderer:
        for label, weights, (eye_yaw, eye_pitch) in expressions:
            vector = np.zeros(52, np.float32)
            for name, value in weights.items():
                vector[INDEX[name]] = value
            yaw = 0.45 if label == "head yaw" else 0.0
            frame = FaceFrame(
                0.0,
                vector,
                head_rotation=quaternions_from_euler(np.array([[yaw, 0.0, 0.0]]))[0],
                eyes_rad=np.array([[eye_yaw, eye_pitch]] * 2, np.float32),
            )
            cells.append(labelled(Image.fromarray(renderer.render(frame)), label))
    n_rows = -(-len(cells) // n_columns)
    blank = np.zeros_like(cells[0])
    cells += [blank] * (n_rows * n_columns - len(cells))
    grid = np.concatenate(
        [np.concatenate(cells[r * n_columns : (r + 1) * n_columns], axis=1) for r in range(n_rows)]
    )
    with output.writing(path) as tmp:
        Image.fromarray(grid).save(tmp, format="PNG")
    return grid
