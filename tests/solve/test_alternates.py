"""A channel's second shape (``ExpressionFit`` alternates) and the pucker as real faces make it."""

from __future__ import annotations

import numpy as np
import pytest

from likeness.blendshapes import index
from likeness.rig import landmark_mirror
from likeness.rig import landmarks as lm
from likeness.solve.expression import ExpressionFit
from likeness.solve.fields import (
    matched_rig_fields_m,
    pucker_as_real_faces_show_it_m,
    real_pucker_m,
)
from likeness.solve.reading import MEASURED
from likeness.solve.solver import COUPLING_MARGIN

PUCKER = index("mouthPucker")


def _fit(*, alternate: bool = True) -> ExpressionFit:
    """The fit as the solver sets it up."""
    return ExpressionFit(matched_rig_fields_m(), coupling_margin=COUPLING_MARGIN,
                         fixed=tuple(int(c) for c in MEASURED),
                         alternates=((PUCKER, pucker_as_real_faces_show_it_m()),)
                         if alternate else ())


def _read(fit: ExpressionFit, offsets_m: np.ndarray, frames: int = 3) -> np.ndarray:
    """A face held for a few frames, each warm-started from the last."""
    weights = np.zeros(52, np.float32)
    for _ in range(frames):
        weights = fit(offsets_m, weights)
    return weights


def test_either_shape_reads_as_the_channel():
    for shape in (matched_rig_fields_m()[PUCKER], pucker_as_real_faces_show_it_m()):
        weights = _read(_fit(), 0.6 * shape)
        assert abs(weights[PUCKER] - 0.6) < 0.1
        assert np.delete(weights, PUCKER).max() < 0.05


def test_a_real_pucker_reads_as_a_pucker_only_with_the_alternate():
    real = real_pucker_m()  # a pucker MediaPipe's model reads at 1
    plain = _read(_fit(alternate=False), real)
    assert np.delete(plain, PUCKER).max() > 0.5  # the lower lip lowered, on both sides
    weights = _read(_fit(), real)
    assert weights[PUCKER] > 0.4
    assert np.delete(weights, PUCKER).max() < 0.1


def test_both_shapes_together_add_up_to_at_most_one():
    both = matched_rig_fields_m()[PUCKER] + pucker_as_real_faces_show_it_m()
    assert _read(_fit(), 0.8 * both)[PUCKER] == 1.0


def test_reset_forgets_the_alternates_warm_start():
    fit = _fit()
    shape = pucker_as_real_faces_show_it_m()
    _read(fit, 0.6 * shape)
    fit.reset()
    fresh = _fit()
    np.testing.assert_allclose(_read(fit, 0.3 * shape), _read(fresh, 0.3 * shape), atol=1e-6)


def test_the_real_pucker_is_the_rigs_size_narrower_and_lower_at_the_corners():
    rig = np.asarray(matched_rig_fields_m()[PUCKER], np.float64)
    real = np.asarray(pucker_as_real_faces_show_it_m(), np.float64)
    assert abs(np.linalg.norm(real) / np.linalg.norm(rig) - 1.0) < 1e-5
    left, right = lm.MOUTH_LEFT_CORNER, lm.MOUTH_RIGHT_CORNER
    assert real[left, 0] < 0 < real[right, 0]  # the corners come in
    assert real[left, 1] < rig[left, 1]  # and drop, as real puckers' do
    # Mirror-symmetric, as the faces it was measured on are not quite.
    mirrored = real[landmark_mirror()] * np.array([-1.0, 1.0, 1.0])
    np.testing.assert_allclose(mirrored, real, atol=1e-6)
    # Only where the rig's pucker moves the skin.
    assert np.abs(real[lm.FOREHEAD]).max() == 0.0


def test_an_alternate_of_a_channel_read_elsewhere_is_refused():
    with pytest.raises(ValueError, match="alternate"):
        ExpressionFit(matched_rig_fields_m(), fixed=(PUCKER,),
                      alternates=((PUCKER, pucker_as_real_faces_show_it_m()),))
