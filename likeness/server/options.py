"""What ``likeness serve`` can be told, validated once."""

from __future__ import annotations

from dataclasses import dataclass

from likeness.errors import InputError


@dataclass(frozen=True)
class ServerOptions:
    """Options of :func:`likeness.server.create_app`.

    Attributes
    ----------
    watch : tuple of (name, spec)
        Channels the server plays itself: ``spec`` is an animation file (Live Link Face CSV or
        likeness JSON), played in a loop at its frame rate, live for every viewer.
    max_upload_bytes : int
        Largest avatar GLB a client may upload.
    max_avatars : int
        Uploaded avatars kept in memory; the oldest is forgotten first.
    max_image_bytes : int
        Largest camera image (JPEG) a mirror client may send.
    outbox_frames : int
        Frames queued per viewer before the oldest is dropped (a slow client loses frames, it
        never slows the source or other viewers).
    stats_interval_s : float
        How often each session reports its figures to its client.
    max_sessions : int
        Concurrent WebSocket sessions before new ones are refused.
    consent_grant : str or None
        Grant file applied to sessions that do not bring their own (see ``likeness.trust``).
    consent_context : str or None
        The use sessions are authorized for, unless a session names its own.
    audit : str or None
        Audit log (``postgresql://...`` or an .sqlite path); default ``LIKENESS_AUDIT``, else
        ``LIKENESS_HOME/audit.sqlite``.
    """

    watch: tuple[tuple[str, str], ...] = ()
    max_upload_bytes: int = 32 * 1024 * 1024
    max_avatars: int = 16
    max_image_bytes: int = 2 * 1024 * 1024
    outbox_frames: int = 8
    stats_interval_s: float = 1.0
    max_sessions: int = 256
    consent_grant: str | None = None
    consent_context: str | None = None
    audit: str | None = None

    def __post_init__(self) -> None:
        for name in (
            "max_upload_bytes",
            "max_avatars",
            "max_image_bytes",
            "outbox_frames",
            "max_sessions",
        ):
            if getattr(self, name) < 1:
                raise InputError(f"{name} must be at least 1, got {getattr(self, name)}")
        if not self.stats_interval_s > 0:
            raise InputError(f"stats_interval_s must be positive, got {self.stats_interval_s}")
        names = [name for name, _ in self.watch]
        for name in names:
            if not name.replace("-", "").replace("_", "").isalnum():
                raise InputError(f"watch channel name {name!r}: expected letters, digits, - and _")
        if len(set(names)) != len(names):
            raise InputError(f"watch channel names must be unique, got {names}")
