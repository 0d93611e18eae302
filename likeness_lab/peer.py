"""MediaPipe's own blendshapes for a video, as its Face Landmarker writes them into a Live Link
Face CSV: the peer likeness's tracking is measured against (``scripts/peer_table.py``) and the
labels :mod:`likeness_lab.real_pucker` measures real puckers by."""

from __future__ import annotations

import csv

import numpy as np

from likeness.blendshapes import NAMES, index


def read_peer(path: str) -> np.ndarray:
    """(n, 52) the peer's weights by frame, NaN for the channels it does not give (tongueOut).

    The file has a Timecode and a BlendShapeCount column, then a column per blendshape named as
    in Live Link Face CSVs (EyeBlinkLeft...)."""
    with open(path, encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    columns = [name[0].lower() + name[1:] for name in rows[0][2:]]
    values = np.array([[float(v) for v in row[2:]] for row in rows[1:]])
    weights = np.full((len(values), len(NAMES)), np.nan)
    for j, name in enumerate(columns):
        weights[:, index(name)] = values[:, j]
    return weights
