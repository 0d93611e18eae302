import sys
from pathlib import Path

import av
import numpy as np
import pytest

from likeness.errors import InputError, SourceError
from likeness.sources.audio import AudioFileSource, MicSource, read_audio, write_wav


def encode(path: Path, pcm: np.ndarray, sr: int, codec: str, *, channels: int = 1) -> Path:
    """Write ``pcm`` (mono float) with one of PyAV's encoders, duplicated to ``channels``."""
    layout = "mono" if channels == 1 else "stereo"
    with av.open(str(path), "w") as container:
        stream = container.add_stream(codec, rate=sr, layout=layout)
        fmt = stream.codec_context.codec.audio_formats[0].name
        resampler = av.AudioResampler(format=fmt, layout=layout, rate=sr)
        interleaved = np.repeat(pcm.astype(np.float32), channels)[None, :]
        frame = av.AudioFrame.from_ndarray(interleaved, format="flt", layout=layout)
        frame.sample_rate = sr
        for converted in resampler.resample(frame):
            for packet in stream.encode(converted):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def best_lag_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Highest normalised correlation of a and b over all shifts (codecs add delay)."""
    from scipy.signal import correlate

    n = min(len(a), len(b))
    a, b = a[:n] - a[:n].mean(), b[:n] - b[:n].mean()
    return float(correlate(b, a, method="fft").max() / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.mark.parametrize("suffix, codec, sr, channels", [
    (".wav", "pcm_s16le", 8000, 1),
    (".wav", "pcm_s16le", 48000, 2),
    (".flac", "flac", 44100, 1),
    (".ogg", "libopus", 48000, 2),
    (".mp3", "libmp3lame", 44100, 1),
])
def test_formats_rates_and_channels_decode_to_16k_mono(
    tmp_path, utterance, suffix, codec, sr, channels
):
    from likeness.speech.lipsync import resample

    original = resample(utterance.speech.pcm, utterance.speech.sample_rate_hz, sr)
    path = encode(tmp_path / f"speech{suffix}", original, sr, codec, channels=channels)
    decoded = read_audio(path)
    assert decoded.dtype == np.float32 and decoded.ndim == 1
    assert len(decoded) / 16000 == pytest.approx(utterance.duration_s, abs=0.08)
    reference = utterance.pcm16k if sr > 8000 else resample(original, sr, 16000)
    assert best_lag_correlation(reference, decoded) > 0.9


def test_chunks_reassemble_the_whole_file(speech_wav):
    whole = read_audio(speech_wav)
    with AudioFileSource(speech_wav, chunk_s=0.02) as source:
        chunks = []
        while (chunk := source.read()) is not None:
            chunks.append(chunk)
    assert all(len(c) == 320 for c in chunks[:-1])
    np.testing.assert_array_equal(np.concatenate(chunks), whole)


def test_empty_file_is_refused(tmp_path):
    empty = tmp_path / "empty.wav"
    empty.touch()
    with pytest.raises(InputError, match="empty"):
        read_audio(empty)


def test_corrupt_file_is_refused(tmp_path, speech_wav):
    corrupt = tmp_path / "corrupt.mp3"
    corrupt.write_bytes(b"ID3" + bytes(range(256)) * 40)
    with pytest.raises(InputError, match="corrupt.mp3"):
        read_audio(corrupt)
    missing = tmp_path / "missing.wav"
    with pytest.raises(InputError, match="no such"):
        read_audio(missing)


def test_wav_writer_round_trips(tmp_path, rng):
    pcm = (0.5 * rng.standard_normal(1600)).clip(-1, 1).astype(np.float32)
    write_wav(tmp_path / "x.wav", pcm, 16000)
    np.testing.assert_allclose(read_audio(tmp_path / "x.wav"), pcm, atol=1 / 16000)
    assert [p.name for p in tmp_path.iterdir()] == ["x.wav"]


def test_mic_without_sounddevice_names_the_install_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "sounddevice", None)
    with pytest.raises(SourceError, match="pip install sounddevice"):
        MicSource().open()


def test_a_duration_ends_an_audio_source_after_the_chunk_that_reaches_it(speech_wav):
    chunks = []
    with AudioFileSource(speech_wav, chunk_s=0.02, duration_s=0.05) as source:
        while (chunk := source.read()) is not None:
            chunks.append(chunk)
    assert [len(c) for c in chunks] == [320, 320, 320]  # 0.06 s: the third reaches 0.05 s
    with pytest.raises(InputError, match="duration_s"):
        AudioFileSource(speech_wav, duration_s=0.0)
