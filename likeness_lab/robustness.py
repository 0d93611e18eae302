"""Measuring the watermark: test clips, the attacks of the robustness table, and the rates.

``python -m likeness_lab.robustness`` prints the table in ``docs/watermark.md``. Test clips are
natural photographs that ship inside scikit-image (astronaut, coffee, chelsea, ...), slowly panned
and zoomed, so the picture moves under the fixed watermark as a rendered face does.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from likeness.trust import watermark

PHOTOS = (
    "astronaut",
    "coffee",
    "chelsea",
    "rocket",
    "immunohistochemistry",
    "hubble_deep_field",
    "retina",
    "motorcycle",
    "cat",
)


def photo(name: str) -> np.ndarray:
    """An RGB uint8 photograph shipped with scikit-image."""
    import skimage.data

    image = (
        skimage.data.stereo_motorcycle()[0]
        if name == "motorcycle"
        else getattr(skimage.data, name)()
    )
    return image if image.ndim == 3 else np.repeat(image[:, :, None], 3, axis=2)


def pan_zoom_clip(
    image: np.ndarray, *, n_frames: int, size_px: int = 512, rng: np.random.Generator
) -> list[np.ndarray]:
    """``n_frames`` RGB frames of ``size_px`` squared: a slow random pan and zoom over ``image``."""
    import cv2

    height, width = image.shape[:2]
    # A gentle Ken Burns move: zoom in by up to 10% and drift by up to 8% of the view.
    side0 = min(height, width) * rng.uniform(0.75, 0.95)
    side1 = side0 * rng.uniform(0.9, 1.0)
    x0, y0 = rng.uniform(0, width - side0), rng.uniform(0, height - side0)
    drift = rng.uniform(-0.08, 0.08, size=2) * side0
    x1 = float(np.clip(x0 + drift[0], 0, width - side1))
    y1 = float(np.clip(y0 + drift[1], 0, height - side1))
    frames = []
    for t in np.linspace(0, 1, n_frames):
        side = side0 + (side1 - side0) * t
        x, y = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
        scale = size_px / side
        affine = np.array([[scale, 0, -x * scale], [0, scale, -y * scale]], np.float32)
        frames.append(
            cv2.warpAffine(
                image,
                affine,
                (size_px, size_px),
                flags=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR,
                borderMode=cv2.BORDER_REFLECT,
            )
        )
    return frames


def encode_h264(frames: list[np.ndarray], path: Path, *, crf: int = 28, fps: int = 30) -> Path:
    """Write RGB frames as H.264 (libx264, yuv420p) at ``crf`` with PyAV."""
    import av

    height, width = frames[0].shape[:2]
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"crf": str(crf), "preset": "veryfast"}
        for frame in frames:
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def decode_rgb(path: Path) -> list[np.ndarray]:
    """All frames of a video as RGB uint8 arrays."""
    import av

    with av.open(str(path)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(container.streams.video[0])]


def scale_half(frame: np.ndarray) -> np.ndarray:
    """Half width and height (area averaging)."""
    import cv2

    return cv2.resize(
        frame, (frame.shape[1] // 2, frame.shape[0] // 2), interpolation=cv2.INTER_AREA
    )


def crop_10(frame: np.ndarray, *, offset: tuple[float, float] = (0.37, 0.61)) -> np.ndarray:
    """Remove 10% of width and height, split unevenly between the sides."""
    height, width = frame.shape[:2]
    dy, dx = round(0.1 * height * offset[0]), round(0.1 * width * offset[1])
    return frame[dy : dy + round(0.9 * height), dx : dx + round(0.9 * width)]


@dataclass(frozen=True)
class Attack:
    """A named chain of frame edits, optionally followed by H.264 re-encoding."""

    name: str
    edits: tuple[Callable[[np.ndarray], np.ndarray], ...]
    reencode: bool


ATTACKS = (
    Attack("none (lossless)", (), False),
    Attack("H.264 CRF 28", (), True),
    Attack("half size", (scale_half,), False),
    Attack("10% crop", (crop_10,), False),
    Attack("half size + H.264 CRF 28", (scale_half,), True),
    Attack("10% crop + H.264 CRF 28", (crop_10,), True),
    Attack("10% crop + half size + H.264 CRF 28", (crop_10, scale_half), True),
)


def attacked(frames: list[np.ndarray], attack: Attack, workdir: Path) -> list[np.ndarray]:
    """Frames after an attack (re-encoding through a real H.264 file when the attack says so)."""
    edited = list(frames)
    for edit in attack.edits:
        edited = [edit(f) for f in edited]
    if not attack.reencode:
        return edited
    # libx264 with yuv420p needs even sizes.
    edited = [f[: f.shape[0] // 2 * 2, : f.shape[1] // 2 * 2] for f in edited]
    return decode_rgb(encode_h264(edited, workdir / "attacked.mp4"))


def measure(
    *,
    n_clips: int,
    n_frames: int,
    n_unmarked_frames: int,
    workdir: Path,
    seed: int = 7,
    progress: bool = True,
) -> dict[str, object]:
    """Bit error rate and detection rate per attack, and the false-positive rate on unmarked media.

    Marked clips: ``n_clips`` pan/zoom clips of ``n_frames`` frames, each carrying a random id,
    sent through every attack once (first H.264 at CRF 18 as the renderer's own output, then the
    attack). Unmarked: the same kind of clips without a watermark, through every attack, plus
    ``n_unmarked_frames`` single unmarked frames (one detection each).
    """
    from tqdm import tqdm

    rng = np.random.default_rng(seed)
    found: dict[str, list[tuple[watermark.DetectionReport, int]]] = {a.name: [] for a in ATTACKS}
    unmarked: list[watermark.DetectionReport] = []
    for _ in tqdm(range(n_clips), desc="watermark clips", disable=not progress, file=sys.stderr):
        base = pan_zoom_clip(photo(str(rng.choice(PHOTOS))), n_frames=n_frames, rng=rng)
        output_id = int(rng.integers(0, 2**32))
        embedder = watermark.Embedder(output_id)
        marked = decode_rgb(
            encode_h264([embedder(f) for f in base], workdir / "marked.mp4", crf=18)
        )
        for attack in ATTACKS:
            found[attack.name].append(
                (watermark.detect_frames(attacked(marked, attack, workdir)), output_id)
            )
            unmarked.append(watermark.detect_frames(attacked(base, attack, workdir)))
    for _ in tqdm(
        range(n_unmarked_frames), desc="unmarked frames", disable=not progress, file=sys.stderr
    ):
        frame = pan_zoom_clip(photo(str(rng.choice(PHOTOS))), n_frames=1, rng=rng)[0]
        unmarked.append(watermark.detect_frames([frame]))
    return {
        "attacks": {name: _marked_rates(results) for name, results in found.items() if results},
        "unmarked": _unmarked_rates(unmarked),
    }


def _marked_rates(results: list[tuple[watermark.DetectionReport, int]]) -> dict[str, float]:
    """Bit and raw chip error rates, detection rate and z of marked clips under one attack."""
    n_bit_errors = sum(int(np.sum(r.code_bits != watermark.encode_codeword(i))) for r, i in results)
    z = [r.z for r, _ in results]
    return {
        "bit_error_rate": n_bit_errors / (len(results) * watermark.N_CODE_BITS),
        "raw_chip_error_rate": float(np.mean([r.raw_chip_error_rate for r, _ in results])),
        "detection_rate": sum(r.id == i for r, i in results) / len(results),
        "n_clips": len(results),
        "median_z": float(np.median(z)),
        "min_z": float(np.min(z)),
    }


def _unmarked_rates(reports: list[watermark.DetectionReport]) -> dict[str, float]:
    """False positives on unmarked media, and how often each half of the decision was passed."""
    z = np.array([r.z for r in reports]) if reports else np.full(1, np.nan)
    false_positives = sum(r.id is not None for r in reports)
    return {
        "n_trials": len(reports),
        "false_positives": false_positives,
        "false_positive_rate": false_positives / max(len(reports), 1),
        "z_mean": float(z.mean()),
        "z_std": float(z.std()),
        "z_max": float(z.max()),
        "n_z_over_threshold": int((z >= watermark.Z_THRESHOLD).sum()),
        "n_crc_passed": sum(r.crc_ok for r in reports),
        "z_threshold": watermark.Z_THRESHOLD,
    }


def main(argv: list[str] | None = None) -> int:
    """Print the robustness measurements as JSON."""
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clips", type=int, default=12)
    parser.add_argument("--frames", type=int, default=150)
    parser.add_argument("--unmarked-frames", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        result = measure(
            n_clips=args.clips,
            n_frames=args.frames,
            n_unmarked_frames=args.unmarked_frames,
            workdir=Path(tmp),
            seed=args.seed,
        )
    json.dump(result, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
