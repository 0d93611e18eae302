"""``likeness relay``: receive Live Link Face or VMC, forward to any sinks, record a take."""

from __future__ import annotations

import argparse
import json
import math
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from likeness.commands.outputs import add_consent_arguments
from likeness.errors import InputError
from likeness.sinks.url import add_send_argument, check_options, split_address

if TYPE_CHECKING:
    from likeness.frame import FaceFrame
    from likeness.pipeline import RunReport
    from likeness.sinks.fanout import FanOut
    from likeness.sources.udp_receiver import UdpReceiver

RECEIVE_SCHEMES = ("livelink", "vmc")
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


@dataclass(frozen=True)
class RelayResult:
    """What a relay did: the frames it recorded (none unless asked to), and the run's figures,
    whose ``active_s`` and ``items_per_s`` run from the first frame to the last, so that waiting
    for a sender, before or after its stream, does not lower the frame rate."""

    frames: list[FaceFrame]
    report: RunReport


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
    """Forward frames from an open ``receiver`` to ``sinks`` until the duration or count is
    reached, then close the sinks.

    Ctrl-C ends the relay like the end of the duration does, so that a take is still recorded.
    """
    from likeness.pipeline import Recorder, RunOptions, run

    recorder = Recorder()
    receiver.end_after(duration_s)
    report = run(receiver, [], [sinks, recorder] if record else [sinks],
                 options=RunOptions(max_items=n_frames))
    return RelayResult(recorder.items, report)


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
        "n_frames": result.report.n_items,
        "n_datagrams": receiver.n_datagrams,
        "n_rejected": receiver.n_rejected,
        "n_clamped_weights": receiver.n_clamped,
        "elapsed_s": round(result.report.active_s, 3),
        "frames_per_s": round(result.report.items_per_s, 1),
        "sinks": {name: stats.as_dict() for name, stats in sinks.stats().items()},
        "output": args.output,
    }
    print(json.dumps(report, indent=2))
    return 0
