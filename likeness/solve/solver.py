"""Landmarks -> FaceFrame: head pose, gaze and all 52 blendshape weights, one frame at a time."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from likeness.blas import single_threaded_blas
from likeness.blendshapes import N_BLENDSHAPES, index
from likeness.errors import InputError
from likeness.frame import N_LANDMARKS, FaceFrame
from likeness.rig import neutral_m as template_neutral_m
from likeness.rig.gaze import look_weights_from_gaze
from likeness.solve.calibration import Calibration, calmest_neutral
from likeness.solve.camera import PinholeCamera
from likeness.solve.drift import pose_change
from likeness.solve.expression import ExpressionFit
from likeness.solve.fields import FIELDS
from likeness.solve.gaze import eyes_rad, iris_offsets_m
from likeness.solve.pose import HeadPose, PoseAnchors

BLINKS = np.array([index("eyeBlinkLeft"), index("eyeBlinkRight")])
DRIFT_MARGIN = 1.5
"""On the astronaut photo moved about (tests/track) 1.5 halves the weights read from pose alone
while expressions at half strength on the avatar turned or rolled 15 degrees are still read;
from 2 up the drift goes into the channels left free and moderate blinks at a roll are lost."""

COUPLING_MARGIN = 3.0
"""Over the 43 solved channels rendered one at a time at 0.8 (scripts/closed_loop_table.py), 3
takes the mean largest other channel from 0.33 to 0.19 on the avatar and from 0.30 to 0.24 on
the warped astronaut photo, while the rendered channel's own reading rises (0.34 to 0.37, 0.35
to 0.37). The cost is in mixtures: of 600 random ones on the avatar, absent channels read above
0.3 fall from 1019 to 235, but 617 of the 1137 channels at 0.4 or more are read, against 765
without. At 2 (396 and 681) a rendered jawOpen still reads eyeSquint 0.56."""


@dataclass(frozen=True)
class SolverOptions:
    """How landmarks become frames."""

    camera: PinholeCamera = field(default_factory=PinholeCamera)
    """Turns image scale and position into metric distance and offset."""
    fields: str = "rig"
    """What the expression fit fits: "rig", the rig's skin motion per blendshape scaled to the
    share MediaPipe reports of it, or "tracker", how MediaPipe's landmarks were measured to move
    for each blendshape on the avatar (likeness.solve.response). "tracker" reads more channels
    at full strength on renders of the avatar but amplifies the tracker's jitter on real video
    and lets channels bleed into each other, so "rig" is the default."""
    auto_calibrate: bool = True
    """Without a calibration, measure the user's neutral from the calmest early frames."""
    calibration_window_s: float = 2.0
    """How much of the start of a take the automatic neutral is chosen from."""
    ridge: float = 0.01
    """Pull toward 0 for channels the landmarks barely support (see ExpressionFit)."""
    sparsity_m: float = 1e-3
    """Landmark motion (metres, norm over all points) a channel must explain to turn on."""
    drift_margin: float = DRIFT_MARGIN
    """Once the head has turned, rolled or changed size since the pose the neutral was taken in
    (the automatic calibration's, else the first frame's), a channel must also explain this
    many times the landmark drift MediaPipe shows at that pose change on an unchanged face
    (likeness.solve.drift) to turn on; 0 turns it off."""
    coupling_margin: float = COUPLING_MARGIN
    """A channel that explains less landmark motion than another active one must also explain
    this many times the motion MediaPipe's landmark model couples from that one onto its field
    (likeness.solve.coupling) to turn on, so a jaw opening does not widen the eyes; 0 turns it
    off."""
    closed_eye_hold: float = 0.6
    """Above this blink weight the iris is hidden by the lid: gaze keeps its last value."""

    def __post_init__(self) -> None:
        if self.calibration_window_s <= 0:
            raise InputError(f"calibration_window_s must be > 0, got {self.calibration_window_s}")
        if min(self.ridge, self.sparsity_m, self.drift_margin, self.coupling_margin) < 0:
            raise InputError(f"ridge, sparsity_m, drift_margin and coupling_margin must be >= 0, "
                             f"got {self.ridge}, {self.sparsity_m}, {self.drift_margin}, "
                             f"{self.coupling_margin}")
        if self.fields not in FIELDS:
            raise InputError(f"fields must be one of {sorted(FIELDS)}, got {self.fields!r}")
        if not 0 < self.closed_eye_hold <= 1:
            raise InputError(f"closed_eye_hold must be in (0, 1], got {self.closed_eye_hold}")


class FaceSolver:
    """Turns one face's landmarks, frame after frame, into FaceFrames.

    Stateful (warm start, last gaze, automatic calibration): one solver per face id, ``reset()``
    between takes.

    Parameters
    ----------
    options : SolverOptions
    calibration : Calibration, optional
        The user's neutral; without one the generic template is used until (if
        ``options.auto_calibrate``) the calmest early frames have been seen.
    deltas_m : ndarray (52, 478, 3), optional
        Displacement fields to fit; by default those ``options.fields`` names.
    """

    def __init__(self, options: SolverOptions | None = None, *,
                 calibration: Calibration | None = None,
                 deltas_m: np.ndarray | None = None) -> None:
        self.options = options or SolverOptions()
        fields = FIELDS[self.options.fields]() if deltas_m is None else deltas_m
        # Single-threaded here too: OpenBLAS workers woken by one large product keep spinning
        # for a while, taking a second core from the frames that follow.
        with single_threaded_blas():
            self._fit = ExpressionFit(fields, ridge=self.options.ridge,
                                      sparsity_m=self.options.sparsity_m,
                                      drift_margin=self.options.drift_margin,
                                      coupling_margin=self.options.coupling_margin)
        self._given = calibration
        self.reset()

    def reset(self) -> None:
        """Forget the previous frames (and any automatic calibration)."""
        self.calibration = self._given
        self._use_neutral(self._given.neutral_m if self._given else template_neutral_m())
        self._weights = np.zeros(N_BLENDSHAPES, np.float32)
        self._eyes = np.zeros((2, 2), np.float32)
        self._pending: list[tuple[float, np.ndarray, np.ndarray, tuple[np.ndarray, float]]] = []
        # The pose the neutral was taken in, which drift is allowed for from: the calibration's
        # own where it was measured in this session, otherwise the first frame's.
        self._reference = self._given.capture_pose if self._given else None

    def _use_neutral(self, neutral_m: np.ndarray) -> None:
        """Measure against ``neutral_m`` (478, 3) from now on; what every frame needs of it is
        prepared here, once."""
        self._neutral = np.asarray(neutral_m, np.float64)
        self._anchors = PoseAnchors.of_neutral(self._neutral)
        self._neutral_irises = iris_offsets_m(self._neutral)

    def __call__(self, landmarks: np.ndarray, t_s: float, image_size: tuple[int, int], *,
                 face_id: int = 0) -> FaceFrame:
        """Solve one frame.

        Parameters
        ----------
        landmarks : ndarray (478, 3)
            MediaPipe normalized landmarks (see ``likeness.track.TrackedFace``).
        t_s : float
            Frame time, seconds.
        image_size : tuple[int, int]
            (width, height) of the image the landmarks were found in, pixels.
        face_id : int
            Copied into the frame.
        """
        if landmarks.shape != (N_LANDMARKS, 3):
            raise InputError(f"expected landmarks of shape ({N_LANDMARKS}, 3), "
                             f"got {landmarks.shape}")
        with single_threaded_blas():
            pose = HeadPose.from_landmarks(landmarks, self._anchors, image_size,
                                           self.options.camera)
            head_m = pose.landmarks_to_head(landmarks, image_size)
            hold = self.options.closed_eye_hold
            if self._weights[BLINKS[0]] < hold and self._weights[BLINKS[1]] < hold:
                self._eyes = eyes_rad(head_m, self._neutral,
                                      neutral_offsets_m=self._neutral_irises)
            here = (pose.rotation_fit, pose.scale_px_per_m)
            if self._reference is None:
                self._reference = here
            change = pose_change(*here, *self._reference)
            weights = self._fit(head_m - self._neutral,
                                look_weights_from_gaze(self._eyes, self._weights), change)
            self._weights = weights
            if self.calibration is None and self.options.auto_calibrate:
                self._collect(t_s, head_m, weights, here)
        return FaceFrame(
            t_s=t_s, weights=weights, head_rotation=pose.quaternion,
            head_translation_m=pose.translation_m, eyes_rad=self._eyes.copy(),
            landmarks=np.asarray(landmarks, np.float32), confidence=1.0, found=True,
            face_id=face_id,
        )

    def missing(self, t_s: float, *, face_id: int = 0) -> FaceFrame:
        """A frame without a face: found=False, confidence 0, the last solved values held."""
        return FaceFrame(t_s=t_s, weights=self._weights.copy(), eyes_rad=self._eyes.copy(),
                         confidence=0.0, found=False, face_id=face_id)

    def _collect(self, t_s: float, head_m: np.ndarray, weights: np.ndarray,
                 pose: tuple[np.ndarray, float]) -> None:
        """Gather early frames; once the window is full, adopt their calmest as the neutral."""
        self._pending.append((t_s, head_m, weights, pose))
        if t_s - self._pending[0][0] >= self.options.calibration_window_s:
            self.finish_calibration()

    def finish_calibration(self) -> Calibration | None:
        """Adopt the calmest frames gathered so far as the neutral now (e.g. at the end of a
        take shorter than the window); returns the calibration, None if no frame was seen."""
        if self.calibration is None and self._pending:
            self.calibration = calmest_neutral(
                np.stack([p[1] for p in self._pending]), np.stack([p[2] for p in self._pending]),
                poses=[p[3] for p in self._pending])
            self._use_neutral(self.calibration.neutral_m)
            self._reference = self.calibration.capture_pose
            self._pending = []
        return self.calibration
