import numpy as np
import pygltflib
import pytest

from likeness.avatar import default_avatar
from likeness.avatar.gltf import read_glb, write_glb
from likeness.blendshapes import NAMES, pascal_case
from likeness.cli import main
from likeness.errors import InputError


def test_glb_passes_the_khronos_validator_without_errors_or_warnings(avatar_glb, validate_gltf):
    report = validate_gltf(avatar_glb)
    issues = report["issues"]
    assert issues["numErrors"] == 0, issues["messages"][:5]
    assert issues["numWarnings"] == 0, issues["messages"][:5]
    info = report["info"]
    assert info["animationCount"] == 0 and info["hasMorphTargets"] and info["hasSkins"]


def test_glb_loads_back_with_arkit_names_counts_bones_and_eyes(avatar_glb):
    gltf = pygltflib.GLTF2().load_binary(str(avatar_glb))
    head = next(m for m in gltf.meshes if m.name == "Head")
    assert head.extras["targetNames"][:52] == list(NAMES)
    assert len(head.weights) == len(head.extras["targetNames"]) == 72
    assert all(len(p.targets) == 72 for p in head.primitives)
    node_names = {n.name for n in gltf.nodes}
    assert {"Head", "Neck", "LeftEye", "RightEye"} <= node_names
    left_eye = next(n for n in gltf.nodes if n.name == "LeftEye")
    assert left_eye.translation[0] > 0  # the avatar's own left is +x
    avatar = default_avatar()
    n_vertices = sum(
        gltf.accessors[p.attributes.POSITION].count for m in gltf.meshes for p in m.primitives
    )
    assert n_vertices == avatar.n_vertices


def test_read_glb_gives_back_the_same_avatar(avatar_glb):
    original, loaded = default_avatar(), read_glb(avatar_glb)
    assert len(loaded.parts) == len(original.parts)
    for part in loaded.parts:
        twin = min(
            (p for p in original.parts if p.positions_m.shape == part.positions_m.shape),
            key=lambda p: np.abs(p.positions_m - part.positions_m).max(),
        )
        assert twin.material == part.material
        np.testing.assert_allclose(part.positions_m, twin.positions_m, atol=1e-6)
        np.testing.assert_allclose(part.deltas_m, twin.deltas_m, atol=1e-6)
        np.testing.assert_allclose(part.head_weight, twin.head_weight, atol=1e-6)
        np.testing.assert_allclose(part.colors, twin.colors, atol=1e-3)
        assert part.eye == twin.eye
    np.testing.assert_allclose(loaded.eye_centers_m, original.eye_centers_m, atol=1e-6)
    np.testing.assert_allclose(loaded.neck_pivot_m, original.neck_pivot_m, atol=1e-6)


def _rewrite(source, target, edit):
    gltf = pygltflib.GLTF2().load_binary(str(source))
    edit(gltf)
    gltf.save_binary(str(target))
    return target


def test_read_glb_accepts_pascal_case_and_prefixed_target_names_without_bones(avatar_glb, tmp_path):
    def rename_and_unrig(gltf):
        head = next(m for m in gltf.meshes if m.name == "Head")
        head.extras["targetNames"] = [f"blendShape1.{pascal_case(n)}" for n in NAMES]
        for node in gltf.nodes:
            node.name = f"node{id(node) % 1000}"

    loaded = read_glb(_rewrite(avatar_glb, tmp_path / "pascal.glb", rename_and_unrig))
    skin = max(loaded.parts, key=lambda p: len(p.positions_m))
    assert np.abs(skin.deltas_m).reshape(52, -1).max(axis=1).min() > 0
    assert all(p.eye == -1 for p in loaded.parts)  # no eye bones: eyes stay put


def test_read_glb_reports_the_arkit_targets_it_has_nothing_for(avatar_glb, tmp_path, caplog):
    def drop(gltf):
        head = next(m for m in gltf.meshes if m.name == "Head")
        head.extras["targetNames"] = [
            n if n not in ("tongueOut", "cheekPuff") else "custom" for n in NAMES
        ] + head.extras["targetNames"][52:]

    loaded = read_glb(_rewrite(avatar_glb, tmp_path / "partial.glb", drop))
    assert set(NAMES) - set(loaded.channel_sources) == {"cheekPuff", "tongueOut"}
    assert "2 missing, left still (cheekPuff, tongueOut)" in caplog.text
    skin = max(loaded.parts, key=lambda p: len(p.positions_m))
    assert not np.any(skin.deltas_m[NAMES.index("tongueOut")])


@pytest.mark.parametrize("content", [b"", b"glTF\x02\x00\x00\x00garbage", b"not a glb at all" * 10])
def test_read_glb_rejects_files_that_are_not_glb(tmp_path, content):
    path = tmp_path / "bad.glb"
    path.write_bytes(content)
    with pytest.raises(InputError, match="bad.glb"):
        read_glb(path)


def test_avatar_command_writes_a_glb_and_refuses_other_suffixes(tmp_path):
    assert main(["avatar", "-o", str(tmp_path / "a.glb")]) == 0
    assert read_glb(tmp_path / "a.glb").n_triangles == default_avatar().n_triangles
    assert main(["avatar", "-o", str(tmp_path / "a.obj")]) == 2
    assert not (tmp_path / "a.obj").exists()
    assert write_glb is not None


def test_read_glb_finds_the_head_of_a_standing_avatar(avatar_glb, tmp_path):
    # A full-body avatar's head sits about 1.6 m up: the import moves it back to the origin.
    def stand_up(gltf):
        root = next(n for n in gltf.nodes if n.name == "likeness")
        root.translation = [0.0, 1.6, 0.02]

    original = default_avatar()
    loaded = read_glb(_rewrite(avatar_glb, tmp_path / "standing.glb", stand_up))
    skin = max(loaded.parts, key=lambda p: len(p.positions_m))
    twin = max(original.parts, key=lambda p: len(p.positions_m))
    np.testing.assert_allclose(skin.positions_m, twin.positions_m, atol=1e-5)
    np.testing.assert_allclose(loaded.eye_centers_m, original.eye_centers_m, atol=1e-5)


def test_the_oculus_visemes_and_five_browser_morphs_are_made_from_the_arkit_targets(avatar_glb):
    """Each extra target is its ARKit combination: viseme_aa is the lip-sync's "aa" pose,
    eyesClosed is both blinks."""
    from likeness.speech.coarticulation import VISEME_POSES

    gltf = pygltflib.GLTF2().load_binary(str(avatar_glb))
    blob = gltf.binary_blob()
    head = next(m for m in gltf.meshes if m.name == "Head")
    names = head.extras["targetNames"]
    visemes = ["sil", "PP", "FF", "TH", "DD", "kk", "CH", "SS", "nn", "RR", "aa", "E", "I", "O",
               "U"]
    extras = ["mouthOpen", "mouthSmile", "eyesClosed", "eyesLookUp", "eyesLookDown"]
    assert names[52:] == [f"viseme_{v}" for v in visemes] + extras

    def target(primitive, name):
        accessor = gltf.accessors[primitive.targets[names.index(name)]["POSITION"]]
        if accessor.bufferView is None:
            return np.zeros((accessor.count, 3), np.float32)
        view = gltf.bufferViews[accessor.bufferView]
        return np.frombuffer(blob, np.float32, accessor.count * 3,
                             view.byteOffset or 0).reshape(-1, 3)

    skin = head.primitives[0]
    closed = target(skin, "eyeBlinkLeft") + target(skin, "eyeBlinkRight")
    assert np.abs(target(skin, "eyesClosed") - closed).max() < 1e-6
    aa = sum(w * target(skin, n) for n, w in zip(NAMES, VISEME_POSES["aa"], strict=True) if w)
    assert np.abs(target(skin, "viseme_aa") - aa).max() < 1e-6
    assert np.abs(target(skin, "viseme_aa")).max() > 1e-3
    assert not np.any(target(skin, "viseme_sil"))
