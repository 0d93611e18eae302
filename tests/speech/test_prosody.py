import numpy as np
import pytest

from likeness.errors import InputError
from likeness.speech.prosody import analyze


@pytest.mark.parametrize("f0_hz", [70.0, 110.0, 196.0, 330.0, 480.0])
@pytest.mark.parametrize("sr", [8000, 16000, 48000])
def test_yin_finds_the_pitch_of_a_harmonic_tone(f0_hz, sr, rng):
    t = np.arange(sr) / sr
    # A voice-like tone: strong second harmonic, weak fundamental-phase noise.
    tone = sum(a * np.sin(2 * np.pi * k * f0_hz * t + rng.uniform(0, 6)) for k, a in
               ((1, 0.4), (2, 0.6), (3, 0.3), (4, 0.15)))
    tone += 0.01 * rng.standard_normal(sr)
    result = analyze(0.5 * tone.astype(np.float32), sr)
    inner = result.f0_hz[5:-10]
    assert np.mean(result.voiced[5:-10]) > 0.95
    assert np.nanmedian(inner) == pytest.approx(f0_hz, rel=0.01)


def test_gliding_pitch_is_followed(rng):
    sr = 16000
    t = np.arange(2 * sr) / sr
    f0 = 100 * 2 ** (t / 2)  # one octave up over two seconds
    tone = np.sin(2 * np.pi * np.cumsum(f0) / sr) + 0.5 * np.sin(4 * np.pi * np.cumsum(f0) / sr)
    result = analyze(0.4 * tone.astype(np.float32), sr)
    expected = 100 * 2 ** (result.t_s / 2)
    ok = np.isfinite(result.f0_hz)[10:-10]
    assert ok.mean() > 0.95
    assert np.nanmax(np.abs(result.f0_hz[10:-10] / expected[10:-10] - 1)) < 0.03


def test_noise_and_silence_are_unvoiced(rng):
    noise = analyze((0.2 * rng.standard_normal(16000)).astype(np.float32), 16000)
    silence = analyze(np.zeros(16000, np.float32), 16000)
    assert noise.voiced.mean() < 0.05
    assert not silence.voiced.any() and silence.rms_db.max() <= -99


def test_loudness_is_in_dbfs():
    sr = 16000
    sine = np.sin(2 * np.pi * 200 * np.arange(sr) / sr).astype(np.float32)
    full, quiet = analyze(sine, sr), analyze(0.1 * sine, sr)
    assert np.median(full.rms_db) == pytest.approx(-3.01, abs=0.1)
    assert np.median(full.rms_db - quiet.rms_db) == pytest.approx(20.0, abs=0.1)


def test_bad_input_is_refused():
    with pytest.raises(InputError, match="mono"):
        analyze(np.zeros((100, 2), np.float32), 16000)
    with pytest.raises(InputError, match="8000"):
        analyze(np.zeros(100, np.float32), 4000)
