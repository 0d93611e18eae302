"""Regenerate ``docs/twin_contact_sheet.png``: twins of the two portraits installed packages ship
(scikit-image's astronaut, head and shoulders; matplotlib's Grace Hopper), each beside its photo.

Run from the repository root: ``.venv/bin/python scripts/twin_contact_sheet.py``.
"""

from __future__ import annotations

import os
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
    from likeness.avatar.twin import photo_of, twin_from_photo
    from likeness.render.sheet import contact_sheet
    from likeness.trust import output_guard
    from tests import photos
    from tests.grants import grant

    rows = []
    with tempfile.TemporaryDirectory() as folder:
        # The portraits' twins are likenesses like any other: each sheet is made under a grant
        # for its photo, signed here, in a state folder of its own.
        work = Path(folder)
        os.environ["LIKENESS_HOME"] = str(work / "home")
        astronaut = work / "astronaut.png"
        Image.fromarray(photos.astronaut()).save(astronaut)
        for k, photo in enumerate((astronaut, photos.hopper_path())):
            guard = output_guard(photo, grant=grant(work / f"{k}.json", photo), context="demo",
                                 audit=str(work / "audit.sqlite"))
            twin = twin_from_photo(photo)
            rows.append(contact_sheet(work / f"{k}.png", guard=guard, avatar=twin, cell_px=192,
                                      n_columns=len(CELLS) + 1, expressions=CELLS,
                                      photo=photo_of(twin)))
    Image.fromarray(np.concatenate(rows)).save(ROOT / "docs" / "twin_contact_sheet.png",
                                               optimize=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
