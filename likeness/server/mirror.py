"""Mirror sessions: camera images in, the tracked and solved face out."""

from __future__ import annotations

import time

import cv2
import numpy as np

from likeness.errors import InputError
from likeness.frame import FaceFrame
from likeness.server.session import StageClock


def decode_jpeg(jpeg: bytes) -> np.ndarray:
    """JPEG bytes -> RGB uint8 (H, W, 3); InputError if they do not decode."""
    bgr = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        raise InputError(f"image of {len(jpeg)} bytes does not decode as a JPEG")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


class MirrorPipeline:
    """The live tracking path for one session's camera (stateful: one per session)."""

    def __init__(self) -> None:
        from likeness.pipeline import Chain
        from likeness.track import TrackingOptions, tracking_stages

        # The session's StageClock keeps the recent durations; the chain need keep only one.
        self._stages = Chain(tracking_stages(TrackingOptions()), n_recent=1)

    def __call__(self, jpeg: bytes, t_s: float, stages: StageClock) -> FaceFrame:
        """The face in one camera image (``found=False``, last values held, when there is none)."""
        from likeness.sources.video import Picture

        start = time.perf_counter()
        rgb = decode_jpeg(jpeg)
        stages.add("decode", (time.perf_counter() - start) * 1e3)
        (tracked,) = self._stages(Picture(t_s, rgb))
        for stage, seconds in self._stages.last_s.items():
            stages.add(stage, seconds * 1e3)
        return tracked.frames[0] if tracked.frames else FaceFrame.neutral(
            t_s, found=False, confidence=0.0)
