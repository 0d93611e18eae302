import json

import av
import numpy as np
import pytest
from PIL import Image

from likeness.blendshapes import INDEX
from likeness.cli import main
from likeness.errors import InputError
from likeness.formats import write_animation
from likeness.frame import Animation
from likeness.render.video import render_video
from likeness.sources.audio import write_wav
from likeness.speech.tts import synthesize
from likeness.trust import output_guard

SIZE = 96
VIDEO_SIZE = 256
"""The smallest frame the watermark every video carries takes."""


@pytest.fixture(scope="module")
def speech_wav(tmp_path_factory):
    """A sentence spoken by espeak-ng, as a WAV file."""
    speech = synthesize("Hello there, this is likeness.")
    path = tmp_path_factory.mktemp("audio") / "speech.wav"
    write_wav(path, speech.pcm, speech.sample_rate_hz)
    return path, len(speech.pcm) / speech.sample_rate_hz


def _take(n_frames=24, fps=24.0):
    animation = Animation.neutral(n_frames, fps)
    animation.weights[:, INDEX["jawOpen"]] = np.linspace(0, 1, n_frames)
    return animation


def _streams(path):
    with av.open(str(path)) as container:
        video, audio = container.streams.video[0], container.streams.audio[0]
        return {
            "video_codec": video.codec_context.name,
            "audio_codec": audio.codec_context.name,
            "video_s": float(video.duration * video.time_base),
            "audio_s": float(audio.duration * audio.time_base),
            "video_start_s": float(video.start_time * video.time_base),
            "audio_start_s": float(audio.start_time * audio.time_base),
            "rate": float(video.average_rate),
        }


@pytest.mark.slow
def test_mp4_has_h264_and_aac_in_sync_over_the_speech(tmp_path, speech_wav):
    wav, speech_s = speech_wav
    fps = 24.0
    take = _take(n_frames=int(speech_s * fps * 0.5), fps=fps)  # shorter than the speech
    out = render_video(take, tmp_path / "talk.mp4", guard=output_guard(), audio_path=wav,
                       size=VIDEO_SIZE, progress=False)
    info = _streams(out)
    assert (info["video_codec"], info["audio_codec"]) == ("h264", "aac")
    assert info["rate"] == pytest.approx(fps)
    frame_s = 1 / fps
    assert abs(info["video_start_s"] - info["audio_start_s"]) <= frame_s
    assert abs(info["video_s"] - speech_s) <= frame_s  # the pose is held to the end of speech
    assert abs(info["video_s"] - info["audio_s"]) <= frame_s
    assert [p.name for p in tmp_path.iterdir()] == ["talk.mp4"]


def test_mp4_frames_are_the_rendered_animation(tmp_path):
    take = _take()
    out = render_video(take, tmp_path / "jaw.mp4", guard=output_guard(), size=VIDEO_SIZE,
                       progress=False)
    with av.open(str(out)) as container:
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert len(frames) == len(take)
    from likeness.render import Renderer

    with Renderer(VIDEO_SIZE) as renderer:
        for i in (0, len(take) - 1):
            expected = renderer.render(take[i]).astype(int)
            # H.264 at crf 18, and the invisible watermark
            assert np.abs(frames[i].astype(int) - expected).mean() < 4
    assert np.abs(frames[0].astype(int) - frames[-1].astype(int)).mean() > 1  # the mouth opened


def test_png_is_the_still_at_the_requested_time_and_gif_previews(tmp_path):
    from likeness.render import Renderer

    take = _take()
    png = render_video(take, tmp_path / "still.png", guard=output_guard(), size=SIZE,
                       at_s=take.t_s[-1])
    still = np.asarray(Image.open(png), int)
    with Renderer(SIZE) as renderer:
        last, first = (renderer.render(take[i]).astype(int) for i in (-1, 0))
    assert np.abs(still - last).mean() < 0.5 < np.abs(still - first).mean()
    gif = render_video(take, tmp_path / "preview.gif", guard=output_guard(), size=VIDEO_SIZE,
                       progress=False)
    with Image.open(gif) as image:
        assert image.n_frames == len(take)


def _json_take(tmp_path, mutate):
    path = tmp_path / "take.json"
    write_animation(_take(), path, guard=output_guard())
    doc = json.loads(path.read_text())
    mutate(doc)
    path.write_text(json.dumps(doc))
    return path


def _csv_take(tmp_path, mutate):
    path = tmp_path / "take.csv"
    write_animation(_take(), path, guard=output_guard())
    lines = path.read_text().splitlines()
    path.write_text("\n".join(mutate(lines)) + "\n")
    return path


@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda p: _csv_take(p, lambda ls: [ls[0].replace("JawOpen,", "")] + ls[1:]),
            "missing columns: JawOpen",
        ),
        (
            lambda p: _csv_take(p, lambda ls: [ls[0] + ",Mystery"] + [s + ",0" for s in ls[1:]]),
            "unknown columns: Mystery",
        ),
        (
            lambda p: _csv_take(p, lambda ls: ls[:3] + [ls[3].replace(",0,", ",nan,", 1)] + ls[4:]),
            "expected a number",
        ),
        (
            lambda p: _csv_take(p, lambda ls: ls[:3] + [ls[3].replace(",0,", ",1.7,", 1)] + ls[4:]),
            "expected a weight in 0..1",
        ),
        (
            lambda p: _json_take(
                p, lambda d: d["frames"]["weights"][2].__setitem__(17, float("nan"))
            ),
            "NaN or infinite",
        ),
        (
            lambda p: _json_take(p, lambda d: d["frames"]["weights"][2].__setitem__(17, -0.6)),
            "jawOpen = -0.6",
        ),
    ],
)
def test_bad_animation_files_fail_clearly_and_leave_no_video(tmp_path, capsys, make, message):
    take = make(tmp_path)
    out = tmp_path / "out.mp4"
    assert main(["render", str(take), "-o", str(out), "--size", str(SIZE), "--no-progress"]) == 2
    assert message in capsys.readouterr().err
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == [take.name]


@pytest.mark.parametrize("bad", ["nan", "range"])
def test_bad_values_in_an_animation_stop_before_any_output(tmp_path, bad):
    take = _take()
    if bad == "nan":
        take.eyes_rad[3, 0, 0] = np.nan
    else:
        take.weights[5, INDEX["mouthPucker"]] = 1.5
    with pytest.raises(
        InputError,
        match="frame 3 has a non-finite eyes_rad" if bad == "nan" else "mouthPucker = 1.5",
    ):
        render_video(take, tmp_path / "out.mp4", guard=output_guard(), size=SIZE,
                     progress=False)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("content", [b"", b"RIFF\x10\x00\x00\x00WAVEgarbage" * 3])
def test_unreadable_audio_fails_clearly_and_leaves_no_video(tmp_path, capsys, content):
    take = tmp_path / "take.csv"
    write_animation(_take(), take, guard=output_guard())
    audio = tmp_path / "speech.wav"
    audio.write_bytes(content)
    out = tmp_path / "out.mp4"
    args = [
        "render",
        str(take),
        "-o",
        str(out),
        "--audio",
        str(audio),
        "--size",
        str(SIZE),
        "--no-progress",
    ]
    assert main(args) == 2
    assert "speech.wav" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["speech.wav", "take.csv"]


def test_render_command_reads_the_csv_rate_and_writes_mp4(tmp_path):
    take = tmp_path / "take.csv"
    write_animation(_take(n_frames=12, fps=60.0), take, guard=output_guard())
    out = tmp_path / "out.mp4"
    # 256 px: the smallest frame the trust layer's video watermark takes.
    assert main(["render", str(take), "-o", str(out), "--size", "256", "--no-progress"]) == 0
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert float(stream.average_rate) == pytest.approx(60.0)
        assert sum(1 for _ in container.decode(video=0)) == 12
    assert main(["render", str(take), "-o", str(tmp_path / "x.webm"), "--no-progress"]) == 2


def test_a_glb_avatar_renders_like_the_built_in_one(tmp_path):
    from likeness.avatar import default_avatar
    from likeness.avatar.gltf import read_glb, write_glb
    from tests.grants import grant

    path = write_glb(default_avatar(), tmp_path / "avatar.glb", guard=output_guard())
    loaded = read_glb(path)
    # A GLB is someone's likeness as far as the guard can tell: its render needs a grant.
    guard = output_guard(path, grant=grant(tmp_path / "grant.json", path), context="demo")
    take = _take()
    take.head_rotation[:] = [0.0, 0.2588, 0.0, 0.9659]  # 30 degrees of yaw: the Head bone turns
    builtin = render_video(take, tmp_path / "builtin.png", guard=guard, size=SIZE)
    glb = render_video(take, tmp_path / "glb.png", guard=guard, size=SIZE, avatar=loaded)
    difference = np.asarray(Image.open(builtin), int) - np.asarray(Image.open(glb), int)
    assert np.abs(difference).max() <= 2
