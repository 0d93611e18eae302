"""Speech: alignment and recognition real-time factors, offline lip-sync speed, streaming latency.

The speech is espeak-ng's, so the same run also reports accuracy against the synthesizer's own
phoneme timings. The baseline beside offline lip-sync is pocketsphinx alone (recognition with
no animation), the floor any pocketsphinx-based lip-sync sits on; the issue's target is 50x
real time (real-time factor <= 0.02) on one core. Without a transcript, lip-sync runs with each
phone recogniser (``accurate``, ``fast``), and the accuracy block shows what the faster one costs
in lip closures. Streaming is measured end to end: audio in
20 ms chunks, latency from a frame's time to its emission plus the compute of that feed (by
the wall clock, and by this process's CPU time, which other processes loading the machine do
not inflate).
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from likeness.bench.timing import BenchOptions, summarize_ms

SENTENCES = (
    "Bob made big maps of pale blue mountains by the sea.",
    "Maybe we should buy more bread before the shop closes tonight.",
    "My mother bought a box of apples, plums and lemons.",
    "Five very fine violins played for the vivid fans.",
    "Please call Stella and ask her to bring these things with her from the store.",
    "Is it far away? What a wonderful surprise!",
)
CHUNK = 320


def _rtf(fn, audio_s: float, n_repeats: int) -> dict[str, float]:
    """Real-time factor (seconds per second of audio) of ``fn``, best of n_repeats: by the wall
    clock, and by this process's CPU time (the one-core figure when other work shares the CPU)."""
    fn()  # warm: decoders and dictionaries load once per process
    wall, cpu = [], []
    for _ in range(n_repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return {"rtf": round(min(wall) / audio_s, 5), "x_real_time": round(audio_s / min(wall), 1),
            "cpu_rtf": round(min(cpu) / audio_s, 5),
            "cpu_x_real_time": round(audio_s / min(cpu), 1)}


def run(options: BenchOptions) -> dict[str, Any]:
    from likeness.speech import recognize, tts
    from likeness.speech.evaluate import boundary_errors_s, closure_rate
    from likeness.speech.lipsync import animate, lipsync, resample
    from likeness.speech.stream import StreamingLipsync

    sentences = SENTENCES[:2] if options.quick else SENTENCES
    n_repeats = 1 if options.quick else 3
    takes = []
    for text in sentences:
        speech = tts.synthesize(text)
        duration_s = len(speech.pcm) / speech.sample_rate_hz
        takes.append((text, resample(speech.pcm, speech.sample_rate_hz),
                      tts.phones_from_events(speech.phonemes, duration_s)))
    audio = np.concatenate([pcm for _, pcm, _ in takes])
    audio_s = len(audio) / 16000

    def align_all() -> None:
        for text, pcm, _ in takes:
            recognize.align(pcm, 16000, text)

    def lipsync_aligned() -> None:
        for text, pcm, _ in takes:
            lipsync(pcm, 16000, text=text)

    report: dict[str, Any] = {
        "speech_s": round(audio_s, 2),
        "baseline_pocketsphinx_recognition": _rtf(
            lambda: recognize.recognize(audio, 16000), audio_s, n_repeats),
        "alignment": _rtf(align_all, audio_s, n_repeats),
        "lipsync_offline_recognition": _rtf(lambda: lipsync(audio, 16000), audio_s, n_repeats),
        "lipsync_offline_recognition_fast": _rtf(
            lambda: lipsync(audio, 16000, recognizer="fast"), audio_s, n_repeats),
        "lipsync_offline_aligned": _rtf(lipsync_aligned, audio_s, n_repeats),
        "animation_from_known_phones": _rtf(
            lambda: [animate(truth, pcm, 16000) for _, pcm, truth in takes],
            audio_s, n_repeats),
    }

    errors: dict[str, list[float]] = {"alignment": [], "recognition": [], "recognition_fast": []}
    closures: dict[str, list[float]] = {key: [] for key in errors}
    for text, pcm, truth in takes:
        results = {
            "alignment": (recognize.align(pcm, 16000, text).phones,
                          lipsync(pcm, 16000, text=text)),
            "recognition": (recognize.recognize(pcm, 16000), lipsync(pcm, 16000)),
            "recognition_fast": (recognize.recognize(pcm, 16000, "fast"),
                                 lipsync(pcm, 16000, recognizer="fast")),
        }
        for key, (phones, animation) in results.items():
            errors[key] += list(boundary_errors_s(truth, phones))
            closures[key].append(closure_rate(truth, animation.weights, animation.t_s))
    report["accuracy"] = {
        **{f"{key}_boundary_error_median_ms": round(1e3 * float(np.median(value)), 1)
           for key, value in errors.items()},
        **{f"bilabial_closure_rate_{key}": round(float(np.nanmean(value)), 3)
           for key, value in closures.items()},
    }

    stream = StreamingLipsync()
    feed_cpu_s, frame_latency_cpu_s = [], []
    for i in range(0, len(audio), CHUNK):
        start_cpu = time.process_time()
        n_before = len(stream.audio_ahead_s)
        stream.feed(audio[i:i + CHUNK])
        feed_cpu_s.append(time.process_time() - start_cpu)
        frame_latency_cpu_s += [a + feed_cpu_s[-1] for a in stream.audio_ahead_s[n_before:]]
    stream.flush()
    cpu_latency_ms = 1e3 * np.asarray(frame_latency_cpu_s)
    report["streaming"] = {
        **stream.latency_report(),
        # With this process's CPU time in place of wall time: the figure on an unshared core.
        "latency_cpu_median_ms": round(float(np.median(cpu_latency_ms)), 2),
        "latency_cpu_p95_ms": round(float(np.percentile(cpu_latency_ms, 95)), 2),
        "feed_compute": summarize_ms(stream.compute_s),
        "feed_cpu": summarize_ms(feed_cpu_s),
        "chunk_ms": 1e3 * CHUNK / 16000,
        "lookahead_ms": 1e3 * stream.options.lookahead_s,
        "target_p95_ms": 150,
    }
    return report
