"""GLSL for the avatar: head pose and gaze in the vertex stage; skin with a subsurface
approximation, eyes with a glossy cornea, enamel and a wet tongue.

The lighting function is written once (:data:`SHADE`) and run either per pixel (``"pixel"``
shading, for files) or per vertex (``"vertex"`` shading, a fast preview: on a CPU rasteriser
the per-pixel work is most of a frame).
"""

MAX_LIGHTS = 4

MATERIALS = {
    # wrap (per channel), roughness, F0, occlusion by depth in the mouth (0/1), constant occlusion
    # Per channel wrap: red light scatters furthest under skin, softening the terminator and
    # tinting it red (a cheap stand-in for pre-integrated skin shading).
    "skin": ((0.55, 0.28, 0.22), 0.45, 0.028, 0.0, 1.0),
    "eye": ((0.0, 0.0, 0.0), 0.08, 0.05, 0.0, 1.0),
    "teeth": ((0.2, 0.2, 0.2), 0.32, 0.04, 1.0, 1.0),
    "tongue": ((0.45, 0.25, 0.2), 0.38, 0.03, 1.0, 1.0),
    "mouth": ((0.3, 0.2, 0.2), 0.6, 0.02, 0.0, 0.25),
    "photo": ((0.0, 0.0, 0.0), 1.0, 0.0, 0.0, 1.0),  # matte; a textured photo part is unlit
}
"""Shading parameters per avatar material."""

# Written for llvmpipe as much as for GPUs: a constant-bound light loop (unrolled), no pow(),
# no branches on the material, so the CPU rasteriser's SIMD lanes stay full.
SHADE = f"""
#define MAX_LIGHTS {MAX_LIGHTS}
uniform vec3 u_camera;
uniform vec3 u_light_direction[MAX_LIGHTS];
uniform vec3 u_light_color[MAX_LIGHTS];
uniform vec3 u_sky;
uniform vec3 u_ground;
uniform vec3 u_wrap;
uniform float u_roughness;
uniform float u_f0;
uniform float u_depth_occlusion;
uniform float u_occlusion;

// Lit colour, display-ready (tone-mapped, sRGB), of albedo (sRGB) at a point with a normal;
// `rest` is the point before head pose, for the occlusion deep in the mouth.
vec3 shade(vec3 position, vec3 rest, vec3 normal, vec3 srgb) {{
    vec3 albedo = srgb * srgb;  // sRGB to linear, gamma 2
    vec3 n = normalize(normal);
    vec3 v = normalize(u_camera - position);
    float a2 = u_roughness * u_roughness;
    a2 *= a2;
    vec3 wrapped = (1.0 + u_wrap) * (1.0 + u_wrap);
    vec3 color = albedo * mix(u_ground, u_sky, 0.5 + 0.5 * n.y);
    for (int i = 0; i < MAX_LIGHTS; ++i) {{
        vec3 l = u_light_direction[i];
        float nl = dot(n, l);
        vec3 diffuse = clamp((vec3(nl) + u_wrap) / wrapped, 0.0, 1.0);
        vec3 h = normalize(v + l);
        float nh = max(dot(n, h), 0.0);
        float d = nh * nh * (a2 - 1.0) + 1.0;
        float vh = 1.0 - max(dot(v, h), 0.0);
        float vh2 = vh * vh;
        float fresnel = u_f0 + (1.0 - u_f0) * vh2 * vh2 * vh;
        // GGX distribution with the Kelemen-style visibility 1 / (4 (v.h)^2).
        float specular = a2 / (3.14159265 * d * d) * fresnel * max(nl, 0.0)
                         / (4.0 * max((1.0 - vh) * (1.0 - vh), 0.05));
        color += u_light_color[i] * (albedo * diffuse + specular);
    }}
    // Teeth and tongue sit in the shadow of the lips: darker the deeper they are.
    float depth = clamp(0.25 + (rest.z + 0.028) * 30.0, 0.2, 1.0);
    color *= u_occlusion * mix(1.0, depth, u_depth_occlusion);
    // Filmic curve (Narkowicz's ACES fit), then linear to sRGB (gamma 2).
    color = (color * (2.51 * color + 0.03)) / (color * (2.43 * color + 0.59) + 0.14);
    return sqrt(clamp(color, 0.0, 1.0));
}}
"""

_POSE = """
uniform mat4 u_view_projection;
uniform mat3 u_head_rotation;
uniform vec3 u_pivot;
uniform mat3 u_eye_rotation;
uniform vec3 u_eye_center;
in vec3 in_position;
in vec3 in_normal;
in vec3 in_color;
in float in_head_weight;

// Gaze turns an eye about its centre; head pose turns the head about the top of the neck, and
// the neck blends from the body (weight 0) to the head (weight 1).
void pose(out vec3 p, out vec3 rest, out vec3 n) {
    rest = u_eye_center + u_eye_rotation * (in_position - u_eye_center);
    n = u_eye_rotation * in_normal;
    p = mix(rest, u_pivot + u_head_rotation * (rest - u_pivot), in_head_weight);
    n = mix(n, u_head_rotation * n, in_head_weight);
    gl_Position = u_view_projection * vec4(p, 1.0);
}
"""

PROGRAMS = {
    "pixel": (
        "#version 330\n"
        + _POSE
        + """
out vec3 v_position;
out vec3 v_rest;
out vec3 v_normal;
out vec3 v_color;
void main() {
    pose(v_position, v_rest, v_normal);
    v_color = in_color;
}
""",
        "#version 330\n"
        + SHADE
        + """
in vec3 v_position;
in vec3 v_rest;
in vec3 v_normal;
in vec3 v_color;
out vec4 f_color;
void main() { f_color = vec4(shade(v_position, v_rest, v_normal, v_color), 1.0); }
""",
    ),
    "vertex": (
        "#version 330\n"
        + _POSE
        + SHADE
        + """
out vec3 v_lit;
void main() {
    vec3 p, rest, n;
    pose(p, rest, n);
    v_lit = shade(p, rest, n, in_color);
}
""",
        """#version 330
in vec3 v_lit;
out vec4 f_color;
void main() { f_color = vec4(v_lit, 1.0); }
""",
    ),
}
"""(vertex shader, fragment shader) per shading mode."""

PHOTO_PROGRAM = (
    "#version 330\n"
    + _POSE
    + """
in vec2 in_uv;
out vec2 v_uv;
out vec3 v_color;
void main() {
    vec3 p, rest, n;
    pose(p, rest, n);
    v_uv = in_uv;
    v_color = in_color;
}
""",
    """#version 330
uniform sampler2D u_texture;
in vec2 v_uv;
in vec3 v_color;
out vec4 f_color;
void main() { f_color = vec4(texture(u_texture, v_uv).rgb * v_color, 1.0); }
""",
)
"""(vertex shader, fragment shader) for a photo's own pixels: unlit, since the photo already
holds its light; the vertex colour darkens (the inside of an opening mouth) or leaves it."""
