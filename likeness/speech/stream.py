"""Streaming lip-sync: PCM chunks in, face frames out, a bounded time behind the audio.

Phones come from pocketsphinx's phone recogniser decoding as the audio arrives (its partial
best path), prosody from YIN run on each new stretch of audio, and frames from the same
coarticulation and expression code as the offline path. A frame at time ``t`` is emitted once
audio up to ``t + lookahead_s`` has arrived, so that the mouth can anticipate the next sound;
the algorithmic latency (audio in -> frame out) is ``lookahead_s`` plus one chunk.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from likeness.errors import InputError
from likeness.frame import FaceFrame
from likeness.sources.audio import WORKING_RATE_HZ
from likeness.speech.coarticulation import DEFAULT_OPTIONS, CoarticulationOptions
from likeness.speech.expression import Levels, express
from likeness.speech.lipsync import face_curves
from likeness.speech.phonemes import SILENCE, Phone
from likeness.speech.prosody import HOP_S, MIN_F0_HZ, WINDOW_S, Prosody, analyze
from likeness.speech.recognize import new_allphone_decoder, phones_from_segments, to_pcm16

DEFAULT_PEAK_DB = -12.0
_YIN_SPAN_S = WINDOW_S + 1.0 / MIN_F0_HZ  # audio one pitch frame reads


@dataclass(frozen=True)
class StreamOptions:
    """How a stream trades latency for look-ahead.

    fps: output frame rate.
    lookahead_s: audio past a frame's time that must have arrived before it is emitted; the
        mouth's anticipation reaches this far. 0.1 s keeps latency under 150 ms with 20 ms chunks.
    context_s: history kept behind the newest frame for blending and pitch levels.
    pause_s: silence after which the recogniser closes its utterance (bounding its work).
    max_utterance_s: longest utterance before the recogniser is restarted regardless.
    """

    fps: float = 60.0
    lookahead_s: float = 0.1
    context_s: float = 0.6
    pause_s: float = 0.3
    max_utterance_s: float = 15.0
    coarticulation: CoarticulationOptions = DEFAULT_OPTIONS

    def __post_init__(self) -> None:
        if not (np.isfinite(self.fps) and self.fps > 0):
            raise InputError(f"StreamOptions.fps must be positive, got {self.fps}")
        if not 0 <= self.lookahead_s <= 1:
            raise InputError(f"StreamOptions.lookahead_s must be 0..1 s, got {self.lookahead_s}")
        if self.context_s < 0.2:
            raise InputError(f"StreamOptions.context_s must be >= 0.2 s, got {self.context_s}")


class StreamingLipsync:
    """Feed 16 kHz mono float32 chunks, get the face frames they complete.

    >>> stream = StreamingLipsync()
    >>> frames = stream.feed(chunk)      # zero or more FaceFrame, in time order
    >>> frames += stream.flush()         # at the end of the audio

    Attributes
    ----------
    audio_ahead_s : list of float
        For every frame :meth:`feed` emitted, the audio that had arrived past the frame's time:
        the algorithmic latency, at most ``lookahead_s`` plus one chunk.
    latencies_s : list of float
        The same plus the time the emitting feed took to compute: audio in -> frame out.
    compute_s : list of float
        Wall time each :meth:`feed` took.
    """

    def __init__(self, sr: int = WORKING_RATE_HZ, options: StreamOptions = StreamOptions()) -> None:
        if sr != WORKING_RATE_HZ:
            raise InputError(f"streaming lip-sync takes {WORKING_RATE_HZ} Hz audio, got {sr} Hz "
                             "(AudioFileSource and MicSource resample)")
        self.options = options
        self.sr = sr
        self._decoder = new_allphone_decoder()
        self._decoder.start_utt()
        self._clear()

    def reset(self) -> None:
        """Forget the stream (call it before reusing one that was flushed): time restarts at 0."""
        self._decoder.end_utt()
        self._decoder.reinit_feat()  # forget the last speaker's channel (cepstral mean)
        self._decoder.start_utt()
        self._clear()

    def _clear(self) -> None:
        self._n_samples = 0
        self._utterance_start = 0  # sample where the recogniser's utterance began
        self._committed: list[Phone] = []  # phones of closed utterances, recent ones only
        self._audio = np.zeros(0, np.float32)
        self._audio_start = 0  # sample index of self._audio[0]
        self._pitch_t = np.zeros(0)
        self._pitch_f0 = np.zeros(0, np.float32)
        self._pitch_db = np.zeros(0, np.float32)
        self._n_pitch = 0  # pitch frames computed so far
        self._f0_history: list[float] = []
        self._db_history: list[float] = []
        self._next_frame = 0
        self._quiet_s = 0.0
        self.audio_ahead_s: list[float] = []
        self.latencies_s: list[float] = []
        self.compute_s: list[float] = []

    # -- input ----------------------------------------------------------------------------------

    def __call__(self, chunk: np.ndarray) -> list[FaceFrame]:
        return self.feed(chunk)

    def feed(self, chunk: np.ndarray) -> list[FaceFrame]:
        """Take the next chunk of audio (float32 (n,) in -1..1); return the frames now complete."""
        started = time.perf_counter()
        chunk = np.asarray(chunk, np.float32)
        if chunk.ndim != 1:
            raise InputError(f"expected a mono chunk of shape (n,), got shape {chunk.shape}")
        if not np.all(np.isfinite(chunk)):
            raise InputError("audio chunk contains NaN or infinite samples")
        self._decoder.process_raw(to_pcm16(chunk, seed=self._n_samples), full_utt=False)
        self._n_samples += len(chunk)
        self._audio = np.concatenate([self._audio, chunk])
        self._update_pitch()
        self._maybe_close_utterance(chunk)
        frames = self._emit(self._n_samples / self.sr - self.options.lookahead_s)
        self._trim()
        elapsed_s = time.perf_counter() - started
        self.compute_s.append(elapsed_s)
        now_s = self._n_samples / self.sr
        ahead_s = [now_s - f.t_s for f in frames]
        self.audio_ahead_s += ahead_s
        self.latencies_s += [a + elapsed_s for a in ahead_s]
        return frames

    def latency_report(self) -> dict[str, float]:
        """Latency figures in ms: audio in -> frame out (median, p95), its algorithmic part
        (the most audio a frame waited for) and the median compute per feed."""
        if not self.latencies_s:
            return {"latency_median_ms": float("nan"), "latency_p95_ms": float("nan"),
                    "algorithmic_max_ms": float("nan"), "compute_median_ms": float("nan")}
        latency_ms = np.asarray(self.latencies_s) * 1e3
        return {
            "latency_median_ms": round(float(np.median(latency_ms)), 2),
            "latency_p95_ms": round(float(np.percentile(latency_ms, 95)), 2),
            "algorithmic_max_ms": round(1e3 * max(self.audio_ahead_s), 2),
            "compute_median_ms": round(1e3 * float(np.median(self.compute_s)), 3),
        }

    def flush(self) -> list[FaceFrame]:
        """End of audio: emit every remaining frame (not counted in the latency figures)."""
        self._update_pitch(final=True)
        # As offline: frames strictly before the end of the audio.
        return self._emit(self._n_samples / self.sr - 1e-9)

    # -- internals ------------------------------------------------------------------------------

    def _update_pitch(self, final: bool = False) -> None:
        """Pitch frames whose whole YIN span has arrived."""
        hop = int(HOP_S * self.sr)
        span = int(np.ceil(_YIN_SPAN_S * self.sr))
        if final:
            n_ready = int(np.ceil(self._n_samples / hop))
        else:
            n_ready = (self._n_samples - span) // hop + 1 if self._n_samples >= span else 0
        if n_ready <= self._n_pitch:
            return
        first = self._n_pitch * hop - self._audio_start
        segment = self._audio[first : (n_ready - 1) * hop + span - self._audio_start]
        result = analyze(segment, self.sr)
        n_new = n_ready - self._n_pitch
        self._pitch_t = np.concatenate([self._pitch_t, result.t_s[:n_new] + self._n_pitch * HOP_S])
        self._pitch_f0 = np.concatenate([self._pitch_f0, result.f0_hz[:n_new]])
        self._pitch_db = np.concatenate([self._pitch_db, result.rms_db[:n_new]])
        f0 = result.f0_hz[:n_new]
        self._f0_history = (self._f0_history + f0[np.isfinite(f0)].tolist())[-3000:]
        db = result.rms_db[:n_new]
        self._db_history = (self._db_history + db[db > -60].tolist())[-3000:]
        self._n_pitch = n_ready

    def _levels(self) -> Levels:
        """The speaker's levels so far; until 0.5 s of speech is heard, those of speech recorded
        a little below full scale, so a loud first word does not gape."""
        enough = len(self._db_history) >= 50
        f0 = float(np.median(self._f0_history)) if len(self._f0_history) >= 20 else 120.0
        db = float(np.percentile(self._db_history, 95)) if enough else max(
            DEFAULT_PEAK_DB, max(self._db_history, default=-100.0))
        return Levels(f0, db)

    def _utterance_phones(self) -> list[Phone]:
        segments = self._decoder.seg()
        offset = self._utterance_start / self.sr
        phones = phones_from_segments(
            [(s.word, s.start_frame, s.end_frame) for s in segments] if segments is not None else []
        )
        return [Phone(p.start_s + offset, p.end_s + offset, p.phoneme) for p in phones]

    def _maybe_close_utterance(self, chunk: np.ndarray) -> None:
        """Close the recogniser's utterance in a pause (or when too long): bounded work."""
        rms_db = 20 * np.log10(max(float(np.sqrt(np.mean(chunk**2))) if len(chunk) else 0.0, 1e-5))
        self._quiet_s = self._quiet_s + len(chunk) / self.sr if rms_db < -45 else 0.0
        length_s = (self._n_samples - self._utterance_start) / self.sr
        paused = self._quiet_s >= self.options.pause_s and length_s >= 1.0
        if paused or length_s >= self.options.max_utterance_s:
            self._decoder.end_utt()
            self._committed += self._utterance_phones()
            self._decoder.start_utt()
            self._utterance_start = self._n_samples

    def _emit(self, until_s: float) -> list[FaceFrame]:
        fps = self.options.fps
        last = int(np.floor(until_s * fps + 1e-12))
        if last < self._next_frame:
            return []
        now_s = self._n_samples / self.sr
        # Blend over margins either side of the frames to emit, so that smoothing sees what
        # precedes and follows them as it does offline.
        margin = int(np.ceil(3 * self.options.coarticulation.smoothing_s * fps))
        first = max(0, self._next_frame - margin)
        t_all = np.arange(first, int(np.floor(now_s * fps)) + 1) / fps
        phones = [p for p in self._committed + self._utterance_phones()
                  if p.end_s >= t_all[0] - self.options.context_s]
        if phones and phones[-1].end_s < now_s:  # the newest sound is still going on
            tail = phones[-1]
            phones[-1] = Phone(tail.start_s, now_s, tail.phoneme)
        if not phones:
            phones = [Phone(0.0, now_s, SILENCE)]
        keep = self._pitch_t >= t_all[0] - self.options.context_s
        prosody = Prosody(self._pitch_t[keep], self._pitch_f0[keep], self._pitch_db[keep])
        expression = express(phones, prosody, t_all, self._levels())
        weights, rotation = face_curves(phones, t_all, expression, self.options.coarticulation)
        emit = range(self._next_frame - first, min(last - first + 1, len(t_all)))
        frames = [FaceFrame.neutral(float(t_all[i])).replace(weights=weights[i],
                                                              head_rotation=rotation[i])
                  for i in emit]
        self._next_frame += len(frames)
        return frames

    def _trim(self) -> None:
        """Drop audio, pitch frames and phones older than the context window."""
        horizon_s = self._next_frame / self.options.fps - self.options.context_s - 0.5
        horizon = max(0, int(horizon_s * self.sr))
        if horizon > self._audio_start + self.sr:
            keep_from = min(horizon, self._n_pitch * int(HOP_S * self.sr))
            self._audio = self._audio[keep_from - self._audio_start :]
            self._audio_start = keep_from
            keep = self._pitch_t >= horizon_s
            self._pitch_t, self._pitch_f0, self._pitch_db = (
                self._pitch_t[keep], self._pitch_f0[keep], self._pitch_db[keep])
            self._committed = [p for p in self._committed if p.end_s >= horizon_s]
