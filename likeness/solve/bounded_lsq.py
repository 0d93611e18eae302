"""A small dense bounded least-squares solver, warm-started, for the per-frame blendshape fit.

scipy's ``lsq_linear`` costs milliseconds per call in set-up alone; the fit here has a fixed
design matrix, so its normal matrix is formed once and each frame runs a primal active-set
method on a ~50-variable box-constrained quadratic. Warm-started from the previous frame's
answer, a video frame typically takes one to three small solves. Each is one LAPACK Cholesky
solve (``dposv``) of the free variables' sub-system, called directly: on matrices of about ten
rows numpy's ``linalg`` wrappers cost 5-10x the arithmetic, and a direct solve costs about as
much as a cached inverse would, without the misses that made every new active set slow.
"""

from __future__ import annotations

import numpy as np
from scipy.linalg.lapack import dposv

GRADIENT_TOLERANCE = 1e-12
"""A bound variable is freed only when the gradient pushes it inward by more than this."""


def solve_box_qp(gram: np.ndarray, rhs: np.ndarray, upper: np.ndarray,
                 start: np.ndarray) -> np.ndarray:
    """argmin over 0 <= w <= upper of 0.5 w'Gw - rhs'w, for positive definite G.

    Parameters
    ----------
    gram : ndarray (n, n)
        Positive definite G, float64.
    rhs : ndarray (n,)
    upper : ndarray (n,)
        Upper bounds (>= 0; 0 pins a variable at 0).
    start : ndarray (n,)
        Warm start: the previous frame's answer; the variables strictly inside their bounds
        there start free, the others fixed at their bound.

    Returns
    -------
    ndarray (n,), float64, within the bounds.
    """
    w = np.minimum(np.maximum(np.asarray(start, np.float64), 0.0), upper)
    free = (w > 0.0) & (w < upper)
    movable = upper > 0.0
    for _ in range(4 * len(w) + 4):
        index = np.flatnonzero(free)
        if index.size:
            # The free variables' optimum with the fixed ones where they are.
            fixed = np.where(free, 0.0, w)
            _, target, info = dposv(gram[index[:, None], index], rhs[index] - gram[index] @ fixed)
            if info != 0:
                raise np.linalg.LinAlgError(f"the QP's matrix is not positive definite ({info})")
            now = w[index]
            bound = upper[index]
            below, above = target < 0.0, target > bound
            if below.any() or above.any():
                # Step toward the subproblem's answer only as far as the box allows, then fix
                # the variables that reached a bound (the step that keeps this from cycling).
                step = target - now
                limits = np.ones_like(now)
                limits[below] = now[below] / (now[below] - target[below])
                limits[above] = (bound[above] - now[above]) / step[above]
                alpha = min(max(float(limits.min()), 0.0), 1.0)
                moved = np.minimum(np.maximum(now + alpha * step, 0.0), bound)
                hit = (below | above) & (limits <= alpha + 1e-12)
                moved[hit & below] = 0.0
                moved[hit & above] = bound[hit & above]
                w[index] = moved
                free[index[hit]] = False
                continue
            w[index] = target
        # Optimal on this active set: free the bound variable whose gradient most wants in
        # (at 0 a negative gradient, at the upper bound a positive one).
        gradient = gram @ w - rhs
        inward = np.where(free | ~movable, 0.0, np.where(w <= 0.0, -gradient, gradient))
        best = int(inward.argmax())
        if inward[best] <= GRADIENT_TOLERANCE:
            break
        free[best] = True
    return w
