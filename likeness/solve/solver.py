"""Landmarks -> FaceFrame: head pose, gaze and all 52 blendshape weights, one frame at a time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np

from likeness.blas import single_threaded_blas
from likeness.blendshapes import N_BLENDSHAPES, NAMES, index
from likeness.errors import InputError
from likeness.frame import N_LANDMARKS, FaceFrame
from likeness.rig import neutral_m as template_neutral_m
from likeness.rig.gaze import LOOK_INDICES, look_weights_from_gaze
from likeness.solve.calibration import Calibration
from likeness.solve.camera import PinholeCamera
from likeness.solve.drift import pose_change
from likeness.solve.expression import ExpressionFit
from likeness.solve.fields import FIELDS, pucker_as_real_faces_show_it_m
from likeness.solve.gaze import eyes_rad, iris_offsets_m
from likeness.solve.measures import MEASURES
from likeness.solve.pose import MEDIAPIPE_TURN, HeadPose, MeshTurn, PoseAnchors
from likeness.solve.reading import MEASURED, MeasuredReading, channel_effects
from likeness.solve.rest import WINDOW_S, Rest, RestTracker, channel_levels

OF_THE_MOUTH = np.array([NAMES[c].startswith(("jaw", "mouth")) for c in MEASURED])
"""The measured channels of the mouth and jaw, whose rest starts from the generic face's."""
BLINKS = np.array([index("eyeBlinkLeft"), index("eyeBlinkRight")])
LOOKS = np.array(LOOK_INDICES, np.intp)
DRIFT_MARGIN = 5.0
"""MediaPipe's drift on real faces is larger than on the avatar it was measured on: on five
still photos moved about in the picture (the astronaut and four LFW faces, read as a camera
reads them), 1.5 left some channel above 0.3 in 4-62% of the frames, 5 in 0-45%; on four real
talking-head videos the fit's lip channels then read above 0.5 in 11-33% of the frames instead
of 29-50%, while the channels the measures read are untouched and mouthPucker follows
MediaPipe's own model better (median r 0.67 to 0.73). The cost: a small channel's change is
not read while the head is turned further than that change's motion outweighs the drift (a
mouthShrugUpper rise of 0.5 at 6 degrees of yaw); the channels rendered one at a time on the
avatar (scripts/closed_loop_table.py) read as they did."""

COUPLING_MARGIN = 4.5
"""Over the 43 solved channels rendered one at a time at 0.8 (scripts/closed_loop_table.py), 3
takes the mean largest other channel from 0.33 to 0.19 on the avatar and from 0.30 to 0.24 on
the warped astronaut photo, while the rendered channel's own reading rises (0.34 to 0.37, 0.35
to 0.37). In 300 random mixtures on the avatar, 4.5 against 3 reads 327 of the 589 channels at
0.4 or more instead of 341, and 291 absent channels above 0.3 instead of 336 (the mean error
0.059 to 0.056); on four real talking-head videos the lip channels' 95th percentiles fall from
0.20 to 0.12 on average (with :data:`DRIFT_MARGIN` 5). At 6 a pure noseSneer on exact landmarks
is lost to the brow it lowers."""

LIDS_FOLLOW_GLANCE = 0.52
"""The share of the rig's lid motion for a glance up or down taken out before the lids are read.
MediaPipe's iris drops as a lid closes, so a blink begins as a glance down: with the whole of
the rig's lowering allowed for, the blinks of one of four real videos peaked at 0.88 instead of
0.97 and followed MediaPipe's own model's at r 0.88 instead of 0.94 (0.74 instead of 0.86 in the
worst video), while false blinks on open eyes fell only from 2.7% to 2.5%. At this share the
lids are read as they were when the glances up and down were read at about half their size
(likeness.solve.gaze.IRIS_TRAVEL_M), with the same blinks; a glance of 14 degrees down on the
avatar reads a blink of at most 0.1."""


@dataclass(frozen=True)
class SolverOptions:
    """How landmarks become frames."""

    camera: PinholeCamera = field(default_factory=PinholeCamera)
    """Turns image scale and position into metric distance and offset."""
    mesh_turn: MeshTurn = MEDIAPIPE_TURN
    """How far the landmarks turn with the head and with the view (likeness.solve.pose):
    MediaPipe's; :data:`likeness.solve.pose.IDEAL_TURN` for landmarks that turn exactly."""
    fields: str = "rig"
    """What the expression fit fits: "rig", the rig's skin motion per blendshape scaled to the
    share MediaPipe reports of it, or "tracker", how MediaPipe's landmarks were measured to move
    for each blendshape on the avatar (likeness.solve.response). "tracker" reads more channels
    at full strength on renders of the avatar but amplifies the tracker's jitter on real video
    and lets channels bleed into each other, so "rig" is the default."""
    auto_calibrate: bool = True
    """Without a calibration, learn the user's rest from their frames as they come (see
    likeness.solve.rest); else read every face against a generic relaxed face."""
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

    The channels a face's proportions show best (jaw, smile, blink, squint, wide eyes, brows,
    pucker, jaw and mouth sideways) are read from measures against the person's rest
    (:mod:`likeness.solve.measures`, :mod:`likeness.solve.reading`); the others by the
    expression fit of what remains of the landmarks' motion. Stateful (warm start, last gaze,
    the rest learned so far): one solver per face id, ``reset()`` between takes.

    Parameters
    ----------
    options : SolverOptions
    calibration : Calibration, optional
        The user's rest; without one it is learned from the frames (if
        ``options.auto_calibrate``), starting from a generic relaxed face.
    deltas_m : ndarray (52, 478, 3), optional
        Displacement fields to fit; by default those ``options.fields`` names.
    fps : float
        Frame rate, for how many frames the learned rest looks back over.
    window_s : float
        How many seconds the learned rest looks back over.
    """

    def __init__(self, options: SolverOptions | None = None, *,
                 calibration: Calibration | None = None,
                 deltas_m: np.ndarray | None = None, fps: float = 30.0,
                 window_s: float = WINDOW_S) -> None:
        self.options = options or SolverOptions()
        fields = FIELDS[self.options.fields]() if deltas_m is None else deltas_m
        # Single-threaded here too: OpenBLAS workers woken by one large product keep spinning
        # for a while, taking a second core from the frames that follow.
        with single_threaded_blas():
            self._fit = ExpressionFit(fields, ridge=self.options.ridge,
                                      sparsity_m=self.options.sparsity_m,
                                      drift_margin=self.options.drift_margin,
                                      coupling_margin=self.options.coupling_margin,
                                      fixed=tuple(int(c) for c in MEASURED),
                                      alternates=((index("mouthPucker"),
                                                   pucker_as_real_faces_show_it_m()),))
            self._learning = RestTracker(fps, window_s, relax=self._relaxed)
            relaxed = self._learning.relaxed
            effects = channel_effects(fields, relaxed.neutral_m)
            self._measured_fields = np.asarray(fields, np.float64)[MEASURED].reshape(
                len(MEASURED), -1)
            across = np.array([NAMES[c].startswith(("eyeLookIn", "eyeLookOut")) for c in LOOKS])
            self._look_effects = effects[LOOKS] * np.where(across, 1.0, LIDS_FOLLOW_GLANCE)[:, None]
            self._reading = MeasuredReading(effects, relaxed.measures_m)
        self._given = calibration
        anchors_from = calibration.neutral_m if calibration else template_neutral_m()
        self._anchors = PoseAnchors.of_neutral(anchors_from)
        self.reset()

    def reset(self) -> None:
        """Forget the previous frames (and the rest learned from them)."""
        self._learning.reset()
        self._reading.reset()
        self._fit.reset()
        self._use_rest(self._given.rest if self._given else self._learning.generic)
        self._weights = np.zeros(N_BLENDSHAPES, np.float32)
        self._warm = self._weights
        self._eyes = np.zeros((2, 2), np.float32)
        # The pose the neutral was taken in, which drift is allowed for from: the calibration's
        # own where it was measured in this session, otherwise the first frame's.
        self._reference = self._given.capture_pose if self._given else None

    @property
    def learning(self) -> bool:
        """Whether the rest is being learned from the frames."""
        return self._given is None and self.options.auto_calibrate

    def _use_rest(self, rest: Rest) -> None:
        """Measure against ``rest`` from now on; what every frame needs of it is prepared here,
        once."""
        self._rest = rest
        self._neutral = rest.neutral_m
        self._neutral_irises = iris_offsets_m(self._neutral)
        self._reading.scale_for(rest.measures_m)

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
                                           self.options.camera, self.options.mesh_turn)
            head_m = pose.landmarks_to_head(landmarks, image_size)
            measures_m = MEASURES(head_m)
            here = (pose.rotation_fit, pose.scale_px_per_m)
            first = self.learning and self._learning.n_seen == 0
            if first:
                self._learning.start(measures_m, head_m)
                self._use_rest(self._learning.rest)
            hold = self.options.closed_eye_hold
            if self._weights[BLINKS[0]] < hold and self._weights[BLINKS[1]] < hold:
                self._eyes = eyes_rad(head_m, self._neutral,
                                      neutral_offsets_m=self._neutral_irises)
            if self._reference is None:
                self._reference = here
            change = pose_change(*here, *self._reference)
            # The previous frame's weights (the fit's warm start) with this frame's gaze and
            # measured channels in place.
            known = look_weights_from_gaze(self._eyes, self._warm)
            # The lids follow the gaze (looking down lowers them): that is not a blink.
            gaze_m = known[LOOKS] @ self._look_effects
            known[MEASURED] = self._reading(measures_m - self._rest.measures_m - gaze_m)
            fitted = self._fit(head_m - self._neutral, known, change)
            self._warm = fitted
            # The fit saw the measured channels' motion at their full reading; what is reported
            # is each channel against its habits, its floor and its range.
            weights = fitted.copy()
            solved, floors = self._fit.solved, self._rest.floors[self._fit.solved]
            habitual = self._rest.habits[solved] @ fitted[MEASURED]
            weights[solved] = np.clip((fitted[solved] - habitual - floors) / (1.0 - floors),
                                      0.0, 1.0)
            weights[MEASURED] = np.minimum(fitted[MEASURED] / self._rest.ranges[MEASURED], 1.0)
            self._weights = weights
            if self.learning:
                # The lids' rest is where they sit looking ahead: what the gaze does to them is
                # taken out before the rest learns them, as it is before they are read.
                if self._learning.update(measures_m - gaze_m, head_m, fitted, here):
                    self._use_rest(self._learning.rest)
                    self._reference = self._learning.capture_pose()
        return FaceFrame(
            t_s=t_s, weights=weights, head_rotation=pose.quaternion,
            head_translation_m=pose.translation_m, eyes_rad=self._eyes.copy(),
            landmarks=np.asarray(landmarks, np.float32), confidence=1.0, found=True,
            face_id=face_id,
        )

    def _relaxed(self, points_m: np.ndarray, rest_measures_m: np.ndarray) -> np.ndarray:
        """Head-frame landmarks (478, 3) with what their mouth's measures read against
        ``rest_measures_m`` taken out: the face the expression fit measures against, so that it
        is not asked to explain the measured channels' motion twice. (The lids and brows of a
        median face are those of the frames their rest is learned from, lowered only where the
        eyes look down.)"""
        read = self._reading.read_once(MEASURES(points_m) - rest_measures_m) * OF_THE_MOUTH
        return points_m - (read @ self._measured_fields).reshape(points_m.shape)

    @property
    def last_reading(self) -> np.ndarray:
        """The last frame's weights (52,) as read, before the rest's floors and ranges."""
        return self._warm

    def missing(self, t_s: float, *, face_id: int = 0) -> FaceFrame:
        """A frame without a face: found=False, confidence 0, the last solved values held."""
        return FaceFrame(t_s=t_s, weights=self._weights.copy(), eyes_rad=self._eyes.copy(),
                         confidence=0.0, found=False, face_id=face_id)

    def calibration_so_far(self, source: str = "") -> Calibration:
        """The rest measured against now, as a calibration (to save with ``--calibrate``)."""
        if self._given is not None:
            return self._given
        return Calibration(self._rest.neutral_m, self._rest,
                           n_frames=max(1, self._learning.n_seen), source=source,
                           capture_pose=self._reference)


def rest_of_take(landmarks: Iterable[np.ndarray], image_size: tuple[int, int], *,
                 options: SolverOptions | None = None, fps: float = 30.0,
                 source: str = "") -> Calibration:
    """The rest a whole take gives (likeness.solve.rest), as a calibration, so a file is solved
    against it from its first frame.

    Parameters
    ----------
    landmarks : iterable of ndarray (478, 3)
        The face's MediaPipe landmarks in each frame it was seen, in order (at least one).
    image_size : tuple[int, int]
        (width, height) of the frames, pixels.
    """
    # Every other frame: neighbouring frames teach the rest little, and learning it should
    # cost a fraction of tracking.
    frames = list(landmarks)[::2]
    probe = FaceSolver(options, fps=fps / 2, window_s=max(len(frames), 1) / (fps / 2))
    for frame in frames:
        probe(frame, 0.0, image_size)
    learned = probe._learning
    if not learned.n_seen:
        raise InputError("a take's rest needs at least one frame with a face, got none")
    rest = learned.learned()
    capture_pose = learned.capture_pose()
    # The floors, ranges and habits again, from readings against the take's rest: those the
    # probe saw were made against the rest it had at the time, which early on was the generic
    # one. (The readings are taken before floors, ranges and habits.)
    check = FaceSolver(options, calibration=Calibration(rest.neutral_m, rest,
                                                        capture_pose=capture_pose))
    readings = []
    for frame in frames:
        check(frame, 0.0, image_size)
        readings.append(check.last_reading)
    floors, ranges, habits = channel_levels(np.array(readings), len(frames) / (fps / 2))
    rest = replace(rest, floors=floors, ranges=ranges, habits=habits)
    return Calibration(rest.neutral_m, rest, n_frames=learned.n_seen, source=source,
                       capture_pose=capture_pose)
