"""The displacement fields the expression fit can fit, by name (``SolverOptions.fields``);
each is (52, 478, 3) float32 metres in the head frame, read-only, built once."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

LOCAL = 0.05
"""Points a channel moves by less than this share of its largest motion are outside its reach."""


def _frozen(fields: np.ndarray) -> np.ndarray:
    fields = np.asarray(fields, np.float32)
    fields.setflags(write=False)
    return fields


def rig_fields_m() -> np.ndarray:
    """The rig's displacement fields (52, 478, 3), metres."""
    from likeness.rig.shapes import blendshape_deltas_m

    return blendshape_deltas_m()


@lru_cache(maxsize=1)
def matched_rig_fields_m() -> np.ndarray:
    """The rig's fields scaled to what MediaPipe reports of each (see likeness.solve.response)."""
    from likeness.solve.response import tracker_gains

    rig = rig_fields_m()
    return _frozen(rig * tracker_gains(rig)[:, None, None])


@lru_cache(maxsize=1)
def tracker_fields_m() -> np.ndarray:
    """MediaPipe's measured response to each blendshape (52, 478, 3), metres, where it responds;
    the rig's field for channels it barely sees (see likeness.solve.response)."""
    from likeness.solve.response import WEAK_RESPONSE, tracker_response_m

    rig = rig_fields_m()
    # Only where the channel moves the skin: the tracker's motion elsewhere is its landmark
    # model's global coupling, which would turn every channel into a bit of every other.
    reach = np.linalg.norm(rig, axis=-1)
    tracker = tracker_response_m() * (reach > LOCAL * reach.max(axis=1, keepdims=True))[..., None]
    strength = np.linalg.norm(tracker.reshape(len(tracker), -1), axis=1)
    weak = strength < WEAK_RESPONSE * np.linalg.norm(rig.reshape(len(rig), -1), axis=1)
    return _frozen(np.where(weak[:, None, None], rig, tracker))


FIELDS = {"rig": matched_rig_fields_m, "tracker": tracker_fields_m}
