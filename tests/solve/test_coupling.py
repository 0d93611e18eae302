"""The landmark coupling between channels, on fields with a known answer."""

from __future__ import annotations

import numpy as np
import pytest

from likeness.errors import InputError
from likeness.solve import SolverOptions
from likeness.solve.coupling import _coupling

XYZ = np.array([1.0, 1.0, 0.5])


def test_coupling_is_what_a_response_puts_along_another_field():
    fields = np.zeros((3, 478, 3))
    fields[0, 10, 0] = 0.004  # each channel moves its own point 4 mm
    fields[1, 20, 1] = 0.004
    fields[2, 30, 0] = 0.004
    response = 0.5 * fields.copy()  # reported at half strength: no coupling
    response[0, 20, 1] = 0.001  # but channel 0 also moves channel 1's point 1 mm
    coupling = _coupling(fields, response, XYZ)
    np.testing.assert_allclose(coupling, [[0, 0.001, 0], [0, 0, 0], [0, 0, 0]], atol=1e-12)


def test_a_response_in_its_own_fields_direction_couples_nothing(rng):
    fields = rng.normal(0.0, 1e-3, (4, 478, 3))
    assert _coupling(fields, 0.7 * fields, XYZ).max() < 1e-12


def test_a_negative_coupling_margin_is_refused():
    with pytest.raises(InputError, match="coupling_margin"):
        SolverOptions(coupling_margin=-1.0)
