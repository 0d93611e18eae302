"""Closed-loop readback per channel: the table in docs/tracking.md ("What the landmarks can and
cannot see").

The avatar is rendered making one blendshape at 0.8 (head turned 6 degrees, tipped 4, rolled
3: a pose the tracker response was not measured at), tracked by MediaPipe's face mesh, and
solved against the avatar's own tracked neutral, once with the default (rig) fields and once
with ``fields="tracker"``. "read" is the channel's solved weight, "other" the largest weight
any other channel got.

``--photo`` does the same on a real face: scikit-image's astronaut photo, warped so that its
tracked landmarks move as the rig's field says (the field brought into the picture by the
photo's own head pose and spread over it by a thin-plate spline that holds still a ring round
the face). Real skin texture then moves with the field, but nothing wrinkles or changes its
shading, and her mouth is open in a smile.

``--motion`` also prints how far MediaPipe's landmarks moved (the largest and the
root-mean-square landmark motion in the head frame, in mm, beside the same figures for the
field), the share of the field's motion they report, and the channels the default fields read
besides the rendered one.

Run: ``python scripts/closed_loop_table.py [--photo] [--motion] [CHANNEL ...]`` (the avatar
needs the renderer's EGL, the photo scikit-image; each well under a minute for the table).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

from likeness.blendshapes import INDEX, N_BLENDSHAPES, NAMES
from likeness.frame import FaceFrame, quaternions_from_euler
from likeness.rig import neutral_m
from likeness.rig.landmarks import N_FACE_POINTS
from likeness.rig.shapes import blendshape_deltas_m
from likeness.solve import Calibration, FaceSolver, PinholeCamera, SolverOptions
from likeness.solve.pose import HeadPose, image_points
from likeness.track import FaceTracker

POSE = quaternions_from_euler(np.radians([[6.0, 4.0, 3.0]]))[0]
WEIGHT = 0.8
FIELDS = ("rig", "tracker")
CHANNELS = (
    "eyeBlinkLeft", "eyeSquintLeft", "eyeWideLeft", "jawForward", "jawLeft", "jawOpen",
    "mouthClose", "mouthFunnel", "mouthPucker", "mouthLeft", "mouthSmileLeft", "mouthFrownLeft",
    "mouthDimpleLeft", "mouthStretchLeft", "mouthRollLower", "mouthRollUpper", "mouthShrugLower",
    "mouthShrugUpper", "mouthPressLeft", "mouthLowerDownLeft", "mouthUpperUpLeft",
    "browDownLeft", "browInnerUp", "browOuterUpLeft", "cheekPuff", "cheekSquintLeft",
    "noseSneerLeft", "tongueOut",
)
PHOTO_RING = 1.35
"""The photo warp holds still a ring this many face radii from the face's centre."""

Pictures = Callable[[np.ndarray], np.ndarray]
"""weights (52,) -> an RGB picture of a face making them."""


@contextmanager
def avatar_pictures() -> Iterator[Pictures]:
    from likeness.render import Renderer

    with Renderer(size=512) as renderer:
        yield lambda weights: renderer.render(
            FaceFrame(t_s=0.0, weights=weights.astype(np.float32), head_rotation=POSE)
        )


@contextmanager
def photo_pictures(tracker: FaceTracker) -> Iterator[Pictures]:
    import cv2
    from scipy.interpolate import RBFInterpolator
    from skimage import data

    photo = data.astronaut()
    tracker.reset()
    face = tracker(photo)[0]
    points = image_points(face.landmarks, face.image_size)[:N_FACE_POINTS]
    pose = HeadPose(points, neutral_m().astype(np.float64), face.image_size, PinholeCamera())
    centre = points[:, :2].mean(0)
    radius = np.linalg.norm(points[:, :2] - centre, axis=1).max()
    angles = np.linspace(0.0, 2 * np.pi, 40, endpoint=False)
    ring = centre + PHOTO_RING * radius * np.column_stack([np.cos(angles), np.sin(angles)])
    height, width = photo.shape[:2]
    rows, cols = np.mgrid[0:height, 0:width].astype(np.float64)
    pixels = np.column_stack([cols.ravel(), -rows.ravel()])  # image points: y up
    rig = blendshape_deltas_m().astype(np.float64)[:, :N_FACE_POINTS]

    def warp(weights: np.ndarray) -> np.ndarray:
        moved_px = pose.scale_px_per_m * np.tensordot(weights, rig, axes=1) @ pose.rotation_fit.T
        if not moved_px.any():
            return photo
        # Pull each pixel from where the displacement field, sampled at its destination,
        # says it came from.
        spline = RBFInterpolator(
            np.concatenate([points[:, :2] + moved_px[:, :2], ring]),
            np.concatenate([moved_px[:, :2], np.zeros_like(ring)]),
            kernel="thin_plate_spline",
            smoothing=1.0,
        )
        shift = spline(pixels)
        map_x = (cols.ravel() - shift[:, 0]).reshape(height, width).astype(np.float32)
        map_y = (rows.ravel() + shift[:, 1]).reshape(height, width).astype(np.float32)
        return cv2.remap(photo, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)

    yield warp


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("channels", nargs="*", default=CHANNELS, help="ARKit names")
    parser.add_argument("--photo", action="store_true", help="a real face photo, warped")
    parser.add_argument("--motion", action="store_true", help="also the landmark motion, mm")
    args = parser.parse_args(argv)

    template = neutral_m().astype(np.float64)
    rig = blendshape_deltas_m().astype(np.float64)[:, :N_FACE_POINTS]
    with FaceTracker() as tracker, (
        photo_pictures(tracker) if args.photo else avatar_pictures()
    ) as picture:

        def track(weights: np.ndarray):
            tracker.reset()
            return tracker(picture(weights))[0]

        def head_points(face) -> np.ndarray:
            points = image_points(face.landmarks, face.image_size)
            return HeadPose(points, template, face.image_size, PinholeCamera()).to_head(points)

        rest = track(np.zeros(N_BLENDSHAPES))
        rest_points = head_points(rest)
        own_neutral = Calibration(rest_points)
        solvers = {
            fields: FaceSolver(
                SolverOptions(auto_calibrate=False, fields=fields), calibration=own_neutral
            )
            for fields in FIELDS
        }
        made = "warped to" if args.photo else "rendered at"
        header = f"| {made} 0.8 | rig fields: read | other | tracker fields: read | other |"
        if args.motion:
            header += " field max / rms mm | tracked max / rms mm | share | largest others |"
        print(header)
        print("|---" * (header.count("|") - 1) + "|")
        for name in args.channels:
            k = INDEX[name]
            weights = np.zeros(N_BLENDSHAPES)
            weights[k] = WEIGHT
            face = track(weights)
            cells = [name]
            solved = {}
            for fields in FIELDS:
                solvers[fields].reset()
                solved[fields] = solvers[fields](face.landmarks, 0.0, face.image_size).weights
                others = np.delete(solved[fields], k)
                cells += [f"{solved[fields][k]:.2f}", f"{others.max():.2f}"]
            if args.motion:
                field = WEIGHT * rig[k]
                moved = (head_points(face) - rest_points)[:N_FACE_POINTS]
                share = (moved * field).sum() / max((field * field).sum(), 1e-18)
                for motion in (field, moved):
                    norm = np.linalg.norm(motion, axis=1) * 1e3
                    cells.append(f"{norm.max():.1f} / {np.sqrt((norm**2).mean()):.2f}")
                cells.append(f"{share:.2f}")
                read = solved["rig"]
                ranked = [i for i in np.argsort(-read) if i != k and read[i] > 0.05][:3]
                cells.append(", ".join(f"{NAMES[i]} {read[i]:.2f}" for i in ranked))
            print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
