"""Animation files: Live Link Face CSV takes and the project's JSON.

Read any with :func:`read_animation`; write with :func:`write_animation`, which takes the consent
guard (:mod:`likeness.trust.guard`) like every output of a likeness.
"""

from likeness.formats.animation_json import read_json
from likeness.formats.livelink_csv import read_csv
from likeness.formats.registry import read_animation, write_animation

__all__ = ["read_csv", "read_json", "read_animation", "write_animation"]
