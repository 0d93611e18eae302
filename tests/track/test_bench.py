"""The tracking benchmark runs and reports every figure (speed itself is never asserted)."""

from __future__ import annotations

import pytest

from likeness.bench import tracking
from likeness.bench.timing import BenchOptions


@pytest.mark.slow
def test_quick_tracking_bench_reports_every_stage():
    report = tracking.run(BenchOptions(quick=True))
    assert report["clip"] == {"size": [640, 480], "n_frames": 60, "n_found": 60}
    for stage in ("decode", "landmarks", "solve", "filter", "solve_plus_filter",
                  "total_excl_decode", "total", "baseline_mediapipe_landmarks"):
        figures = report[stage]
        assert figures["n"] == 59 and 0 < figures["median_ms"] <= figures["p95_ms"]
    for clock in ("wall", "cpu"):
        figures = report["solve_plus_filter_replayed"][clock]
        assert figures["n"] == 2 * 59 and 0 < figures["median_ms"] <= figures["p95_ms"]
    assert report["fps_excl_decode"] > 0 and report["baseline_mediapipe_landmarks"]["fps"] > 0
    blink = report["blink_through_filter"]["30fps"]
    assert blink["blink_close_lag_ms"] == 0.0 and blink["blink_depth_kept"] > 0.95
