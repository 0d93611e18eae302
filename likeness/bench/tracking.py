"""Tracking benchmark: per-stage time (decode, landmarks, solve, filter, total) and fps on a
640x480 clip the benchmark makes itself, beside MediaPipe's landmark stage alone, plus the lag a
blink gets through the filter.

Solve + filter take a fraction of a millisecond, so one pass of the clip says little about their
tail on a shared machine: the tracked landmarks are also replayed through fresh solvers and
filters several times, timed by wall clock and by the process's CPU time (which also counts any
BLAS worker threads the solver wakes, and does not count time lost to other processes).

The clip is scikit-image's ``astronaut`` photo (a real face) moved, turned and scaled by known
amounts in a 640x480 frame and encoded to H.264 with PyAV.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from likeness.bench.timing import BenchOptions, summarize_ms
from likeness.fileio import atomic_output

CLIP_SIZE = (640, 480)
N_REPLAYS = 10
"""Times the tracked clip's landmarks are replayed through solve + filter."""
FACE_CENTRE_PX = (222.0, 150.0)
"""Centre of the astronaut's face in the 512x512 photo, pixels (x, y)."""


@dataclass(frozen=True)
class ClipMotion:
    """The known motion of the face in each frame of :func:`write_face_clip`.

    roll_deg: in-plane rotation, counter-clockwise on screen (n,); scale: size against the
    first frame (n,); centre_px: where the face centre is drawn, pixels (n, 2).
    """

    roll_deg: np.ndarray
    scale: np.ndarray
    centre_px: np.ndarray


def clip_motion(n_frames: int, fps: float) -> ClipMotion:
    """A slow sway: the face drifts, rolls up to 20 degrees either way, grows and shrinks 25%."""
    t_s = np.arange(n_frames) / fps
    phase = 2 * np.pi * t_s / max(n_frames / fps, 1e-9)
    roll_deg = 20.0 * np.sin(phase)
    scale = 1.0 + 0.25 * np.sin(0.5 * phase)
    centre = np.column_stack([320 + 60 * np.sin(phase), 240 + 30 * np.sin(2 * phase)])
    return ClipMotion(roll_deg, scale, centre)


def face_frame(photo: np.ndarray, roll_deg: float, scale: float, centre_px: tuple[float, float],
               size: tuple[int, int] = CLIP_SIZE) -> np.ndarray:
    """The photo turned by ``roll_deg`` (counter-clockwise on screen), scaled by ``scale`` about
    its face centre, with that centre drawn at ``centre_px`` on a ``size`` (w, h) canvas."""
    import cv2

    matrix = np.array(cv2.getRotationMatrix2D(FACE_CENTRE_PX, roll_deg, scale), np.float64)
    matrix[:, 2] += np.asarray(centre_px) - FACE_CENTRE_PX
    return cv2.warpAffine(photo, matrix, size, flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=(96, 96, 96))


def write_face_clip(path: str | os.PathLike[str], n_frames: int = 90, fps: float = 30.0,
                    *, mirror: bool = False) -> ClipMotion:
    """Write an H.264 .mp4 of the astronaut's face moving as :func:`clip_motion` says.

    Returns the motion, frame by frame. ``mirror`` flips every frame left to right.
    """
    import av
    from skimage import data

    photo = data.astronaut()
    motion = clip_motion(n_frames, fps)
    with atomic_output(path) as tmp, av.open(str(tmp), "w") as container:
        stream = container.add_stream("libx264", rate=int(round(fps)))
        stream.width, stream.height = CLIP_SIZE
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "18", "preset": "veryfast"}
        for i in range(n_frames):
            rgb = face_frame(photo, motion.roll_deg[i], motion.scale[i], motion.centre_px[i])
            if mirror:
                rgb = np.ascontiguousarray(rgb[:, ::-1])
            container.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        container.mux(stream.encode())
    return motion


def blink_lag(fps: float = 60.0, seed: int = 0) -> dict[str, float]:
    """How a blink comes through the frame filter: the delay of its half-closed crossings and the
    share of its depth kept, against a slow channel for contrast (which the filter may delay)."""
    from likeness.blendshapes import index
    from likeness.filters import FrameFilter
    from likeness.frame import FaceFrame

    rng = np.random.default_rng(seed)
    t_s = np.arange(int(2.0 * fps)) / fps
    # Lid: closes in 60 ms, stays shut 40 ms, reopens in 120 ms (a typical spontaneous blink).
    blink = np.interp(t_s, [0, 0.8, 0.86, 0.90, 1.02, 2.0], [0, 0, 1, 1, 0, 0])
    smile = np.interp(t_s, [0, 0.5, 1.0, 2.0], [0, 0, 0.6, 0.6])
    noise = rng.normal(0, 0.01, (2, len(t_s)))
    smooth = FrameFilter()
    out = np.zeros((2, len(t_s)))
    for i, t in enumerate(t_s):
        weights = np.zeros(52, np.float32)
        weights[index("eyeBlinkLeft")] = weights[index("eyeBlinkRight")] = blink[i] + noise[0, i]
        weights[index("mouthSmileLeft")] = smile[i] + noise[1, i]
        f = smooth(FaceFrame(t_s=float(t), weights=np.clip(weights, 0, 1)))
        out[:, i] = f.weights[[index("eyeBlinkLeft"), index("mouthSmileLeft")]]

    def crossing_s(curve: np.ndarray, level: float, rising: bool) -> float:
        above = curve >= level if rising else curve <= level
        start = 0 if rising else int(np.argmax(curve))
        return float(t_s[start + int(np.argmax(above[start:]))])

    def lag_ms(filtered: np.ndarray, raw: np.ndarray, level: float, rising: bool) -> float:
        lag_s = crossing_s(filtered, level, rising) - crossing_s(raw, level, rising)
        return round(1e3 * lag_s, 2)

    return {
        "fps": fps,
        "blink_close_lag_ms": lag_ms(out[0], blink, 0.5, True),
        "blink_open_lag_ms": lag_ms(out[0], blink, 0.5, False),
        "blink_depth_kept": round(float(out[0].max() / blink.max()), 3),
        "slow_channel_lag_ms": lag_ms(out[1], smile, 0.3, True),
    }


def replay_solve_filter(tracked: list[tuple[float, np.ndarray, tuple[int, int]]],
                        n_replays: int) -> dict[str, dict[str, float]]:
    """Solve + filter per frame over ``n_replays`` passes of tracked (t_s, landmarks, image_size),
    each with a fresh solver and filter: wall-clock and process CPU figures (first frames of each
    pass skipped, as in the timed run)."""
    from likeness.filters import FrameFilter
    from likeness.solve import FaceSolver

    wall_s, cpu_s = [], []
    for _ in range(n_replays):
        solver, smooth = FaceSolver(), FrameFilter()
        for i, (t_s, landmarks, image_size) in enumerate(tracked):
            wall_start, cpu_start = time.perf_counter(), time.process_time()
            smooth(solver(landmarks, t_s, image_size))
            if i:
                cpu_s.append(time.process_time() - cpu_start)
                wall_s.append(time.perf_counter() - wall_start)
    def tail(samples_s: list[float]) -> dict[str, float]:
        ms = 1e3 * np.array(samples_s)
        return {**summarize_ms(samples_s), "p99_ms": round(float(np.percentile(ms, 99)), 4),
                "max_ms": round(float(ms.max()), 4)}

    return {"wall": tail(wall_s), "cpu": tail(cpu_s)}


def run(options: BenchOptions) -> dict:
    """Time each stage on the clip; MediaPipe's landmarks alone are the baseline."""
    import av

    from likeness.filters import FrameFilter
    from likeness.solve import FaceSolver
    from likeness.track import FaceTracker

    n_frames = 60 if options.quick else 300
    with tempfile.TemporaryDirectory() as folder:
        clip = Path(folder) / "face_640x480.mp4"
        write_face_clip(clip, n_frames=n_frames)
        decode_s, frames = [], []
        with av.open(str(clip)) as container:
            decoder = container.decode(video=0)
            while True:
                start = time.perf_counter()
                picture = next(decoder, None)
                if picture is None:
                    break
                rgb = picture.to_ndarray(format="rgb24")
                decode_s.append(time.perf_counter() - start)
                frames.append(rgb)

    # Baseline: MediaPipe's face mesh alone, the same mode and frames.
    baseline_s = []
    with FaceTracker() as tracker:
        for rgb in frames:
            start = time.perf_counter()
            tracker(rgb)
            baseline_s.append(time.perf_counter() - start)

    landmarks_s, solve_s, filter_s, n_found, tracked = [], [], [], 0, []
    solver, smooth = FaceSolver(), FrameFilter()
    wall_start = time.perf_counter()
    with FaceTracker() as tracker:
        for i, rgb in enumerate(frames):
            t_s = i / 30.0
            start = time.perf_counter()
            faces = tracker(rgb, t_s)
            landmarks_done = time.perf_counter()
            if faces:
                n_found += 1
                frame = solver(faces[0].landmarks, t_s, faces[0].image_size)
                tracked.append((t_s, faces[0].landmarks, faces[0].image_size))
            else:
                frame = solver.missing(t_s)
            solve_done = time.perf_counter()
            smooth(frame)
            filter_done = time.perf_counter()
            landmarks_s.append(landmarks_done - start)
            solve_s.append(solve_done - landmarks_done)
            filter_s.append(filter_done - solve_done)
    wall_s = time.perf_counter() - wall_start
    n_replays = 2 if options.quick else N_REPLAYS
    # Skip the first frame of each timed run: it includes face detection and graph start-up.
    landmarks, solve, filt = (np.array(x[1:]) for x in (landmarks_s, solve_s, filter_s))
    decode = np.array(decode_s[1:])
    baseline = np.array(baseline_s[1:])
    total = landmarks + solve + filt
    return {
        "clip": {"size": list(CLIP_SIZE), "n_frames": len(frames), "n_found": n_found},
        "decode": summarize_ms(decode),
        "landmarks": summarize_ms(landmarks),
        "solve": summarize_ms(solve),
        "filter": summarize_ms(filt),
        "solve_plus_filter": summarize_ms(solve + filt),
        "total_excl_decode": summarize_ms(total),
        "total": summarize_ms(total + decode),
        "solve_plus_filter_replayed": replay_solve_filter(tracked, n_replays),
        "fps_excl_decode": round(float(len(total) / total.sum()), 1),
        "fps_offline_with_decode": round(float(len(total) / (total.sum() + decode.sum())), 1),
        "wall_fps_tracking_loop": round(len(frames) / wall_s, 1),
        "baseline_mediapipe_landmarks": {
            **summarize_ms(baseline), "fps": round(float(len(baseline) / baseline.sum()), 1)},
        "blink_through_filter": {"30fps": blink_lag(30.0), "60fps": blink_lag(60.0)},
    }
