"""Spontaneous blinks with human statistics, coupled to gaze shifts and to pauses in speech.

Figures (see ``docs/behave.md`` for the sources):

- Rate: about 17 a minute at rest, more in conversation, far fewer while attending closely
  (Bentivoglio et al. 1997: 17/min rest, 26/min conversation, 4.5/min reading).
- Intervals: right-skewed and irregular, never periodic; modelled as log-normal with a
  coefficient of variation of 0.7 (Ponder & Kennedy 1927; Doughty 2001 report CVs of 0.5-1).
- Shape: the lid closes fast and opens about twice as slowly; a whole blink lasts 100-400 ms
  (VanderWerf et al. 2003; Kwon et al. 2013). About 8 % come as doubles; some are incomplete.
- Coupling: large gaze shifts often carry a blink, more so the larger they are (Evinger et al.
  1994); listeners and speakers blink at pauses between phrases (Nakano & Kitazawa 2010).

Speaking and attending change the rate by running the interval clock faster or slower, so a
change of mode takes effect at once without resetting the draw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from likeness.behave.headpose import facing_yaw_pitch
from likeness.blendshapes import INDEX
from likeness.errors import InputError
from likeness.frame import FaceFrame

BLINK_LEFT, BLINK_RIGHT = INDEX["eyeBlinkLeft"], INDEX["eyeBlinkRight"]

SACCADE_SPEED_DEG_S = 60.0
"""Gaze speed above which the eyes count as in a saccade (fixational drift is far slower)."""


@dataclass(frozen=True)
class BlinkOptions:
    """How the blink model behaves; the defaults are human figures (module docstring)."""

    rate_rest_per_min: float = 14.0  # at rest, before the blinks coupled to events
    rate_speaking_per_min: float = 15.0  # while speaking, likewise
    rate_attending_per_min: float = 8.0  # listening or watching closely
    interval_cv: float = 0.7  # coefficient of variation of inter-blink intervals
    min_interval_s: float = 0.3  # refractory time after a blink ends
    double_probability: float = 0.08  # share of blinks followed at once by a second
    incomplete_probability: float = 0.1  # share of blinks that do not close the lid fully
    close_ms: tuple[float, float] = (70.0, 100.0)  # closing-phase duration, uniform range
    open_ratio: tuple[float, float] = (1.6, 2.6)  # opening / closing duration, uniform range
    max_blink_ms: float = 400.0  # no blink lasts longer than this
    gaze_blink_min_deg: float = 15.0  # gaze shifts below this never trigger a blink
    gaze_blink_full_deg: float = 45.0  # ... and from this size on almost always do
    pause_blink_probability: float = 0.3  # chance of a blink when speech pauses
    pause_min_s: float = 0.2  # silences shorter than this are not pauses

    def __post_init__(self) -> None:
        rates = (self.rate_rest_per_min, self.rate_speaking_per_min, self.rate_attending_per_min)
        if min(rates) <= 0:
            raise InputError(f"blink rates must be positive per minute, got {rates}")
        if not 0 < self.interval_cv < 3:
            raise InputError(f"interval_cv must be in (0, 3), got {self.interval_cv}")
        for name in ("double_probability", "incomplete_probability", "pause_blink_probability"):
            if not 0 <= getattr(self, name) <= 1:
                raise InputError(f"{name} must be a probability in 0..1, got {getattr(self, name)}")
        if (
            not 0 < self.close_ms[0] <= self.close_ms[1]
            or not 1 <= self.open_ratio[0] <= self.open_ratio[1]
        ):
            raise InputError(
                "need 0 < close_ms and 1 <= open_ratio ranges, "
                f"got {self.close_ms}, {self.open_ratio}"
            )
        if self.gaze_blink_full_deg <= self.gaze_blink_min_deg:
            raise InputError("gaze_blink_full_deg must exceed gaze_blink_min_deg")


@dataclass(frozen=True)
class BlinkEvent:
    """One blink: when it starts, how long the lid takes to close and to open, how far it closes."""

    start_s: float
    close_s: float
    open_s: float
    amplitude: float
    cause: str  # "spontaneous", "double", "gaze" or "pause"

    @property
    def end_s(self) -> float:
        return self.start_s + self.close_s + self.open_s

    def lid(self, t_s: float) -> float:
        """Lid closure 0..1 at time ``t_s``: a raised-cosine close, then a slower open."""
        x = t_s - self.start_s
        if x <= 0 or x >= self.close_s + self.open_s:
            return 0.0
        phase = x / self.close_s if x < self.close_s else 1.0 - (x - self.close_s) / self.open_s
        return self.amplitude * 0.5 * (1.0 - math.cos(math.pi * phase))


class Blink:
    """Stateful stage (``FaceFrame -> FaceFrame``) that adds blinks to
    ``eyeBlinkLeft``/``eyeBlinkRight``.

    Call it on frames in time order. The lid weight is combined with what the frame already
    has by taking the larger value, so a tracked squint or a closed eye is never opened.
    Every blink made is kept in :attr:`events`.

    Parameters
    ----------
    options : BlinkOptions
    seed : int
        Seed of the random draws; the same seed and frames give the same blinks.
    """

    def __init__(self, options: BlinkOptions = BlinkOptions(), *, seed: int = 0) -> None:
        self.options = options
        self.seed = seed
        self.reset()

    def reset(self) -> None:
        """Forget every blink and start the random draws again from the seed."""
        self.rng = np.random.default_rng(self.seed)
        self.events: list[BlinkEvent] = []
        self._last_t: float | None = None
        self._last_gaze: tuple[float, float] | None = None
        self._shift_deg = 0.0
        self._silent_since: float | None = None
        self._pause_counted = True
        self._double_at: float | None = None
        # Start part-way into an interval, as if the face had been blinking before the take.
        self._clock = 0.0
        self._interval = self._draw_interval() * self.rng.uniform(0.1, 1.0)

    def __call__(self, frame: FaceFrame) -> FaceFrame:
        """``frame`` with its blink weights raised where a blink is under way.

        The frame's ``speaking`` and ``attending`` say what the face is doing; speaking wins if
        both are set.
        """
        lid = self.step(frame.t_s, gaze=self._gaze(frame), speaking=frame.speaking,
                        attending=frame.attending)
        if lid <= 0.0:
            return frame
        weights = frame.weights.copy()
        weights[[BLINK_LEFT, BLINK_RIGHT]] = np.maximum(weights[[BLINK_LEFT, BLINK_RIGHT]], lid)
        return frame.replace(weights=weights)

    def step(
        self,
        t_s: float,
        *,
        gaze: tuple[float, float] | None = None,
        speaking: bool = False,
        attending: bool = False,
    ) -> float:
        """Advance to ``t_s`` and return the lid closure 0..1 there.

        ``gaze`` is the (yaw, pitch) of the line of sight in camera space, radians, when known.
        """
        o = self.options
        dt = 0.0 if self._last_t is None else t_s - self._last_t
        if dt < 0:
            raise InputError(f"frames must come in time order, got t_s={t_s} after {self._last_t}")
        self._last_t = t_s
        rate = (
            o.rate_speaking_per_min
            if speaking
            else o.rate_attending_per_min
            if attending
            else o.rate_rest_per_min
        )
        self._clock += dt * rate / o.rate_rest_per_min

        cause = None
        if self._clock >= self._interval:
            cause = "spontaneous"
        if self._double_at is not None and t_s >= self._double_at:
            cause, self._double_at = "double", None
        if self._gaze_shift_triggers(gaze, dt):
            cause = cause or "gaze"
        if self._pause_starts(t_s, speaking) and self.rng.random() < o.pause_blink_probability:
            cause = cause or "pause"

        last = self.events[-1] if self.events else None
        free = last is None or t_s >= last.end_s + (0.0 if cause == "double" else o.min_interval_s)
        if cause is not None and free:
            self._start(t_s, cause)
        elif cause == "spontaneous":
            self._clock = 0.0  # too soon after the last blink: this one is absorbed by it
            self._interval = self._draw_interval()
        last = self.events[-1] if self.events else None
        return last.lid(t_s) if last is not None else 0.0

    # -- helpers -------------------------------------------------------------------------------

    def _draw_interval(self) -> float:
        """A log-normal inter-blink interval, in seconds at the resting rate."""
        mean_s = 60.0 / self.options.rate_rest_per_min
        sigma = math.sqrt(math.log1p(self.options.interval_cv**2))
        return float(self.rng.lognormal(math.log(mean_s) - sigma**2 / 2, sigma))

    def _start(self, t_s: float, cause: str) -> None:
        o = self.options
        close_s = self.rng.uniform(*o.close_ms) / 1e3
        open_s = min(close_s * self.rng.uniform(*o.open_ratio), o.max_blink_ms / 1e3 - close_s)
        amplitude = (
            self.rng.uniform(0.5, 0.8)
            if self.rng.random() < o.incomplete_probability
            else self.rng.uniform(0.92, 1.0)
        )
        event = BlinkEvent(t_s, close_s, open_s, amplitude, cause)
        self.events.append(event)
        self._clock = 0.0
        self._interval = self._draw_interval()
        if cause != "double" and self.rng.random() < o.double_probability:
            self._double_at = event.end_s + self.rng.uniform(0.03, 0.15)

    def _pause_starts(self, t_s: float, speaking: bool) -> bool:
        """True once per pause in speech, when it has lasted ``pause_min_s``: shorter silences
        are stop closures and breaths inside a phrase."""
        if speaking:
            self._silent_since, self._pause_counted = None, False
            return False
        if self._silent_since is None:
            self._silent_since = t_s
        if self._pause_counted or t_s - self._silent_since < self.options.pause_min_s:
            return False
        self._pause_counted = True
        return True

    def _gaze(self, frame: FaceFrame) -> tuple[float, float]:
        """Line of sight in camera space: the head's facing direction plus the mean eye angles."""
        yaw, pitch = facing_yaw_pitch(frame.head_rotation)
        eyes = frame.eyes_rad.mean(axis=0)
        return yaw + float(eyes[0]), pitch + float(eyes[1])

    def _gaze_shift_triggers(self, gaze: tuple[float, float] | None, dt: float) -> bool:
        """At the end of each large gaze shift: True with a probability growing with its size."""
        previous, self._last_gaze = self._last_gaze, gaze
        if gaze is None or previous is None or dt <= 0:
            return False
        step_deg = math.degrees(math.hypot(gaze[0] - previous[0], gaze[1] - previous[1]))
        if step_deg / dt >= SACCADE_SPEED_DEG_S:
            self._shift_deg += step_deg
            return False
        shift_deg, self._shift_deg = self._shift_deg, 0.0
        o = self.options
        if shift_deg < o.gaze_blink_min_deg:
            return False
        span = o.gaze_blink_full_deg - o.gaze_blink_min_deg
        probability = 0.9 * min(1.0, (shift_deg - o.gaze_blink_min_deg) / span)
        return bool(self.rng.random() < probability)
