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

``--twins`` reads the right-side twins of the channels instead (mouthSmileRight for
mouthSmileLeft; channels without a twin are left out). ``--coupling-margin M`` solves with
``SolverOptions(coupling_margin=M)`` (0: without the allowance for MediaPipe's landmark
coupling, as before it was added).

``--mixtures N`` instead renders N random mixtures (1-4 channels, each at 0.2-1.0, seeded) and
compares the default fields with and without that allowance: how many of the channels at 0.4
or more are read (at least 0.1), how many absent channels are read above 0.3, and the mean
error over all channels but eyeLook* and tongueOut.

Run: ``python scripts/closed_loop_table.py [--photo] [--motion] [--twins] [--mixtures N]
[CHANNEL ...]``
(the avatar needs the renderer's EGL, the photo scikit-image; each well under a minute for the
table).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import numpy as np

from likeness.blendshapes import INDEX, MIRROR, N_BLENDSHAPES, NAMES
from likeness.frame import FaceFrame, quaternions_from_euler
from likeness.rig import neutral_m
from likeness.rig.landmarks import N_FACE_POINTS
from likeness.rig.shapes import blendshape_deltas_m
from likeness.solve import Calibration, FaceSolver, PinholeCamera, SolverOptions
from likeness.solve.pose import HeadPose, image_points
from likeness.solve.solver import COUPLING_MARGIN
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


def print_mixtures(track: Callable, neutral: Calibration, n_mixtures: int,
                   coupling_margin: float) -> None:
    """Random mixtures read with and without the coupling allowance (``--mixtures``)."""
    from likeness.rig.gaze import LOOK_INDICES

    rng = np.random.default_rng(0)
    scored = np.array([k for k in range(N_BLENDSHAPES)
                       if k not in LOOK_INDICES and NAMES[k] != "tongueOut"])
    margins = (0.0, coupling_margin)
    solvers = [FaceSolver(SolverOptions(auto_calibrate=False, coupling_margin=margin),
                          calibration=neutral) for margin in margins]
    n_present, false, error = 0, np.zeros(2), np.zeros(2)
    read_per_channel = np.zeros((2, len(scored)))
    for _ in range(n_mixtures):
        weights = np.zeros(N_BLENDSHAPES)
        chosen = rng.choice(scored, rng.integers(1, 5), replace=False)
        weights[chosen] = rng.uniform(0.2, 1.0, len(chosen))
        face = track(weights)
        present = weights[scored] >= 0.4
        n_present += present.sum()
        for i, solver in enumerate(solvers):
            solver.reset()
            solved = solver(face.landmarks, 0.0, face.image_size).weights[scored]
            read_per_channel[i] += present & (solved >= 0.1)
            false[i] += ((weights[scored] == 0) & (solved > 0.3)).sum()
            error[i] += np.abs(solved - weights[scored]).mean() / n_mixtures
    print(f"| {n_mixtures} mixtures | channels >= 0.4 read (of {n_present}) "
          "| absent channels read > 0.3 | mean error |")
    print("|---|---|---|---|")
    read = read_per_channel.sum(1)
    for i, margin in enumerate(margins):
        print(f"| coupling_margin={margin:g} | {read[i]:.0f} | {false[i]:.0f} | {error[i]:.3f} |")
    fewer = np.argsort(read_per_channel[1] - read_per_channel[0])[:6]
    print("\nread less often with the allowance: " + ", ".join(
        f"{NAMES[scored[k]]} {read_per_channel[0, k]:.0f} -> {read_per_channel[1, k]:.0f}"
        for k in fewer))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("channels", nargs="*", default=CHANNELS, help="ARKit names")
    parser.add_argument("--photo", action="store_true", help="a real face photo, warped")
    parser.add_argument("--motion", action="store_true", help="also the landmark motion, mm")
    parser.add_argument("--twins", action="store_true", help="the right-side twins instead")
    parser.add_argument("--coupling-margin", type=float, default=COUPLING_MARGIN,
                        help=f"SolverOptions.coupling_margin (default {COUPLING_MARGIN})")
    parser.add_argument("--mixtures", type=int, default=0, metavar="N",
                        help="N random mixtures instead, with and without the allowance")
    args = parser.parse_args(argv)
    channels = [NAMES[MIRROR[INDEX[name]]] for name in args.channels
                if MIRROR[INDEX[name]] != INDEX[name]] if args.twins else args.channels

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
                SolverOptions(auto_calibrate=False, fields=fields,
                              coupling_margin=args.coupling_margin),
                calibration=own_neutral,
            )
            for fields in FIELDS
        }
        if args.mixtures:
            print_mixtures(track, own_neutral, args.mixtures, args.coupling_margin)
            return
        made = "warped to" if args.photo else "rendered at"
        header = f"| {made} 0.8 | rig fields: read | other | tracker fields: read | other |"
        if args.motion:
            header += " field max / rms mm | tracked max / rms mm | share | largest others |"
        print(header)
        print("|---" * (header.count("|") - 1) + "|")
        for name in channels:
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
