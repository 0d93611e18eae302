"""MediaPipe's own blendshapes for a video, as its Face Landmarker writes them into a Live Link
Face CSV: the peer likeness's tracking is measured against (``scripts/peer_table.py``) and the
labels :mod:`likeness_lab.real_pucker` measures real puckers by."""

from __future__ import annotations

import argparse
import csv

import numpy as np

from likeness.blendshapes import NAMES, index
from likeness.frame import Animation


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


def video_peer_pairs(description: str, argv: list[str] | None = None) -> list[tuple[str, str]]:
    """The (VIDEO, PEER.csv) pairs given on a command line."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("pairs", nargs="+", help="VIDEO PEER.csv, repeated")
    pairs = parser.parse_args(argv).pairs
    if len(pairs) % 2:
        parser.error("give VIDEO PEER.csv pairs")
    return list(zip(pairs[::2], pairs[1::2], strict=True))


def tracked_beside_peer(video: str, peer_csv: str) -> tuple[Animation, np.ndarray]:
    """The first face of ``video`` as ``likeness track`` reads it (landmarks kept) and the
    peer's weights for the same frames."""
    from likeness.track import track_takes

    take = track_takes(video)[0].animation
    peer = read_peer(peer_csv)
    if len(peer) != len(take) or take.landmarks is None:
        raise SystemExit(f"{peer_csv}: {len(peer)} rows, {video} has {len(take)} frames")
    return take, peer
