"""Streaming lip-sync: same face as offline, a bounded and measured latency."""

import numpy as np
import pytest

from likeness.blendshapes import INDEX
from likeness.errors import InputError
from likeness.speech.coarticulation import lip_aperture
from likeness.speech.evaluate import CLOSED_APERTURE
from likeness.speech.lipsync import lipsync
from likeness.speech.stream import StreamingLipsync, StreamOptions

JAW = INDEX["jawOpen"]
CHUNK = 320  # 20 ms at 16 kHz, as the microphone source delivers


def run(stream, pcm, chunk=CHUNK):
    frames = []
    for i in range(0, len(pcm), chunk):
        frames += stream.feed(pcm[i:i + chunk])
    return frames + stream.flush()


@pytest.fixture(scope="module")
def streamed(corpus):
    stream = StreamingLipsync()
    pcm = np.concatenate([u.pcm16k for u in corpus[:2]])
    return stream, run(stream, pcm), pcm


def test_streaming_matches_offline_recognition(streamed, corpus):
    stream, frames, pcm = streamed
    offline = lipsync(pcm, 16000)
    assert len(frames) == len(offline)
    np.testing.assert_allclose([f.t_s for f in frames], offline.t_s, atol=1e-9)
    live = np.stack([f.weights for f in frames])
    assert np.corrcoef(live[:, JAW], offline.weights[:, JAW])[0, 1] > 0.6
    assert np.abs(live[:, JAW] - offline.weights[:, JAW]).mean() < 0.075  # measured 0.056
    # Against the face aligned to the transcript, streaming loses little to offline recognition.
    aligned = np.concatenate([lipsync(u.pcm16k, 16000, text=u.text).weights[:, JAW]
                              for u in corpus[:2]])
    n = min(len(aligned), len(live))
    fidelity_live = np.corrcoef(live[:n, JAW], aligned[:n])[0, 1]
    fidelity_offline = np.corrcoef(offline.weights[:n, JAW], aligned[:n])[0, 1]
    # Measured on this corpus: 0.68 streaming against 0.76 offline (no look-ahead beyond 100 ms).
    assert fidelity_live > 0.6 and fidelity_live > fidelity_offline - 0.2
    # Lip closures land in the same places (within 50 ms).
    def sealed(weights):
        pressed = weights[:, INDEX["mouthPressLeft"]] > 0.15
        return pressed & (lip_aperture(weights) <= CLOSED_APERTURE)

    closed_live, closed_offline = sealed(live), sealed(offline.weights)
    onsets = np.flatnonzero(closed_offline[1:] & ~closed_offline[:-1]) + 1
    assert len(onsets) >= 5
    found = [closed_live[max(0, i - 3):i + 4].any() for i in onsets]
    assert np.mean(found) >= 0.6  # measured: 5 of the 7 offline closures (streaming is weaker)


def test_latency_is_bounded_and_measured(streamed):
    stream, frames, _ = streamed
    chunk_s = CHUNK / 16000
    assert len(stream.latencies_s) >= len(frames) - 15  # all but the flushed tail were timed
    # The audio a frame waits for: at least the look-ahead the mouth needs, at most one chunk
    # more. Compute time comes on top of it and is measured, not asserted (see the bench).
    assert min(stream.audio_ahead_s) >= stream.options.lookahead_s - 1e-9
    assert max(stream.audio_ahead_s) <= stream.options.lookahead_s + chunk_s + 1e-9
    assert 1e3 * (stream.options.lookahead_s + chunk_s) <= 150
    report = stream.latency_report()
    assert report["algorithmic_max_ms"] == pytest.approx(1e3 * max(stream.audio_ahead_s), abs=0.01)
    lookahead_ms = 1e3 * stream.options.lookahead_s
    assert report["latency_p95_ms"] >= report["latency_median_ms"] >= lookahead_ms
    assert all(total >= ahead for total, ahead in
               zip(stream.latencies_s, stream.audio_ahead_s, strict=True))


def test_chunk_size_does_not_change_the_face(corpus):
    pcm = corpus[0].pcm16k
    small = np.stack([f.weights for f in run(StreamingLipsync(), pcm, chunk=160)])
    large = np.stack([f.weights for f in run(StreamingLipsync(), pcm, chunk=800)])
    n = min(len(small), len(large))
    assert np.corrcoef(small[:n, JAW], large[:n, JAW])[0, 1] > 0.8


def test_reset_starts_over(corpus):
    stream = StreamingLipsync()
    first = run(stream, corpus[0].pcm16k)
    stream.reset()
    second = run(stream, corpus[0].pcm16k)
    assert second[0].t_s == 0.0
    np.testing.assert_allclose(np.stack([f.weights for f in first]),
                               np.stack([f.weights for f in second]), atol=1e-6)


def test_silence_streams_rest_frames():
    frames = run(StreamingLipsync(), np.zeros(16000, np.float32))
    assert len(frames) == 60
    assert max(np.abs(f.weights).max() for f in frames) < 0.02


def test_bad_streams_are_refused():
    with pytest.raises(InputError, match="16000"):
        StreamingLipsync(sr=44100)
    with pytest.raises(InputError, match="lookahead"):
        StreamOptions(lookahead_s=-0.1)
    with pytest.raises(InputError, match="mono"):
        StreamingLipsync().feed(np.zeros((320, 2), np.float32))
