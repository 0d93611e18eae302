"""likeness track on a video and on the same video with its picture shrunk in the frame: how
far the reading of a face small in frame strays from its full-size reading (docs/tracking.md).

    .venv/bin/python scripts/small_faces.py VIDEO [VIDEO ...] [--scale 0.3]

For each video it prints the face's median width in pixels when shrunk; then, per channel, the
median and worst over the videos of the Pearson r between the shrunk and the full-size
readings, over the videos in which the channel reaches 0.1 at full size in 1% of the frames.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import av
import cv2
import numpy as np

from likeness.blendshapes import index
from likeness.rig import landmarks as lm
from likeness.track import track_takes

CHANNELS = ("jawOpen", "mouthSmileLeft", "mouthSmileRight", "eyeBlinkLeft", "eyeBlinkRight",
            "eyeSquintLeft", "eyeSquintRight", "browDownLeft", "browDownRight", "browInnerUp",
            "mouthPucker")


def shrink(video: str, out: Path, scale: float) -> None:
    """Write ``video`` with each picture scaled by ``scale`` into the top-left corner of a black
    frame of the original size (nearly lossless H.264)."""
    with av.open(video) as source, av.open(str(out), "w") as sink:
        stream = source.streams.video[0]
        encoded = sink.add_stream("libx264", rate=stream.average_rate)
        encoded.width, encoded.height = stream.width, stream.height
        encoded.pix_fmt = "yuv420p"
        encoded.options = {"crf": "10"}
        for frame in source.decode(stream):
            rgb = frame.to_ndarray(format="rgb24")
            small = cv2.resize(rgb, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
            canvas = np.zeros_like(rgb)
            canvas[:small.shape[0], :small.shape[1]] = small
            for packet in encoded.encode(av.VideoFrame.from_ndarray(canvas, format="rgb24")):
                sink.mux(packet)
        for packet in encoded.encode():
            sink.mux(packet)


def compare(video: str, scale: float) -> dict[str, float]:
    """Per channel, r between the shrunk and the full-size readings of one video."""
    full = track_takes(video)[0].animation
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "small.mp4"
        shrink(video, path, scale)
        small = track_takes(str(path))[0].animation
    if len(small.weights) != len(full.weights):
        raise SystemExit(f"{video}: the face was lost in some shrunk frames")
    width_px = small.metadata["image_size"][0]
    cheeks = (small.landmarks[:, lm.LEFT_CHEEK_CONTOUR, 0]
              - small.landmarks[:, lm.RIGHT_CHEEK_CONTOUR, 0])
    print(f"{video}: the face {np.median(np.abs(cheeks)) * width_px:.0f} px wide when shrunk")
    return {name: _pearson(small.weights[:, index(name)], full.weights[:, index(name)])
            for name in CHANNELS}


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson r; NaN where the full-size reading ``b`` reaches 0.1 in under 1% of the frames
    (nothing to follow)."""
    if np.percentile(b, 99) < 0.1:
        return float("nan")
    return float(np.corrcoef(a, b)[0, 1]) if np.std(a) >= 1e-6 else 0.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("videos", nargs="+")
    parser.add_argument("--scale", type=float, default=0.3)
    args = parser.parse_args(argv)
    per_video = [compare(video, args.scale) for video in args.videos]
    print("| channel | r shrunk ~ full size, median (worst) | videos it reaches 0.1 in |")
    print("|---|---|---|")
    for name in CHANNELS:
        values = [figures[name] for figures in per_video if not np.isnan(figures[name])]
        if values:
            print(f"| {name} | {np.median(values):.2f} ({min(values):.2f}) | {len(values)} |")


if __name__ == "__main__":
    main()
