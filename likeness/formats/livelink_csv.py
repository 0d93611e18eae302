"""Live Link Face CSV takes, as the iPhone app records them.

Columns: ``Timecode,BlendShapeCount,`` then 61 values: the 52 blendshapes in PascalCase in the
app's CSV order (which swaps JawLeft/JawRight and MouthLeft/MouthRight against its UDP order),
then HeadYaw, HeadPitch, HeadRoll, LeftEyeYaw, LeftEyePitch, LeftEyeRoll, RightEyeYaw,
RightEyePitch, RightEyeRoll. Angles are radians in likeness's conventions (see
:mod:`likeness.frame`). The timecode is ``HH:MM:SS:FF.fff``: hours, minutes, seconds, frame
within the second at the take's frame rate, and the fraction of a frame in thousandths.
"""

from __future__ import annotations

import csv
import io
import math
import os

import numpy as np

from likeness.blendshapes import LIVELINK_CSV_ORDER, N_BLENDSHAPES, NAMES, pascal_case
from likeness.errors import InputError
from likeness.fileio import existing_file
from likeness.frame import CLAMPED_KEY, Animation, clamp_weights, quaternions_from_euler

POSE_COLUMNS = (
    "HeadYaw",
    "HeadPitch",
    "HeadRoll",
    "LeftEyeYaw",
    "LeftEyePitch",
    "LeftEyeRoll",
    "RightEyeYaw",
    "RightEyePitch",
    "RightEyeRoll",
)
N_VALUES = N_BLENDSHAPES + len(POSE_COLUMNS)  # 61, the app's BlendShapeCount
HEADER = (
    ("Timecode", "BlendShapeCount")
    + tuple(pascal_case(NAMES[i]) for i in LIVELINK_CSV_ORDER)
    + POSE_COLUMNS
)

APP_FPS = 60.0
"""The rate the app records at, assumed when a take is too short to tell."""
STANDARD_FPS = (24.0, 25.0, 30.0, 48.0, 50.0, 60.0, 100.0, 120.0)


def format_timecode(t_s: float, fps: float) -> str:
    """Seconds -> ``HH:MM:SS:FF.fff`` at ``fps`` (fff: thousandths of a frame)."""
    total_frames = t_s * fps
    whole = math.floor(total_frames + 1e-6)
    fraction = max(0.0, total_frames - whole)
    n_fps = int(round(fps))
    seconds, frame = divmod(whole, n_fps)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}:{frame:02d}.{int(fraction * 1000):03d}"


def parse_timecode(text: str) -> tuple[int, int, float]:
    """``HH:MM:SS:FF.fff`` -> (whole seconds, frame in second, fraction of a frame)."""
    try:
        hours, minutes, seconds, frame = text.strip().split(":")
        frame_whole, _, fraction = frame.partition(".")
        return (
            int(hours) * 3600 + int(minutes) * 60 + int(seconds),
            int(frame_whole),
            float(f"0.{fraction}") if fraction else 0.0,
        )
    except ValueError:
        raise InputError(f"timecode {text!r} is not HH:MM:SS:FF.fff") from None


def to_csv_text(animation: Animation) -> str:
    """The CSV take as text."""
    head = animation.head_euler_rad()
    eyes = animation.eyes_rad
    zeros = np.zeros(len(animation), np.float32)
    values = np.column_stack(
        [
            animation.weights[:, LIVELINK_CSV_ORDER],
            head,
            eyes[:, 0, 0],
            eyes[:, 0, 1],
            zeros,
            eyes[:, 1, 0],
            eyes[:, 1, 1],
            zeros,
        ]
    )
    out = io.StringIO()
    out.write(",".join(HEADER) + "\n")
    t0 = float(animation.t_s[0]) if len(animation) else 0.0
    for t, row in zip(animation.t_s, values, strict=True):
        out.write(format_timecode(float(t) - t0, animation.fps) + f",{N_VALUES},")
        out.write(",".join(f"{v:.6g}" for v in row) + "\n")
    return out.getvalue()


def read_csv(path: str | os.PathLike[str], *, fps: float | None = None) -> Animation:
    """Read a Live Link Face CSV take.

    Parameters
    ----------
    path : path to the CSV file.
    fps : frame rate; by default read from the timecodes (the highest frame number seen within a
        second, rounded up to a standard rate), or 60 when the take is shorter than a second.

    Returns
    -------
    Animation
        ``metadata["n_weights_clamped"]`` (:data:`~likeness.frame.CLAMPED_KEY`): how many
        weights the recording overshot 0..1 by and were clamped (ARKit does; see
        :data:`likeness.frame.WEIGHT_LIMITS`), with a warning logged.

    Raises
    ------
    InputError
        Missing or unknown columns, a row of the wrong length, values that are not finite
        numbers, weights beyond :data:`likeness.frame.WEIGHT_LIMITS`.
    """
    p = existing_file(path, "animation file")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"{p}: not a text file ({e})") from e
    return parse_csv(text, fps=fps, name=str(p))


def parse_csv(text: str, *, fps: float | None = None, name: str = "<csv>") -> Animation:
    """Parse CSV text (see :func:`read_csv`)."""
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise InputError(f"{name}: empty CSV, expected a Live Link Face header")
    header = [h.strip() for h in rows[0]]
    missing = [c for c in HEADER if c not in header]
    unknown = [c for c in header if c not in HEADER]
    if missing or unknown:
        raise InputError(
            f"{name}: not a Live Link Face CSV header"
            + (f"; missing columns: {', '.join(missing)}" if missing else "")
            + (f"; unknown columns: {', '.join(unknown)}" if unknown else "")
        )
    columns = [header.index(c) for c in HEADER[2:]]
    body = [r for r in rows[1:] if any(cell.strip() for cell in r)]
    if not body:
        raise InputError(f"{name}: the take has a header but no frames")
    stamps = []
    values = np.empty((len(body), N_VALUES), np.float64)
    for line, row in enumerate(body, start=2):
        if len(row) != len(header):
            raise InputError(f"{name}:{line}: {len(row)} fields, expected {len(header)}")
        stamps.append(parse_timecode(row[header.index("Timecode")]))
        try:
            values[line - 2] = [float(row[c]) for c in columns]
        except ValueError as e:
            raise InputError(f"{name}:{line}: {e}") from None
    bad = ~np.isfinite(values)
    if bad.any():
        line, col = np.argwhere(bad)[0]
        raise InputError(
            f"{name}:{line + 2}: {HEADER[2 + col]} is {values[line, col]}, expected a number"
        )
    weights_csv, n_clamped = clamp_weights(
        values[:, :N_BLENDSHAPES], lambda row, col: f"{name}:{row + 2}: {HEADER[2 + col]}",
        warn=True)
    rate = fps or _rate_from_timecodes(stamps)
    t_s = np.array([s + (f + frac) / rate for s, f, frac in stamps])
    t_s -= t_s[0]
    weights = np.empty((len(body), N_BLENDSHAPES), np.float32)
    weights[:, LIVELINK_CSV_ORDER] = weights_csv
    pose = values[:, N_BLENDSHAPES:]
    eyes = np.stack([pose[:, 3:5], pose[:, 6:8]], axis=1)
    return Animation(
        fps=rate,
        t_s=t_s,
        weights=weights,
        head_rotation=quaternions_from_euler(pose[:, 0:3]),
        head_translation_m=np.zeros((len(body), 3)),
        eyes_rad=eyes,
        confidence=np.ones(len(body)),
        found=np.ones(len(body), bool),
        metadata={"source": name, CLAMPED_KEY: n_clamped},
    )


def _rate_from_timecodes(stamps: list[tuple[int, int, float]]) -> float:
    if stamps[-1][0] == stamps[0][0]:
        return APP_FPS
    max_frame = max(f for _, f, _ in stamps)
    return next((r for r in STANDARD_FPS if r > max_frame), float(max_frame + 1))
