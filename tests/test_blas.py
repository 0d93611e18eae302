"""Small products on one BLAS thread: numpy's and scipy's OpenBLAS both."""

from __future__ import annotations

from likeness.blas import _openblas, single_threaded_blas


def test_numpy_and_scipy_blas_run_on_one_thread_inside_and_as_before_after():
    libraries = _openblas()
    assert len(libraries) == 2  # numpy's and scipy's own OpenBLAS
    before = [getter() for _, getter in libraries]
    with single_threaded_blas():
        assert [getter() for _, getter in libraries] == [1, 1]
    assert [getter() for _, getter in libraries] == before
