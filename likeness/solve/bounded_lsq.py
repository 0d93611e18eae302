"""A small dense bounded least-squares solver, warm-started, for the per-frame blendshape fit.

scipy's ``lsq_linear`` costs milliseconds per call in set-up alone; the fit here has a fixed
design matrix, so its normal matrix is formed once and each frame runs a primal active-set
method on a ~50-variable box-constrained quadratic. Warm-started from the previous frame's
active set, a video frame typically takes one to three small solves, and because a face keeps
the same active channels for many frames, the inverse of each sub-matrix is cached: LAPACK
calls on tiny matrices cost ~100 us under a multi-threaded BLAS, a cached product ~2 us.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np

CACHE_SIZE = 512


class InverseCache:
    """Inverses of the principal sub-matrices of one fixed matrix, least recently used dropped."""

    def __init__(self, gram: np.ndarray) -> None:
        self.gram = gram
        self._inverses: OrderedDict[bytes, np.ndarray] = OrderedDict()

    def inverse(self, free: np.ndarray) -> np.ndarray:
        """inv(gram[free][:, free])."""
        key = np.packbits(free).tobytes()
        found = self._inverses.get(key)
        if found is None:
            found = np.linalg.inv(self.gram[np.ix_(free, free)])
            self._inverses[key] = found
            if len(self._inverses) > CACHE_SIZE:
                self._inverses.popitem(last=False)
        else:
            self._inverses.move_to_end(key)
        return found


def solve_box_qp(gram: np.ndarray | InverseCache, rhs: np.ndarray, upper: np.ndarray,
                 start: np.ndarray) -> np.ndarray:
    """argmin over 0 <= w <= upper of 0.5 w'Gw - rhs'w, for positive definite G.

    Parameters
    ----------
    gram : ndarray (n, n) or InverseCache
        Positive definite G (in an InverseCache when it is used for many solves).
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
    cache = gram if isinstance(gram, InverseCache) else InverseCache(gram)
    gram = cache.gram
    w = np.clip(np.asarray(start, np.float64), 0.0, upper)
    free = (w > 0.0) & (w < upper)
    for _ in range(4 * len(w) + 4):
        target = w.copy()
        if free.any():
            pinned = gram @ np.where(free, 0.0, w)  # what the fixed variables contribute
            target[free] = cache.inverse(free) @ (rhs[free] - pinned[free])
        below, above = free & (target < 0.0), free & (target > upper)
        if below.any() or above.any():
            # Step toward the subproblem's answer only as far as the box allows, then fix the
            # variables that reached a bound (the step that keeps this method from cycling).
            step = target - w
            limits = np.ones_like(w)
            limits[below] = w[below] / (w[below] - target[below])
            limits[above] = (upper[above] - w[above]) / step[above]
            alpha = float(np.clip(limits.min(), 0.0, 1.0))
            w = np.clip(w + alpha * step, 0.0, upper)
            hit = (below | above) & (limits <= alpha + 1e-12)
            w[hit & below] = 0.0
            w[hit & above] = upper[hit & above]
            free &= ~hit
            continue
        w = target
        # Optimal on this active set: free the bound variable whose gradient most wants in.
        gradient = gram @ w - rhs
        wants_in = ~free & (upper > 0.0) & (
            ((w <= 0.0) & (gradient < -1e-12)) | ((w >= upper) & (gradient > 1e-12)))
        if not wants_in.any():
            break
        free[np.argmax(np.where(wants_in, np.abs(gradient), -1.0))] = True
    return w
