"""likeness track's head rotation beside MediaPipe Face Landmarker's facial transformation
matrix on real videos: the head-pose figures of docs/tracking.md.

    .venv/bin/python scripts/pose_table.py face_landmarker.task VIDEO [VIDEO ...]

face_landmarker.task is MediaPipe's Face Landmarker model bundle (a download; likeness does not
ship or need it). For each video it prints, about each camera axis (x: nodding, y: turning,
z: rolling), how far likeness's rotation moves for each degree MediaPipe's moves (the slope of
a least-squares line, both taken relative to their take's mean rotation) and how closely they
follow each other (Pearson r), with likeness as `likeness track` runs (whole-take rest, One Euro
filter, the default 60 degree camera), and as it ran before the mesh's turn was allowed for.
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy.spatial.transform import Rotation

from likeness.solve import SolverOptions
from likeness.solve.pose import IDEAL_TURN
from likeness.track import TrackingOptions, track_video

AXES = ("x", "y", "z")


def landmarker_rotations(model: str, video: str) -> np.ndarray:
    """MediaPipe's facial transformation matrix's rotation (n, 3, 3) per frame, NaN where it
    found no face."""
    import av
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.FaceLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=model), running_mode=vision.RunningMode.VIDEO,
        output_facial_transformation_matrixes=True, num_faces=1)
    rotations = []
    with vision.FaceLandmarker.create_from_options(options) as landmarker, av.open(video) as box:
        stream = box.streams.video[0]
        fps = float(stream.average_rate or 30)
        for i, frame in enumerate(box.decode(stream)):
            rgb = frame.to_ndarray(format="rgb24")
            found = landmarker.detect_for_video(
                mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), int(i * 1000 / fps))
            matrices = found.facial_transformation_matrixes
            rotations.append(np.asarray(matrices[0])[:3, :3] if matrices
                             else np.full((3, 3), np.nan))
    return np.array(rotations)


def about_the_mean(rotations: Rotation) -> np.ndarray:
    """Each rotation relative to their mean, as a rotation vector (n, 3) in degrees."""
    return (rotations * rotations.mean().inv()).as_rotvec(degrees=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("videos", nargs="+")
    args = parser.parse_args()
    for video in args.videos:
        theirs = landmarker_rotations(args.model, video)
        found = np.isfinite(theirs).all(axis=(1, 2))
        reference = about_the_mean(Rotation.from_matrix(theirs[found]))
        line = [video]
        for name, turn in (("likeness", None), ("before", IDEAL_TURN)):
            solver = SolverOptions() if turn is None else SolverOptions(mesh_turn=turn)
            (take,) = track_video(video, TrackingOptions(solver=solver))
            ours = about_the_mean(Rotation.from_quat(take.head_rotation[found]))
            figures = [f"{axis} {np.polyfit(reference[:, k], ours[:, k], 1)[0]:.2f} "
                       f"(r {np.corrcoef(reference[:, k], ours[:, k])[0, 1]:.2f})"
                       for k, axis in enumerate(AXES)]
            line.append(f"{name}: " + ", ".join(figures))
        print(" | ".join(line))


if __name__ == "__main__":
    main()
