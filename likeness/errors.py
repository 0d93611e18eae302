"""The exceptions likeness raises.

Every error is a :class:`LikenessError`, so callers can catch the library's failures in one place
and let programming errors through::

    LikenessError
     ├── InputError (also ValueError)   bad arguments, unreadable or malformed files, wrong formats
     ├── SourceError                    a camera, video, audio or network source failed while open
     ├── TrackingError                  the face tracker could not run (not: no face in a frame)
     ├── SinkError                      an output could not be written or sent
     ├── ConsentError                   no valid consent grant for a likeness and context
     └── ProvenanceError                provenance, watermark or audit could not be made or verified

Messages say what was expected and what came, and name the file or address involved.
"""

from __future__ import annotations


class LikenessError(Exception):
    """Root of every error likeness raises on purpose."""


class InputError(LikenessError, ValueError):
    """An argument, file or packet is not what the operation needs."""


class SourceError(LikenessError):
    """A source (camera, video, audio, network receiver) failed while reading."""


class TrackingError(LikenessError):
    """The face tracker could not run at all."""


class SinkError(LikenessError):
    """An output (file, stream, network peer) could not be written."""


class ConsentError(LikenessError):
    """Output of a likeness was refused: the grant is missing or not valid for this use."""


class ProvenanceError(LikenessError):
    """Provenance, watermark or audit records could not be made or do not verify."""
