"""Streaming benchmark: frame -> packet on the wire for each sink, what ``send()`` costs the
caller when the peer is slow, how closely a finished take is paced when played to engines, relay
throughput, and camera frame -> packet for the whole tracking path, all over loopback.

Baselines measured side by side in the same run:

- per sink, the same encoding sent inline on the caller's thread (``socket.send`` right after
  encoding): the floor the non-blocking sender's thread hand-off adds to;
- for the relay, a bare receive loop (datagrams counted, not decoded or forwarded) under the
  same flood;
- for camera -> packet, the tracking stages alone on the same frames.
"""

from __future__ import annotations

import multiprocessing
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from likeness.bench.timing import BenchOptions, scratch_guard, summarize_ms

SEND_INTERVAL_S = 0.002
"""Pause between frames in the sink runs: 500 frames/s, faster than any tracker, slow enough
that the slot rarely holds a frame when the next comes (so latency, not dropping, is measured)."""


def run(options: BenchOptions) -> dict:
    """All the streaming figures (see the module docstring)."""
    return {
        "sinks": sink_latencies(n_frames=150 if options.quick else 1500),
        "slow_peer": slow_peer(n_frames=40 if options.quick else 400),
        "play_pacing": play_pacing(n_frames=30 if options.quick else 300),
        "relay": relay_throughput(duration_s=1.0 if options.quick else 4.0),
        "camera_to_packet": camera_to_packet(n_frames=45 if options.quick else 240),
    }


class _Drain:
    """A loopback UDP port that reads and discards everything, so no ICMP errors come back."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.settimeout(0.2)
        self.port = self.socket.getsockname()[1]
        self.n_datagrams = 0
        self.arrivals: list[tuple[float, bytes]] = []
        self.keep = False
        self._running = True
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while self._running:
            try:
                data = self.socket.recv(65535)
            except TimeoutError:
                continue
            self.n_datagrams += 1
            if self.keep:
                self.arrivals.append((time.perf_counter(), data))

    def close(self) -> None:
        self._running = False
        self._thread.join()
        self.socket.close()


def _frames(n_frames: int) -> list:
    from likeness.frame import FaceFrame, quaternions_from_euler

    rng = np.random.default_rng(0)
    head = quaternions_from_euler(rng.uniform(-0.3, 0.3, (n_frames, 3)))
    return [FaceFrame(t_s=i / 60, weights=rng.uniform(0, 1, 52).astype(np.float32),
                      head_rotation=head[i],
                      eyes_rad=rng.uniform(-0.2, 0.2, (2, 2)).astype(np.float32))
            for i in range(n_frames)]


def _udp_encoders() -> dict[str, Callable]:
    from likeness.codecs.livelink import encode_packet, packet_from_frame
    from likeness.codecs.vmc import encode_frame
    from likeness.codecs.vrchat import encode_messages

    return {
        "livelink": lambda f: [encode_packet(packet_from_frame(f, device_id="likeness",
                                                               subject="likeness", fps=60.0))],
        "vmc": lambda f: [encode_frame(f)],
        "vrchat": encode_messages,
    }


def sink_latencies(n_frames: int) -> dict:
    """Per sink: send() -> packet on the wire (from the sink's own stats) beside inline sending."""
    from websockets.sync.server import serve

    frames = _frames(n_frames)
    results: dict[str, dict] = {}
    drain = _Drain()
    try:
        for scheme, encode in _udp_encoders().items():
            url = f"{scheme}://127.0.0.1:{drain.port}"
            results[scheme] = _through_sink(url, frames)
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as inline:
                inline.connect(("127.0.0.1", drain.port))
                samples = []
                for frame in frames:
                    start = time.perf_counter()
                    for datagram in encode(frame):
                        inline.send(datagram)
                    samples.append(time.perf_counter() - start)
            results[scheme]["baseline_inline_send"] = summarize_ms(samples)
    finally:
        drain.close()

    def discard(connection) -> None:
        for _ in connection:
            pass

    with serve(discard, "127.0.0.1", 0, compression=None) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.socket.getsockname()[1]
        for message_format in ("json", "binary"):
            url = f"ws://127.0.0.1:{port}/face?format={message_format}"
            results[f"ws_{message_format}"] = _through_sink(url, frames)
        server.shutdown()
    return results


def _through_sink(url: str, frames: list) -> dict:
    from likeness.sinks.url import SinkOptions, _open_sink

    # The transport alone; its guard is measured with the relay.
    with _open_sink(SinkOptions.parse(url)) as sink:
        send_s = []
        for frame in frames:
            start = time.perf_counter()
            sink.send(frame)
            send_s.append(time.perf_counter() - start)
            time.sleep(SEND_INTERVAL_S)
        time.sleep(0.05)
        stats = sink.stats()
    return {
        "frame_to_wire": {"median_ms": round(stats.latency_median_ms, 4),
                          "p95_ms": round(stats.latency_p95_ms, 4), "n": stats.n_sent},
        "send_call_blocks_caller": summarize_ms(send_s),
        "n_dropped": stats.n_dropped,
        "n_errors": stats.n_errors,
    }


SLOW_PEER_S = 0.05
"""How long the slow peer of :func:`slow_peer` takes per frame."""


def slow_peer(n_frames: int) -> dict:
    """``send()`` every 5 ms to a sink whose peer takes 50 ms a frame: what the caller pays, and
    how many stale frames the sink drops instead of queueing them."""
    from likeness.sinks.sender import ThreadedSink

    class SlowSink(ThreadedSink):
        def _transmit(self, frame) -> None:  # FaceFrame
            time.sleep(SLOW_PEER_S)

        def _close_transport(self) -> None:
            pass

    sink = SlowSink("slow-peer")
    send_s = []
    for frame in _frames(n_frames):
        start = time.perf_counter()
        sink.send(frame)
        send_s.append(time.perf_counter() - start)
        time.sleep(0.005)
    sink.close()
    stats = sink.stats()
    return {"peer_ms_per_frame": SLOW_PEER_S * 1e3, "send_call_blocks_caller": summarize_ms(send_s),
            "n_sent": stats.n_sent, "n_dropped": stats.n_dropped}


def play_pacing(n_frames: int) -> dict:
    """A 60 fps take played to a sink as ``likeness lipsync --send`` plays a file: how late each
    frame is handed over against its time in the take."""
    from likeness.commands.outputs import play
    from likeness.frame import Animation

    take = Animation.from_frames(_frames(n_frames), 60.0)
    handed: list[float] = []

    class Recorder:
        def send(self, frame) -> None:  # FaceFrame
            handed.append(time.perf_counter())

        def close(self) -> None:
            pass

    start = time.perf_counter()
    play(take, Recorder())
    late_s = np.array(handed) - start - (take.t_s - take.t_s[0])
    return {"frame_late": summarize_ms(late_s), "n_frames": len(handed)}


def _flood(port: int, packet: bytes, duration_s: float, counter) -> None:
    """Send ``packet`` to ``port`` as fast as one process can for ``duration_s`` (child process)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        sender.connect(("127.0.0.1", port))
        n_sent = 0
        end = time.perf_counter() + duration_s
        while time.perf_counter() < end:
            for _ in range(64):
                try:
                    sender.send(packet)
                    n_sent += 1
                except ConnectionRefusedError:
                    pass
        counter.value = n_sent


def _flooded(port: int, duration_s: float, consume: Callable[[], dict]) -> dict:
    """``consume()``'s figures while a child process floods ``port``, with the number offered."""
    from likeness.codecs.livelink import encode_packet, packet_from_frame
    from likeness.frame import FaceFrame

    packet = encode_packet(packet_from_frame(FaceFrame.neutral(1.0), device_id="bench",
                                             subject="bench", fps=60.0))
    context = multiprocessing.get_context("spawn")
    counter = context.Value("q", 0)
    child = context.Process(target=_flood, args=(port, packet, duration_s + 0.5, counter))
    child.start()
    figures = consume()
    child.join()
    return {**figures, "n_offered_by_flood": counter.value}


def relay_throughput(duration_s: float) -> dict:
    """Frames per second the relay receives, decodes and records under a flood of Live Link
    packets, alone and while forwarding to a VMC sink, beside a bare receive loop."""
    from likeness.commands.relay import relay
    from likeness.sinks.url import open_sinks
    from likeness.sources.livelink_receiver import LiveLinkReceiver

    def relayed(send_urls: list[str]) -> dict:
        with (tempfile.TemporaryDirectory() as folder,
              LiveLinkReceiver("127.0.0.1", 0) as receiver,
              open_sinks(send_urls, guard=scratch_guard(Path(folder))) as sinks):
            def consume() -> dict:
                receiver.end_after(10.0)
                if receiver.read() is None:  # the flood has not started
                    return {"frames_per_s": 0.0}
                report = relay(receiver, sinks, duration_s=duration_s).report
                return {"frames_per_s": round(report.items_per_s, 1), "n_frames": report.n_items}

            figures = _flooded(receiver.port, duration_s, consume)
        return {**figures, **{f"sink {name}": stats.as_dict()
                              for name, stats in sinks.stats().items()}}

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as bare:
        bare.bind(("127.0.0.1", 0))
        bare.settimeout(10.0)

        def count() -> dict:
            bare.recv(65535)
            n, start = 0, time.perf_counter()
            while time.perf_counter() - start < duration_s:
                bare.recv(65535)
                n += 1
            return {"datagrams_per_s": round(n / (time.perf_counter() - start), 1)}

        baseline = _flooded(bare.getsockname()[1], duration_s, count)

    drain = _Drain()
    try:
        return {
            "record_only": relayed([]),
            "record_and_forward_to_vmc": relayed([f"vmc://127.0.0.1:{drain.port}"]),
            "baseline_bare_receive": baseline,
            "target_frames_per_s": 1000,
        }
    finally:
        drain.close()


def camera_to_packet(n_frames: int) -> dict:
    """A video file as the camera: frame available -> tracked -> Live Link packet received,
    through the live tracking path (:func:`likeness.track.track_live`)."""
    import av

    from likeness.bench.tracking import write_face_clip
    from likeness.codecs.livelink import decode_packet
    from likeness.sinks.livelink import LiveLinkSink
    from likeness.sources.video import Picture
    from likeness.track import track_live

    fps = 30.0
    with tempfile.TemporaryDirectory() as folder:
        clip = Path(folder) / "camera.mp4"
        write_face_clip(clip, n_frames=n_frames, fps=fps)
        with av.open(str(clip)) as container:
            images = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]

    t_captured: dict[int, float] = {}
    t_handed: dict[int, float] = {}

    class Camera:
        """The decoded frames, each stamped as captured when it is read."""

        fps = 30.0

        def __init__(self) -> None:
            self.i = -1

        def read(self) -> Picture | None:
            self.i += 1
            if self.i == len(images):
                return None
            t_captured[self.i] = time.perf_counter()
            return Picture(self.i / fps, images[self.i])

    class Send:
        """The first face of each tracked picture to the Live Link sink, as ``track --send``."""

        def __init__(self, sink) -> None:  # LiveLinkSink
            self.sink = sink

        def send(self, picture) -> None:  # TrackedPicture
            if picture.frames:
                i = int(round(picture.t_s * fps))
                t_handed[i] = time.perf_counter()
                self.sink.send(picture.frames[0])

        def close(self) -> None:
            time.sleep(0.1)  # the last packets arrive
            self.sink.close()

    drain = _Drain()
    drain.keep = True
    try:
        with LiveLinkSink("127.0.0.1", drain.port, fps=fps) as sink:
            _, report = track_live(Camera(), sinks=[Send(sink)])
    finally:
        drain.close()
    arrivals = [(arrived, decode_packet(data).frame) for arrived, data in drain.arrivals]
    # The first frame includes face detection and graph start-up; a camera pays it once.
    tracking_s = [t_handed[i] - t_captured[i] for i in sorted(t_handed)[1:]]
    return {
        "n_frames": len(images),
        "n_packets": len(arrivals),
        "frame_to_packet_received": summarize_ms([t - t_captured[i] for t, i in arrivals[1:]]),
        "send_to_packet_received": summarize_ms([t - t_handed[i] for t, i in arrivals[1:]]),
        "baseline_tracking_only": summarize_ms(tracking_s),
        "stages": {name: figures for name, figures in report.latency.items()
                   if name not in ("total", "send")},
        "target_p95_ms": 10.0,
    }
