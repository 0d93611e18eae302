"""Avatars people bring: VRM 1.0 and 0.x expressions and glTF files missing ARKit targets have
their channels made from what they have, and reported; VRM humanoid eye bones drive gaze."""

from __future__ import annotations

import numpy as np
import pytest

from likeness.avatar.gltf import read_glb
from likeness.blendshapes import INDEX, NAMES
from tests.avatar.test_gltf import _rewrite

HEAD_MESH_NODE = 3  # write_glb's skinned head: nodes 0 root, 1 Neck, 2 Head, 3 mesh, 4/5 eyes


def _anonymous(gltf):
    """Target names and bone names a converter might leave: nothing ARKit, nothing known."""
    head = next(m for m in gltf.meshes if m.name == "Head")
    head.extras["targetNames"] = [f"Fcl_{k}" for k in range(len(head.extras["targetNames"]))]
    for k, node in enumerate(gltf.nodes):
        node.name = f"J_Bip_{k}"


def _skin(avatar):
    return max(avatar.parts, key=lambda p: len(p.positions_m))


def _left_share(part, slot):
    """Share of a channel's motion on the avatar's left (+x) half."""
    motion = np.linalg.norm(part.deltas_m[slot], axis=1)
    return motion[part.positions_m[:, 0] > 0.005].sum() / motion.sum()


def test_a_vrm_1_avatar_maps_presets_and_perfect_sync_expressions(avatar_glb, tmp_path, caplog):
    def vrm1(gltf):
        _anonymous(gltf)
        def bind(*names):
            return {"morphTargetBinds": [{"node": HEAD_MESH_NODE, "index": INDEX[n],
                                          "weight": 1.0} for n in names]}
        gltf.extensionsUsed = ["VRMC_vrm"]
        gltf.extensions = {"VRMC_vrm": {
            "specVersion": "1.0",
            "humanoid": {"humanBones": {"head": {"node": 2}, "leftEye": {"node": 4},
                                        "rightEye": {"node": 5}}},
            "expressions": {
                "preset": {"aa": bind("jawOpen"), "blink": bind("eyeBlinkLeft", "eyeBlinkRight"),
                           "happy": bind("mouthSmileLeft", "mouthSmileRight")},
                "custom": {"mouthPucker": bind("mouthPucker"),
                           "browInnerUp": bind("browInnerUp")},
            },
        }}

    loaded = read_glb(_rewrite(avatar_glb, tmp_path / "avatar.vrm.glb", vrm1))
    sources = loaded.channel_sources
    assert sources["jawOpen"] == "aa" and sources["eyeBlinkLeft"] == "blink"
    assert sources["mouthSmileRight"] == "happy"
    assert sources["mouthPucker"] == "mouthpucker"  # perfect sync: its own name
    assert "cheekPuff" not in sources and "made from other expressions" in caplog.text
    skin = _skin(loaded)
    # One side of a two-sided expression: the left blink closes the left eye only.
    assert _left_share(skin, INDEX["eyeBlinkLeft"]) > 0.95
    assert _left_share(skin, INDEX["eyeBlinkRight"]) < 0.05
    assert np.abs(skin.deltas_m[INDEX["jawOpen"]]).max() > 5e-3
    assert {p.eye for p in loaded.parts} >= {0, 1}  # humanoid eye bones turn the eyes


def test_a_vrm_0_avatar_faces_forward_and_maps_its_blend_shape_groups(avatar_glb, tmp_path):
    def vrm0(gltf):
        _anonymous(gltf)
        gltf.nodes[0].rotation = [0.0, 1.0, 0.0, 0.0]  # VRM 0.x avatars face -z
        def group(preset, *names, weight=100):
            return {"name": preset.upper(), "presetName": preset,
                    "binds": [{"mesh": 0, "index": INDEX[n], "weight": weight} for n in names]}
        gltf.extensionsUsed = ["VRM"]
        gltf.extensions = {"VRM": {
            "humanoid": {"humanBones": [{"bone": "head", "node": 2},
                                        {"bone": "leftEye", "node": 4},
                                        {"bone": "rightEye", "node": 5}]},
            "blendShapeMaster": {"blendShapeGroups": [
                group("a", "jawOpen", weight=50), group("blink_l", "eyeBlinkLeft"),
                group("blink_r", "eyeBlinkRight"), group("joy", "mouthSmileLeft"),
                group("o", "mouthFunnel"),
            ]},
        }}

    loaded = read_glb(_rewrite(avatar_glb, tmp_path / "avatar0.glb", vrm0))
    sources = loaded.channel_sources
    assert sources["jawOpen"] == "a" and sources["eyeBlinkLeft"] == "blink_l"
    assert sources["mouthFunnel"] == "o" and sources["mouthSmileLeft"] == "joy"
    skin = _skin(loaded)
    reference = _skin(read_glb(avatar_glb))
    np.testing.assert_allclose(skin.positions_m, reference.positions_m, atol=1e-6)
    assert _left_share(skin, INDEX["eyeBlinkLeft"]) > 0.95  # its own left is still its left
    # VRM 0.x weights are percentages: "a" at 50 is half the jaw.
    np.testing.assert_allclose(skin.deltas_m[INDEX["jawOpen"]],
                               0.5 * reference.deltas_m[INDEX["jawOpen"]], atol=1e-6)


def test_missing_arkit_targets_are_made_from_visemes_and_browser_morphs(avatar_glb, tmp_path):
    def drop(gltf):
        head = next(m for m in gltf.meshes if m.name == "Head")
        names = head.extras["targetNames"]
        head.extras["targetNames"] = [
            "gone" if n in ("jawOpen", "eyeBlinkLeft", "eyeBlinkRight") else n for n in names
        ]

    loaded = read_glb(_rewrite(avatar_glb, tmp_path / "rpm.glb", drop))
    assert loaded.channel_sources["jawOpen"] == "viseme_aa"
    assert loaded.channel_sources["eyeBlinkLeft"] == "eyesclosed"
    skin = _skin(loaded)
    assert _left_share(skin, INDEX["eyeBlinkLeft"]) > 0.95


def test_a_file_with_nothing_to_make_arkit_channels_from_is_refused(avatar_glb, tmp_path):
    from likeness.errors import InputError

    with pytest.raises(InputError, match="no ARKit morph targets"):
        read_glb(_rewrite(avatar_glb, tmp_path / "bare.glb", _anonymous))


def test_every_fallback_names_an_arkit_channel():
    from likeness.avatar.expressions import FALLBACKS

    assert set(FALLBACKS) <= set(NAMES)
