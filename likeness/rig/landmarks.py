"""Named sets of MediaPipe face-mesh landmark indices (478 points with refined irises).

Sides are the subject's own: ``LEFT_EYE`` is the subject's left eye, on the right of an
unmirrored camera image. Index sequences along a contour run from the outer (lateral) end to the
inner (medial) end for eyes and brows, and from the subject's right mouth corner to the left for
lips.
"""

from __future__ import annotations

N_FACE_POINTS = 468
"""Face mesh points; 468..477 are the two iris rings."""

NOSE_BRIDGE = 168
"""Between the eyes: the origin of the head frame."""
NOSE_TIP = 1
CHIN = 152
FOREHEAD = 10
LEFT_CHEEK_CONTOUR = 454
RIGHT_CHEEK_CONTOUR = 234

LEFT_EYE_OUTER_CORNER = 263
LEFT_EYE_INNER_CORNER = 362
RIGHT_EYE_OUTER_CORNER = 33
RIGHT_EYE_INNER_CORNER = 133
LEFT_EYE_UPPER_LID = (263, 466, 388, 387, 386, 385, 384, 398, 362)
LEFT_EYE_LOWER_LID = (263, 249, 390, 373, 374, 380, 381, 382, 362)
RIGHT_EYE_UPPER_LID = (33, 246, 161, 160, 159, 158, 157, 173, 133)
RIGHT_EYE_LOWER_LID = (33, 7, 163, 144, 145, 153, 154, 155, 133)

LEFT_IRIS_CENTER = 473
LEFT_IRIS_RING = (474, 475, 476, 477)
RIGHT_IRIS_CENTER = 468
RIGHT_IRIS_RING = (469, 470, 471, 472)

LEFT_BROW_UPPER = (300, 293, 334, 296, 336)
LEFT_BROW_LOWER = (276, 283, 282, 295, 285)
RIGHT_BROW_UPPER = (70, 63, 105, 66, 107)
RIGHT_BROW_LOWER = (46, 53, 52, 65, 55)

MOUTH_RIGHT_CORNER = 61
MOUTH_LEFT_CORNER = 291
UPPER_LIP_CENTER_INNER = 13
LOWER_LIP_CENTER_INNER = 14
UPPER_LIP_CENTER_OUTER = 0
LOWER_LIP_CENTER_OUTER = 17
LIPS_OUTER_UPPER = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291)
LIPS_OUTER_LOWER = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291)
LIPS_INNER_UPPER = (78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308)
LIPS_INNER_LOWER = (78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308)

LEFT_CHEEKBONE = (372, 346, 348, 350)
"""Over the cheekbone under the left eye, outer to inner: the skin there is tied to the bone and
the head-pose fit holds these points still."""
RIGHT_CHEEKBONE = (143, 117, 119, 121)

LEFT_NOSE_WING = 278
RIGHT_NOSE_WING = 48
