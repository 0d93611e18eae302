from pathlib import Path

import numpy as np
import pytest

from likeness.blendshapes import INDEX
from likeness.errors import InputError
from likeness.formats import read_animation, write_animation
from likeness.formats.livelink_csv import HEADER, format_timecode, parse_timecode
from likeness.frame import Animation, quaternions_from_euler
from likeness.trust import output_guard

APP_HEADER = Path(__file__).parent / "livelink_face_csv_header.txt"


def test_header_is_the_apps_header_exactly():
    assert ",".join(HEADER) == APP_HEADER.read_text().strip()


@pytest.mark.parametrize(
    "t_s,fps,text",
    [(0.0, 60, "00:00:00:00.000"), (1.5, 60, "00:00:01:30.000"), (3661.025, 60, "01:01:01:01.500")],
)
def test_timecode(t_s, fps, text):
    assert format_timecode(t_s, fps) == text
    seconds, frame, fraction = parse_timecode(text)
    assert seconds + (frame + fraction) / fps == pytest.approx(t_s, abs=1e-6)


def _take(rng, n=150, fps=60.0):
    anim = Animation.neutral(n, fps)
    anim.weights[:] = rng.uniform(0, 1, anim.weights.shape)
    anim.head_rotation[:] = quaternions_from_euler(rng.uniform(-0.4, 0.4, (n, 3)))
    anim.eyes_rad[:] = rng.uniform(-0.3, 0.3, anim.eyes_rad.shape)
    return anim


@pytest.mark.parametrize("suffix", [".csv", ".json"])
def test_round_trip(tmp_path, rng, suffix):
    anim = _take(rng)
    path = tmp_path / f"take{suffix}"
    write_animation(anim, path, guard=output_guard())
    back = read_animation(path)
    assert back.fps == 60 and len(back) == len(anim)
    np.testing.assert_allclose(back.t_s, anim.t_s, atol=1e-4)
    np.testing.assert_allclose(back.weights, anim.weights, atol=1e-5)
    np.testing.assert_allclose(back.head_euler_rad(), anim.head_euler_rad(), atol=1e-4)
    np.testing.assert_allclose(back.eyes_rad, anim.eyes_rad, atol=1e-5)


def test_frame_rate_read_from_timecodes(tmp_path, rng):
    anim = _take(rng, n=90, fps=30.0)
    write_animation(anim, tmp_path / "t.csv", guard=output_guard())
    assert read_animation(tmp_path / "t.csv").fps == 30


@pytest.mark.parametrize(
    "mutate,message",
    [
        (
            lambda lines: [lines[0].replace(",JawOpen", ",Jaw")] + lines[1:],
            "missing columns: JawOpen",
        ),
        (lambda lines: [lines[0]], "no frames"),
        (
            lambda lines: [lines[0], lines[1].replace(lines[1].split(",")[5], "nan", 1)],
            "expected a number",
        ),
        (lambda lines: [lines[0], lines[1].rsplit(",", 1)[0]], "fields, expected"),
        (
            lambda lines: [
                lines[0],
                ",".join(lines[1].split(",")[:2] + ["2.5"] + lines[1].split(",")[3:]),
            ],
            "EyeBlinkLeft = 2.5, expected a weight in 0..1",
        ),
        (
            lambda lines: [
                lines[0],
                ",".join(lines[1].split(",")[:2] + ["-0.6"] + lines[1].split(",")[3:]),
            ],
            "EyeBlinkLeft = -0.6, expected a weight in 0..1",
        ),
    ],
)
def test_bad_takes_are_refused_with_a_reason(tmp_path, rng, mutate, message):
    write_animation(_take(rng, n=3), tmp_path / "t.csv", guard=output_guard())
    lines = (tmp_path / "t.csv").read_text().splitlines()
    (tmp_path / "bad.csv").write_text("\n".join(mutate(lines)) + "\n")
    with pytest.raises(InputError, match=message):
        read_animation(tmp_path / "bad.csv")


def test_a_failed_write_leaves_no_file(tmp_path):
    anim = Animation.neutral(3, 60)
    with pytest.raises(InputError):
        write_animation(anim, tmp_path / "take.txt", guard=output_guard())
    assert list(tmp_path.iterdir()) == []


def test_outputs_get_the_usual_permissions(tmp_path):
    import os

    write_animation(Animation.neutral(2, 60), tmp_path / "take.csv", guard=output_guard())
    mask = os.umask(0o022)
    os.umask(mask)
    assert (tmp_path / "take.csv").stat().st_mode & 0o777 == 0o666 & ~mask


def test_a_take_that_overshoots_0_to_1_is_read_clamped_and_counted(tmp_path, rng, caplog):
    from likeness.formats.animation_json import from_dict, to_dict
    from tests.conftest import OVERSHOOT, write_overshooting_take

    take = _take(rng, n=5)
    path = write_overshooting_take(take, tmp_path / "app.csv")
    read = read_animation(path)
    assert read.metadata["n_weights_clamped"] == 2
    assert read.weights[1, INDEX["eyeLookInRight"]] == 1.0
    assert read.weights[1, INDEX["mouthClose"]] == 0.0
    assert read.weights.min() >= 0 and read.weights.max() <= 1
    np.testing.assert_allclose(read.weights[[0, 2, 3, 4]], take.weights[[0, 2, 3, 4]], atol=1e-6)
    clamped = "app.csv:3: EyeLookInRight = 1.00334 clamped to 0..1; 2 weight(s) clamped in all"
    assert clamped in caplog.text

    doc = to_dict(read)
    assert "n_weights_clamped" not in doc["metadata"]  # it describes the reading, not the take
    doc["frames"]["weights"][1][INDEX["eyeLookInRight"]] = OVERSHOOT["EyeLookInRight"]
    again = from_dict(doc, name="app.json")
    assert again.metadata["n_weights_clamped"] == 1
    assert again.weights[1, INDEX["eyeLookInRight"]] == 1.0
    doc["frames"]["weights"][1][INDEX["eyeLookInRight"]] = 1.6
    with pytest.raises(InputError, match="app.json: frame 1: eyeLookInRight = 1.6, expected"):
        from_dict(doc, name="app.json")
