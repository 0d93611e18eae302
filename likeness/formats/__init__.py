"""Animation files: Live Link Face CSV takes and the project's JSON, read and written in pairs."""

from likeness.formats.animation_json import read_json, write_json
from likeness.formats.livelink_csv import read_csv, write_csv
from likeness.formats.registry import read_animation, write_animation

__all__ = ["read_csv", "write_csv", "read_json", "write_json", "read_animation", "write_animation"]
