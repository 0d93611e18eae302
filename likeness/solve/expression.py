"""Blendshape weights from head-frame landmarks: a bounded least-squares fit in rig space.

The rig says where every landmark goes for each blendshape at weight 1 (``blendshape_deltas_m``);
a frame's landmarks, with head pose removed, minus the user's neutral are fitted as a weighted
sum of those displacement fields with every weight in 0..1. Because the fit uses all 468 face
points rather than a few hand-picked distances, channels MediaPipe's own blendshape model leaves
dead (eyeWide, mouthShrugUpper, mouthRoll...) move when the landmarks move that way; what the
landmarks cannot show (cheekSquint apart from eyeSquint, mouthDimple, the tongue) is listed in
the tracking guide.
"""

from __future__ import annotations

import numpy as np

from likeness.blendshapes import N_BLENDSHAPES, index
from likeness.rig.gaze import LOOK_INDICES
from likeness.rig.landmarks import N_FACE_POINTS
from likeness.solve.bounded_lsq import solve_box_qp
from likeness.solve.coupling import coupling_m
from likeness.solve.drift import drift_along_m2

UNOBSERVED = (index("tongueOut"),)
"""Channels face landmarks cannot see: MediaPipe's mesh has no point on the tongue."""

REFIT_RIDGE = 0.01
"""Ridge of the second pass, over the active channels only: just enough to stay well posed."""

Z_WEIGHT = 0.5
"""MediaPipe's depth is inferred, not measured: it counts half as much as x and y in the fit."""


class ExpressionFit:
    """Bounded least squares of landmark offsets onto the rig's displacement fields.

    Parameters
    ----------
    deltas_m : ndarray (52, 478, 3)
        Landmark displacement at weight 1 per blendshape, head frame, metres.
    ridge : float
        Tikhonov weight pulling each channel toward 0, as a fraction of its own field's squared
        norm (so small-motion channels such as eyeWide are held back no more than jawOpen):
        keeps near-duplicate channels from trading landmark noise between them. It only
        chooses which channels are active; their values are then refitted with
        :data:`REFIT_RIDGE`, so active channels are not shrunk.
    sparsity_m : float
        L1 cost of a channel when choosing the active ones, in metres of landmark motion (the
        norm over all points) it must explain before it turns on; the cost of a weight is in
        proportion to how far it moves the landmarks, so one channel that explains the motion
        wins over several near-duplicates that explain it together (mouthPucker over
        mouthFunnel + mouthPress), and tracker jitter below it turns nothing on.
    drift_margin : float
        When the head's pose has changed since the reference (see ``__call__``), a channel
        must also explain this many times the landmark drift its field picks up at that pose
        change (rms, as measured on the avatar, :mod:`likeness.solve.drift`) before it turns
        on: what MediaPipe reports differently of an unchanged face at another pose is not
        read as expression. 0 turns this off.
    coupling_margin : float
        A channel that explains less landmark motion than another active channel must also
        explain this many times the motion MediaPipe's landmark model couples from that channel
        onto its field (:mod:`likeness.solve.coupling`) times that channel's weight, for the
        largest such channel, before it turns on: the eye points a jaw opening moves are not
        read as eyeWide. The channels are first chosen with the thresholds the previous frame's
        channels (the warm start) raise, their motion is measured unshrunk, and the choice is
        made again only if a chosen channel is below the threshold this frame's channels raise.
        0 turns this off.
    fixed : tuple of int
        Channels read elsewhere (besides the eyeLook* ones, which gaze gives): their weights
        come in with the frame, their motion is taken out, and what MediaPipe couples from
        them onto the solved channels raises those channels' thresholds as above.
    alternates : tuple of (int, ndarray (478, 3))
        Other shapes a channel shows as on real faces (a channel and a field, metres): each is
        fitted as a channel of its own, coupled as its channel is, and its weight is added to
        its channel's (at most 1).
    """

    def __init__(self, deltas_m: np.ndarray, *, ridge: float = 0.01,
                 sparsity_m: float = 1e-3, drift_margin: float = 0.0,
                 coupling_margin: float = 0.0, fixed: tuple[int, ...] = (),
                 alternates: tuple[tuple[int, np.ndarray], ...] = ()) -> None:
        axes = np.array([1.0, 1.0, Z_WEIGHT])
        # Rows of the fit: the channels' own fields, then the alternates'.
        all_fields = np.concatenate([np.asarray(deltas_m, np.float64)]
                                    + [np.asarray(f, np.float64)[None] for _, f in alternates])
        fields = all_fields[:, :N_FACE_POINTS, :] * axes
        self.fixed = np.array(sorted(set(LOOK_INDICES) | set(fixed)), np.intp)
        self.solved = np.array([i for i in range(N_BLENDSHAPES)
                                if i not in self.fixed and i not in UNOBSERVED], np.intp)
        self.unobserved = np.array(UNOBSERVED, np.intp)
        self._alternate_of = np.array([channel for channel, _ in alternates], np.intp)
        if not np.isin(self._alternate_of, self.solved).all():
            raise ValueError("an alternate's channel must be one the fit solves")
        # Where each alternate's channel is among the solved ones.
        self._alternate_row = np.searchsorted(self.solved, self._alternate_of)
        self._alternates = np.zeros(len(alternates))
        rows = np.r_[self.solved, N_BLENDSHAPES + np.arange(len(alternates))]
        design = fields[rows].reshape(len(rows), -1)  # (channels, coordinates)
        gram = design @ design.T
        # The fit only ever needs the design's projection of the offsets, so the depth weight
        # is folded into it (once here, not per frame), and the fixed channels' projection is
        # formed once: their motion comes out of the right-hand side in one small product.
        # Only the coordinates some channel moves, in single precision: the projection is read
        # from memory every frame, just after MediaPipe has filled the caches with its own data.
        project = design * np.tile(axes, N_FACE_POINTS)
        self._rows = np.flatnonzero(np.abs(project).max(0) > 0)
        self._project = np.ascontiguousarray(project[:, self._rows].T, np.float32)
        self._fixed_project = design @ fields[self.fixed].reshape(len(self.fixed), -1).T
        self._gram = gram + ridge * np.diag(np.diag(gram))
        self._gram_refit = gram + REFIT_RIDGE * np.diag(np.diag(gram))
        self._norms = np.sqrt(np.diag(gram))
        self._sparsity_m = sparsity_m
        self._threshold_m = np.full(len(rows), sparsity_m)
        self._drift_m2 = (drift_margin**2 * drift_along_m2(design / self._norms[:, None], axes)
                          if drift_margin > 0 else None)
        self._coupling_m = self._fixed_coupling_m = None
        self._causes = np.array(sorted(fixed), np.intp)
        if coupling_margin > 0:
            # The fixed channels (read elsewhere) couple onto the solved ones too.
            coupled = np.r_[rows, self._causes]
            channel_of = np.r_[np.arange(N_BLENDSHAPES), self._alternate_of][coupled]
            table = coupling_margin * coupling_m(all_fields[coupled], channel_of, axes)
            n = len(rows)
            self._coupling_m = table[:n, :n]
            self._fixed_coupling_m = table[n:, :n]
        self._upper = np.ones(len(rows))

    def reset(self) -> None:
        """Forget the alternates' last weights (their warm start, which ``weights`` does not
        carry)."""
        self._alternates[:] = 0.0

    def _allowance_m(self, solved: np.ndarray) -> np.ndarray:
        """Each channel's threshold (metres) from the coupling of the channels ``solved`` (n,)
        that explain more motion than it."""
        # Only a channel that explains more motion is taken to cause a smaller one's: else the
        # cross-talk, once on, would hold back the channel that caused it. The largest cause
        # counts, not their sum: summed, the allowances of a few active channels hold back a
        # third of the genuine channels in mixtures.
        assert self._coupling_m is not None
        moved_m = solved * self._norms
        causes = solved[:, None] * (moved_m[:, None] > moved_m[None, :])
        return (causes * self._coupling_m).max(0)

    def _refit(self, rhs: np.ndarray, active: np.ndarray, support: np.ndarray) -> np.ndarray:
        """The ``active`` (n,) channels of ``support`` (n,) fitted again with
        :data:`REFIT_RIDGE`, the others at 0."""
        if not np.count_nonzero(active):  # a face at rest (a fifth of frames)
            return support
        return solve_box_qp(self._gram_refit, rhs, active.astype(np.float64), support)

    def __call__(self, offsets_m: np.ndarray, weights: np.ndarray,
                 pose_change: np.ndarray | None = None) -> np.ndarray:
        """Fit one frame.

        Parameters
        ----------
        offsets_m : ndarray (478, 3)
            Head-frame landmarks minus the neutral, metres.
        weights : ndarray (52,)
            The previous frame's weights (warm start) with this frame's fixed channels (the
            eyeLook* weights and ``fixed``) already set; their motion is taken out before the
            fit.
        pose_change : ndarray (4,), optional
            The head's pose change from the reference pose along
            :data:`likeness.solve.drift.AXES` (``likeness.solve.drift.pose_change``); without
            it no drift is allowed for.

        Returns
        -------
        ndarray (52,) float32 in 0..1.
        """
        observed = offsets_m[:N_FACE_POINTS].reshape(-1)[self._rows].astype(np.float32)
        # numpy's own loop, not BLAS: OpenBLAS spreads a product this size over every core, and
        # its idle workers then spin between frames, doubling the CPU time the solver takes.
        rhs = np.einsum("j,ji->i", observed, self._project).astype(np.float64)
        rhs -= self._fixed_project @ weights[self.fixed]
        threshold_m = self._threshold_m
        if pose_change is not None and self._drift_m2 is not None:
            threshold_m = np.maximum(np.sqrt(self._drift_m2 @ (pose_change * pose_change)),
                                     self._sparsity_m)
        if self._fixed_coupling_m is not None and len(self._causes):
            fixed = weights[self._causes].astype(np.float64)
            threshold_m = np.maximum((fixed[:, None] * self._fixed_coupling_m).max(0),
                                     threshold_m)
        start = np.r_[weights[self.solved], self._alternates]
        # A channel's weight came in with its alternates' added.
        start[self._alternate_row] = np.maximum(
            start[self._alternate_row] - self._alternates, 0.0)
        if self._coupling_m is not None and np.count_nonzero(start):
            # In a video the previous frame's channels are this frame's causes too: starting
            # from their allowance, the fit rarely has to choose the channels twice.
            threshold_m = np.maximum(self._allowance_m(start), threshold_m)
        support = solve_box_qp(self._gram, rhs - threshold_m * self._norms, self._upper, start)
        active = support > 0.0
        solved = self._refit(rhs, active, support)
        if self._coupling_m is not None and np.count_nonzero(solved):
            raised_m = np.maximum(self._allowance_m(solved), threshold_m)
            # Raising an inactive channel's threshold leaves the optimum as it is.
            if np.count_nonzero((raised_m > threshold_m)[solved > 0.0]):
                support = solve_box_qp(self._gram, rhs - raised_m * self._norms, self._upper,
                                       support)
                # The refit's optimum is unique: the same channels refit to the same values
                # (half the time here).
                if not np.array_equal(support > 0.0, active):
                    solved = self._refit(rhs, support > 0.0, support)
        out = np.array(weights, np.float32)
        n = len(self.solved)
        out[self.solved] = solved[:n]
        self._alternates = solved[n:]
        out[self._alternate_of] = np.minimum(out[self._alternate_of] + solved[n:], 1.0)
        out[self.unobserved] = 0.0
        return out
