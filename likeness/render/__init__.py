"""Offscreen rendering: avatar + face frames -> RGB images, and video/image files out."""

from likeness.render.camera import Camera, Light, Lighting
from likeness.render.renderer import Renderer

__all__ = ["Camera", "Light", "Lighting", "Renderer"]
