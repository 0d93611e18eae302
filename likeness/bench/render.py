"""Rendering benchmark: frames per second of the avatar at 512x512 (the target is 120 on CPU,
llvmpipe) for files (per-pixel lighting, 4x MSAA), without MSAA, and as a preview (per-vertex
lighting, no MSAA), beside the rasteriser's floor for the same triangles; H.264 encode speed;
and the file and fast qualities of a twin made from a photo (``likeness twin`` of matplotlib's
sample portrait of Grace Hopper).

The animation is a moving face: every frame changes jaw, lips, blinks, brows, gaze and head
pose, so morphing and normals are recomputed each frame as in real use. The floor draws the same
triangles, already morphed, with a one-line shader and no multisampling: what llvmpipe (or the
GPU) costs before any shading.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

from likeness.bench.timing import BenchOptions, scratch_guard, summarize_ms

SIZE = 512


def moving_face(n_frames: int, fps: float = 60.0):
    """An Animation changing every frame: speech-like jaw and lips, blinks, brows, gaze, pose."""
    from likeness.blendshapes import INDEX
    from likeness.frame import Animation, quaternions_from_euler

    t = np.arange(n_frames) / fps
    animation = Animation.neutral(n_frames, fps)
    w = animation.weights
    w[:, INDEX["jawOpen"]] = 0.35 * (1 + np.sin(2 * np.pi * 3.1 * t)) / 2
    w[:, INDEX["mouthSmileLeft"]] = w[:, INDEX["mouthSmileRight"]] = 0.3 * (1 + np.sin(t)) / 2
    w[:, INDEX["mouthFunnel"]] = 0.4 * (1 + np.sin(2 * np.pi * 1.7 * t)) / 2
    blink = np.clip(1 - np.abs((t % 3.0) - 1.5) / 0.1, 0, 1)
    w[:, INDEX["eyeBlinkLeft"]] = w[:, INDEX["eyeBlinkRight"]] = blink
    w[:, INDEX["browInnerUp"]] = 0.5 * (1 + np.sin(0.7 * t)) / 2
    animation.eyes_rad[:, :, 0] = 0.3 * np.sin(0.9 * t)[:, None]
    euler = np.column_stack([0.3 * np.sin(0.5 * t), 0.1 * np.sin(0.8 * t), 0.05 * np.sin(0.3 * t)])
    animation.head_rotation[:] = quaternions_from_euler(euler)
    return animation


def run(options: BenchOptions) -> dict:
    import av

    from likeness.render import Renderer
    from likeness.render.renderer import QUALITIES
    from likeness.render.video import _write_media, render_video

    n_frames = 60 if options.quick else 300
    animation = moving_face(n_frames)
    frames = list(animation)
    out: dict = {"size_px": SIZE, "n_frames": n_frames}
    for quality, settings in QUALITIES.items():
        with Renderer(SIZE, **settings) as renderer:
            out["renderer"] = renderer.gl_renderer
            out["n_triangles"] = renderer.avatar.n_triangles
            for frame in frames[:5]:
                renderer.render(frame)
            out[f"render_{quality}"] = {**settings, **_timed(renderer.render, frames)}
            if quality == "full":
                out["rasteriser_floor"] = _floor(renderer, frames[n_frames // 2], n_frames)
                images = [renderer.render(frame) for frame in frames]
    out["twin"] = _twin(frames)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "encode.mp4"
        start = time.perf_counter()
        with av.open(str(path), "w") as container:
            stream = container.add_stream("libx264", rate=60)
            stream.width = stream.height = SIZE
            stream.pix_fmt = "yuv420p"
            stream.options = {"crf": "18", "preset": "veryfast"}
            for rgb in images:
                container.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
            container.mux(stream.encode())
        encode_s = time.perf_counter() - start
        out["encode_h264_fps"] = round(n_frames / encode_s, 1)
        start = time.perf_counter()
        _write_media(animation, Path(folder) / "whole.mp4", audio=None, avatar=None, size=SIZE,
                     rate=animation.fps, progress=False, frame_hook=None, at_s=None,
                     quality="full")
        out["render_video_fps"] = round(n_frames / (time.perf_counter() - start), 1)
        # The same file as a user gets it: watermarked, signed and audited.
        guard = scratch_guard(Path(folder) / "home")
        start = time.perf_counter()
        render_video(animation, Path(folder) / "guarded.mp4", guard=guard, size=SIZE,
                     progress=False)
        out["render_video_guarded_fps"] = round(n_frames / (time.perf_counter() - start), 1)
    out["target_fps"] = 120
    return out


def _twin(frames) -> dict:
    """Render figures of a twin of a sample portrait, per quality (its photo parts are unlit,
    so "preview" only changes the mouth's inside)."""
    from matplotlib import cbook

    from likeness.avatar.twin import twin_from_photo
    from likeness.render import Renderer
    from likeness.render.renderer import QUALITIES

    avatar = twin_from_photo(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))
    out: dict = {"photo": "grace_hopper.jpg (matplotlib sample data)",
                 "n_triangles": avatar.n_triangles}
    for quality in ("full", "fast"):
        with Renderer(SIZE, avatar=avatar, **QUALITIES[quality]) as renderer:
            for frame in frames[:5]:
                renderer.render(frame)
            out[f"render_{quality}"] = _timed(renderer.render, frames)
    return out


_FLAT_VERTEX = """#version 330
uniform mat4 m;
in vec3 p;
void main() { gl_Position = m * vec4(p, 1.0); }
"""
_FLAT_FRAGMENT = """#version 330
out vec4 c;
void main() { c = vec4(1.0); }
"""


def _floor(renderer, frame, n_frames: int) -> dict:
    """The same triangles (morphed for ``frame``), one-line shaders, no multisampling."""
    ctx = renderer._ctx
    renderer.render(frame)  # leaves every part's buffers morphed for this frame
    with ctx:
        program = ctx.program(vertex_shader=_FLAT_VERTEX, fragment_shader=_FLAT_FRAGMENT)
        program["m"].write(renderer.camera.view_projection(1.0).T.copy().tobytes())
        vaos = [
            ctx.vertex_array(
                program,
                [(gpu.positions, "3f", "p")],
                index_buffer=gpu.vao.index_buffer,
                index_element_size=4,
            )
            for gpu in renderer._parts
        ]
        fbo = ctx.simple_framebuffer((SIZE, SIZE))
        fbo.use()
        ctx.enable(ctx.DEPTH_TEST | ctx.CULL_FACE)

        def draw(_frame) -> None:
            fbo.clear()
            for vao in vaos:
                vao.render()
            fbo.read(components=3)

        figures = _timed(draw, [frame] * n_frames)
        fbo.release()
    return figures


def _timed(render, frames) -> dict:
    """Wall-clock figures per frame, plus CPU time per frame over all of the process's threads
    (llvmpipe's included): a figure that a busy machine inflates far less than wall time."""
    samples = []
    cpu_start = time.process_time()
    for frame in frames:
        start = time.perf_counter()
        render(frame)
        samples.append(time.perf_counter() - start)
    cpu_ms = 1e3 * (time.process_time() - cpu_start) / len(frames)
    return {
        **summarize_ms(samples),
        "fps": round(1 / float(np.mean(samples)), 1),
        "cpu_ms_per_frame": round(cpu_ms, 2),
    }
