"""Offscreen rendering of an avatar driven by face frames (moderngl through EGL).

Morphing runs on the CPU as one weighted sum over the active targets per part, and normals are
recomputed from the morphed triangles with one sparse product; both are small next to
rasterisation on llvmpipe. Head pose and gaze are applied in the vertex shader.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from scipy import sparse
from scipy.spatial.transform import Rotation

from likeness.avatar.model import Avatar, Part
from likeness.avatar.topology import vertex_face_incidence, vertex_normals
from likeness.errors import InputError, SinkError
from likeness.frame import FaceFrame
from likeness.render.camera import Camera, Light, Lighting, PhotoCamera
from likeness.render.shaders import MATERIALS, MAX_LIGHTS, PHOTO_PROGRAM, PROGRAMS

if TYPE_CHECKING:
    import moderngl

log = logging.getLogger(__name__)

_IDENTITY3 = np.eye(3, dtype=np.float32)


@dataclass
class _GpuPart:
    """One part's buffers and the CPU state needed to morph it."""

    part: Part
    active_targets: np.ndarray
    incidence: sparse.csr_matrix
    positions: moderngl.Buffer
    normals: moderngl.Buffer
    vao: moderngl.VertexArray
    texture: moderngl.Texture | None = None
    last_weights: np.ndarray | None = None


QUALITIES: dict[str, dict[str, Any]] = {
    "full": {"samples": 4, "shading": "pixel"},
    "fast": {"samples": 1, "shading": "pixel"},
    "preview": {"samples": 1, "shading": "vertex"},
}
"""Named trade-offs of look for speed, as ``Renderer`` options. On llvmpipe at 512 x 512: full
(4x MSAA, per-pixel skin) about 75 frames/s, fast (no MSAA) about 150, preview (per-vertex
lighting) about 300; see ``likeness bench``."""


class Renderer:
    """Renders an avatar to RGB images, one face frame at a time.

    Parameters
    ----------
    size : int
        Width and height of the square image in pixels (16..4096).
    avatar : Avatar, optional
        Defaults to :func:`likeness.avatar.default_avatar`.
    camera : Camera, optional
    lights : Lighting or sequence of Light, optional
        Directional lights (and ambient, with a Lighting); defaults to a three-light studio.
    samples : int
        MSAA samples per pixel (1 disables anti-aliasing).
    shading : {"pixel", "vertex"}
        Light every pixel (for files), or every vertex and interpolate: a fast preview, since on
        a CPU rasteriser the per-pixel lighting is most of a frame's cost.

    Examples
    --------
    >>> with Renderer(size=256) as renderer:  # doctest: +SKIP
    ...     rgb = renderer.render(FaceFrame.neutral())
    """

    def __init__(
        self,
        size: int = 512,
        avatar: Avatar | None = None,
        camera: Camera | PhotoCamera | None = None,
        lights: Lighting | Sequence[Light] | None = None,
        *,
        samples: int = 4,
        shading: str = "pixel",
    ) -> None:
        import moderngl

        if not 16 <= int(size) <= 4096:
            raise InputError(f"render size must be 16..4096 pixels, got {size}")
        if shading not in PROGRAMS:
            raise InputError(f"shading must be one of {sorted(PROGRAMS)}, got {shading!r}")
        if avatar is None:
            from likeness.avatar import default_avatar

            avatar = default_avatar()
        self.size = int(size)
        self.avatar = avatar
        self.camera = camera or (
            PhotoCamera.of(avatar.view_projection)
            if avatar.view_projection is not None
            else Camera()
        )
        self.lighting = (
            lights
            if isinstance(lights, Lighting)
            else Lighting(tuple(lights))
            if lights
            else Lighting()
        )
        try:
            context = moderngl.create_standalone_context(backend="egl")  # type: ignore[arg-type]
        except Exception as e:  # moderngl raises bare Exception when EGL is missing
            raise SinkError(
                f"could not create an OpenGL context through EGL ({e}); install Mesa's EGL "
                "(Debian: libegl1 libegl-mesa0 libgl1-mesa-dri libgl1)"
            ) from e
        self._ctx: moderngl.Context | None = context
        samples = min(int(samples), context.max_samples) if samples > 1 else 0
        shape = (self.size, self.size)
        self._fbo = context.framebuffer(
            color_attachments=[context.renderbuffer(shape, 4, samples=samples)],
            depth_attachment=context.depth_renderbuffer(shape, samples=samples),
        )
        self._resolved = (
            context.framebuffer(color_attachments=[context.renderbuffer(shape, 4)])
            if samples
            else self._fbo
        )
        vertex_shader, fragment_shader = PROGRAMS[shading]
        self._program = context.program(
            vertex_shader=vertex_shader, fragment_shader=fragment_shader
        )
        self._photo_program = (
            context.program(vertex_shader=PHOTO_PROGRAM[0], fragment_shader=PHOTO_PROGRAM[1])
            if any(part.texture is not None for part in avatar.parts)
            else None
        )
        self._parts = [self._upload(context, part) for part in avatar.parts]
        self._set_scene_uniforms()
        log.debug(
            "renderer ready: %s, %d px, %d samples",
            context.info["GL_RENDERER"],
            self.size,
            samples,
        )

    def _upload(self, ctx: moderngl.Context, part: Part) -> _GpuPart:
        moving = np.abs(part.deltas_m).reshape(len(part.deltas_m), -1).max(axis=1) > 0
        triangles = part.triangles.astype(np.int64)
        incidence = vertex_face_incidence(len(part.positions_m), triangles)
        normals = vertex_normals(part.positions_m, triangles, incidence)
        positions_vbo = ctx.buffer(part.positions_m.astype("f4").tobytes(), dynamic=True)
        normals_vbo = ctx.buffer(normals.astype("f4").tobytes(), dynamic=True)
        colors_vbo = ctx.buffer(part.colors.astype("f4").tobytes())
        weight_vbo = ctx.buffer(part.head_weight.astype("f4").tobytes())
        ibo = ctx.buffer(part.triangles.astype("u4").tobytes())
        attributes = [
            (positions_vbo, "3f", "in_position"),
            (colors_vbo, "3f", "in_color"),
            (weight_vbo, "1f", "in_head_weight"),
        ]
        texture = None
        if part.texture is not None and self._photo_program is not None:
            program = self._photo_program
            attributes.append((ctx.buffer(part.uv.astype("f4").tobytes()), "2f", "in_uv"))
            h, w = part.texture.shape[:2]
            # Rows go up top row first, so that glTF's v (0 at the top) samples them as it is.
            texture = ctx.texture((w, h), 3, np.ascontiguousarray(part.texture, np.uint8).tobytes())
            texture.filter = (ctx.LINEAR_MIPMAP_LINEAR, ctx.LINEAR)
            texture.build_mipmaps()
            texture.repeat_x = texture.repeat_y = False
        else:
            program = self._program
            attributes.append((normals_vbo, "3f", "in_normal"))
        vao = ctx.vertex_array(program, attributes, index_buffer=ibo, index_element_size=4)
        return _GpuPart(
            part, np.flatnonzero(moving), incidence, positions_vbo, normals_vbo, vao, texture
        )

    @property
    def _programs(self) -> list[moderngl.Program]:
        return [p for p in (self._program, self._photo_program) if p is not None]

    def _set_scene_uniforms(self) -> None:
        program, lights = self._program, self.lighting.lights
        for each in self._programs:
            _set(each, "u_view_projection", self.camera.view_projection(1.0).T.copy())
            _set_value(each, "u_pivot", tuple(float(x) for x in self.avatar.neck_pivot_m))
        _set_value(program, "u_camera", tuple(float(x) for x in self.camera.eye_m()))
        directions = np.zeros((MAX_LIGHTS, 3), np.float32)
        colors = np.zeros((MAX_LIGHTS, 3), np.float32)
        for i, light in enumerate(lights):
            directions[i] = np.asarray(light.direction) / np.linalg.norm(light.direction)
            colors[i] = light.color
        _set(program, "u_light_direction", directions)
        _set(program, "u_light_color", colors)
        _set_value(program, "u_sky", self.lighting.sky)
        _set_value(program, "u_ground", self.lighting.ground)

    def render(self, frame: FaceFrame) -> np.ndarray:
        """Draw the avatar with ``frame``'s weights, head rotation and gaze.

        Parameters
        ----------
        frame : FaceFrame
            Weights 0..1 drive the morph targets; ``head_rotation`` turns the head about the
            neck; ``eyes_rad`` turns the eyeballs. ``head_translation_m`` is ignored: the camera
            keeps the head framed.

        Returns
        -------
        ndarray, uint8, shape (size, size, 3)
            RGB, top row first.
        """
        if self._ctx is None:
            raise SinkError("the renderer is closed")
        with self._ctx:  # make this renderer's context current: several may be open at once
            return self._draw(self._ctx, frame)

    @property
    def gl_renderer(self) -> str:
        """The OpenGL implementation drawing, e.g. ``llvmpipe (LLVM 15.0.6, 256 bits)``."""
        return str(self._ctx.info["GL_RENDERER"]) if self._ctx is not None else "closed"

    def _draw(self, ctx: moderngl.Context, frame: FaceFrame) -> np.ndarray:
        weights = np.asarray(frame.weights, np.float32)
        rotation = Rotation.from_quat(np.asarray(frame.head_rotation, np.float64)).as_matrix()
        for each in self._programs:
            _set(each, "u_head_rotation", rotation.astype(np.float32).T.copy())
        self._fbo.use()
        self._fbo.clear(*self.camera.background, 1.0)
        # Back faces never show: the mouth's inside is its own inward-facing part.
        ctx.enable(ctx.DEPTH_TEST | ctx.CULL_FACE)
        for gpu in self._parts:
            self._morph(gpu, weights)
            part = gpu.part
            if gpu.texture is not None:
                program = cast("moderngl.Program", self._photo_program)
                gpu.texture.use(0)
            else:
                program = self._program
                wrap, roughness, f0, depth_occlusion, occlusion = MATERIALS[part.material]
                _set_value(program, "u_wrap", wrap)
                _set_value(program, "u_roughness", roughness)
                _set_value(program, "u_f0", f0)
                _set_value(program, "u_depth_occlusion", depth_occlusion)
                _set_value(program, "u_occlusion", occlusion)
            if part.eye >= 0:
                yaw, pitch = (float(a) for a in frame.eyes_rad[part.eye])
                eye = Rotation.from_euler("YX", [yaw, pitch]).as_matrix().astype(np.float32)
                _set_value(
                    program,
                    "u_eye_center",
                    tuple(float(x) for x in self.avatar.eye_centers_m[part.eye]),
                )
            else:
                eye = _IDENTITY3
                _set_value(program, "u_eye_center", (0.0, 0.0, 0.0))
            _set(program, "u_eye_rotation", eye.T.copy())
            gpu.vao.render()
        if self._resolved is not self._fbo:
            ctx.copy_framebuffer(self._resolved, self._fbo)
        data = self._resolved.read(components=3, alignment=1)
        return np.frombuffer(data, np.uint8).reshape(self.size, self.size, 3)[::-1]

    def _morph(self, gpu: _GpuPart, weights: np.ndarray) -> None:
        """Upload morphed positions and normals when this part's active weights changed."""
        if not len(gpu.active_targets):
            return
        active = weights[gpu.active_targets]
        if gpu.last_weights is not None and np.array_equal(active, gpu.last_weights):
            return
        gpu.last_weights = active.copy()
        used = np.abs(active) > 1e-5
        part = gpu.part
        positions = part.positions_m
        if used.any():
            targets = gpu.active_targets[used]
            positions = positions + np.tensordot(active[used], part.deltas_m[targets], axes=1)
        gpu.positions.write(positions.astype("f4").tobytes())
        if gpu.texture is None:  # photo parts are unlit
            gpu.normals.write(vertex_normals(positions, part.triangles, gpu.incidence).tobytes())

    def close(self) -> None:
        """Release the OpenGL context."""
        if self._ctx is not None:
            self._ctx.release()
            self._ctx = None

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _set(program: moderngl.Program, name: str, array: np.ndarray) -> None:
    """Write a uniform from an array (matrices column-major, as GLSL reads them)."""
    cast("moderngl.Uniform", program[name]).write(np.ascontiguousarray(array, np.float32).tobytes())


def _set_value(program: moderngl.Program, name: str, value: Any) -> None:
    """Set a scalar or vector uniform."""
    cast("moderngl.Uniform", program[name]).value = value
