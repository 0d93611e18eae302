"""Saccadic gaze: fixations, main-sequence saccades, talking and listening modes, head following.

Figures (sources in ``docs/behave.md``):

- Main sequence: a saccade of amplitude A degrees lasts about 2.2 A + 21 ms (Carpenter 1988);
  its peak velocity rises with amplitude and saturates (Bahill et al. 1975; Baloh et al. 1975).
  The trajectory here is minimum-jerk, whose peak velocity is 1.875 A / duration: with the
  linear duration law that saturates at about 850 deg/s, the range measured for large saccades.
- Fixations: log-normal durations, median a few hundred milliseconds (Henderson 2003), truncated
  so that the eyes never rest longer than 2.5 s (staring reads as uncanny).
- Conversation: listeners look at the other's face about 75 % of the time, speakers about 41 %
  (Argyle & Cook 1976); speakers look away as they take the turn and back as they yield it
  (Kendon 1967). On the face, the eyes move between the eyes and the mouth (Yarbus 1967).
- Head: for shifts beyond about 15 degrees the head turns too and the eyes counter-rotate so
  that the line of sight stays on target (Guitton 1992; Freedman & Sparks 1997).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from likeness.behave.headpose import direction_in_head, offset_head
from likeness.blendshapes import INDEX
from likeness.errors import InputError
from likeness.frame import FaceFrame

LOOK = {
    (side, direction): INDEX[f"eyeLook{direction}{side}"]
    for side in ("Left", "Right")
    for direction in ("Up", "Down", "In", "Out")
}
BLINK_LEFT, BLINK_RIGHT = INDEX["eyeBlinkLeft"], INDEX["eyeBlinkRight"]

# Where the eyes land on a face seen from conversational distance, degrees (yaw, pitch) from
# the point between the eyes: each eye, and the mouth below.
FACE_POINTS_DEG = np.array([[1.6, 0.0], [-1.6, 0.0], [0.0, 3.5]])


@dataclass(frozen=True)
class GazeOptions:
    """How the gaze model behaves; the defaults are human figures (module docstring)."""

    look_at: str | tuple[float, float, float] = "camera"  # "camera", "ahead" or a point, m
    slope_ms_per_deg: float = 2.2  # main sequence: duration = slope * A + intercept
    intercept_ms: float = 21.0
    duration_jitter: float = 0.06  # relative spread of durations about the main sequence
    fixation_median_talking_s: float = 0.55
    fixation_median_listening_s: float = 0.75
    fixation_sigma: float = 0.5  # shape of the log-normal fixation durations
    fixation_range_s: tuple[float, float] = (0.12, 2.5)
    on_face_talking: float = 0.41  # share of fixations on the target while talking
    on_face_listening: float = 0.75  # ... and while listening
    aversion_median_deg: float = 10.0  # size of looks away from the target
    aversion_max_deg: float = 28.0
    head_threshold_deg: float = 12.0  # the head joins in beyond this gaze offset
    head_share: float = 0.6  # share of the offset beyond the threshold the head takes
    eye_range_deg: float = 35.0  # eyes never turn further than this in the head
    eye_look_full_deg: float = 30.0  # eye angle at which an eyeLook weight reaches 1
    lid_follow: float = 0.3  # upper lid lowering per unit of eyeLookDown

    def __post_init__(self) -> None:
        if isinstance(self.look_at, str):
            if self.look_at not in ("camera", "ahead"):
                raise InputError(
                    f"look_at must be 'camera', 'ahead' or an (x, y, z) point, got {self.look_at!r}"
                )
        elif len(self.look_at) != 3 or not all(math.isfinite(v) for v in self.look_at):
            raise InputError(
                f"look_at point must be 3 finite numbers in metres, got {self.look_at!r}"
            )
        if self.slope_ms_per_deg <= 0 or self.intercept_ms <= 0:
            raise InputError("main-sequence slope and intercept must be positive")
        lo, hi = self.fixation_range_s
        if not 0 < lo < hi:
            raise InputError(
                f"fixation_range_s must be 0 < low < high, got {self.fixation_range_s}"
            )
        for name in ("on_face_talking", "on_face_listening", "head_share", "lid_follow"):
            if not 0 <= getattr(self, name) <= 1:
                raise InputError(f"{name} must be in 0..1, got {getattr(self, name)}")


@dataclass(frozen=True)
class Saccade:
    """One gaze shift: start and duration in seconds, amplitude in degrees, where it goes."""

    start_s: float
    duration_s: float
    from_deg: tuple[float, float]
    to_deg: tuple[float, float]
    on_face: bool

    @property
    def end_s(self) -> float:
        return self.start_s + self.duration_s

    @property
    def amplitude_deg(self) -> float:
        return math.hypot(self.to_deg[0] - self.from_deg[0], self.to_deg[1] - self.from_deg[1])

    @property
    def peak_velocity_deg_s(self) -> float:
        """Peak angular speed of the minimum-jerk trajectory."""
        return 1.875 * self.amplitude_deg / self.duration_s


def minimum_jerk(x: float) -> float:
    """Minimum-jerk position, 0..1 over x in 0..1 (no velocity or acceleration at either end)."""
    x = min(1.0, max(0.0, x))
    return x * x * x * (10.0 - 15.0 * x + 6.0 * x * x)


class Gaze:
    """Stateful stage that moves the eyes (``eyes_rad`` and the eyeLook weights) and the head.

    Gaze offsets are relative to the look-at target; the head takes part of large offsets and
    the eyes make up the rest. Every saccade is kept in :attr:`saccades`.

    Parameters
    ----------
    options : GazeOptions
    seed : int
        Seed of the random draws; the same seed and frames give the same gaze.
    """

    def __init__(self, options: GazeOptions = GazeOptions(), *, seed: int = 0) -> None:
        self.options = options
        self.seed = seed
        self.reset()

    def reset(self) -> None:
        """Back to looking at the target, random draws restarted from the seed."""
        self.rng = np.random.default_rng(self.seed)
        self.saccades: list[Saccade] = []
        self._gaze_from = self._gaze_to = (0.0, 0.0)
        self._head_from = self._head_to = (0.0, 0.0)
        self._move_start_s = 0.0
        self._saccade_s = self._head_s = 1e-3
        self._next_s: float | None = None
        self._speaking: bool | None = None
        self._mode_of_last_shift: bool | None = None
        self._last_t: float | None = None

    def __call__(self, frame: FaceFrame) -> FaceFrame:
        """``frame`` with the eyes and head turned to this instant's gaze (talking or listening
        as the frame's ``speaking`` says)."""
        gaze_deg, head_deg = self.step(frame.t_s, speaking=frame.speaking)
        base = self._target_rad(frame)
        o = self.options
        limit = math.radians(o.eye_range_deg)
        eye_yaw = min(limit, max(-limit, base[0] + math.radians(gaze_deg[0] - head_deg[0])))
        eye_pitch = min(limit, max(-limit, base[1] + math.radians(gaze_deg[1] - head_deg[1])))
        weights = frame.weights.copy()
        full = math.radians(o.eye_look_full_deg)
        yaw, pitch = eye_yaw / full, eye_pitch / full
        for side, outward in (("Left", yaw), ("Right", -yaw)):
            weights[LOOK[side, "Out"]] = min(1.0, max(0.0, outward))
            weights[LOOK[side, "In"]] = min(1.0, max(0.0, -outward))
            weights[LOOK[side, "Up"]] = min(1.0, max(0.0, -pitch))
            weights[LOOK[side, "Down"]] = min(1.0, max(0.0, pitch))
        # The upper lid follows the eye down; without it a downward look shows white above the iris.
        lid = o.lid_follow * min(1.0, max(0.0, pitch))
        weights[[BLINK_LEFT, BLINK_RIGHT]] = np.maximum(weights[[BLINK_LEFT, BLINK_RIGHT]], lid)
        return frame.replace(
            weights=weights,
            eyes_rad=np.array([[eye_yaw, eye_pitch], [eye_yaw, eye_pitch]], np.float32),
            head_rotation=offset_head(
                frame.head_rotation, math.radians(head_deg[0]), math.radians(head_deg[1]), 0.0
            ),
        )

    def step(
        self, t_s: float, *, speaking: bool = False
    ) -> tuple[tuple[float, float], tuple[float, float]]:
        """Advance to ``t_s``; returns (gaze offset, head offset), each (yaw, pitch) in degrees."""
        if self._last_t is not None and t_s < self._last_t:
            raise InputError(f"frames must come in time order, got t_s={t_s} after {self._last_t}")
        self._last_t = t_s
        if self._next_s is None:
            self._next_s = t_s + self._fixation_s(speaking) * self.rng.uniform(0.2, 1.0)
        if self._speaking is not None and speaking != self._speaking:
            # Turn-taking: look away soon after taking the floor, back when yielding it.
            self._next_s = min(self._next_s, t_s + self.rng.uniform(0.05, 0.3))
        self._speaking = speaking
        if t_s >= self._next_s:
            self._start_shift(t_s, speaking)
        return self._current_gaze(t_s), self._current_head(t_s)

    # -- helpers -------------------------------------------------------------------------------

    def _fixation_s(self, speaking: bool) -> float:
        """A log-normal fixation duration for the current mode, seconds, truncated to the range."""
        o = self.options
        median = o.fixation_median_talking_s if speaking else o.fixation_median_listening_s
        return float(
            np.clip(self.rng.lognormal(math.log(median), o.fixation_sigma), *o.fixation_range_s)
        )

    def _start_shift(self, t_s: float, speaking: bool) -> None:
        """Choose the next target, start the saccade there and the head's share of it."""
        o = self.options
        share_on = o.on_face_talking if speaking else o.on_face_listening
        if self._mode_of_last_shift is not None and self._mode_of_last_shift != speaking:
            share_on = 0.1 if speaking else 0.95
        self._mode_of_last_shift = speaking
        on_face = bool(self.rng.random() < share_on)
        if on_face:
            point = FACE_POINTS_DEG[self.rng.integers(len(FACE_POINTS_DEG))]
            target = point + self.rng.normal(0.0, 0.4, 2)
        else:
            amplitude = min(
                o.aversion_max_deg, self.rng.lognormal(math.log(o.aversion_median_deg), 0.45)
            )
            angle = self.rng.uniform(0.0, 2.0 * math.pi)
            # Looks away are mostly sideways; vertical excursions are smaller (the eyes' range is).
            target = amplitude * np.array([math.cos(angle), 0.6 * math.sin(angle)])
        start = self._current_gaze(t_s)
        head_now = self._current_head(t_s)
        to = (float(target[0]), float(target[1]))
        saccade = Saccade(
            t_s,
            self._duration_s(math.hypot(to[0] - start[0], to[1] - start[1])),
            start,
            to,
            on_face,
        )
        if saccade.amplitude_deg > 0.3:
            self.saccades.append(saccade)
        size = math.hypot(*to)
        follow = o.head_share * max(0.0, 1.0 - o.head_threshold_deg / size) if size > 0 else 0.0
        head_to = (to[0] * follow, to[1] * follow)
        self._gaze_from, self._gaze_to = start, to
        self._head_from, self._head_to = head_now, head_to
        self._move_start_s = t_s
        self._saccade_s = saccade.duration_s
        head_move = math.hypot(head_to[0] - head_now[0], head_to[1] - head_now[1])
        # Head movements are slower than saccades: about 200 ms plus 10 ms per degree.
        self._head_s = max(saccade.duration_s, 0.2 + 0.01 * head_move)
        self._next_s = saccade.end_s + self._fixation_s(speaking)

    def _duration_s(self, amplitude_deg: float) -> float:
        o = self.options
        nominal_ms = o.intercept_ms + o.slope_ms_per_deg * amplitude_deg
        return nominal_ms * max(0.7, 1.0 + o.duration_jitter * self.rng.normal()) / 1e3

    def _current_gaze(self, t_s: float) -> tuple[float, float]:
        s = minimum_jerk((t_s - self._move_start_s) / self._saccade_s)
        return _lerp(self._gaze_from, self._gaze_to, s)

    def _current_head(self, t_s: float) -> tuple[float, float]:
        h = minimum_jerk((t_s - self._move_start_s) / self._head_s)
        return _lerp(self._head_from, self._head_to, h)

    def _target_rad(self, frame: FaceFrame) -> tuple[float, float]:
        """(yaw, pitch) of the look-at target relative to the frame's head, radians."""
        look_at = self.options.look_at
        if look_at == "ahead":
            return 0.0, 0.0
        point = np.zeros(3) if look_at == "camera" else np.asarray(look_at, np.float64)
        return direction_in_head(frame.head_rotation, frame.head_translation_m, point) or (0.0, 0.0)


def _lerp(a: tuple[float, float], b: tuple[float, float], s: float) -> tuple[float, float]:
    """The point a fraction ``s`` of the way from ``a`` to ``b``."""
    return a[0] + s * (b[0] - a[0]), a[1] + s * (b[1] - a[1])
