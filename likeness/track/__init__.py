"""Face tracking: MediaPipe's face mesh in video mode, and the whole path from a video or a
camera to ARKit-52 face frames, as stages (landmarks, solve, filter) run live or offline."""

from likeness.track.live import track_live
from likeness.track.mesh import FaceTracker, TrackedFace
from likeness.track.stages import (
    Filter,
    Landmarks,
    Solve,
    TrackedPicture,
    TrackingOptions,
    solve_stages,
    tracking_stages,
)
from likeness.track.video import TrackedTake, track_takes, track_video

__all__ = [
    "FaceTracker",
    "Filter",
    "Landmarks",
    "Solve",
    "TrackedFace",
    "TrackedPicture",
    "TrackedTake",
    "TrackingOptions",
    "solve_stages",
    "track_live",
    "track_takes",
    "track_video",
    "tracking_stages",
]
