"""Face tracking: MediaPipe's face mesh in video mode, and the whole path from a video or a
camera to ARKit-52 face frames."""

from likeness.track.live import LiveTracker
from likeness.track.mesh import FaceTracker, TrackedFace
from likeness.track.video import TrackedTake, track_takes, track_video

__all__ = ["FaceTracker", "TrackedFace", "LiveTracker", "track_video", "track_takes", "TrackedTake"]
