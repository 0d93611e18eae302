"""Measuring how MediaPipe's landmarks move when real people pucker, which
:func:`likeness.solve.fields.real_pucker_m` reads.

The rig's pucker narrows the mouth by 30 mm and pushes the lips forward; MediaPipe reports 22 mm
of it on the avatar. Real puckers that MediaPipe's own blendshape model reads at 0.75 narrow its
mouth by 4-10 mm, and most drop the mouth corners, so the expression fit explained them as a
frown and a rolled upper lip. For each video and MediaPipe's blendshapes for it (written by its
Face Landmarker, :mod:`likeness_lab.peer`), the landmarks are brought into the
head frame; the frames in which MediaPipe reads no mouth channel (all under 0.2, the pucker
under 0.1) give the mouth at rest, their median; and the landmarks' change from it over those
frames and the puckers (pucker above 0.3, jaw and smiles under 0.25) is fitted by least squares
as a field times MediaPipe's pucker. A video with under a second of either is left out. Each
field is made mirror-symmetric and the fields are averaged.

    python -m likeness_lab.real_pucker VIDEO PEER.csv [VIDEO PEER.csv ...]

writes ``likeness/solve/data/real_pucker.npz``. The shipped one comes from four public talking-
head videos in which people pucker (KwaiVGI/LivePortrait's driving examples d6, d9, d13 and
d14); the tracking guide says how they read.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from likeness.blendshapes import NAMES, index
from likeness.rig import landmark_mirror, neutral_m
from likeness.rig.landmarks import N_FACE_POINTS
from likeness.solve import PinholeCamera
from likeness.solve.pose import HeadPose, PoseAnchors
from likeness_lab.peer import tracked_beside_peer, video_peer_pairs

OUT = Path(__file__).resolve().parent.parent / "likeness" / "solve" / "data" / "real_pucker.npz"
MOUTH = tuple(name for name in NAMES
              if name.startswith("mouth") and name != "mouthPucker") + ("jawOpen",)
"""The channels whose motion a rest frame must not show."""
AT_REST = 0.2
PUCKER_AT_REST = 0.1
PUCKERED = 0.3
OTHERS_IN_PUCKER = 0.25
"""A pucker frame's jawOpen and smiles stay under this: its motion is the pucker's."""
MIN_S = 1.0


def pucker_field_m(landmarks: np.ndarray, image_size: tuple[int, int], peer: np.ndarray,
                   fps: float) -> np.ndarray | None:
    """(468, 3) the landmarks' change per unit of MediaPipe's pucker in one video, head frame,
    metres, mirror-symmetric; None if the video has under :data:`MIN_S` of rest or puckers."""
    anchors = PoseAnchors.of_neutral(neutral_m())
    camera = PinholeCamera()
    head = np.array([HeadPose.from_landmarks(frame, anchors, image_size, camera)
                     .landmarks_to_head(frame, image_size) for frame in landmarks])
    pucker = peer[:, index("mouthPucker")]
    others = peer[:, [index(name) for name in MOUTH]].max(1)
    at_rest = (pucker < PUCKER_AT_REST) & (others < AT_REST)
    shaping = [index(name) for name in ("jawOpen", "mouthSmileLeft", "mouthSmileRight")]
    puckered = (pucker > PUCKERED) & (peer[:, shaping].max(1) < OTHERS_IN_PUCKER)
    if min(np.count_nonzero(at_rest), np.count_nonzero(puckered)) < MIN_S * fps:
        return None
    used = at_rest | puckered
    change = head[used, :N_FACE_POINTS] - np.median(head[at_rest, :N_FACE_POINTS], axis=0)
    field = np.einsum("t,tij->ij", pucker[used], change) / (pucker[used] @ pucker[used])
    mirror = landmark_mirror()[:N_FACE_POINTS]
    return 0.5 * (field + field[mirror] * np.array([-1.0, 1.0, 1.0]))


def main(argv: list[str] | None = None) -> None:
    fields = []
    for video, peer_csv in video_peer_pairs(__doc__.split("\n\n")[0], argv):
        take, peer = tracked_beside_peer(video, peer_csv)
        assert take.landmarks is not None
        field = pucker_field_m(take.landmarks, tuple(take.metadata["image_size"]),
                               np.nan_to_num(peer), take.fps)
        print(f"{video}: {'left out' if field is None else 'used'}")
        if field is not None:
            fields.append(field)
    if not fields:
        raise SystemExit("no video has a second of puckers and a second at rest")
    np.savez_compressed(OUT, pucker_m=np.mean(fields, axis=0).astype(np.float32),
                        n_videos=len(fields))
    print(f"wrote {OUT} from {len(fields)} videos")


if __name__ == "__main__":
    main()
