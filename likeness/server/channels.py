"""Watch channels: named live streams of face frames that any number of viewers can join.

A channel is fed either by a publisher (any ``--send ws://HOST:PORT/ws/publish/NAME`` of the
CLI: tracking a camera, a Live Link relay, a file) or by the server itself playing an animation
file in a loop (``likeness serve --watch NAME=FILE``). Each frame is offered to every viewer's
own outbox, so a slow viewer drops frames without delaying the others.
"""

from __future__ import annotations

import asyncio
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


async def play_loop(playlist: list[tuple[Channel, Animation]], fps: float) -> None:
    """Publish each animation to its channel in real time, over and over, until cancelled.

    All the channels of one frame rate share this one clock, so the server wakes once per frame
    interval however many channels it plays. Frames are scheduled against absolute deadlines so
    timer jitter never accumulates. After a short stall (up to :data:`MAX_CATCH_UP_S`) the missed
    frames are sent at once, stamped with their own times, and viewers interpolate through them;
    after a longer one they are skipped (live means now, not replaying the past).
    """
    interval_s = 1.0 / fps
    playlist = [(channel, animation) for channel, animation in playlist if len(animation)]
    loop = asyncio.get_running_loop()
    start_s = loop.time()
    tick = 0
    while playlist:
        delay_s = start_s + tick * interval_s - loop.time()
        if delay_s < -MAX_CATCH_UP_S:
            tick += int(-delay_s / interval_s)
            continue
        if delay_s > 0:
            await asyncio.sleep(delay_s)
        for channel, animation in playlist:
            n_frames = len(animation)
            channel.publish(animation[tick % n_frames].replace(t_s=tick * interval_s))
        tick += 1
