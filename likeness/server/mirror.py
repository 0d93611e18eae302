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
        from likeness.track import LiveTracker

        self._tracker = LiveTracker(max_faces=1)

    def __call__(self, jpeg: bytes, t_s: float, stages: StageClock) -> FaceFrame:
        """The face in one camera image (``found=False``, last values held, when there is none)."""
        start = time.perf_counter()
        rgb = decode_jpeg(jpeg)
        stages.add("decode", (time.perf_counter() - start) * 1e3)
        frames = self._tracker(rgb, t_s)
        for stage, seconds in self._tracker.stage_s.items():
            stages.add(stage, seconds * 1e3)
        return frames[0] if frames else FaceFrame.neutral(t_s, found=False, confidence=0.0)
