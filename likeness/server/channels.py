"""Watch channels: named live streams of face frames that any number of viewers can join.

A channel is fed either by a publisher (any ``--send ws://HOST:PORT/ws/publish/NAME`` of the
CLI: tracking a camera, a Live Link relay, a file) or by the server itself playing an animation
file in a loop (``likeness serve --watch NAME=FILE``). Each frame is offered to every viewer's
own outbox, so a slow viewer drops frames without delaying the others.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from likeness.frame import Animation, FaceFrame
from likeness.server.session import Session

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Channel:
    """A named stream of frames and the sessions watching it."""

    name: str
    source: str
    viewers: set[Session] = field(default_factory=set)
    n_frames: int = 0
    n_publishers: int = 0

    def publish(self, frame: FaceFrame) -> None:
        """Offer ``frame`` to every viewer (never waits)."""
        self.n_frames += 1
        made_ms = time.time() * 1e3
        for viewer in self.viewers:
            viewer.offer(frame, made_ms=made_ms)

    def describe(self) -> dict[str, object]:
        """The channel as ``GET /api/channels`` lists it."""
        return {
            "name": self.name,
            "source": self.source,
            "viewers": len(self.viewers),
            "frames": self.n_frames,
            "publishers": self.n_publishers,
        }


MAX_CATCH_UP_S = 0.1
"""Longest stall of the player after which late frames are still sent rather than skipped."""


class Playlist:
    """A source of one tick per frame interval, ``fps`` ticks a second, forever: at each, every
    animation's next frame (taken in a loop), stamped with the tick's time, for its channel."""

    def __init__(self, playlist: list[tuple[Channel, Animation]], fps: float) -> None:
        self.playlist = [(channel, animation) for channel, animation in playlist if len(animation)]
        self.interval_s = 1.0 / fps
        self.tick = 0

    def read(self) -> Tick | None:
        """The next tick; None when there is nothing to play."""
        if not self.playlist:
            return None
        t_s = self.tick * self.interval_s
        frames = tuple((channel, animation[self.tick % len(animation)].replace(t_s=t_s))
                       for channel, animation in self.playlist)
        self.tick += 1
        return Tick(t_s, frames)


@dataclass(frozen=True)
class Tick:
    """One tick of a :class:`Playlist`: its time, and the frame each channel gets."""

    t_s: float
    frames: tuple[tuple[Channel, FaceFrame], ...]


class Publish:
    """The sink of a :class:`Playlist`: each tick's frames published to their channels."""

    def send(self, tick: Tick) -> None:
        for channel, frame in tick.frames:
            channel.publish(frame)

    def close(self) -> None:
        """Nothing to finish: the channels live on with the server."""


async def play_loop(playlist: list[tuple[Channel, Animation]], fps: float) -> None:
    """Publish each animation to its channel in real time, over and over, until cancelled.

    All the channels of one frame rate share this one clock, so the server wakes once per frame
    interval however many channels it plays. Frames are scheduled against absolute deadlines so
    timer jitter never accumulates. After a short stall (up to :data:`MAX_CATCH_UP_S`) the missed
    frames are sent at once, stamped with their own times, and viewers interpolate through them;
    after a longer one they are skipped (live means now, not replaying the past).
    """
    from likeness.pipeline import RunOptions, run_async

    # The run's figures are never read here: keep few, however long the server runs.
    await run_async(Playlist(playlist, fps), [], [Publish()],
                    options=RunOptions(realtime=True, max_late_s=MAX_CATCH_UP_S, n_recent=1024))
