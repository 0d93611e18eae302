"""A small dense bounded least-squares solver, warm-started, for the per-frame blendshape fit.

scipy's ``lsq_linear`` costs milliseconds per call in set-up alone; the fit here has a fixed
design matrix, so its normal matrix is factored once and each frame only runs a few active-set
steps on a ~50-variable quadratic.
"""

from __future__ import annotations

import numpy as np

MAX_STEPS = 12


def solve_box_qp(gram: np.ndarray, rhs: np.ndarray, upper: np.ndarray,
                 start: np.ndarray) -> np.ndarray:
    """argmin over 0 <= w <= upper of 0.5 w'Gw - rhs'w, for positive definite G.

    Parameters
    ----------
    gram : ndarray (n, n)
        Positive definite G.
    rhs : ndarray (n,)
    upper : ndarray (n,)
        Upper bounds (> 0).
    start : ndarray (n,)
        Warm start: the previous frame's answer; its variables at a bound start fixed there.

    Returns
    -------
    ndarray (n,), float64, within the bounds.
    """
    w = np.clip(start, 0.0, upper)
    free = (w > 0.0) & (w < upper)
    for _ in range(MAX_STEPS):
        fixed = ~free
        target = rhs[free] - gram[np.ix_(free, fixed)] @ w[fixed]
        w_free = np.linalg.solve(gram[np.ix_(free, free)], target) if free.any() else target
        out = (w_free < 0.0) | (w_free > upper[free])
        w[free] = np.clip(w_free, 0.0, upper[free])
        if out.any():
            # Variables that left the box are fixed at the bound they crossed; re-solve the rest.
            free[np.flatnonzero(free)[out]] = False
            continue
        # All free variables are inside: release bound ones whose gradient points into the box.
        gradient = gram @ w - rhs
        release = ~free & (((w <= 0.0) & (gradient < -1e-12)) | ((w >= upper) & (gradient > 1e-12)))
        if not release.any():
            break
        free |= release
    return w
