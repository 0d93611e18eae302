"""Video frames from files (PyAV, any format its FFmpeg reads) and live cameras (OpenCV).

Both sources share one shape: a context manager whose ``read()`` returns the next
:class:`Picture` (``t_s`` seconds from the start of the source, ``rgb`` an (H, W, 3) uint8 RGB
array), or None at the end; iterating one gives the same pictures. ``open_video(spec)`` picks
the source from the spec: ``camera:N`` is camera ``N``, anything else a file path.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from likeness.errors import InputError, SourceError
from likeness.fileio import existing_file

log = logging.getLogger(__name__)

CAMERA_SPEC = re.compile(r"^camera:(\d+)$")
DEFAULT_CAMERA_FPS = 30.0


class Picture(NamedTuple):
    """One video frame: its time in seconds from the start of the source, and its pixels,
    uint8 RGB (H, W, 3). Unpacks as ``t_s, rgb``."""

    t_s: float
    rgb: np.ndarray


class VideoFile:
    """Frames of a video file, decoded by PyAV.

    Attributes
    ----------
    path : Path
    fps : float
        The stream's average frame rate (30 if the container does not say).
    n_frames : int or None
        Frame count the container declares, if any (a hint for progress bars).
    size : tuple[int, int]
        (width, height) in pixels.
    """

    is_live = False

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = existing_file(path, "video file")
        self._container: Any = None
        self._pictures: Iterator[Picture] | None = None
        self.fps = DEFAULT_CAMERA_FPS
        self.n_frames: int | None = None
        self.size = (0, 0)

    def open(self) -> VideoFile:
        """Open the container and find its video stream; InputError if it has none."""
        import av

        try:
            self._container = av.open(str(self.path))
        except av.error.FFmpegError as e:
            raise InputError(f"{self.path}: not a video file FFmpeg can read ({e})") from e
        if not self._container.streams.video:
            self.close()
            raise InputError(f"{self.path}: has no video stream (or no frames in it)")
        stream = self._container.streams.video[0]
        stream.thread_type = "AUTO"
        if stream.average_rate:
            self.fps = float(stream.average_rate)
        self.n_frames = int(stream.frames) or None
        self.size = (stream.codec_context.width, stream.codec_context.height)
        self._pictures = self._decode(stream)
        return self

    def _decode(self, stream: Any) -> Iterator[Picture]:
        import av

        t0_s: float | None = None
        index = 0
        try:
            for frame in self._container.decode(stream):
                t_s = float(frame.time) if frame.time is not None else index / self.fps
                t0_s = t_s if t0_s is None else t0_s
                yield Picture(t_s - t0_s, frame.to_ndarray(format="rgb24"))
                index += 1
        except av.error.FFmpegError as e:
            raise SourceError(f"{self.path}: decoding failed after {index} frames ({e})") from e

    def read(self) -> Picture | None:
        """The next decoded frame, None at the end; SourceError if the stream breaks off."""
        if self._container is None:
            self.open()
        assert self._pictures is not None
        return next(self._pictures, None)

    def close(self) -> None:
        """Release the file."""
        if self._container is not None:
            self._container.close()
            self._container = None
            self._pictures = None

    def __iter__(self) -> Iterator[Picture]:
        return iter(self.read, None)

    def __enter__(self) -> VideoFile:
        return self.open() if self._container is None else self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Camera:
    """Frames of a live camera through OpenCV, timestamped on arrival.

    Attributes
    ----------
    index : int
        OpenCV camera index (``/dev/videoN`` on Linux).
    fps : float
        The rate the camera reports (30 if it reports none).
    """

    is_live = True
    n_frames = None

    def __init__(self, index: int) -> None:
        self.index = index
        self._capture: Any = None
        self._start_s = 0.0
        self.fps = DEFAULT_CAMERA_FPS
        self.size = (0, 0)

    def open(self) -> Camera:
        """Open the camera; SourceError if there is none at this index."""
        import cv2

        capture = cv2.VideoCapture(self.index)
        if not capture.isOpened():
            capture.release()
            raise SourceError(f"camera:{self.index}: no camera at this index could be opened")
        self._capture = capture
        self.fps = float(capture.get(cv2.CAP_PROP_FPS)) or DEFAULT_CAMERA_FPS
        self.size = (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
                     int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)))
        self._start_s = time.perf_counter()
        return self

    def read(self) -> Picture | None:
        """The next frame the camera delivers, timed on arrival; None once it stops delivering."""
        import cv2

        if self._capture is None:
            self.open()
        ok, bgr = self._capture.read()
        if not ok:
            log.info("camera:%d stopped delivering frames", self.index)
            return None
        return Picture(time.perf_counter() - self._start_s, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))

    def close(self) -> None:
        """Release the camera."""
        if self._capture is not None:
            self._capture.release()
            self._capture = None

    def __iter__(self) -> Iterator[Picture]:
        return iter(self.read, None)

    def __enter__(self) -> Camera:
        return self.open() if self._capture is None else self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_video(spec: str | os.PathLike[str]) -> VideoFile | Camera:
    """A video source for ``spec``: ``camera:N`` for a live camera, else a video file path.

    Use it as a context manager; ``read()`` (or iterating it) gives :class:`Picture` s.
    The source is not opened until the ``with`` block (or ``open()``).
    """
    match = CAMERA_SPEC.match(str(spec))
    if match:
        return Camera(int(match.group(1)))
    if str(spec).startswith("camera:"):
        raise InputError(f"{spec}: expected camera:N with N a camera index, e.g. camera:0")
    return VideoFile(Path(spec))
