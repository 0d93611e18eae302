"""Video sources: files through PyAV, cameras through OpenCV, and what bad input gets."""

from __future__ import annotations

import av
import numpy as np
import pytest

from likeness.errors import InputError, SourceError
from likeness.sources.video import Camera, VideoFile, open_video


@pytest.fixture(scope="module")
def counter_clip(tmp_path_factory):
    """25 frames at 25 fps, 64x48, frame i filled with grey level 10 * i."""
    path = tmp_path_factory.mktemp("video") / "counter.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        stream.options = {"crf": "0"}
        for i in range(25):
            rgb = np.full((48, 64, 3), 10 * i, np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        container.mux(stream.encode())
    return path


def test_a_file_yields_every_frame_in_order(counter_clip):
    with open_video(counter_clip) as source:
        assert isinstance(source, VideoFile) and not source.is_live
        assert source.fps == 25 and source.size == (64, 48) and source.n_frames == 25
        frames = list(source)
    assert len(frames) == 25
    times = np.array([t for t, _ in frames])
    np.testing.assert_allclose(times, np.arange(25) / 25, atol=1e-6)
    levels = np.array([rgb.mean() for _, rgb in frames])
    np.testing.assert_allclose(levels, 10 * np.arange(25), atol=3)
    assert all(rgb.shape == (48, 64, 3) and rgb.dtype == np.uint8 for _, rgb in frames)


def test_camera_specs():
    assert isinstance(open_video("camera:3"), Camera)
    assert open_video("camera:3").index == 3
    with pytest.raises(InputError, match="camera:N"):
        open_video("camera:front")


def test_a_camera_that_is_not_there():
    with pytest.raises(SourceError, match="camera:97"):
        with open_video("camera:97"):
            pass


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such video file"):
        open_video(tmp_path / "absent.mp4")


def test_empty_file(tmp_path):
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        open_video(tmp_path / "empty.mp4")


def test_a_file_that_is_not_video(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("these are not moving pictures\n" * 20)
    with pytest.raises(InputError, match="not a video file"):
        with open_video(path):
            pass


def test_a_video_container_without_frames(tmp_path):
    path = tmp_path / "no_frames.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        container.start_encoding()
    with pytest.raises(InputError, match="no video stream"):
        with open_video(path):
            pass
