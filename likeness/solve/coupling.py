"""How much of one channel's motion MediaPipe's landmarks put along another channel's field: the
landmark model's coupling, which the expression fit would otherwise read as cross-talk.

MediaPipe's landmark model couples its points across the face: when the jaw opens its eye
points move too (per unit of jawOpen, its points outside the jaw's reach move 1.9-2.4 mm rms
on the avatar and on the astronaut photo; a pucker's, a funnel's and a smile's 1-2 mm), and
inside a channel's reach the reported shape differs from the rig's. Each channel's field is
the rig's, so that motion is explained by the wrong channels: rendered jawOpen at 0.8 read
eyeWide 0.87 and mouthLowerDown 1.00 beside jawOpen 0.56.

Which way the coupled motion goes depends on the face: outside each channel's reach, the
avatar's and the astronaut photo's coupled motion correlate at 0.6 for jawOpen and at -0.1 to
0.5 for the pucker, funnel and smile, so giving each channel the avatar's coupling as part of
its field moves the cross-talk elsewhere on other faces (it read worse on the photo). How large
the coupling is, over all pairs of channels, is much the same on both faces (within 10%),
though which pairs carry most of it agrees only loosely (correlation 0.3-0.4). So, as for the
pose drift (``likeness.solve.drift``), the coupling is not subtracted: it raises thresholds,
which only decide which channels turn on and never put motion into one. A channel that
explains less landmark motion than another active channel must also explain the coupling that
channel puts along its field, times a margin, before it turns on; see ``ExpressionFit``.

The coupling is read from the measured tracker response (``likeness.solve.response``): the
part of each channel's response that its own fitted field does not explain, projected on
every other channel's unit field. Nothing new is measured; regenerate the response and this
follows.
"""

from __future__ import annotations

import numpy as np

from likeness.rig.landmarks import N_FACE_POINTS


def coupling_m(fields: np.ndarray, channels: np.ndarray, weights_xyz: np.ndarray) -> np.ndarray:
    """(n, n) the landmark motion (metres, norm over all points) that field j at weight 1 puts
    along field k's unit field, beyond what its own field explains; 0 on the diagonal.

    Parameters
    ----------
    fields : ndarray (n, 478, 3)
        The fields the expression fit fits, metres.
    channels : ndarray (n,) int
        The channel each field is a shape of, whose tracker response it has.
    weights_xyz : ndarray (3,)
        How the fit weighs x, y and z.
    """
    from likeness.solve.response import tracker_response_m

    return _coupling(np.asarray(fields, np.float64), tracker_response_m()[channels], weights_xyz)


def _coupling(fields: np.ndarray, response: np.ndarray, weights_xyz: np.ndarray) -> np.ndarray:
    """coupling_m for given response fields (channels, 478, 3), as the fit weighs them."""
    n = len(fields)
    design = (fields[:, :N_FACE_POINTS] * weights_xyz).reshape(n, -1)
    seen = (np.asarray(response, np.float64)[:, :N_FACE_POINTS] * weights_xyz).reshape(n, -1)
    norms = np.maximum(np.linalg.norm(design, axis=1), 1e-18)
    # What is left of each response once its own channel, at the weight that best explains it,
    # has taken its share: the rest is what other channels would be asked to explain.
    own = (seen * design).sum(1) / norms**2
    left = seen - own[:, None] * design
    out = np.abs(left @ (design / norms[:, None]).T)
    np.fill_diagonal(out, 0.0)
    return out
