"""likeness: real-time facial animation with consent and provenance built in.

Every input becomes a stream of :class:`FaceFrame` (ARKit-52 weights, head pose, gaze); every
output consumes one. See the README for the pipeline and the ``likeness`` command.

``FaceFrame``, ``Animation`` and the ARKit names are imported on first use (numpy comes with
them); the errors are plain Python and load at once.
"""

from typing import TYPE_CHECKING

from likeness.errors import (
    ConsentError,
    InputError,
    LikenessError,
    ProvenanceError,
    SinkError,
    SourceError,
    TrackingError,
)
from likeness.lazy import lazy_exports

if TYPE_CHECKING:
    from likeness.blendshapes import N_BLENDSHAPES, NAMES
    from likeness.frame import Animation, FaceFrame

__version__ = "0.1.0"

__all__ = [
    "Animation",
    "FaceFrame",
    "NAMES",
    "N_BLENDSHAPES",
    "LikenessError",
    "InputError",
    "SourceError",
    "TrackingError",
    "SinkError",
    "ConsentError",
    "ProvenanceError",
]

__getattr__ = lazy_exports(__name__, {
    "likeness.blendshapes": ("N_BLENDSHAPES", "NAMES"),
    "likeness.frame": ("Animation", "FaceFrame"),
})
