"""How MediaPipe's landmarks actually move when a face makes each blendshape: the tracker
response, which calibrates the fields the solver fits.

The rig's displacement fields (``likeness.rig.shapes``) say where the skin goes. MediaPipe's
landmark model does not follow all of that: it damps most motion (it reports two thirds of a
blink's lid travel and half of a lowered brow), bends some and barely sees some at all (the
cheeks rising or puffing out, the nostril wings lifting: of those shapes it reports the lids,
lips and brows that move with them). Fitting the rig's fields to tracker output as they are
therefore under-reads. To measure the response, the avatar (whose morph targets are the rig's
fields) is rendered making each blendshape at two strengths and three head turns (under a minute),
each render is tracked with a fresh tracker, the landmarks are brought into the head frame,
and the change from the tracked neutral render, per unit weight, is averaged; the result is
made exactly mirror-symmetric.

By default the solver fits the rig's fields scaled by the share of each that MediaPipe reports
(:func:`tracker_gains`): where the tracker's response is the same motion, only weaker (a blink,
jawOpen, a smile, a pucker, a brow lowered), the weight comes out at full strength; the shape
stays the rig's, local and clean. The raw response fields are the ``fields="tracker"`` option.

Measured by :mod:`likeness_lab.response`: regenerate with ``python -m likeness_lab.response``
(needs the renderer's EGL).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np

from likeness.rig.landmarks import N_FACE_POINTS

DATA = "data/tracker_response.npz"
SAME_MOTION_COS = 0.55
"""A channel whose response points this close to its rig field (cosine over all landmarks)
moves the landmarks the way the rig says, only less: its rig field is scaled by the gain."""
GAIN_FLOOR = 0.65
"""Scaling a field by a gain g divides its weight's noise by g too: never more than 1.5x."""
WEAK_RESPONSE = 0.4
"""A channel whose response moves the landmarks less than this share of its rig field is one
MediaPipe barely sees (cheekSquint, cheekPuff, jawLeft, mouthClose): fitting its faint response
would let it soak up every other channel's residual, so the solver fits the rig's field for it
instead."""


@lru_cache(maxsize=1)
def tracker_response_m() -> np.ndarray:
    """(52, 478, 3) float32: landmark motion per unit weight as MediaPipe reports it, head frame,
    metres (read-only)."""
    with resources.files("likeness.solve").joinpath(DATA).open("rb") as handle:
        fields = np.load(handle)["response_m"].astype(np.float32)
    fields.setflags(write=False)
    return fields


def tracker_gains(rig_m: np.ndarray) -> np.ndarray:
    """(52,) how much of each rig field MediaPipe reports: the response's projection on the field,
    for channels whose response is the same motion (else 1), at least :data:`GAIN_FLOOR`.

    Whether it is the same motion is judged where the channel moves the skin (the points its
    field moves by at least :data:`likeness.solve.fields.LOCAL` of its largest motion): elsewhere
    the response is the landmark model's global coupling, which says nothing about the shape."""
    from likeness.solve.fields import LOCAL

    axes = np.array([1.0, 1.0, 0.5])  # as the expression fit weighs depth
    rig_points = rig_m[:, :N_FACE_POINTS] * axes
    reach = np.linalg.norm(rig_points, axis=-1)
    inside = reach > LOCAL * reach.max(axis=1, keepdims=True)
    rig = rig_points.reshape(len(rig_m), -1)
    seen = (tracker_response_m()[:, :N_FACE_POINTS] * axes * inside[..., None])
    seen = seen.reshape(len(rig_m), -1)
    along = (rig * seen).sum(1)
    gain = along / np.maximum((rig * rig).sum(1), 1e-18)
    cosine = along / np.maximum(np.linalg.norm(rig, axis=1) * np.linalg.norm(seen, axis=1), 1e-18)
    return np.where(cosine >= SAME_MOTION_COS, np.clip(gain, GAIN_FLOOR, 1.0), 1.0)
