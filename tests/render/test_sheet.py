import numpy as np
from PIL import Image

from likeness.cli import main
from likeness.render.sheet import EXPRESSIONS


def test_contact_sheet_is_a_grid_of_distinct_expressions(tmp_path):
    out = tmp_path / "sheet.png"
    assert main(["avatar", "--contact-sheet", str(out)]) == 0
    grid = np.asarray(Image.open(out))
    cell = grid.shape[1] // 6
    n_rows = -(-len(EXPRESSIONS) // 6)
    assert grid.shape == (n_rows * cell, 6 * cell, 3)
    cells = [
        grid[r * cell : (r + 1) * cell, c * cell : (c + 1) * cell]
        for r in range(n_rows)
        for c in range(6)
    ]
    neutral = cells[0].astype(int)
    for (label, _, _), image in zip(EXPRESSIONS[1:], cells[1 : len(EXPRESSIONS)], strict=True):
        body = image[16:].astype(int) - neutral[16:]  # below the label
        assert np.abs(body).sum(axis=2).max() > 60, label
