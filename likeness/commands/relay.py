"""``likeness relay``: receive Live Link Face or VMC, forward to any sinks, record a take."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from likeness.commands.outputs import add_consent_arguments
from likeness.errors import InputError
from likeness.sinks.url import add_send_argument, check_options, split_address

if TYPE_CHECKING:
    from likeness.frame import FaceFrame
    from likeness.sinks.fanout import FanOut
    from likeness.sources.udp_receiver import UdpReceiver

RECEIVE_SCHEMES = ("livelink", "vmc")
POLL_S = 0.1
"""How often the loop wakes without packets, to honour --duration and Ctrl-C."""
DEFAULT_FPS = 60.0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "relay",
        help="receive Live Link Face or VMC, forward it live and record it",
        description="Listens for a Live Link Face (iPhone) or VMC stream, forwards every frame "
        "to the --send destinations (e.g. iPhone to VRChat), optionally records the take to a "
        "Live Link Face CSV or JSON file, and prints the stream's figures when it ends "
        "(--duration, --frames or Ctrl-C).",
    )
    parser.add_argument("--from", dest="source", required=True, metavar="URL",
                        help="where to listen: livelink://0.0.0.0:11111 or vmc://0.0.0.0:39539")
    add_send_argument(parser)
    parser.add_argument("-o", "--output", metavar="TAKE",
                        help="record the frames to a .csv (Live Link Face) or .json take")
    parser.add_argument("--duration", type=float, metavar="S", help="stop after S seconds")
    parser.add_argument("--frames", type=int, metavar="N", help="stop after N frames")
    add_consent_arguments(parser)
    parser.set_defaults(run=run)


@dataclass
class RelayResult:
    """What a relay did: the frames it recorded, how many it forwarded and over what time.

    elapsed_s runs from the first frame to the last, so that waiting for a sender, before or
    after its stream, does not lower the frame rate.
    """

    frames: list[FaceFrame] = field(default_factory=list)
    elapsed_s: float = 0.0
    n_frames: int = 0

    @property
    def fps(self) -> float:
        """Frames forwarded per second while the stream ran."""
        return (self.n_frames - 1) / self.elapsed_s if self.elapsed_s > 0 else 0.0


def open_receiver(url: str) -> UdpReceiver:
    """A Live Link or VMC receiver for ``livelink://HOST:PORT`` or ``vmc://HOST:PORT``."""
    from likeness.sources.livelink_receiver import LiveLinkReceiver
    from likeness.sources.vmc_receiver import VmcReceiver

    scheme, host, port, options = split_address(url)
    if scheme not in RECEIVE_SCHEMES:
        raise InputError(f"{url}: can only receive from livelink:// or vmc://")
    if scheme == "livelink":
        return LiveLinkReceiver(host, port, **check_options(url, options, {"subject": str}))
    check_options(url, options, {})
    return VmcReceiver(host, port)


def relay(receiver: UdpReceiver, sinks: FanOut, *, duration_s: float | None = None,
          n_frames: int | None = None, record: bool = True) -> RelayResult:
    """Forward frames from an open ``receiver`` to ``sinks`` until the duration or count is reached.

    Ctrl-C ends the relay like the end of the duration does, so that a take is still recorded.
    """
    result = RelayResult()
    t_end = None if duration_s is None else time.perf_counter() + duration_s
    t_first = t_last = 0.0
    try:
        while n_frames is None or result.n_frames < n_frames:
            remaining_s = POLL_S if t_end is None else min(POLL_S, t_end - time.perf_counter())
            if remaining_s <= 0:
                break
            frame = receiver.read(remaining_s)
            if frame is None:
                continue
            t_last = time.perf_counter()
            if not result.n_frames:
                t_first = t_last
            sinks.send(frame)
            result.n_frames += 1
            if record:
                result.frames.append(frame)
    except KeyboardInterrupt:
        pass
    result.elapsed_s = t_last - t_first
    return result


def take_fps(frames: list[FaceFrame], sender_fps: float | None) -> float:
    """The take's frame rate: the sender's when it says, else from the median frame interval."""
    if sender_fps:
        return sender_fps
    if len(frames) > 1:
        import numpy as np

        interval_s = float(np.median(np.diff([f.t_s for f in frames])))
        if interval_s > 0 and math.isfinite(interval_s):
            return round(1.0 / interval_s, 3)
    return DEFAULT_FPS


def run(args: argparse.Namespace) -> int:
    from likeness.commands.outputs import command_guard, guarded_sinks, write_output
    from likeness.frame import Animation

    guard = command_guard(args, [args.output])
    for name, value in (("--duration", args.duration), ("--frames", args.frames)):
        if value is not None and value <= 0:
            raise InputError(f"{name} {value}: expected a positive number")
    receiver = open_receiver(args.source)
    with receiver, guarded_sinks(args, guard) as sinks:
        print(f"relay: listening on {receiver.name}"
              + (f", sending to {', '.join(s.name for s in sinks.sinks)}" if len(sinks) else ""),
              file=sys.stderr)
        result = relay(receiver, sinks, duration_s=args.duration, n_frames=args.frames,
                       record=bool(args.output))
    if args.output:
        if not result.frames:
            raise InputError(f"{args.output}: no frames arrived on {receiver.name}; "
                             "nothing recorded")
        fps = take_fps(result.frames, getattr(receiver, "fps", None))
        take = Animation.from_frames(result.frames, fps, metadata={"source": args.source})
        write_output(take, args.output, guard)
    report = {
        "source": receiver.name,
        "n_frames": result.n_frames,
        "n_datagrams": receiver.n_datagrams,
        "n_rejected": receiver.n_rejected,
        "n_clamped_weights": receiver.n_clamped,
        "elapsed_s": round(result.elapsed_s, 3),
        "frames_per_s": round(result.fps, 1),
        "sinks": {name: stats.as_dict() for name, stats in sinks.stats().items()},
        "output": args.output,
    }
    print(json.dumps(report, indent=2))
    return 0
