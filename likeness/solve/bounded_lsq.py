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

import bisect
import math

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
    bounds = upper.tolist()
    at_lower, at_upper = w <= 0.0, w >= upper
    free = (~(at_lower | at_upper)).nonzero()[0].tolist()  # sorted, as the sub-systems are
    # How a fixed variable moves inward: -1 at 0, +1 at its upper bound, 0 when free or pinned
    # at 0 (both bounds at once); the gradient times this is each one's pull inward.
    side = np.subtract(at_upper, at_lower, dtype=np.float64)
    n_fixed = int(np.count_nonzero(side))
    # Those fixed at their upper bound: with none, the fixed variables are all 0 and add
    # nothing to the free ones' right-hand side.
    raised = set((side > 0.0).nonzero()[0].tolist())
    for _ in range(4 * len(w) + 4):
        if free:
            # The free variables' optimum with the fixed ones where they are. The free set is
            # a few variables: below, its bookkeeping is in Python, cheaper than numpy calls.
            index = np.array(free)
            sub_rhs = rhs[index]
            if raised:
                fixed = w.copy()
                fixed[index] = 0.0
                sub_rhs -= gram[index] @ fixed
            # A third of the cost of gram[index[:, None], index].
            sub_gram = gram.take(index, 0).take(index, 1)
            _, target, info = dposv(sub_gram, sub_rhs, overwrite_b=1)
            if info != 0:
                raise np.linalg.LinAlgError(f"the QP's matrix is not positive definite ({info})")
            goal, now = target.tolist(), w[index].tolist()
            # How far toward its goal each variable can go before it leaves the box.
            limits = [now_i / (now_i - goal_i) if goal_i < 0.0
                      else (bound - now_i) / (goal_i - now_i) if goal_i > bound else math.inf
                      for goal_i, now_i, bound in zip(goal, now, [bounds[i] for i in free],
                                                      strict=True)]
            reach = min(limits)
            if reach < math.inf:
                # Step toward the subproblem's answer only as far as the box allows, then fix
                # the variables that reached a bound (the step that keeps this from cycling).
                alpha = min(max(reach, 0.0), 1.0)
                kept, moved = [], []
                for i, goal_i, now_i, limit in zip(free, goal, now, limits, strict=True):
                    if limit <= alpha + 1e-12:
                        above = goal_i > 0.0
                        moved.append(bounds[i] if above else 0.0)
                        side[i] = 1.0 if above else -1.0
                        n_fixed += 1
                        if above:
                            raised.add(i)
                    else:
                        moved.append(min(max(now_i + alpha * (goal_i - now_i), 0.0), bounds[i]))
                        kept.append(i)
                w[index] = moved
                free = kept
                continue
            w[index] = target
        if not n_fixed:  # every variable that can move is free: optimal
            break
        # Optimal on this active set: free the bound variable whose gradient most wants in
        # (at 0 a negative gradient, at the upper bound a positive one).
        inward = gram @ w
        inward -= rhs
        inward *= side
        best = int(inward.argmax())
        if inward[best] <= GRADIENT_TOLERANCE:
            break
        bisect.insort(free, best)
        side[best] = 0.0
        n_fixed -= 1
        raised.discard(best)
    return w
