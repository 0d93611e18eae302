"""One displacement field per ARKit blendshape on the rig template's 478 landmarks.

Each field is authored from facial anatomy on :func:`likeness.rig.neutral_m`, in metres in the
head frame (+x the subject's own left, +y up, +z out of the face):

- the jaw rotates about a pivot in front of and below the ear; how much of it a point follows is
  a smooth membership that is 1 on the lower lip and chin and 0 on the upper lip and midface;
- eyelids slide along the eye: a blink carries each upper-lid point most of the way onto its
  lower-lid twin and the lower lid the rest, with the lid skin following and fading out;
- lip, cheek, nose and brow shapes move a few anchor points and carry the motion onto the skin
  around them with inverse-distance weights and a compact falloff, so each stays local;
- the subtle shapes (eyeWide, cheekSquint, noseSneer, cheekPuff, mouthDimple, mouthShrugUpper)
  follow their FACS action units with a real face's few millimetres of motion, including the
  features a camera sees move (lids, lips, brows, nostrils, the face's outline), and leave the
  skin over the cheekbones, which the head-pose fit holds still, where it is.

Only the subject's left-side shapes are authored; each right-side twin is its mirror image, so
the set is mirror-consistent exactly. Iris points never move: the eyeball's rotation is
``FaceFrame.eyes_rad`` (see :mod:`likeness.rig.gaze`); the eyeLook* fields carry only the lids'
and skin's response to gaze. ``tongueOut`` is seen on the landmarks as the tongue pushing the lower
lip down and forward; the avatar adds the tongue itself.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np

from likeness.blendshapes import INDEX, MIRROR, N_BLENDSHAPES, NAMES
from likeness.rig import landmarks as lm
from likeness.rig.template import landmark_mirror, neutral_m

JAW_OPEN_RAD = 0.30
"""Jaw rotation at jawOpen = 1 (about 17 degrees: the mouth wide open)."""

JAW_SIDE_RAD = 0.09
"""Jaw turn about one condyle at jawLeft/jawRight = 1 (the chin moves about 7 mm sideways)."""

_IRIS = slice(lm.N_FACE_POINTS, None)
_MM = 1e-3


def _falloff(distance_m: np.ndarray, radius_m: float) -> np.ndarray:
    """Wendland-style weight: 1 at distance 0, 0 from ``radius_m`` on, smooth in between."""
    u = np.clip(distance_m / radius_m, 0.0, 1.0)
    return (1.0 - u) ** 4 * (4.0 * u + 1.0)


def _smoothstep(u: np.ndarray) -> np.ndarray:
    """0 below 0, 1 above 1, C1 in between."""
    u = np.clip(u, 0.0, 1.0)
    return u * u * (3.0 - 2.0 * u)


def _carry(points: np.ndarray, anchors: np.ndarray, anchor_values: np.ndarray, radius_m: float):
    """Spread values given at anchor points (K, 3) onto ``points`` (n, 3) by inverse-distance
    weights, faded to zero at ``radius_m`` from the nearest anchor."""
    distance = np.linalg.norm(points[:, None, :] - anchors[None, :, :], axis=-1)
    weight = 1.0 / (distance**2 + (0.3 * _MM) ** 2) ** 2
    weight /= weight.sum(axis=1, keepdims=True)
    return (weight @ anchor_values) * _falloff(distance.min(axis=1), radius_m)[:, None]


def _bump(points: np.ndarray, center: np.ndarray, radii_m, plateau: float = 0.5) -> np.ndarray:
    """(n,) ellipsoidal weight about ``center``: 1 within ``plateau`` of the radii, 0 beyond."""
    u = np.linalg.norm((points - center) / np.asarray(radii_m), axis=1)
    return _falloff(np.maximum(u - plateau, 0.0), 1.0 - plateau)


def _held(points: np.ndarray, field: np.ndarray, held: np.ndarray, radius_m: float) -> np.ndarray:
    """``field`` (n, 3) faded to zero at the ``held`` points (k, 3), over ``radius_m``."""
    distance = np.linalg.norm(points[:, None, :] - held[None, :, :], axis=-1).min(axis=1)
    return field * (1.0 - _falloff(distance, radius_m))[:, None]


def _left_half(points: np.ndarray, width_m: float = 6 * _MM) -> np.ndarray:
    """(n,) 1 on the subject's left (+x), 0 on the right, 0.5 at the midline."""
    return _smoothstep(0.5 + points[:, 0] / (2.0 * width_m))


class _Face:
    """The template and the memberships the fields are built from."""

    def __init__(self) -> None:
        self.p = neutral_m().astype(np.float64)[: lm.N_FACE_POINTS]
        p = self.p
        self.mouth_center = 0.5 * (p[lm.UPPER_LIP_CENTER_INNER] + p[lm.LOWER_LIP_CENTER_INNER])
        self.left_corner = p[lm.MOUTH_LEFT_CORNER]
        # Deep in z: the corners sit 2 cm behind the lip centre on the curve of the teeth.
        self.lips = _bump(p, self.mouth_center, (55 * _MM, 26 * _MM, 80 * _MM), plateau=0.7)
        self.jaw = self._jaw_membership()
        self.upper_lip = self.lips * (1.0 - self.jaw)
        self.lower_lip = self.lips * self.jaw
        self.left = _left_half(p)
        # The jaw hinge: in front of and below the ear, behind the cheek contour.
        cheek = p[lm.LEFT_CHEEK_CONTOUR]
        self.jaw_pivot = np.array([0.0, cheek[1] - 8 * _MM, cheek[2] - 15 * _MM])
        self.left_condyle = np.array([cheek[0] - 10 * _MM, cheek[1] - 8 * _MM, cheek[2] - 15 * _MM])

    def _jaw_membership(self) -> np.ndarray:
        """(n,) how much each point follows the jaw: 1 on the lower lip and chin, 0 above."""
        p = self.p
        lateral = np.maximum(np.abs(p[:, 0]) - 0.03, 0.0)
        mouth_y = self.mouth_center[1]
        below = p[:, 1] < mouth_y - 22 * _MM + 0.7 * lateral
        above = p[:, 1] > mouth_y + 26 * _MM + 0.5 * lateral
        lower_lip = list(lm.LIPS_OUTER_LOWER[1:-1] + lm.LIPS_INNER_LOWER[1:-1])
        upper_lip = list(lm.LIPS_OUTER_UPPER[1:-1] + lm.LIPS_INNER_UPPER[1:-1])
        corners = [lm.MOUTH_LEFT_CORNER, lm.MOUTH_RIGHT_CORNER]
        anchors = np.concatenate(
            [np.flatnonzero(below), lower_lip, np.flatnonzero(above), upper_lip, corners]
        )
        values = np.concatenate(
            [
                np.ones(below.sum() + len(lower_lip)),
                np.zeros(above.sum() + len(upper_lip)),
                [0.45, 0.45],
            ]
        )
        membership = _carry(p, p[anchors], values[:, None], radius_m=1.0)[:, 0]
        # Far from the jaw the weights are tiny but not zero; the forehead must not move at all.
        return np.clip((membership - 0.02) / 0.98, 0.0, 1.0)

    def jaw_bone(self, points: np.ndarray) -> dict[str, np.ndarray]:
        """Motion (n, 3) of points rigidly carried by the jaw bone, for the jaw shapes."""
        relative = points - self.jaw_pivot
        about_condyle = points - self.left_condyle
        return {
            # Opening wide, the condyles also glide forward, so the lips part mostly downward.
            "jawOpen": relative @ _rotation_x(JAW_OPEN_RAD).T - relative + [0, -2 * _MM, 8 * _MM],
            # Protrusion slides the condyles down the articular eminence as well as forward.
            "jawForward": np.tile([0, -2 * _MM, 6 * _MM], (len(points), 1)),
            # Sideways, the jaw turns about the condyle on the side it moves toward.
            "jawLeft": about_condyle @ _rotation_y(JAW_SIDE_RAD).T - about_condyle,
        }

    def lids(self, upper_mm, lower_mm, radius_m: float = 11 * _MM) -> np.ndarray:
        """Left-eye lid motion: per-lid displacement (3,) in mm, or a callable of the lid points."""
        p = self.p
        upper = np.array(lm.LEFT_EYE_UPPER_LID[1:-1])
        lower = np.array(lm.LEFT_EYE_LOWER_LID[1:-1])
        corners = np.array([lm.LEFT_EYE_OUTER_CORNER, lm.LEFT_EYE_INNER_CORNER])
        values = np.concatenate(
            [
                _lid_values(upper_mm, upper, lower, p),
                _lid_values(lower_mm, lower, upper, p),
                np.zeros((2, 3)),
            ]
        )
        # Corners stay; the brow above and the cheek below are pinned by the falloff.
        return _carry(p, p[np.concatenate([upper, lower, corners])], values, radius_m)

    def around(self, index: int | tuple[int, ...], move_mm, radius_m: float, pins=()) -> np.ndarray:
        """Move the named landmarks by ``move_mm`` ((3,), or (k, 3): one row per landmark) and
        carry it onto nearby skin; ``pins`` stay."""
        p = self.p
        moving = np.atleast_1d(index)
        pins = np.asarray(pins, dtype=np.intp)
        moves = np.broadcast_to(np.asarray(move_mm, float) * _MM, (len(moving), 3))
        values = np.concatenate([moves, np.zeros((len(pins), 3))])
        return _carry(p, p[np.concatenate([moving, pins]).astype(np.intp)], values, radius_m)

    def bump(self, center_mm, radii_mm, move_mm, plateau: float = 0.5) -> np.ndarray:
        """(n, 3) a move of ``move_mm`` over an ellipsoid about ``center_mm`` (head frame)."""
        weight = _bump(self.p, np.asarray(center_mm) * _MM, np.asarray(radii_mm) * _MM, plateau)
        return weight[:, None] * (np.asarray(move_mm, float) * _MM)


def _lid_values(move, lid: np.ndarray, other: np.ndarray, p: np.ndarray) -> np.ndarray:
    """(k, 3) metres: a constant mm move, or a fraction of the way onto the opposite lid."""
    if callable(move):
        return move(p[lid], p[other])
    return np.tile(np.asarray(move, float) * _MM, (len(lid), 1))


def _toward(fraction: float) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    return lambda lid, other: fraction * (other - lid)


def _rotation_x(angle_rad: float) -> np.ndarray:
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def _rotation_y(angle_rad: float) -> np.ndarray:
    c, s = np.cos(angle_rad), np.sin(angle_rad)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def _lid_profile(f: _Face, lid: tuple[int, ...]) -> np.ndarray:
    """(k,) for the inner points of a left-eye lid contour: 0 at the corners, 1 mid-lid."""
    x = f.p[list(lid[1:-1]), 0]
    outer, inner = f.p[lm.LEFT_EYE_OUTER_CORNER, 0], f.p[lm.LEFT_EYE_INNER_CORNER, 0]
    return np.sin(np.pi * np.clip((x - inner) / (outer - inner), 0.0, 1.0)) ** 0.5


def _eye_wide(f: _Face) -> np.ndarray:
    """AU5, upper lid raiser: the lid lifts about 3.5 mm mid-lid, clear of the iris, so sclera
    shows above it; the lower lid drops a little and the brow rises slightly with the lid fold."""
    upper, lower = lm.LEFT_EYE_UPPER_LID, lm.LEFT_EYE_LOWER_LID
    lid = f.around(
        upper[1:-1] + lower[1:-1] + (lm.LEFT_EYE_OUTER_CORNER, lm.LEFT_EYE_INNER_CORNER),
        np.concatenate([
            _lid_profile(f, upper)[:, None] * [0.0, 3.5, 0.6],
            _lid_profile(f, lower)[:, None] * [0.0, -0.7, 0.0],
            np.zeros((2, 3)),
        ]),
        11 * _MM,
    )
    brow = f.around(lm.LEFT_BROW_UPPER + lm.LEFT_BROW_LOWER, (0, 1.5, 0), 16 * _MM)
    return lid + brow


def _cheek_squint(f: _Face) -> np.ndarray:
    """AU6, cheek raiser: the cheek below the cheekbone rises about 2 mm and the skin bunches
    under the eye; the lower lid is pushed up (most at its outer part, 2.7 mm) so the eye narrows
    from below, the skin beside the outer corner is drawn in toward the eye (crow's feet) and
    the nasolabial fold deepens. The skin over the cheekbone and the eye corners stay put."""
    p = f.p
    upper, lower = lm.LEFT_EYE_UPPER_LID, lm.LEFT_EYE_LOWER_LID
    outer, inner = p[lm.LEFT_EYE_OUTER_CORNER], p[lm.LEFT_EYE_INNER_CORNER]
    lateral = np.clip((p[list(lower[1:-1]), 0] - inner[0]) / (outer[0] - inner[0]), 0.0, 1.0)
    lid = f.around(
        upper[1:-1] + lower[1:-1] + (lm.LEFT_EYE_OUTER_CORNER, lm.LEFT_EYE_INNER_CORNER),
        np.concatenate([
            np.clip(3 * lateral - 2, 0, 1)[:, None] * [0.0, -0.5, 0.0],
            (1.0 + 1.8 * lateral)[:, None] * [0.0, 1.0, 0.2],
            np.zeros((2, 3)),
        ]),
        10 * _MM,
    )
    lid_mid = 0.5 * (outer + inner) / _MM
    cheek = f.bump(lid_mid + [6, -26, 0], (22, 14, 24), (-0.5, 3.5, 1.5))
    crows_feet = f.bump(outer / _MM + [9, 1, -6], (8, 10, 12), (-2.0, 0.5, 0.0))
    wing, corner = p[lm.LEFT_NOSE_WING] / _MM, f.left_corner / _MM
    fold = f.bump(0.5 * (wing + corner) + [9, 2, -4], (9, 12, 12), (0.3, 2.0, 1.5))
    held = p[list(lm.LEFT_CHEEKBONE + (lm.LEFT_EYE_OUTER_CORNER, lm.LEFT_EYE_INNER_CORNER))]
    return lid + _held(p, cheek + crows_feet + fold, held, 8 * _MM)


def _nose_sneer(f: _Face) -> np.ndarray:
    """AU9, nose wrinkler: the nostril wing and the side of the nose pulled up about 3.5 mm
    (wrinkling the skin over the nasal bone), the upper lip raised a little beside its middle,
    the skin under the inner eye pushed up and the inner brow drawn down and in."""
    p = f.p
    wing = p[lm.LEFT_NOSE_WING] / _MM
    inner_eye = p[lm.LEFT_EYE_INNER_CORNER] / _MM
    lip = p[lm.UPPER_LIP_CENTER_OUTER] / _MM
    nostril = f.bump(wing + [-2, -1, 0], (8, 7, 10), (0.8, 3.5, 0.5))
    side = f.bump(0.5 * (wing + inner_eye) + [-2, 0, 2], (7, 12, 10), (-0.3, 2.0, 0.5))
    upper_lip = f.left[:, None] * f.bump(lip + [8, 1, -2], (14, 8, 14), (0.0, 2.5, 0.8))
    under_eye = f.bump(inner_eye + [5, -4, 1], (8, 5, 10), (0.0, 1.2, 0.3))
    fold = f.bump(wing + [10, 0, -10], (8, 9, 10), (0.3, 1.5, 1.0))
    brow_inner = lm.LEFT_BROW_UPPER[-2:] + lm.LEFT_BROW_LOWER[-2:]
    brow = f.around(brow_inner, (-1.5, -3.5, 0.5), 16 * _MM,
                    pins=lm.LEFT_EYE_UPPER_LID + lm.LEFT_EYE_LOWER_LID)
    held = p[list(lm.LEFT_CHEEKBONE + (lm.LEFT_EYE_INNER_CORNER,))]
    return _held(p, nostril + side + upper_lip + under_eye + fold, held, 6 * _MM) + brow


def _cheek_puff(f: _Face) -> np.ndarray:
    """The left cheek of a puff: the cheek blown out by up to 7 mm, widening the face's outline
    by about 5.5 mm a side, the skin round the lips bulging forward, the lips pressed and pushed
    forward and their corners drawn in a little. (Its mirror image is the right cheek.)"""
    p = f.p
    center = 0.5 * (p[lm.LEFT_CHEEK_CONTOUR] + f.left_corner) + [3 * _MM, -6 * _MM, 2 * _MM]
    # Inflate outward from a vertical axis through the middle of the head.
    outward = (p - [0.0, 0.0, -70 * _MM]) * [1.0, 0.0, 1.0]
    outward /= np.maximum(np.linalg.norm(outward, axis=1, keepdims=True), 1e-9)
    cheek = _bump(p, center, (40 * _MM, 30 * _MM, 55 * _MM))[:, None] * outward * 7 * _MM
    mouth = f.mouth_center / _MM
    # The midline parts are authored at half strength: the mirror image adds the other half.
    around_lips = f.left[:, None] * f.bump(mouth + [0, 0, -4], (38, 30, 40), (0.0, 0.0, 2.5),
                                          plateau=0.3) * (1.0 - f.lips[:, None] ** 2)
    lips = f.left[:, None] * f.lips[:, None] * (
        f.upper_lip[:, None] * [0, -1.0 * _MM, 1.5 * _MM]
        + f.lower_lip[:, None] * [0, 1.0 * _MM, 1.5 * _MM]
    )
    corner = f.bump(f.left_corner / _MM, (8, 8, 10), (-2.0, 0.0, 0.5))
    return cheek + around_lips + lips + corner


def _mouth_dimple(f: _Face) -> np.ndarray:
    """AU14, dimpler: the mouth corner tightened and pulled back and a little out, about 4 mm,
    the lips thinned beside it and the cheek just outside it bulging forward."""
    c = f.left_corner / _MM
    pull = f.bump(c, (12, 9, 14), (2.5, 0.0, -4.0))
    near_corner = _bump(f.p, f.left_corner, (16 * _MM, 12 * _MM, 18 * _MM)) * f.lips
    thin = near_corner[:, None] * (
        f.upper_lip[:, None] * [0, -0.8 * _MM, 0] + f.lower_lip[:, None] * [0, 0.8 * _MM, 0]
    )
    bulge = f.bump(c + [9, 1, -6], (7, 10, 10), (0.8, 0.0, 1.5))
    return pull + thin + bulge


def _shrug_upper(f: _Face) -> np.ndarray:
    """The upper lip pushed up and forward against a closed mouth, as when the chin raiser
    presses the lips together: its outer edge rises about 2.5 mm and comes forward while the
    lips stay sealed, so the red of the upper lip shows taller; the skin above it follows."""
    outer_upper, inner_upper = lm.LIPS_OUTER_UPPER[1:-1], lm.LIPS_INNER_UPPER[1:-1]
    inner_lower, outer_lower = lm.LIPS_INNER_LOWER[1:-1], lm.LIPS_OUTER_LOWER[1:-1]
    corners = (lm.MOUTH_LEFT_CORNER, lm.MOUTH_RIGHT_CORNER)
    return f.around(
        outer_upper + inner_upper + inner_lower + outer_lower + corners,
        np.concatenate([
            _lip_profile(f, outer_upper) * [0.0, 2.5, 2.5],
            _lip_profile(f, inner_upper) * [0.0, 0.6, 1.5],
            _lip_profile(f, inner_lower) * [0.0, 0.6, 1.0],
            _lip_profile(f, outer_lower) * [0.0, 0.3, 0.6],
            np.zeros((2, 3)),
        ]),
        18 * _MM,
    )


def _lip_profile(f: _Face, lip: tuple[int, ...]) -> np.ndarray:
    """(k, 1) for lip points: 0 at the mouth corners, 1 in the middle."""
    right, left = f.p[lm.MOUTH_RIGHT_CORNER, 0], f.p[lm.MOUTH_LEFT_CORNER, 0]
    across = np.clip((f.p[list(lip), 0] - right) / (left - right), 0.0, 1.0)
    return np.sin(np.pi * across)[:, None] ** 0.5


def _left_fields(f: _Face) -> dict[str, np.ndarray]:
    """Displacements (468, 3), metres, of the symmetric shapes and the subject's left ones."""
    p = f.p
    c = f.left_corner
    corner = _bump(p, c, (22 * _MM, 22 * _MM, 25 * _MM))[:, None]
    half = f.left[:, None]
    upper_lip, lower_lip = f.upper_lip[:, None], f.lower_lip[:, None]
    jaw = f.jaw[:, None]
    bone = f.jaw_bone(p)
    jaw_open = jaw * bone["jawOpen"]
    toward_mouth_x = -(p[:, 0:1] - f.mouth_center[0]) * np.array([[1.0, 0.0, 0.0]])
    brow_inner = lm.LEFT_BROW_UPPER[-2:] + lm.LEFT_BROW_LOWER[-2:]
    both_brows_inner = brow_inner + tuple(int(i) for i in landmark_mirror()[list(brow_inner)])
    eye_pins = lm.LEFT_EYE_UPPER_LID + lm.LEFT_EYE_LOWER_LID
    both_eyes = tuple(int(i) for i in landmark_mirror()[list(eye_pins)]) + eye_pins
    brow_outer = np.array(lm.LEFT_BROW_UPPER[:2] + lm.LEFT_BROW_LOWER[:2])
    brow_all = np.array(lm.LEFT_BROW_UPPER + lm.LEFT_BROW_LOWER)
    tight_lips = f.lips[:, None] ** 2
    cheek_lift = _bump(
        p, c + np.array([6 * _MM, 16 * _MM, -4 * _MM]), (16 * _MM, 16 * _MM, 20 * _MM)
    )[:, None] * np.array([1 * _MM, 3 * _MM, 1 * _MM])
    return {
        "eyeBlinkLeft": f.lids(_toward(0.8), _toward(0.2)),
        # The upper lid tracks the cornea closely; the lower lid barely follows down but bunches up.
        "eyeLookDownLeft": f.lids((0, -3.5, -0.5), (0, -0.5, 0.3)),
        # Looking sideways the lids follow the cornea and the lid over its bulge lifts a little.
        "eyeLookInLeft": f.lids((-1.2, 0.5, 0), (-1.0, 0, 0), radius_m=8 * _MM),
        "eyeLookOutLeft": f.lids((1.2, 0.5, 0), (1.0, 0, 0), radius_m=8 * _MM),
        "eyeLookUpLeft": f.lids((0, 2.0, 0.3), (0, 1.5, 0)),
        "eyeSquintLeft": f.lids((0, -1.0, 0), (0, 2.5, 0.5), radius_m=14 * _MM),
        "eyeWideLeft": _eye_wide(f),
        "jawForward": jaw * bone["jawForward"],
        "jawLeft": jaw * bone["jawLeft"],
        "jawOpen": jaw_open,
        "mouthClose": -0.9 * f.lower_lip[:, None] * jaw_open,
        "mouthFunnel": f.lips[:, None] * (np.array([0, 0, 5 * _MM]) + 0.25 * toward_mouth_x)
        + (upper_lip - lower_lip) * f.lips[:, None] * np.array([0, 2.5 * _MM, 0]),
        # Pucker gathers the lips tight and forward; funnel (above) flares them open.
        "mouthPucker": tight_lips * (np.array([0, 0, 7 * _MM]) + 0.45 * toward_mouth_x)
        + tight_lips * (lower_lip - upper_lip) * np.array([0, 1 * _MM, 0]),
        # The leading corner wraps back around the dental arch.
        "mouthLeft": f.lips[:, None] * np.array([8 * _MM, 0, 0])
        + corner * np.array([0, 0.5 * _MM, -3 * _MM]),
        # Zygomaticus pulls the corner up and back and lifts the cheek above it.
        "mouthSmileLeft": corner * np.array([5 * _MM, 6 * _MM, -4 * _MM]) + cheek_lift,
        # Depressor anguli oris pulls the corner down toward the jaw line.
        "mouthFrownLeft": _bump(p, c + np.array([0, -8 * _MM, 0]), (18 * _MM, 20 * _MM, 25 * _MM))[
            :, None
        ]
        * np.array([1.5 * _MM, -6 * _MM, 0]),
        "mouthDimpleLeft": _mouth_dimple(f),
        # Risorius: the corner and the lateral lower lip pulled out sideways.
        "mouthStretchLeft": _bump(
            p, c + np.array([-6 * _MM, -3 * _MM, 0]), (30 * _MM, 14 * _MM, 25 * _MM)
        )[:, None]
        * np.array([7 * _MM, -2 * _MM, -1 * _MM]),
        "mouthRollLower": lower_lip * f.lips[:, None] * np.array([0, 2 * _MM, -4 * _MM]),
        "mouthRollUpper": upper_lip * f.lips[:, None] * np.array([0, -2 * _MM, -4 * _MM]),
        "mouthShrugLower": lower_lip * np.array([0, 4 * _MM, 2 * _MM]),
        "mouthShrugUpper": _shrug_upper(f),
        "mouthPressLeft": half
        * f.lips[:, None]
        * (upper_lip * [0, -2.5 * _MM, -1 * _MM] + lower_lip * [0, 2.5 * _MM, -1 * _MM]),
        "mouthLowerDownLeft": half * lower_lip * np.array([0, -5 * _MM, 1 * _MM]),
        "mouthUpperUpLeft": half * upper_lip * np.array([0, 5 * _MM, 1 * _MM]),
        "browDownLeft": f.around(tuple(brow_all), (-1.5, -6, 1), 22 * _MM, pins=eye_pins),
        "browInnerUp": f.around(both_brows_inner, (0, 8, 0), 24 * _MM, pins=both_eyes),
        "browOuterUpLeft": f.around(tuple(brow_outer), (0, 7, 0), 22 * _MM, pins=eye_pins),
        "cheekPuff": _cheek_puff(f),
        "cheekSquintLeft": _cheek_squint(f),
        "noseSneerLeft": _nose_sneer(f),
        # The tongue tip pushes the middle of the lower lip down and out.
        "tongueOut": lower_lip
        * _bump(p, f.mouth_center, (22 * _MM, 16 * _MM, 80 * _MM))[:, None]
        * np.array([0, -3 * _MM, 3 * _MM]),
    }


def _mirror_field(delta: np.ndarray) -> np.ndarray:
    """The same deformation seen in a mirror: (..., 478, 3)."""
    return delta[..., landmark_mirror(), :] * np.array([-1.0, 1.0, 1.0])


@lru_cache(maxsize=1)
def _build() -> np.ndarray:
    authored = _left_fields(_Face())
    deltas = np.zeros((N_BLENDSHAPES, neutral_m().shape[0], 3))
    for name, field in authored.items():
        if name.endswith("Left") or INDEX[name] == MIRROR[INDEX[name]]:
            deltas[INDEX[name], : lm.N_FACE_POINTS] = field
    for i, j in enumerate(MIRROR):
        if i == j:
            # Symmetric shapes: authored on the left half (cheekPuff) or already symmetric;
            # averaging with the mirror image makes them exact.
            one_sided = NAMES[i] == "cheekPuff"  # two separate cheeks: add the mirror image
            deltas[i] = (
                deltas[i] + _mirror_field(deltas[i])
                if one_sided
                else 0.5 * (deltas[i] + _mirror_field(deltas[i]))
            )
        elif NAMES[i].endswith("Right"):
            deltas[i] = _mirror_field(deltas[j])
    deltas[:, _IRIS] = 0.0
    out = deltas.astype(np.float32)
    out.setflags(write=False)
    return out


def jaw_bone_deltas_m(points_m: np.ndarray) -> np.ndarray:
    """Displacements of points fixed to the jaw bone (teeth, tongue) for each blendshape.

    Parameters
    ----------
    points_m : ndarray, shape (n, 3)
        Head frame, metres.

    Returns
    -------
    ndarray, float32, shape (52, n, 3)
        Non-zero for jawOpen, jawForward, jawLeft and jawRight only: the same rigid motions the
        landmark fields apply to the chin.
    """
    points = np.asarray(points_m, np.float64)
    face = _Face()
    bone = face.jaw_bone(points)
    deltas = np.zeros((N_BLENDSHAPES, len(points), 3))
    for name, motion in bone.items():
        deltas[INDEX[name]] = motion
    # jawRight is jawLeft seen in a mirror: mirror the points, move them, mirror back.
    flip = np.array([-1.0, 1.0, 1.0])
    deltas[INDEX["jawRight"]] = face.jaw_bone(points * flip)["jawLeft"] * flip
    return deltas.astype(np.float32)


def blendshape_deltas_m() -> np.ndarray:
    """Displacement of every rig landmark at weight 1, for each ARKit blendshape.

    Returns
    -------
    ndarray, float32, shape (52, 478, 3), read-only
        ``neutral_m() + weights @ deltas`` (over the first axis) is the face with those weights,
        in metres in the head frame, blendshapes in :data:`likeness.blendshapes.NAMES` order.
        Left-side shapes move the subject's own left (+x) side; each right-side shape is the
        mirror image of its left twin. Iris points (468..477) never move.
    """
    return _build()
