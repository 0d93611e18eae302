"""Avatars: the project's default head generated from the rig, twins made from a photo, and
glTF/GLB/VRM in and out."""

from likeness.avatar.default import default_avatar
from likeness.avatar.model import Avatar, Part
from likeness.avatar.twin import build_twin, twin_from_photo

__all__ = ["Avatar", "Part", "build_twin", "default_avatar", "twin_from_photo"]
