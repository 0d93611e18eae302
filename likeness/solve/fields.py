"""The displacement fields the expression fit can fit, by name (``SolverOptions.fields``);
each is (52, 478, 3) float32 metres in the head frame, read-only, built once. And the pucker's
second shape, as real faces make it."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from likeness.frame import N_LANDMARKS

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


REAL_PUCKER = "data/real_pucker.npz"
REAL_SHARE = 0.3
"""How much of the pucker's alternate shape is real faces' (the rest is the rig's pucker). Over
nine real videos in which people pucker, likeness's pucker followed MediaPipe's model's at a
median r of 0.71 with 0.3 of the real shape, 0.66-0.69 with 0.5-1.0 of it, and in the two
videos it was first developed on at 0.67 and 0.75 with 0.3, 0.46 and 0.66 with all of it (0.68
and 0.78 without the alternate)."""


def real_pucker_m() -> np.ndarray:
    """(478, 3) how MediaPipe's landmarks move per unit of its own model's mouthPucker on real
    faces, head frame, metres (measured by :mod:`likeness_lab.real_pucker`; 0 on the irises)."""
    from importlib import resources

    with resources.files("likeness.solve").joinpath(REAL_PUCKER).open("rb") as handle:
        measured = np.load(handle)["pucker_m"].astype(np.float64)
    points = np.zeros((N_LANDMARKS, 3))
    points[:len(measured)] = measured
    return points


@lru_cache(maxsize=1)
def pucker_as_real_faces_show_it_m() -> np.ndarray:
    """(478, 3) float32: another shape for mouthPucker, as MediaPipe reports real faces making
    it, the size of the rig's (read-only).

    The rig's pucker narrows the mouth by 30 mm and pushes the lips forward; real puckers that
    MediaPipe's own model reads at 0.75 narrow its mouth by 4-10 mm, and most drop the mouth
    corners, so the fit explained them as a frown, a rolled upper lip or a lowered lower lip (a
    kiss it reads at 0.99 read mouthPucker 0). The measured shape (:func:`real_pucker_m`), kept
    where the rig's pucker moves the skin, is mixed with the rig's (:data:`REAL_SHARE`). The
    fit reads it beside the rig's own (an alternate, ``ExpressionFit``), so the avatar's pucker
    still reads as itself."""
    from likeness.blendshapes import index

    rig = np.asarray(matched_rig_fields_m()[index("mouthPucker")], np.float64)
    reach = np.linalg.norm(rig, axis=-1)
    real = real_pucker_m() * (reach > LOCAL * reach.max())[:, None]
    shape = ((1.0 - REAL_SHARE) * rig / np.linalg.norm(rig)
             + REAL_SHARE * real / np.linalg.norm(real))
    return _frozen(shape * np.linalg.norm(rig) / np.linalg.norm(shape))


FIELDS = {"rig": matched_rig_fields_m, "tracker": tracker_fields_m}
