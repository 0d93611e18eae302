"""The render benchmark reports the twin's frame rate beside the built-in avatar's."""

import pytest


@pytest.mark.slow
def test_the_render_bench_reports_the_twin_beside_the_built_in_avatar():
    from likeness.bench import render
    from likeness.bench.timing import BenchOptions

    out = render.run(BenchOptions(quick=True))
    for quality in ("full", "fast"):
        built_in, twin = out[f"render_{quality}"], out["twin"][f"render_{quality}"]
        assert built_in["n"] == twin["n"] == out["n_frames"]
        assert twin["fps"] > 0 and twin["median_ms"] > 0
    assert out["twin"]["n_triangles"] > 1000
