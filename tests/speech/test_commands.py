"""``likeness say`` and ``likeness lipsync`` end to end, in-process."""

import sys

import numpy as np
import pytest

from likeness.blendshapes import INDEX
from likeness.cli import main
from likeness.formats import read_animation
from likeness.sources.audio import read_audio


def test_say_writes_animation_and_speech(tmp_path):
    out = tmp_path / "hello.json"
    assert main(["say", "Hello! Is this the real voice of the brown fox?", "-o", str(out),
                 "--rate", "160"]) == 0
    animation = read_animation(out)
    speech = read_audio(tmp_path / "hello.wav")
    assert animation.duration_s == pytest.approx(len(speech) / 16000, abs=0.02)
    assert animation.tracks["phonemes"][1]["phoneme"] == "HH"
    assert animation.tracks["questions"] and animation.tracks["exclamations"]
    assert animation.metadata["speech"]["phones_from"] == "synthesizer"


def test_say_to_csv_with_chosen_audio_path(tmp_path):
    out, wav = tmp_path / "take.csv", tmp_path / "voice.wav"
    assert main(["say", "Good morning", "-o", str(out), "--audio-out", str(wav)]) == 0
    assert len(read_animation(out)) > 30 and wav.stat().st_size > 10000


def test_say_refuses_what_it_cannot_write(tmp_path, capsys):
    assert main(["say", "hi", "-o", str(tmp_path / "x.txt")]) == 2
    assert main(["say", "hi", "-o", str(tmp_path / "x.csv"), "--rate", "9"]) == 2
    assert main(["say", "hi", "-o", str(tmp_path / "x.csv"), "--audio-out",
                 str(tmp_path / "x.mp3")]) == 2
    assert list(tmp_path.iterdir()) == []


def test_lipsync_with_transcript_file(tmp_path, speech_wav, utterance):
    transcript = tmp_path / "words.txt"
    transcript.write_text(utterance.text, encoding="utf-8")
    out = tmp_path / "take.json"
    assert main(["lipsync", str(speech_wav), "--text-file", str(transcript), "-o", str(out)]) == 0
    animation = read_animation(out)
    assert animation.metadata["speech"]["phones_from"] == "alignment"
    assert [p["word"] for p in animation.tracks["phonemes"] if p["word"]][0] == "bob"


def test_lipsync_recogniser_is_chosen_on_the_command_line(tmp_path, speech_wav):
    fast, accurate = tmp_path / "fast.json", tmp_path / "accurate.json"
    assert main(["lipsync", str(speech_wav), "--recognizer", "fast", "-o", str(fast)]) == 0
    assert main(["lipsync", str(speech_wav), "-o", str(accurate)]) == 0
    a, b = read_animation(fast), read_animation(accurate)
    assert a.metadata["speech"]["recognizer"] == "fast"
    assert b.metadata["speech"]["recognizer"] == "accurate"
    assert a.tracks["phonemes"] != b.tracks["phonemes"]  # a different search ran


def test_lipsync_stream_runs_the_file_as_if_it_were_the_microphone(tmp_path, speech_wav, capsys):
    live, offline = tmp_path / "live.json", tmp_path / "offline.json"
    assert main(["lipsync", str(speech_wav), "--stream", "-o", str(live)]) == 0
    assert main(["lipsync", str(speech_wav), "-o", str(offline)]) == 0
    assert "latency" in capsys.readouterr().err
    a, b = read_animation(live), read_animation(offline)
    assert len(a) == len(b)
    assert a.metadata["speech"]["algorithmic_max_ms"] <= 120 + 1e-6
    jaw = INDEX["jawOpen"]
    assert np.corrcoef(a.weights[:, jaw], b.weights[:, jaw])[0, 1] > 0.5


def test_lipsync_bad_input_gives_a_clear_error_and_no_output(tmp_path, capsys):
    empty = tmp_path / "empty.wav"
    empty.touch()
    out = tmp_path / "out.csv"
    assert main(["lipsync", str(empty), "-o", str(out)]) == 2
    assert "empty" in capsys.readouterr().err
    (tmp_path / "junk.ogg").write_bytes(b"OggS" + bytes(4000))
    assert main(["lipsync", str(tmp_path / "junk.ogg"), "-o", str(out)]) == 2
    assert main(["lipsync", "-o", str(out)]) == 2
    assert main(["lipsync", str(empty), "--stream", "--text", "hi", "-o", str(out)]) == 2
    assert main(["lipsync", str(empty), "--mic", "-o", str(out)]) == 2
    assert not out.exists()


def test_lipsync_mic_without_sounddevice(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "sounddevice", None)
    assert main(["lipsync", "--mic", "-o", str(tmp_path / "m.json")]) == 1
    assert "pip install sounddevice" in capsys.readouterr().err
    assert not (tmp_path / "m.json").exists()


class FakeSoundDevice:
    """Stands in for the ``sounddevice`` module: its input stream plays a recording through the
    callback in 20 ms blocks, as PortAudio would deliver microphone audio."""

    def __init__(self, pcm):
        self.pcm = pcm

    def InputStream(self, *, samplerate, channels, dtype, blocksize, device, callback):  # noqa: N802
        pcm = self.pcm

        class Stream:
            def start(self):
                for i in range(0, len(pcm) - blocksize + 1, blocksize):
                    callback(pcm[i:i + blocksize, None], blocksize, None, None)

            def stop(self):
                pass

            def close(self):
                pass

        assert samplerate == 16000 and channels == 1 and dtype == "float32"
        return Stream()


def test_lipsync_mic_streams_what_the_microphone_hears(tmp_path, monkeypatch, utterance):
    monkeypatch.setitem(sys.modules, "sounddevice", FakeSoundDevice(utterance.pcm16k))
    out = tmp_path / "mic.json"
    duration_s = 2.0
    assert main(["lipsync", "--mic", "--duration", str(duration_s), "-o", str(out)]) == 0
    animation = read_animation(out)
    assert animation.duration_s == pytest.approx(duration_s, abs=0.05)
    assert animation.metadata["speech"]["algorithmic_max_ms"] <= 120 + 1e-6
    assert animation.weights[:, INDEX["jawOpen"]].max() > 0.2  # it spoke


@pytest.mark.slow
def test_say_renders_a_talking_avatar_with_its_speech(tmp_path):
    import av

    out = tmp_path / "hi.mp4"
    assert main(["say", "Hi there.", "-o", str(out), "--fps", "15"]) == 0
    with av.open(str(out)) as container:
        kinds = sorted(stream.type for stream in container.streams)
        n_frames = sum(1 for _ in container.decode(video=0))
    assert kinds == ["audio", "video"]
    assert n_frames >= 8


def test_lipsync_plays_a_take_to_an_engine_frame_by_frame(tmp_path, speech_wav, capsys):
    """--send on a file: the take's frames reach the Live Link Face port in order, the last one
    included, and every frame is accounted for as sent or dropped. (The pacing itself is tested
    with an injected clock in tests/commands/test_play.py; its accuracy is a figure of
    ``likeness bench --only streaming``.)"""
    import re
    import socket
    import threading

    from likeness.codecs.livelink import decode_packet

    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(1.0)
    port = receiver.getsockname()[1]
    received: list[float] = []

    def listen() -> None:
        while True:
            try:
                received.append(decode_packet(receiver.recv(4096)).t_s)
            except TimeoutError:
                return

    thread = threading.Thread(target=listen)
    thread.start()
    out = tmp_path / "take.csv"
    assert main(["lipsync", str(speech_wav), "-o", str(out), "--fps", "30",
                 "--send", f"livelink://127.0.0.1:{port}"]) == 0
    thread.join()
    receiver.close()
    take = read_animation(out)
    n_sent, n_dropped, n_errors = map(int, re.search(
        r"sent (\d+), dropped (\d+), errors (\d+)", capsys.readouterr().err).groups())
    assert n_sent + n_dropped == len(take) and n_errors == 0
    assert len(received) == n_sent and received == sorted(set(received))
    # Each packet carries one of the take's frame times (its time code), the last one included.
    frames = np.searchsorted(take.t_s, np.array(received) - 1e-3)
    np.testing.assert_allclose(take.t_s[frames], received, atol=1e-3)
    assert frames[0] == 0 and frames[-1] == len(take) - 1
