"""GLSL for the avatar: head pose and gaze in the vertex stage; skin with a subsurface
approximation, eyes with a glossy cornea, enamel and a wet tongue in the fragment stage."""

MATERIAL_CODES = {"skin": 0, "eye": 1, "teeth": 2, "tongue": 3, "mouth": 4}
MAX_LIGHTS = 4

VERTEX = """
#version 330
uniform mat4 u_view_projection;
uniform mat3 u_head_rotation;
uniform vec3 u_pivot;
uniform mat3 u_eye_rotation;
uniform vec3 u_eye_center;
in vec3 in_position;
in vec3 in_normal;
in vec3 in_color;
in float in_head_weight;
out vec3 v_position;
out vec3 v_rest;
out vec3 v_normal;
out vec3 v_color;
void main() {
    vec3 p = u_eye_center + u_eye_rotation * (in_position - u_eye_center);
    vec3 n = u_eye_rotation * in_normal;
    v_rest = p;
    // The neck blends from the body (weight 0) to the head (weight 1).
    p = mix(p, u_pivot + u_head_rotation * (p - u_pivot), in_head_weight);
    n = mix(n, u_head_rotation * n, in_head_weight);
    v_position = p;
    v_normal = n;
    v_color = in_color;
    gl_Position = u_view_projection * vec4(p, 1.0);
}
"""

FRAGMENT = f"""
#version 330
#define MAX_LIGHTS {MAX_LIGHTS}
uniform int u_material;
uniform vec3 u_camera;
uniform int u_n_lights;
uniform vec3 u_light_direction[MAX_LIGHTS];
uniform vec3 u_light_color[MAX_LIGHTS];
uniform vec3 u_sky;
uniform vec3 u_ground;
in vec3 v_position;
in vec3 v_rest;
in vec3 v_normal;
in vec3 v_color;
out vec4 f_color;

const float PI = 3.14159265;

float ggx_specular(vec3 n, vec3 v, vec3 l, float roughness, float f0) {{
    vec3 h = normalize(v + l);
    float a2 = roughness * roughness * roughness * roughness;
    float nh = max(dot(n, h), 0.0), nv = max(dot(n, v), 1e-3), nl = max(dot(n, l), 0.0);
    float d = a2 / (PI * pow(nh * nh * (a2 - 1.0) + 1.0, 2.0));
    float k = roughness * roughness / 2.0;
    float vis = 1.0 / ((nv * (1.0 - k) + k) * (nl * (1.0 - k) + k));
    float fresnel = f0 + (1.0 - f0) * pow(1.0 - max(dot(v, h), 0.0), 5.0);
    return d * vis * fresnel * nl / 4.0;
}}

void main() {{
    vec3 albedo = pow(v_color, vec3(2.2));
    vec3 n = normalize(v_normal);
    vec3 v = normalize(u_camera - v_position);
    // Per channel wrap: red light scatters furthest under skin, softening the terminator
    // and tinting it red (a cheap stand-in for pre-integrated skin shading).
    vec3 wrap = vec3(0.0);
    float roughness = 0.5, f0 = 0.03, occlusion = 1.0;
    if (u_material == 0) {{ wrap = vec3(0.55, 0.28, 0.22); roughness = 0.45; f0 = 0.028; }}
    else if (u_material == 1) {{ roughness = 0.08; f0 = 0.05; }}
    else if (u_material == 2) {{ wrap = vec3(0.2); roughness = 0.32; f0 = 0.04; }}
    else {{ wrap = vec3(0.45, 0.25, 0.2); roughness = 0.38; f0 = 0.03; }}
    if (u_material >= 2) {{
        // Teeth and tongue sit in the shadow of the lips: darker the deeper they are.
        occlusion = clamp(0.25 + (v_rest.z + 0.028) * 30.0, 0.2, 1.0);
    }}
    if (u_material == 4) {{ occlusion = 0.25; }}
    vec3 color = albedo * mix(u_ground, u_sky, 0.5 + 0.5 * n.y);
    for (int i = 0; i < u_n_lights; ++i) {{
        vec3 l = normalize(u_light_direction[i]);
        float nl = dot(n, l);
        vec3 diffuse = clamp((vec3(nl) + wrap) / ((1.0 + wrap) * (1.0 + wrap)), 0.0, 1.0);
        color += u_light_color[i] * (albedo * diffuse + ggx_specular(n, v, l, roughness, f0));
    }}
    color *= occlusion;
    // Filmic curve (Narkowicz's ACES fit), then sRGB gamma.
    color = (color * (2.51 * color + 0.03)) / (color * (2.43 * color + 0.59) + 0.14);
    color = clamp(color, 0.0, 1.0);
    f_color = vec4(pow(color, vec3(1.0 / 2.2)), 1.0);
}}
"""
