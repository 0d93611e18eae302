"""A preview video: each source frame with the tracked landmarks drawn on it, beside a live bar
chart of the 52 blendshape weights."""

from __future__ import annotations

import os
from collections.abc import Sequence
from contextlib import ExitStack
from typing import Any

import numpy as np

from likeness.blendshapes import N_BLENDSHAPES, NAMES
from likeness.fileio import atomic_output
from likeness.frame import Animation, FaceFrame
from likeness.track.stages import TrackedPicture

PANEL_WIDTH_PX = 300
LABEL_WIDTH_PX = 130
_FACE_COLOURS = ((0, 255, 120), (255, 170, 0), (80, 160, 255), (255, 80, 200))
_BACKGROUND = (24, 24, 28)


def draw_preview(rgb: np.ndarray, frames: Sequence[FaceFrame]) -> np.ndarray:
    """The picture with each found face's landmarks, and a bar chart of the first face's weights.

    Parameters
    ----------
    rgb : ndarray uint8 (H, W, 3)
    frames : sequence of FaceFrame
        This instant's frames, one per face, with landmarks (normalized image coordinates).

    Returns
    -------
    ndarray uint8 (H', W + 300, 3), H' = max(H, 416) rounded up to even.
    """
    import cv2

    height, width = rgb.shape[:2]
    out_h = max(height, 8 * N_BLENDSHAPES) + max(height, 8 * N_BLENDSHAPES) % 2
    canvas = np.full((out_h, width + PANEL_WIDTH_PX + width % 2, 3), _BACKGROUND, np.uint8)
    canvas[:height, :width] = rgb
    for k, frame in enumerate(frames):
        if not frame.found or frame.landmarks is None:
            continue
        colour = _FACE_COLOURS[k % len(_FACE_COLOURS)]
        points = np.round(frame.landmarks[:, :2] * (width, height)).astype(np.int32)
        for x, y in points:
            cv2.circle(canvas, (int(x), int(y)), 1, colour, -1, cv2.LINE_AA)
    weights = frames[0].weights if frames and frames[0].found else np.zeros(N_BLENDSHAPES)
    row_h = out_h / N_BLENDSHAPES
    x0 = width + (width % 2) + LABEL_WIDTH_PX
    bar_w = PANEL_WIDTH_PX - LABEL_WIDTH_PX - 8
    for i, (name, value) in enumerate(zip(NAMES, weights, strict=True)):
        y = int(i * row_h)
        cv2.putText(canvas, name, (width + 4, y + int(row_h) - 2), cv2.FONT_HERSHEY_SIMPLEX,
                    0.3, (200, 200, 200), 1, cv2.LINE_AA)
        cv2.rectangle(canvas, (x0, y + 1), (x0 + bar_w, y + int(row_h) - 1), (60, 60, 66), -1)
        if value > 0:
            x1 = x0 + int(round(float(value) * bar_w))
            cv2.rectangle(canvas, (x0, y + 1), (x1, y + int(row_h) - 1), (90, 200, 255), -1)
    return canvas


class PreviewWriter:
    """Writes preview frames to an H.264 .mp4 atomically: nothing is left if it is not closed
    cleanly. A sink of tracked pictures: ``send(picture)``, ``close()``; a context manager whose
    exit on an error discards the partial file."""

    def __init__(self, path: str | os.PathLike[str], fps: float) -> None:
        self.path = path
        self.fps = fps
        self._stack = ExitStack()
        self._container: Any = None
        self._stream: Any = None

    def __enter__(self) -> PreviewWriter:
        import av

        tmp = self._stack.enter_context(atomic_output(self.path))
        self._container = self._stack.enter_context(av.open(str(tmp), "w"))
        return self

    def send(self, picture: TrackedPicture) -> None:
        """Draw and encode one picture with its faces' frames."""
        from fractions import Fraction

        import av

        assert picture.rgb is not None
        drawn = draw_preview(picture.rgb, picture.frames)
        if self._stream is None:
            rate = Fraction(self.fps).limit_denominator(1001)
            self._stream = self._container.add_stream("libx264", rate=rate)
            self._stream.height, self._stream.width = drawn.shape[:2]
            self._stream.pix_fmt = "yuv420p"
            self._stream.options = {"crf": "23", "preset": "veryfast"}
        frame = av.VideoFrame.from_ndarray(drawn, format="rgb24")
        self._container.mux(self._stream.encode(frame))

    def __exit__(self, kind: object, error: object, trace: object) -> None:
        stream, self._stream = self._stream, None
        if error is None and stream is not None:
            try:
                self._container.mux(stream.encode())
            except BaseException as e:
                self._stack.__exit__(type(e), e, e.__traceback__)  # discards the partial file
                raise
        self._stack.__exit__(kind, error, trace)  # type: ignore[arg-type]

    def close(self) -> None:
        """Finish the video and move it into place (again: nothing more to do)."""
        self.__exit__(None, None, None)


def write_preview(spec: str | os.PathLike[str], animations: Sequence[Animation],
                  path: str | os.PathLike[str], *, progress: bool = False) -> None:
    """Decode ``spec`` again and write its preview with ``animations`` (one per face, a row per
    source frame, as :func:`likeness.track.track_video` returns them) to ``path``."""
    from tqdm import tqdm

    from likeness.sources.video import open_video

    with open_video(spec) as source, PreviewWriter(path, source.fps) as writer:
        n_rows = len(animations[0]) if animations else 0
        for row, (t_s, rgb) in enumerate(tqdm(source, total=n_rows, unit="frame", desc="preview",
                                              disable=not progress, leave=False)):
            if row >= n_rows:
                break
            writer.send(TrackedPicture(t_s, rgb,
                                       frames=tuple(animation[row] for animation in animations)))
