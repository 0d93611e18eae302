"""The streaming benchmark's slow-peer and pacing figures are reported (speed is never asserted)."""

from __future__ import annotations

from likeness.bench import streaming


def test_slow_peer_figures_count_every_frame() -> None:
    report = streaming.slow_peer(n_frames=10)
    assert report["send_call_blocks_caller"]["n"] == 10
    assert report["n_sent"] + report["n_dropped"] == 10 and report["n_sent"] >= 2


def test_play_pacing_reports_each_frame() -> None:
    report = streaming.play_pacing(n_frames=12)
    assert report["n_frames"] == report["frame_late"]["n"] == 12
    assert report["frame_late"]["median_ms"] <= report["frame_late"]["p95_ms"]
