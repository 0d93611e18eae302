"""Animations to files: H.264 MP4 with AAC audio (PyAV), a PNG still, or a GIF preview.

Every output goes through the consent guard (:mod:`likeness.trust.guard`): watermarked, signed
and recorded, and written atomically, so a failure at any point (consent refused, bad input, an
encoder error, an interrupt) leaves no partial file behind.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from likeness.avatar.model import Avatar
from likeness.errors import InputError, SinkError
from likeness.frame import Animation, FaceFrame

if TYPE_CHECKING:
    from likeness.trust.guard import Ingredient, OutputGuard

log = logging.getLogger(__name__)

FrameHook = Callable[[np.ndarray, int], np.ndarray]
"""``hook(rgb, index) -> rgb``: a last touch on each rendered frame (e.g. a watermark)."""

AUDIO_RATE_HZ = 48000
GIF_MAX_FPS = 25.0
"""GIF delays are in centiseconds and viewers clamp fast ones; previews drop frames to this."""
SUFFIXES = (".mp4", ".png", ".gif")


def render_video(
    animation: Animation,
    path: str | os.PathLike[str],
    *,
    guard: OutputGuard,
    ingredients: Sequence[Ingredient] = (),
    audio_path: str | os.PathLike[str] | None = None,
    avatar: Avatar | None = None,
    size: int = 512,
    fps: float | None = None,
    progress: bool = True,
    at_s: float | None = None,
    quality: str = "full",
) -> Path:
    """Render an animation on an avatar and write it as .mp4, .png or .gif, under consent.

    Parameters
    ----------
    animation : Animation
        Weights in 0..1, finite values everywhere.
    path : path-like
        Output file; its suffix picks the format. Written atomically.
    guard : OutputGuard
        Consent for the avatar shown (:func:`likeness.trust.output_guard`). The video's frames
        carry the output's watermark (.mp4, .gif), the file a C2PA manifest (.mp4, .png) and the
        audit log its record; if consent or any step fails, nothing is written.
    ingredients : sequence of paths or bytes
        The inputs that drove it (animation file, audio, text), named by hash in the manifest
        and the audit record.
    audio_path : path-like, optional
        Audio to mux into an MP4 (any format FFmpeg reads). The video then lasts as long as the
        longer of audio and animation (the last pose is held, the audio padded with silence),
        and both start at time 0, so they stay in sync to within one frame.
    avatar : Avatar, optional
        Defaults to the built-in avatar. Another (a twin, a file read with
        :func:`likeness.avatar.gltf.read_glb`) shows a real person: the guard's grant must name
        its ``likeness_sha256``.
    size : int
        Width and height in pixels.
    fps : float, optional
        Output frame rate; defaults to the animation's. Frames are sampled and held at
        ``i / fps``.
    progress : bool
        Show a progress bar on stderr.
    at_s : float, optional
        For .png: the time of the still (default: the middle of the take).
    quality : {"full", "fast", "preview"}
        Look against speed (:data:`likeness.render.renderer.QUALITIES`).

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    ConsentRefused
        The guard does not allow a render, or not of this avatar's likeness.
    InputError
        Unknown suffix, an empty or invalid animation, audio for a non-MP4 output, or an
        unreadable audio file.
    SinkError
        The file could not be encoded or written.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(f"{path}: unknown output format {suffix!r}, expected one of {SUFFIXES}")
    _check_animation(animation)
    rate = float(fps or animation.fps)
    if not (np.isfinite(rate) and 0 < rate <= 240):
        raise InputError(f"frame rate must be within 0..240 fps, got {rate}")
    if audio_path is not None and suffix != ".mp4":
        raise InputError(f"{path}: audio can only be muxed into .mp4, not {suffix}")
    if at_s is not None and suffix != ".png":
        raise InputError(f"{path}: a time (at_s, --at) picks the still of a .png, not a {suffix}")
    from likeness.render.renderer import QUALITIES

    if quality not in QUALITIES:
        raise InputError(f"quality must be one of {sorted(QUALITIES)}, got {quality!r}")
    output = guard.output(
        "render", ingredients=ingredients, shows=None if avatar is None else avatar.likeness_sha256
    )
    audio = None
    if audio_path is not None:
        from likeness.sources.audio import read_audio

        audio = read_audio(audio_path, sr=AUDIO_RATE_HZ)
        if audio.size == 0:
            raise InputError(f"{audio_path}: the audio file holds no samples")
    with output.writing(path, {"frames": len(animation), "fps": rate, "size": size}) as tmp:
        _write_media(animation, tmp, audio=audio, avatar=avatar, size=size, rate=rate,
                     progress=progress, frame_hook=output.frame_hook(tmp), at_s=at_s,
                     quality=quality)
    return path


def _write_media(animation: Animation, path: Path, *, audio: np.ndarray | None,
                 avatar: Avatar | None, size: int, rate: float, progress: bool,
                 frame_hook: FrameHook | None, at_s: float | None, quality: str) -> None:
    """:func:`render_video`'s rendering and encoding of checked arguments into ``path`` as it
    is: no consent, provenance or audit, so only for a path the guard is writing (and for
    measuring the render stage alone). ``audio``: mono float PCM at :data:`AUDIO_RATE_HZ`."""
    from likeness.render.renderer import QUALITIES, Renderer

    suffix = path.suffix.lower()
    with Renderer(size, avatar=avatar, **QUALITIES[quality]) as renderer:
        if suffix == ".png":
            _write_png(renderer, animation, path, at_s, frame_hook)
        elif suffix == ".gif":
            _write_gif(renderer, animation, path, min(rate, GIF_MAX_FPS), progress, frame_hook)
        else:
            _write_mp4(renderer, animation, path, rate, audio, progress, frame_hook)


def _check_animation(animation: Animation) -> None:
    """Refuse what would render as garbage: no frames, non-finite values, weights off 0..1."""
    name = animation.metadata.get("source", "animation")
    if len(animation) == 0:
        raise InputError(f"{name}: the animation has no frames")
    for field_name in ("t_s", "weights", "head_rotation", "eyes_rad"):
        values = getattr(animation, field_name)
        if not np.isfinite(values).all():
            row = int(np.argwhere(~np.isfinite(values))[0][0])
            raise InputError(f"{name}: frame {row} has a non-finite {field_name}, expected numbers")
    outside = (animation.weights < -1e-3) | (animation.weights > 1 + 1e-3)
    if outside.any():
        from likeness.blendshapes import NAMES

        row, col = (int(x) for x in np.argwhere(outside)[0])
        raise InputError(
            f"{name}: frame {row} {NAMES[col]} = {animation.weights[row, col]:g}, expected 0..1"
        )


def frame_times(animation: Animation, fps: float, duration_s: float | None = None) -> np.ndarray:
    """Output frame times ``i / fps`` covering the take (or ``duration_s``), seconds."""
    span = animation.t_s[-1] - animation.t_s[0] + 1.0 / animation.fps
    n_frames = max(1, int(round(max(span, duration_s or 0.0) * fps)))
    return np.arange(n_frames) / fps


def _frames_at(animation: Animation, times_s: np.ndarray) -> Iterator[FaceFrame]:
    """Sample-and-hold: the last animation frame at or before each time."""
    relative = animation.t_s - animation.t_s[0]
    rows = np.clip(
        np.searchsorted(relative, times_s + 1e-9, side="right") - 1, 0, len(animation) - 1
    )
    for row in rows:
        yield animation[int(row)]


def _rendered(renderer, animation, times_s, progress, frame_hook, what) -> Iterator[np.ndarray]:
    """Rendered (and hooked) frames at ``times_s``, with a progress bar."""
    from tqdm import tqdm

    frames = _frames_at(animation, times_s)
    for index, frame in enumerate(
        tqdm(frames, total=len(times_s), unit="frame", desc=what, disable=not progress)
    ):
        rgb = renderer.render(frame)
        yield rgb if frame_hook is None else _hooked(frame_hook, rgb, index)


def _hooked(frame_hook: FrameHook, rgb: np.ndarray, index: int) -> np.ndarray:
    out = np.asarray(frame_hook(rgb.copy(), index))
    if out.shape != rgb.shape or out.dtype != np.uint8:
        raise InputError(f"frame_hook must return uint8 {rgb.shape}, got {out.dtype} {out.shape}")
    return out


def _write_png(renderer, animation, tmp: Path, at_s, frame_hook) -> None:
    from PIL import Image

    t = animation.duration_s / 2 if at_s is None else float(at_s)
    (rgb,) = _rendered(renderer, animation, np.array([t]), False, frame_hook, "png")
    Image.fromarray(rgb).save(tmp, format="PNG")


def _write_gif(renderer, animation, tmp: Path, rate: float, progress, frame_hook) -> None:
    from PIL import Image

    times = frame_times(animation, rate)
    images = [
        Image.fromarray(rgb)
        for rgb in _rendered(renderer, animation, times, progress, frame_hook, "gif")
    ]
    images[0].save(
        tmp,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=round(1000 / rate),
        loop=0,
    )


def _write_mp4(renderer, animation, tmp: Path, rate: float, audio, progress, frame_hook) -> None:
    import av

    audio_s = None if audio is None else len(audio) / AUDIO_RATE_HZ
    times = frame_times(animation, rate, audio_s)
    fraction = Fraction(rate).limit_denominator(1001)
    try:
        with av.open(str(tmp), mode="w", format="mp4") as container:
            video = container.add_stream("libx264", rate=fraction)
            video.width = video.height = renderer.size
            video.pix_fmt = "yuv420p"
            video.options = {"crf": "18", "preset": "veryfast"}
            sound = None
            if audio is not None:
                sound = container.add_stream("aac", rate=AUDIO_RATE_HZ)
                sound.layout = "mono"
            for rgb in _rendered(renderer, animation, times, progress, frame_hook, "mp4"):
                container.mux(video.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
            container.mux(video.encode())
            if sound is not None:
                _mux_audio(container, sound, audio, len(times) / rate)
    except av.FFmpegError as e:
        raise SinkError(f"could not encode the MP4: {e}") from e


def _mux_audio(container, stream, pcm: np.ndarray, duration_s: float) -> None:
    """Encode mono float PCM, padded with silence to ``duration_s``, as AAC from time 0."""
    import av

    n_total = max(len(pcm), int(round(duration_s * AUDIO_RATE_HZ)))
    padded = np.zeros(n_total, np.float32)
    padded[: len(pcm)] = pcm
    chunk = 1024
    for start in range(0, n_total, chunk):
        frame = av.AudioFrame.from_ndarray(
            padded[None, start : start + chunk], format="flt", layout="mono"
        )
        frame.sample_rate = AUDIO_RATE_HZ
        frame.pts = start
        frame.time_base = Fraction(1, AUDIO_RATE_HZ)
        container.mux(stream.encode(frame))
    container.mux(stream.encode())
