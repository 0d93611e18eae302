"""Which ARKit morph targets a GLB carries, and clear refusals when it is no use."""

from __future__ import annotations

import struct

import pytest

from likeness.blendshapes import NAMES
from likeness.errors import InputError
from likeness.server.glb import check_glb
from tests.server.conftest import face_glb


def test_a_face_with_all_52_shapes():
    report = check_glb(face_glb())
    assert report.present == NAMES and report.missing == () and report.n_meshes_with_targets == 1


def test_a_glb_without_morph_targets_lists_what_is_missing():
    with pytest.raises(InputError) as error:
        check_glb(face_glb(morph_targets=False), name="statue.glb")
    message = str(error.value)
    assert message.startswith("statue.glb: no morph targets")
    assert all(name in message for name in NAMES)


def test_partly_named_targets_report_the_rest_as_missing():
    data = face_glb()
    # Rename jawOpen inside the JSON chunk (same length, so the container stays valid).
    data = data.replace(b'"jawOpen"', b'"jawOpem"', 1)
    report = check_glb(data)
    assert report.missing == ("jawOpen",) and len(report.present) == 51


@pytest.mark.parametrize(
    "mangle, complaint",
    [
        (lambda d: d[:10], "too short"),
        (lambda d: b"GLTF" + d[4:], "expected a GLB"),
        (lambda d: d[:4] + struct.pack("<I", 1) + d[8:], "version 1"),
        (lambda d: d[:-100], "truncated"),
        (lambda d: d[:20] + b"{not json" + d[29:], "not valid JSON"),
    ],
)
def test_broken_files_are_refused(mangle, complaint):
    with pytest.raises(InputError, match=complaint):
        check_glb(mangle(face_glb()), name="broken.glb")


@pytest.mark.parametrize("version, jaw", [("1.0", "aa"), ("0.x", "a")])
def test_a_vrm_upload_is_checked_for_the_expressions_it_can_make_arkit_channels_from(
    tmp_path, version, jaw
):
    from likeness.server.glb import check_glb
    from tests.server.test_server_browser import vrm_glb

    report = check_glb(vrm_glb(tmp_path, version), name="avatar.vrm")
    assert report.present == ()
    assert report.mapped["jawOpen"] == jaw and report.mapped["eyeBlinkRight"] == "blink"
    assert "cheekPuff" in report.missing and "jawOpen" not in report.missing
