"""The face rig shared by the solver and the avatar: a neutral template on MediaPipe's 478
landmarks and one displacement field per ARKit blendshape, so that what the avatar renders and
what the solver fits are the same model."""

from likeness.rig.template import landmark_mirror, neutral_m

__all__ = ["neutral_m", "landmark_mirror"]
