"""The pinhole camera that turns MediaPipe's image-space landmarks into metric head pose."""

from __future__ import annotations

import math
from dataclasses import dataclass

from likeness.errors import InputError

DEFAULT_HFOV_DEG = 60.0
"""Horizontal field of view assumed when the camera's is unknown: typical of laptop webcams and
phone front cameras (55-70 degrees). It scales the reported distance and sideways translation,
and the turn toward the lens a face off the picture's centre is given (likeness.solve.pose);
blendshapes do not depend on it."""


@dataclass(frozen=True, slots=True)
class PinholeCamera:
    """A pinhole camera with square pixels and the principal point at the image centre.

    hfov_deg: horizontal field of view in degrees, 1..179.
    """

    hfov_deg: float = DEFAULT_HFOV_DEG

    def __post_init__(self) -> None:
        if not (1.0 <= self.hfov_deg <= 179.0):
            raise InputError(f"horizontal field of view must be 1..179 degrees, "
                             f"got {self.hfov_deg}")

    def focal_px(self, width_px: int) -> float:
        """Focal length in pixels for an image ``width_px`` wide."""
        return 0.5 * width_px / math.tan(math.radians(self.hfov_deg) / 2)
