"""Avatars: the project's default head generated from the rig, and glTF/GLB in and out."""

from likeness.avatar.default import default_avatar
from likeness.avatar.model import Avatar, Part

__all__ = ["Avatar", "Part", "default_avatar"]
