"""``likeness track``: the files it writes for a real video, and what bad input gets."""

from __future__ import annotations

import csv
import shutil

import av
import numpy as np
import pytest

from likeness.cli import main
from likeness.formats import read_animation
from likeness.formats.livelink_csv import HEADER, N_VALUES
from likeness.solve import load_calibration


@pytest.fixture
def clip(face_clip, tmp_path):
    """A private copy of the moving-face clip, in a folder the test can inspect."""
    path = tmp_path / "take.mp4"
    shutil.copy(face_clip[0], path)
    return path


@pytest.mark.slow
def test_csv_for_a_real_video(clip, tmp_path):
    out = tmp_path / "take.csv"
    assert main(["track", str(clip), "-o", str(out)]) == 0
    with open(out, newline="") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == HEADER
    body = rows[1:]
    assert len(body) == 60
    values = np.array([[float(v) for v in row[2:]] for row in body])
    assert values.shape == (60, N_VALUES) and all(int(row[1]) == N_VALUES for row in body)
    weights, angles = values[:, :52], values[:, 52:]
    assert weights.min() >= 0 and weights.max() <= 1
    assert np.abs(angles).max() < np.pi / 2
    animation = read_animation(out)
    assert len(animation) == 60
    np.testing.assert_allclose(animation.head_euler_rad(), angles[:, :3], atol=1e-4)
    # The filtered head roll still sways with the clip (up to 20 degrees each way).
    assert np.ptp(np.degrees(animation.head_euler_rad()[:, 2])) > 30


@pytest.mark.slow
def test_json_preview_and_calibration(clip, tmp_path):
    out, preview = tmp_path / "take.json", tmp_path / "preview.mp4"
    calibration = tmp_path / "me.json"
    argv = ["track", str(clip), "-o", str(out), "--preview", str(preview), "--calibrate",
            str(calibration), "--no-filter", "--max-faces", "2"]
    assert main(argv) == 0
    animation = read_animation(out)
    assert len(animation) == 60 and animation.found.all()
    assert animation.landmarks is not None and animation.metadata["filtered"] is False
    saved = load_calibration(calibration)
    assert saved.source.endswith("take.mp4")
    with av.open(str(preview)) as container:
        frames = list(container.decode(video=0))
    assert len(frames) == 60 and frames[0].width == 640 + 300
    # A second session reads the saved neutral instead of measuring a new one.
    out2 = tmp_path / "again.json"
    assert main(["track", str(clip), "-o", str(out2), "--calibrate", str(calibration)]) == 0
    assert read_animation(out2).metadata["calibration"]["source"] == saved.source
    assert not (tmp_path / "take.face1.json").exists()  # one face, one file


def _no_files_but(folder, *kept):
    return sorted(p.name for p in folder.iterdir()) == sorted(kept)


@pytest.mark.parametrize("name, content, message", [
    ("absent.mp4", None, "no such video file"),
    ("empty.mp4", b"", "empty"),
    ("notes.mp4", b"not a video\n" * 50, "not a video file"),
])
def test_bad_input_is_one_clear_line_and_no_output(tmp_path, capsys, name, content, message):
    source = tmp_path / name
    if content is not None:
        source.write_bytes(content)
    kept = [p.name for p in tmp_path.iterdir()]
    code = main(["track", str(source), "-o", str(tmp_path / "out.csv"),
                 "--preview", str(tmp_path / "out.mp4")])
    error = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert len(error) == 1 and message in error[0] and str(source) in error[0]
    assert _no_files_but(tmp_path, *kept)


@pytest.mark.slow
def test_a_video_without_a_face_writes_nothing(tmp_path, capsys):
    path = tmp_path / "wall.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        for _ in range(8):
            grey = np.full((120, 160, 3), 150, np.uint8)
            frame = av.VideoFrame.from_ndarray(grey, format="rgb24")
            container.mux(stream.encode(frame))
        container.mux(stream.encode())
    code = main(["track", str(path), "-o", str(tmp_path / "out.csv")])
    assert code == 2
    assert "no face found in any frame" in capsys.readouterr().err
    assert _no_files_but(tmp_path, "wall.mp4")


def test_unknown_output_format_is_refused_before_any_work(clip, tmp_path, capsys):
    assert main(["track", str(clip), "-o", str(tmp_path / "out.txt")]) == 2
    assert "expected .csv or .json" in capsys.readouterr().err


def test_output_folder_must_exist(clip, tmp_path, capsys):
    assert main(["track", str(clip), "-o", str(tmp_path / "nope" / "out.csv")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_output_naming_for_several_faces():
    from likeness.track.video import output_paths

    assert [p.name for p in output_paths("takes/take.csv", 3)] == [
        "take.csv", "take.face1.csv", "take.face2.csv"]


@pytest.mark.slow
def test_camera_mode_reports_fps_and_latency_and_writes_on_stop(clip, tmp_path, capsys,
                                                                monkeypatch):
    # A file standing in for camera:0, read frame by frame as a camera would deliver it.
    from likeness.sources import video

    monkeypatch.setattr(video, "open_video", lambda spec: video.VideoFile(clip))
    out = tmp_path / "live.csv"
    assert main(["track", "camera:0", "-o", str(out), "--max-seconds", "1.0"]) == 0
    err = capsys.readouterr().err
    assert "fps, latency" in err and "landmarks" in err
    animation = read_animation(out)
    assert len(animation) == 31 and animation.found.all()


@pytest.mark.slow
def test_ctrl_c_stops_the_camera_and_still_writes_the_take_and_preview(clip, tmp_path,
                                                                       monkeypatch):
    from likeness.sources import video

    class InterruptedCamera(video.VideoFile):
        """The clip as camera:0, with Ctrl-C pressed while the eleventh frame is awaited."""

        n_read = 0

        def read(self):
            self.n_read += 1
            if self.n_read == 11:
                raise KeyboardInterrupt
            return super().read()

    monkeypatch.setattr(video, "open_video", lambda spec: InterruptedCamera(clip))
    out, preview = tmp_path / "live.json", tmp_path / "live.mp4"
    assert main(["track", "camera:0", "-o", str(out), "--preview", str(preview)]) == 0
    assert len(read_animation(out)) == 10
    with av.open(str(preview)) as container:
        assert len(list(container.decode(video=0))) == 10  # finalised, not left half-written
