"""likeness track beside MediaPipe's own blendshape model on real videos: the per-channel table of
docs/tracking.md.

    .venv/bin/python scripts/peer_table.py VIDEO PEER.csv [VIDEO PEER.csv ...]

PEER.csv is MediaPipe's Face Landmarker blendshapes (V2) for the same video, one row per frame:
a Timecode and a BlendShapeCount column, then a column per blendshape named as in Live Link
Face CSVs (EyeBlinkLeft...); it has no TongueOut. For each channel it
prints the Pearson r between likeness's weights and the peer's over each video's frames, the
median over videos and the worst, the same over only the videos in which the peer's channel
moves (:data:`MOVES`) with how far likeness's moves for each of the peer's there (the median
slope of a least-squares line), and for the jaw also how each follows the inner lip gap
measured from the same landmarks. It also prints, for the frames MediaPipe's model reads as a
face at rest (no channel but the gaze above 0.3), the share in which likeness reads any channel
above 0.3, how many of its blinks likeness reads, how far likeness's glances move for each of
the peer's, and what each reads on the first frame.
Both read the same frames; likeness runs as `likeness track` does (whole-take rest, One Euro
filter) and as a live camera would (rest learned frame by frame, unfiltered).
"""

from __future__ import annotations

import sys

import numpy as np

from likeness.blendshapes import NAMES, index
from likeness.rig import neutral_m
from likeness.rig.gaze import LOOK_INDICES
from likeness.solve import FaceSolver, PinholeCamera, SolverOptions
from likeness.solve.measures import MEASURES, measure_index
from likeness.solve.pose import HeadPose, PoseAnchors
from likeness_lab.peer import tracked_beside_peer, video_peer_pairs

CHANNELS = ("jawOpen", "mouthSmileLeft", "mouthSmileRight", "eyeBlinkLeft", "eyeBlinkRight",
            "eyeSquintLeft", "eyeSquintRight", "browDownLeft", "browDownRight", "browInnerUp",
            "browOuterUpLeft", "browOuterUpRight", "mouthPucker", "mouthLeft", "mouthRight",
            "jawLeft", "jawRight", "mouthFunnel", "mouthFrownLeft", "mouthPressLeft",
            "mouthUpperUpLeft", "mouthLowerDownLeft", "mouthRollLower", "mouthShrugLower",
            "mouthClose", "eyeWideLeft", "cheekPuff", "noseSneerLeft")


LIP_CHANNELS = ("mouthShrugUpper", "mouthShrugLower", "mouthFrownLeft", "mouthUpperUpLeft",
                "mouthRollUpper", "mouthRollLower", "mouthLowerDownLeft", "mouthPressLeft",
                "mouthStretchLeft", "mouthDimpleLeft", "mouthFunnel", "mouthClose",
                "noseSneerLeft", "jawForward", "cheekPuff")
"""Channels the expression fit reads that MediaPipe's model leaves near 0 on these videos: how
often likeness reads them is what a viewer sees as lips moving on their own."""

MOVES = 0.25
"""A channel moves in a video where the peer's 95th and 5th percentiles differ by more than this."""
REST_FRAMES: list[dict[str, np.ndarray]] = []
"""Per video, the largest weight likeness reads in each frame MediaPipe's model reads at rest."""
LIP_READINGS: list[tuple[np.ndarray, np.ndarray]] = []
"""Per video, likeness's (file) and the peer's weights of :data:`LIP_CHANNELS`, (n, channels)."""
BLINKS: list[tuple[int, int]] = []
"""Per video and eye, the blinks MediaPipe's model reads and how many of them likeness reads."""
GLANCES: list[tuple[float, float]] = []
"""Per video and eye, how far likeness's eyeLook weights move for each of MediaPipe's model's
(the slope of a least-squares line over the frames its eyes are open in), across and up or
down."""
LOOKS = {"Left": (("eyeLookOutLeft", "eyeLookInLeft"), ("eyeLookUpLeft", "eyeLookDownLeft")),
         "Right": (("eyeLookInRight", "eyeLookOutRight"), ("eyeLookUpRight", "eyeLookDownRight"))}
"""Each eye's eyeLook pairs across and up or down: one minus the other is a signed glance."""


def glances(ours: np.ndarray, peer: np.ndarray) -> list[tuple[float, float]]:
    """Per eye, the slopes of :data:`GLANCES` of weights (n, 52) against the peer's."""
    slopes = []
    for side, pairs in LOOKS.items():
        open_eye = np.nan_to_num(peer[:, index(f"eyeBlink{side}")]) < 0.4
        signed = [[w[open_eye][:, index(a)] - w[open_eye][:, index(b)] for a, b in pairs]
                  for w in (ours, np.nan_to_num(peer))]
        slopes.append(tuple(float(np.polyfit(theirs, mine, 1)[0])
                            for mine, theirs in zip(*signed, strict=True)))
    return slopes


def blinks_caught(ours: np.ndarray, peer: np.ndarray) -> tuple[int, int]:
    """The blinks in ``peer`` (runs of frames above 0.5) and how many of them ``ours`` reads
    above 0.5 within a frame of the run."""
    edges = np.flatnonzero(np.diff(np.r_[0, (peer > 0.5).astype(int), 0]))
    runs = list(zip(edges[::2], edges[1::2], strict=True))
    return len(runs), sum(bool(ours[max(0, a - 1):b + 1].max() > 0.5) for a, b in runs)


def moves(peer: np.ndarray) -> bool:
    """Whether the peer's channel moves in a video (:data:`MOVES`): an r over a channel that
    does not move measures only noise."""
    return bool(np.percentile(peer, 95) - np.percentile(peer, 5) > MOVES)


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson r, 0 where either does not move."""
    if np.std(a) < 1e-6 or np.std(b) < 1e-6:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def lip_gap_m(landmarks: np.ndarray, image_size: tuple[int, int]) -> np.ndarray:
    """The inner lip gap of each frame's landmarks, head frame, metres."""
    anchors = PoseAnchors.of_neutral(neutral_m())
    gap = measure_index("lip_gap")
    camera = PinholeCamera()
    return np.array([MEASURES(HeadPose.from_landmarks(frame, anchors, image_size, camera)
                              .landmarks_to_head(frame, image_size))[gap]
                     for frame in landmarks])


def live_weights(landmarks: np.ndarray, times: np.ndarray,
                 image_size: tuple[int, int], fps: float) -> np.ndarray:
    """Weights as a camera would give them: the rest learned frame by frame, unfiltered."""
    solver = FaceSolver(SolverOptions(), fps=fps)
    return np.array([solver(frame, float(t), image_size).weights
                     for frame, t in zip(landmarks, times, strict=True)])


def compare(video: str, peer_csv: str) -> dict[str, dict[str, float]]:
    """Per-channel figures of one video: r against the peer, offline and live."""
    take, peer = tracked_beside_peer(video, peer_csv)
    image_size = tuple(take.metadata["image_size"])
    live = live_weights(take.landmarks, take.t_s, image_size, take.fps)
    gap = lip_gap_m(take.landmarks, image_size)
    figures: dict[str, dict[str, float]] = {}
    for name in CHANNELS:
        c = index(name)
        figures[name] = {"offline": pearson(take.weights[:, c], peer[:, c]),
                         "live": pearson(live[:, c], peer[:, c])}
        if moves(peer[:, c]):
            figures[name]["moving"] = figures[name]["offline"]
            figures[name]["as far"] = float(np.polyfit(peer[:, c], take.weights[:, c], 1)[0])
    jaw = index("jawOpen")
    figures["jawOpen ~ lip gap"] = {"offline": pearson(take.weights[:, jaw], gap),
                                    "live": pearson(live[:, jaw], gap),
                                    "peer": pearson(peer[:, jaw], gap)}
    expression = np.delete(np.arange(peer.shape[1]), LOOK_INDICES)
    at_rest = np.nan_to_num(peer[:, expression]).max(1) <= 0.3
    REST_FRAMES.append({mode: weights[at_rest][:, expression].max(1)
                        for mode, weights in (("offline", take.weights), ("live", live))})
    lips = [index(name) for name in LIP_CHANNELS]
    LIP_READINGS.append((take.weights[:, lips], np.nan_to_num(peer[:, lips])))
    for name in ("eyeBlinkLeft", "eyeBlinkRight"):
        BLINKS.append(blinks_caught(take.weights[:, index(name)], peer[:, index(name)]))
    GLANCES.extend(glances(take.weights, peer))
    first = {"likeness": take.weights[0], "live": live[0], "peer": peer[0]}
    for who, weights in first.items():
        print(f"{video} first frame, {who}: largest {NAMES[int(np.nanargmax(weights))]} "
              f"{float(np.nanmax(weights)):.2f}", file=sys.stderr)
    return figures


def main(argv: list[str] | None = None) -> None:
    pairs = video_peer_pairs(__doc__.split("\n\n")[0], argv)
    per_video = [compare(video, peer) for video, peer in pairs]
    print("| channel | r with MediaPipe's blendshapes, median (worst) | live, median (worst) "
          "| where MediaPipe's moves: videos, r median (worst), how far |")
    print("|---|---|---|---|")
    for name in per_video[0]:
        cells = []
        for mode in ("offline", "live"):
            values = [figures[name][mode] for figures in per_video]
            cells.append(f"{np.median(values):.2f} ({min(values):.2f})")
        moving = [figures[name] for figures in per_video if "moving" in figures[name]]
        r = [f["moving"] for f in moving]
        cells.append(f"{len(r)}, {np.median(r):.2f} ({min(r):.2f}), "
                     f"{np.median([f['as far'] for f in moving]):.2f}"
                     if moving else "0" if name in CHANNELS else "")
        print(f"| {name} | {' | '.join(cells)} |")
    for mode in ("offline", "live"):
        largest = np.concatenate([frames[mode] for frames in REST_FRAMES])
        print(f"\nFrames MediaPipe's model reads at rest (no channel but the gaze above 0.3): "
              f"{len(largest)}; likeness ({mode}) reads a channel above 0.3 in "
              f"{int((largest > 0.3).sum())}, largest {largest.max(initial=0):.2f}")
    print("\n| channel | 95th percentile per video: likeness / MediaPipe |")
    print("|---|---|")
    for k, name in enumerate(LIP_CHANNELS):
        cells = [f"{np.percentile(ours[:, k], 95):.2f} / {np.percentile(peer[:, k], 95):.2f}"
                 for ours, peer in LIP_READINGS]
        print(f"| {name} | {', '.join(cells)} |")
    shares = [f"{(ours.max(1) > 0.5).mean():.0%}" for ours, _ in LIP_READINGS]
    print(f"\nFrames in which likeness reads one of them above 0.5, per video: {', '.join(shares)}")
    print(f"\nBlinks MediaPipe's model reads (runs of frames above 0.5, each eye): "
          f"{sum(n for n, _ in BLINKS)}; likeness reads above 0.5 within a frame of "
          f"{sum(caught for _, caught in BLINKS)} of them")
    for k, way in enumerate(("across", "up or down")):
        slopes = ", ".join(f"{slope[k]:.2f}" for slope in GLANCES)
        print(f"\nGlances {way}: likeness's eyeLook weights move this far for each of "
              f"MediaPipe's model's, per video and eye: {slopes}")
    peer_gap = [figures["jawOpen ~ lip gap"]["peer"] for figures in per_video]
    print(f"\nMediaPipe's jawOpen ~ lip gap: median {np.median(peer_gap):.2f} "
          f"(worst {min(peer_gap):.2f})")


if __name__ == "__main__":
    main()
