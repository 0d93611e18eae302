"""Measuring how far MediaPipe's face mesh turns with the head and its irises with the eyes,
which :data:`likeness.solve.pose.MEDIAPIPE_TURN` and :data:`likeness.solve.gaze.IRIS_TRAVEL_M`
hold (their docstrings say why it matters).

The head: the avatar is rendered turning (yaw and pitch sweeps of +-25 degrees, through a
narrow and a wide camera) and frontal at twelve places to the sides of and above and below a
wide camera's axis; each render is tracked and the head pose fitted to the rig's template
without any correction. Over all frames, the fitted out-of-plane turn (the rotation that tips
the face's forward direction, as a 2-vector) is fitted by least squares as ``head * (the
head's true turn) - ray * (the view ray's angle)`` plus an offset per camera: an ideal mesh
would give 1 and 1.

The irises: the avatar, its head turned -12, 0 and 12 degrees, looks ahead, then +-25 degrees
to each side and +-20 degrees up and down, its lids held still (how far lids cover an iris
differs between the avatar and a face); each iris centre's offset from the midpoint of its
eye's corners, in the head frame, is fitted by least squares as a length times the sine of the
eye's turn, across and up and down, both eyes together. The avatar's iris sits 10.5 mm in front
of its eye's centre (a person's 10-11 mm).

Run ``python -m likeness_lab.mesh_turn`` (needs the renderer's EGL; under a minute). The head's
figures and the irises' travel across go into those constants as printed; up and down, see
:data:`likeness.solve.gaze.IRIS_TRAVEL_M`.
"""

from __future__ import annotations

import numpy as np

from likeness.errors import TrackingError

SWEEP_DEG = 25.0
"""Peak of each yaw and pitch sweep of the head: well inside the turns MediaPipe tracks."""
EYE_SWEEP_DEG = (25.0, 20.0)
"""Peaks of the eyes' sweeps across and up and down: well inside a comfortable glance."""
HEAD_YAWS_DEG = (-12.0, 0.0, 12.0)
"""Head turns the eyes' sweeps are rendered at, so the figures do not depend on a frontal view."""
SWEEP_FRAMES = 60
CAMERAS = ((30.0, 0.70), (60.0, 0.40))
"""(vertical field of view, degrees; distance, metres) of the cameras the sweeps are seen with:
the renderer's default and a webcam's."""
OFF_CENTRE_M = (-0.15, -0.10, -0.05, 0.05, 0.10, 0.15)
"""Sideways and vertical offsets of the frontal avatar in the wide camera's picture (up to 20
degrees off its axis)."""


def out_of_plane(rotation: np.ndarray) -> np.ndarray:
    """The turn (2,) radians, about the picture's x and y axes, that tips +z to where
    ``rotation`` (3, 3) takes it: the part of a rotation that is not a roll in the picture."""
    forward = rotation[:, 2]
    sideways = np.hypot(forward[0], forward[1])
    if sideways < 1e-12:
        return np.zeros(2)
    angle = np.arccos(np.clip(forward[2], -1.0, 1.0))
    return angle * np.array([-forward[1], forward[0]]) / sideways


def measure_head(size_px: int = 512) -> tuple[float, float]:
    """(head, ray): see the module docstring."""
    from scipy.spatial.transform import Rotation

    from likeness.frame import FaceFrame, quaternions_from_euler
    from likeness.render import Renderer
    from likeness.render.camera import Camera
    from likeness.rig import neutral_m
    from likeness.solve.camera import PinholeCamera
    from likeness.solve.pose import IDEAL_TURN, HeadPose, PoseAnchors, turn_z_to
    from likeness.track.mesh import FaceTracker

    anchors = PoseAnchors.of_neutral(neutral_m())
    fitted, head, ray, group = [], [], [], []

    def add(rgb: np.ndarray, tracker: FaceTracker, t_s: float, truth: np.ndarray,
            fov_deg: float, which: int) -> None:
        faces = tracker(rgb, t_s)
        if not faces:
            raise TrackingError("the tracker lost the avatar while measuring its turn")
        pose = HeadPose.from_landmarks(faces[0].landmarks, anchors, faces[0].image_size,
                                       PinholeCamera(fov_deg), IDEAL_TURN)
        x, y, z = (float(v) for v in pose.translation_m)
        length = float(np.sqrt(x * x + y * y + z * z))
        fitted.append(out_of_plane(pose.rotation_fit))
        head.append(out_of_plane(Rotation.from_quat(truth).as_matrix()))
        ray.append(out_of_plane(np.array(turn_z_to((-x / length, -y / length, -z / length)))))
        group.append(which)

    phase = np.sin(np.linspace(0.0, 2.0 * np.pi, SWEEP_FRAMES))
    for which, (fov_deg, distance_m) in enumerate(CAMERAS):
        euler = np.zeros((2 * SWEEP_FRAMES, 3))
        euler[:SWEEP_FRAMES, 0] = euler[SWEEP_FRAMES:, 1] = np.radians(SWEEP_DEG) * phase
        rotations = quaternions_from_euler(euler)
        camera = Camera(distance_m=distance_m, fov_deg=fov_deg)
        with Renderer(size=size_px, camera=camera) as renderer, FaceTracker() as tracker:
            for i, rotation in enumerate(rotations):
                frame = FaceFrame(t_s=i / 30, weights=np.zeros(52, np.float32),
                                  head_rotation=rotation)
                add(renderer.render(frame), tracker, i / 30, rotation, fov_deg, which)
    fov_deg, distance_m = CAMERAS[1]
    frontal = FaceFrame.neutral()
    offsets = [(d, 0.0) for d in OFF_CENTRE_M] + [(0.0, d) for d in OFF_CENTRE_M]
    for dx, dy in offsets:
        camera = Camera(distance_m=distance_m, fov_deg=fov_deg,
                        target_m=(dx, -0.05 + dy, -0.04))
        with Renderer(size=size_px, camera=camera) as renderer, FaceTracker() as tracker:
            add(renderer.render(frontal), tracker, 0.0, frontal.head_rotation, fov_deg,
                len(CAMERAS))
    fitted_, head_, ray_ = (np.array(v) for v in (fitted, head, ray))
    groups = np.array(group)
    # Each component of each frame is one equation; each camera has an offset per component.
    columns = [head_.ravel(), -ray_.ravel()]
    for which in range(len(CAMERAS) + 1):
        for component in range(2):
            offset = np.zeros_like(head_)
            offset[groups == which, component] = 1.0
            columns.append(offset.ravel())
    solution, *_ = np.linalg.lstsq(np.stack(columns, axis=1), fitted_.ravel(), rcond=None)
    return float(solution[0]), float(solution[1])


def measure_irises(size_px: int = 512) -> tuple[float, float]:
    """How far MediaPipe's iris centres move per unit sine of the eye's turn (across, and up and
    down), metres: see the module docstring."""
    from likeness.frame import FaceFrame, quaternions_from_euler
    from likeness.render import Renderer
    from likeness.rig import neutral_m
    from likeness.solve.camera import PinholeCamera
    from likeness.solve.gaze import iris_offsets_m
    from likeness.solve.pose import HeadPose, PoseAnchors
    from likeness.track.mesh import FaceTracker

    anchors = PoseAnchors.of_neutral(neutral_m())
    ahead = np.zeros((SWEEP_FRAMES // 4, 2))
    phase = np.sin(np.linspace(0.0, 2.0 * np.pi, SWEEP_FRAMES))[:, None]
    across, up_down = (np.radians(peak) * phase * axis
                       for peak, axis in zip(EYE_SWEEP_DEG, ([1.0, 0.0], [0.0, 1.0]), strict=True))
    turns = np.concatenate([ahead, across, up_down])  # (n, yaw and pitch), both eyes alike
    shifts = []
    with Renderer(size=size_px) as renderer:
        for yaw_deg in HEAD_YAWS_DEG:
            rotation = quaternions_from_euler(np.radians([[yaw_deg, 0.0, 0.0]]))[0]
            offsets = []
            with FaceTracker() as tracker:
                for i, turn in enumerate(turns):
                    frame = FaceFrame(t_s=i / 30, weights=np.zeros(52, np.float32),
                                      head_rotation=rotation,
                                      eyes_rad=np.tile(turn, (2, 1)).astype(np.float32))
                    faces = tracker(renderer.render(frame), i / 30)
                    if not faces:
                        raise TrackingError("the tracker lost the avatar while measuring its "
                                            "irises")
                    face = faces[0]
                    pose = HeadPose.from_landmarks(face.landmarks, anchors, face.image_size,
                                                   PinholeCamera())
                    offsets.append(iris_offsets_m(pose.landmarks_to_head(face.landmarks,
                                                                         face.image_size)))
            offsets_ = np.array(offsets)
            shifts.append(offsets_ - offsets_[: len(ahead)].mean(axis=0))
    # (frames, eyes, across and down): pitch is positive down, the head frame's y up.
    shift = np.concatenate(shifts) * [1.0, -1.0]
    sine = np.broadcast_to(np.tile(np.sin(turns), (len(HEAD_YAWS_DEG), 1))[:, None], shift.shape)
    # A line through 0 per axis: the frames that turn the eye the other way add nothing.
    across_m, up_down_m = ((sine[..., k] * shift[..., k]).sum() / (sine[..., k] ** 2).sum()
                           for k in range(2))
    return float(across_m), float(up_down_m)


def main() -> None:
    """Measure and print the mesh's turn and its irises' travel."""
    head, ray = measure_head()
    print(f"MeshTurn(head={head:.2f}, ray={ray:.2f})")
    across, up_down = measure_irises()
    print(f"IRIS_TRAVEL_M = ({across:.4f}, {up_down:.4f})")


if __name__ == "__main__":
    main()
