"""Regenerate ``docs/twin_contact_sheet.png``: twins of the two portraits installed packages ship
(scikit-image's astronaut, head and shoulders; matplotlib's Grace Hopper), each beside its photo.

Run from the repository root: ``.venv/bin/python scripts/twin_contact_sheet.py``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
CELLS = (
    ("twin at rest", {}, (0.0, 0.0)),
    ("jawOpen", {"jawOpen": 0.7}, (0.0, 0.0)),
    ("smile", {"mouthSmileLeft": 1.0, "mouthSmileRight": 1.0}, (0.0, 0.0)),
    ("eyeBlinkLeft", {"eyeBlinkLeft": 1.0}, (0.0, 0.0)),
    ("browInnerUp", {"browInnerUp": 1.0}, (0.0, 0.0)),
    ("mouthPucker", {"mouthPucker": 1.0}, (0.0, 0.0)),
    ("look left/up", {}, (0.45, -0.3)),
    ("head yaw", {}, (0.0, 0.0)),
)


def main() -> int:
    sys.path.insert(0, str(ROOT))
    from likeness.avatar.twin import build_twin, photo_of, read_photo
    from likeness.render.sheet import contact_sheet
    from tests import photos

    portraits = (photos.astronaut(), read_photo(photos.hopper_path()))
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for k, photo in enumerate(portraits):
            twin = build_twin(photo)
            rows.append(contact_sheet(Path(folder) / f"{k}.png", avatar=twin, cell_px=192,
                                      n_columns=len(CELLS) + 1, expressions=CELLS,
                                      photo=photo_of(twin)))
    Image.fromarray(np.concatenate(rows)).save(ROOT / "docs" / "twin_contact_sheet.png",
                                               optimize=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
