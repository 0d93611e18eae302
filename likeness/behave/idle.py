"""Idle motion: breathing and a slow head sway from smooth noise, so that no frame is frozen.

Breathing at rest runs at 12-20 breaths a minute (adult resting respiratory rate); each breath
lifts the head by about a millimetre and tips it back a fraction of a degree. The sway is
band-limited noise (white noise through two first-order low-pass stages, an integrated
Ornstein-Uhlenbeck process) of about a degree, larger while speaking, when heads move more
(Hadar et al. 1983). Offsets are added to the head pose the frame already has.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from likeness.behave.headpose import offset_head
from likeness.errors import InputError
from likeness.frame import FaceFrame


@dataclass(frozen=True)
class IdleOptions:
    """Sizes and speeds of idle motion."""

    breaths_per_min: float = 14.0  # mean breathing rate
    breath_rate_spread: float = 0.15  # slow relative wander of the rate
    breath_lift_m: float = 0.0012  # head rise at full inhale
    breath_pitch_deg: float = 0.4  # head tip back at full inhale
    sway_deg: tuple[float, float, float] = (1.2, 0.8, 0.6)  # yaw, pitch, roll standard deviations
    sway_time_s: tuple[float, float] = (1.5, 0.6)  # time constants of the two stages
    speaking_gain: float = 1.6  # sway grows by this factor while speaking

    def __post_init__(self) -> None:
        if not 4 <= self.breaths_per_min <= 40:
            raise InputError(f"breaths_per_min must be in 4..40, got {self.breaths_per_min}")
        if min(self.sway_time_s) <= 0 or min(self.sway_deg) < 0:
            raise InputError("sway time constants must be positive and sway sizes non-negative")


class Idle:
    """Stateful stage (``FaceFrame -> FaceFrame``) adding breathing and head sway to the head
    pose.

    Parameters
    ----------
    options : IdleOptions
    seed : int
        Seed of the noise; the same seed and frames give the same motion.
    """

    def __init__(self, options: IdleOptions = IdleOptions(), *, seed: int = 0) -> None:
        self.options = options
        self.seed = seed
        self.reset()

    def reset(self) -> None:
        """Restart the noise from the seed, at a random point of the breathing cycle."""
        self.rng = np.random.default_rng(self.seed)
        self._fast = np.zeros(4)  # yaw, pitch, roll sway and breathing-rate wander, first stage
        self._slow = np.zeros(4)
        self._phase = self.rng.uniform(0.0, 2.0 * math.pi)
        self._gain = 1.0
        self._last_t: float | None = None

    def __call__(self, frame: FaceFrame) -> FaceFrame:
        """``frame`` with its head moved by this instant's breathing and sway (larger while the
        frame is ``speaking``)."""
        yaw_deg, pitch_deg, roll_deg, lift_m = self.step(frame.t_s, speaking=frame.speaking)
        translation = frame.head_translation_m.copy()
        translation[1] += lift_m
        return frame.replace(
            head_rotation=offset_head(
                frame.head_rotation,
                math.radians(yaw_deg),
                math.radians(pitch_deg),
                math.radians(roll_deg),
            ),
            head_translation_m=translation,
        )

    def step(self, t_s: float, *, speaking: bool = False) -> tuple[float, float, float, float]:
        """Advance to ``t_s``; returns head (yaw, pitch, roll) offsets in degrees and lift in m."""
        o = self.options
        dt = 0.0 if self._last_t is None else t_s - self._last_t
        if dt < 0:
            raise InputError(f"frames must come in time order, got t_s={t_s} after {self._last_t}")
        self._last_t = t_s
        tau_fast, tau_slow = o.sway_time_s
        # Scale the first stage so the second has the requested spread: var = s^2 t1 / (t1 + t2).
        spread = np.array([*o.sway_deg, o.breath_rate_spread]) * math.sqrt(
            (tau_fast + tau_slow) / tau_fast
        )
        decay = math.exp(-dt / tau_fast)
        self._fast = self._fast * decay + spread * math.sqrt(
            1.0 - decay * decay
        ) * self.rng.standard_normal(4)
        self._slow += (self._fast - self._slow) * (1.0 - math.exp(-dt / tau_slow))
        # Ease the speaking gain in and out rather than jump the head.
        self._gain += ((o.speaking_gain if speaking else 1.0) - self._gain) * (
            1.0 - math.exp(-dt / 0.8)
        )
        self._phase += dt * 2.0 * math.pi * o.breaths_per_min / 60.0 * (1.0 + self._slow[3])
        inhale = 0.5 * (1.0 - math.cos(self._phase))
        yaw, pitch, roll = self._slow[:3] * self._gain
        return (
            float(yaw),
            float(pitch - o.breath_pitch_deg * inhale),
            float(roll),
            o.breath_lift_m * inhale,
        )
