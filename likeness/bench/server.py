"""``likeness bench --only server``: many viewers of live channels over loopback.

50 sessions each watch their own channel, which the server plays at 60 frames/s, for 60 s
(5 s with ``quick``). Reported: server-to-client latency of each frame (the server's clock when
it made the frame to the client's when it arrived; one machine, one clock), frames dropped
(gaps in each channel's frame times: late frames the player skipped and frames a full outbox
dropped), and the server's resident memory after warm-up and at the end. The baseline is the
same run with JSON frames instead of binary ones.
"""

from __future__ import annotations

import asyncio
import json
import os
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from likeness.bench.timing import BenchOptions, scratch_guard, summarize_ms
from likeness.server.protocol import ENVELOPE

N_SESSIONS = 50
FPS = 60.0
WARMUP_S = 3.0
_T_S = struct.Struct("<d")
_FRAME_T_S_OFFSET = 16 + 8  # envelope, then the frame's version/flags/id/confidence


def run(options: BenchOptions) -> dict[str, Any]:
    """Binary frames (the fast path) beside JSON frames (the baseline), same load."""
    duration_s = 5.0 if options.quick else 60.0
    with tempfile.TemporaryDirectory(prefix="likeness-bench-server-") as folder:
        work = Path(folder)
        env = _environment(work)
        take = _take(work)
        report: dict[str, Any] = {
            "sessions": N_SESSIONS,
            "fps": FPS,
            "duration_s": duration_s,
            "targets": {"p95_ms": 20.0, "dropped_percent": 0.1},
        }
        for name, binary in (("binary", True), ("json_baseline", False)):
            report[name] = _measure(take, env, binary=binary, duration_s=duration_s)
    return report


def _environment(work: Path) -> dict[str, str]:
    """The server's environment: a fresh LIKENESS_HOME with keys for the audit records."""
    from likeness.trust.keys import init_keys

    home = work / "home"
    init_keys(name="likeness bench", subject="bench", home=home)
    env = dict(os.environ, LIKENESS_HOME=str(home))
    env.pop("LIKENESS_AUDIT", None)
    return env


def _take(work: Path) -> Path:
    """Ten seconds of a talking-like jaw and a slow head turn, at 60 frames/s."""
    from likeness.blendshapes import NAMES
    from likeness.formats import write_animation
    from likeness.frame import Animation, quaternions_from_euler

    n = int(10 * FPS)
    take = Animation.neutral(n, FPS)
    t_s = take.t_s
    take.weights[:, NAMES.index("jawOpen")] = 0.5 + 0.5 * np.sin(2 * np.pi * 3 * t_s)
    yaw = 0.3 * np.sin(2 * np.pi * 0.2 * t_s)
    take.head_rotation = quaternions_from_euler(np.stack([yaw, 0 * yaw, 0 * yaw], axis=1))
    path = work / "take.json"
    write_animation(take, path, guard=scratch_guard(work / "home"))
    return path


def _measure(take: Path, env: dict[str, str], *, binary: bool, duration_s: float) -> dict[str, Any]:
    port = _free_port()
    command = [sys.executable, "-m", "likeness.cli", "serve", "--port", str(port)]
    for i in range(N_SESSIONS):
        command += ["--watch", f"s{i}={take}"]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_until_up(port, server)
        results = asyncio.run(
            _viewers(port, binary=binary, duration_s=duration_s, server_pid=server.pid)
        )
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=30)
    latencies_ms = np.concatenate([r["latency_ms"] for r in results])
    n_expected = sum(r["n_expected"] for r in results)
    n_received = sum(r["n_received"] for r in results)
    n_dropped = n_expected - n_received
    return {
        "latency": summarize_ms(latencies_ms / 1e3),
        "frames_received": n_received,
        "frames_dropped": n_dropped,
        "dropped_percent": round(100.0 * n_dropped / max(n_expected, 1), 4),
        "fps_per_session": round(n_received / N_SESSIONS / (duration_s - WARMUP_S), 2),
        "server_rss_mb": {
            "after_warmup": results[0]["rss_start_mb"],
            "end": results[0]["rss_end_mb"],
        },
        "server_errors": stderr.decode(errors="replace")[-500:]
        if server.returncode not in (0, -15)
        else "",
    }


async def _viewers(
    port: int, *, binary: bool, duration_s: float, server_pid: int
) -> list[dict[str, Any]]:
    start_s = time.monotonic()
    rss: dict[str, float] = {}

    async def sample_memory() -> None:
        await asyncio.sleep(WARMUP_S)
        rss["start"] = _rss_mb(server_pid)
        await asyncio.sleep(duration_s - WARMUP_S - 0.5)
        rss["end"] = _rss_mb(server_pid)

    sessions = [
        _viewer(f"ws://127.0.0.1:{port}/ws/watch/s{i}?binary={int(binary)}", start_s, duration_s)
        for i in range(N_SESSIONS)
    ]
    memory = asyncio.create_task(sample_memory())
    results = list(await asyncio.gather(*sessions))
    await memory
    for r in results:
        r.update(rss_start_mb=rss["start"], rss_end_mb=rss["end"])
    return results


async def _viewer(url: str, start_s: float, duration_s: float) -> dict[str, Any]:
    from websockets.asyncio.client import connect

    latencies_ms: list[float] = []
    times_s: list[float] = []
    async with connect(url, compression=None, max_size=None, proxy=None) as ws:
        while (remaining_s := start_s + duration_s - time.monotonic()) > 0:
            try:
                message = await asyncio.wait_for(ws.recv(), remaining_s)
            except TimeoutError:
                break
            now_ms = time.time() * 1e3
            if isinstance(message, bytes):
                _, _, _, sent_ms = ENVELOPE.unpack_from(message)
                t_s = _T_S.unpack_from(message, _FRAME_T_S_OFFSET)[0]
            else:
                parsed = json.loads(message)
                if parsed["type"] != "frame":
                    continue
                sent_ms, t_s = parsed["sent_ms"], parsed["frame"]["t_s"]
            if time.monotonic() - start_s >= WARMUP_S:
                latencies_ms.append(now_ms - sent_ms)
                times_s.append(t_s)
    # Frames due between the first and last frame seen after warm-up, against those that came.
    n_expected = int(round((times_s[-1] - times_s[0]) * FPS)) + 1 if times_s else 0
    return {
        "latency_ms": np.array(latencies_ms),
        "n_expected": n_expected,
        "n_received": len(times_s),
    }


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def _wait_until_up(port: int, server: subprocess.Popen) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"likeness serve exited: {server.stderr.read().decode()[-1000:]}")  # type: ignore[union-attr]
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError("likeness serve did not answer within 60 s")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
