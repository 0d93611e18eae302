"""Mirror sessions: camera images in, the tracked and solved face out."""

from __future__ import annotations

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
    """Tracker, solver and filter for one session's camera (stateful: one per session)."""

    def __init__(self) -> None:
        from likeness.filters import FrameFilter
        from likeness.solve import FaceSolver
        from likeness.track import FaceTracker

        self._tracker = FaceTracker(max_faces=1)
        self._solver = FaceSolver()
        self._filter = FrameFilter()
        self._last = FaceFrame.neutral(found=False, confidence=0.0)

    def __call__(self, jpeg: bytes, t_s: float, stages: StageClock) -> FaceFrame:
        """The face in one camera image (``found=False`` with the last pose when there is none)."""
        rgb = _timed(stages, "decode", decode_jpeg, jpeg)
        faces = _timed(stages, "track", self._tracker, rgb, t_s)
        if not faces:
            self._last = self._last.replace(t_s=t_s, found=False, confidence=0.0)
            return self._last
        frame = _timed(stages, "solve", self._solver, faces[0], t_s)
        self._last = self._filter(frame)
        return self._last


def _timed(stages: StageClock, name: str, fn, *args):  # type: ignore[no-untyped-def]
    import time

    start = time.perf_counter()
    result = fn(*args)
    stages.add(name, (time.perf_counter() - start) * 1e3)
    return result
