"""The pipeline runner: pacing against an injected clock, Ctrl-C, stop conditions, per-stage
latency and progress, the same from the thread and the asyncio drivers."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from likeness.errors import InputError
from likeness.pipeline import Expand, IterSource, Recorder, RunOptions, run, run_async


class FakeClock:
    """Seconds that pass only when slept on or when a stage or sink says it took time."""

    def __init__(self) -> None:
        self.now_s = 1000.0
        self.slept_s: list[float] = []

    def __call__(self) -> float:
        return self.now_s

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.slept_s.append(seconds)
        self.now_s += seconds


@dataclass(frozen=True)
class Item:
    t_s: float
    value: int = 0


class Stamp:
    """A sink noting (item, clock) on every send, taking ``send_s`` of the clock each time."""

    def __init__(self, clock: FakeClock, send_s: float = 0.0) -> None:
        self.clock = clock
        self.send_s = send_s
        self.sent: list[tuple[Item, float]] = []
        self.n_closed = 0

    def send(self, item: Item) -> None:
        self.sent.append((item, self.clock.now_s))
        self.clock.now_s += self.send_s

    def close(self) -> None:
        self.n_closed += 1


class Takes:
    """A stage that takes ``took_s`` of the clock and adds ``add`` to the value."""

    def __init__(self, clock: FakeClock, took_s: float, add: int = 0, name: str = "") -> None:
        self.clock, self.took_s, self.add = clock, took_s, add
        if name:
            self.name = name

    def __call__(self, item: Item) -> Item:
        self.clock.now_s += self.took_s
        return Item(item.t_s, item.value + self.add)


def items(n: int, fps: float = 30.0, t0_s: float = 0.0) -> list[Item]:
    return [Item(t0_s + i / fps, i) for i in range(n)]


def offsets(sink: Stamp) -> list[float]:
    return [at - sink.sent[0][1] for _, at in sink.sent]


def test_realtime_hands_each_item_on_at_its_own_time():
    clock = FakeClock()
    sink = Stamp(clock)
    take = items(30, t0_s=5.0)  # a take need not start at zero
    report = run(IterSource(take), [], [sink], options=RunOptions(realtime=True),
                 clock=clock, sleep=clock.sleep)
    assert [item for item, _ in sink.sent] == take
    assert offsets(sink) == pytest.approx([i / 30 for i in range(30)], abs=1e-9)
    assert report.n_items == report.n_out == 30 and report.n_skipped == 0
    assert sink.n_closed == 1 and not report.interrupted


def test_as_fast_as_possible_never_waits():
    clock = FakeClock()
    sink = Stamp(clock)
    run(IterSource(items(30)), [], [sink], clock=clock, sleep=clock.sleep)
    assert clock.slept_s == [] and len(sink.sent) == 30


def test_late_items_go_on_at_once_and_none_is_skipped():
    clock = FakeClock()
    sink = Stamp(clock, send_s=0.1)  # each send takes three items' time
    report = run(IterSource(items(30)), [], [sink], options=RunOptions(realtime=True),
                 clock=clock, sleep=clock.sleep)
    assert [item.value for item, _ in sink.sent] == list(range(30))
    assert offsets(sink) == pytest.approx([0.1 * i for i in range(30)], abs=1e-9)
    assert clock.slept_s == [] and report.n_skipped == 0


def test_a_long_stall_skips_to_the_newest_item_due_and_a_short_one_catches_up():
    clock = FakeClock()

    class Stall(Stamp):
        def send(self, item: Item) -> None:
            super().send(item)
            if item.value == 10:
                clock.now_s += 0.5  # 15 items' time at 30/s
            if item.value == 20:
                clock.now_s += 0.07  # two items' time: within the catch-up allowance

    sink = Stall(clock)
    report = run(IterSource(items(60)), [], [sink],
                 options=RunOptions(realtime=True, max_late_s=0.1), clock=clock, sleep=clock.sleep)
    sent = [item.value for item, _ in sink.sent]
    # After item 10 the clock stands at item 25's time: 11..24 are skipped, 25 goes at once.
    assert sent[:12] == list(range(11)) + [25]
    assert sink.sent[11][1] - sink.sent[0][1] == pytest.approx(10 / 30 + 0.5)
    # The short stall after item 20 leaves the next items late by less than the allowance:
    # they go on at once, none skipped.
    assert report.n_skipped == 14 and sent[12:] == list(range(26, 60))
    assert len(sent) + report.n_skipped == 60


def test_stop_conditions():
    clock = FakeClock()
    sink = Stamp(clock)
    report = run(IterSource(items(30)), [], [sink], options=RunOptions(max_items=7), clock=clock)
    assert report.n_items == 7 and [i.value for i, _ in sink.sent] == list(range(7))
    sink = Stamp(clock)
    report = run(IterSource(items(30)), [], [sink], options=RunOptions(max_s=0.5), clock=clock)
    # Stops after the first item at or past 0.5 s: item 15 (t = 0.5) is the last one.
    assert [i.value for i, _ in sink.sent] == list(range(16)) and sink.n_closed == 1


def test_per_stage_latency_is_reported():
    clock = FakeClock()
    stages = [Takes(clock, 0.004, name="landmarks"), Takes(clock, 0.001, name="solve")]
    sink = Stamp(clock, send_s=0.0005)
    report = run(IterSource(items(20)), stages, [sink], clock=clock)
    assert list(report.latency) == ["landmarks", "solve", "total", "send"]
    assert report.latency["landmarks"] == {"median_ms": pytest.approx(4.0), "p95_ms":
                                           pytest.approx(4.0), "n": 20}
    assert report.latency["solve"]["median_ms"] == pytest.approx(1.0)
    assert report.latency["total"]["median_ms"] == pytest.approx(5.0)
    assert report.latency["send"]["median_ms"] == pytest.approx(0.5)
    assert "latency 5.0 ms" in report.line() and "landmarks 4.0 solve 1.0" in report.line()


def test_a_repeated_stage_name_is_told_apart():
    clock = FakeClock()
    report = run(IterSource(items(3)), [Takes(clock, 0.001), Takes(clock, 0.002)], [], clock=clock)
    assert list(report.latency)[:2] == ["takes", "takes#2"]


def test_progress_comes_every_status_interval():
    clock = FakeClock()
    seen = []
    # 1/32 s a stage: binary fractions, so the clock lands on each second exactly.
    run(IterSource(items(96)), [Takes(clock, 1 / 32, name="track")], [Stamp(clock)],
        options=RunOptions(status_every_s=1.0), progress=seen.append, clock=clock)
    assert [p.n_items for p in seen] == [32, 64, 96]
    assert all(p.items_per_s == pytest.approx(32.0) for p in seen)
    assert seen[0].line() == " 32.0 fps, latency 31.2 ms (track 31.2 ms)"


def test_ctrl_c_in_a_stage_stops_cleanly_flushes_and_closes_the_sinks():
    clock = FakeClock()

    class Buffer:
        """Holds every item back until flushed, like streaming lip-sync's look-ahead."""

        def __init__(self) -> None:
            self.held: list[Item] = []

        def __call__(self, item: Item) -> list[Item]:
            if item.value == 5:
                raise KeyboardInterrupt
            self.held.append(item)
            return self.held[:-2] and [self.held.pop(0)]

        def flush(self) -> list[Item]:
            held, self.held = self.held, []
            return held

    sink, recorder = Stamp(clock), Recorder()
    report = run(IterSource(items(30)), [Expand(Buffer()), Takes(clock, 0.0, add=100)],
                 [sink, recorder], clock=clock)
    assert report.interrupted and report.n_items == 6
    # Every item the buffer took before Ctrl-C still reaches the sinks, through later stages.
    assert [i.value for i in recorder.items] == [100, 101, 102, 103, 104]
    assert sink.n_closed == 1 and report.n_out == 5


def test_ctrl_c_while_waiting_for_the_next_item_stops_cleanly():
    clock = FakeClock()

    def sleep(seconds: float) -> None:
        clock.sleep(seconds)
        if clock.now_s - 1000.0 > 0.25:
            raise KeyboardInterrupt

    sink = Stamp(clock)
    report = run(IterSource(items(30)), [], [sink], options=RunOptions(realtime=True),
                 clock=clock, sleep=sleep)
    assert report.interrupted and sink.n_closed == 1
    assert [i.value for i, _ in sink.sent] == list(range(8))  # item 8 was due at 0.267 s


def test_an_error_propagates_and_leaves_the_sinks_to_their_owner():
    clock = FakeClock()

    def broken(item: Item) -> Item:
        if item.value == 3:
            raise InputError("bad item")
        return item

    sink = Stamp(clock)
    with pytest.raises(InputError, match="bad item"):
        run(IterSource(items(10)), [broken], [sink], clock=clock)
    assert len(sink.sent) == 3 and sink.n_closed == 0


def test_a_stage_may_drop_items():
    clock = FakeClock()
    recorder = Recorder()
    report = run(IterSource(items(10)), [lambda item: item if item.value % 2 else None],
                 [recorder], clock=clock)
    assert [i.value for i in recorder.items] == [1, 3, 5, 7, 9]
    assert report.n_items == 10 and report.n_out == 5


def test_the_async_driver_runs_the_same_loop():
    clock = FakeClock()

    async def sleep(seconds: float) -> None:
        clock.sleep(seconds)

    sink = Stamp(clock, send_s=0.01)
    stall = Stamp(clock)
    report = asyncio.run(run_async(IterSource(items(30)), [Takes(clock, 0.002, name="x")],
                                   [sink, stall], options=RunOptions(realtime=True),
                                   clock=clock, sleep=sleep))
    # The first item goes on once its stage is done, the others at their times.
    sent_s = [at - 1000.0 for _, at in sink.sent]
    assert sent_s == pytest.approx([0.002] + [i / 30 for i in range(1, 30)], abs=1e-9)
    assert report.latency["x"]["median_ms"] == pytest.approx(2.0) and sink.n_closed == 1


def test_cancelling_the_async_run_propagates():
    async def main() -> Stamp:
        class Forever:
            t = 0

            def read(self) -> Item:
                self.t += 1
                return Item(self.t / 100)

        sink = Stamp(FakeClock())
        task = asyncio.create_task(run_async(Forever(), [], [sink],
                                             options=RunOptions(realtime=True)))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return sink

    sink = asyncio.run(main())
    assert sink.sent and sink.n_closed == 0


def test_bad_options_are_refused():
    with pytest.raises(InputError, match="max_items"):
        RunOptions(max_items=0)
    with pytest.raises(InputError, match="max_late_s"):
        RunOptions(max_late_s=-1.0)


def test_ctrl_c_aborts_a_run_that_is_not_interruptible():
    clock = FakeClock()

    def interrupt(item: Item) -> Item:
        if item.value == 2:
            raise KeyboardInterrupt
        return item

    sink = Stamp(clock)
    with pytest.raises(KeyboardInterrupt):
        run(IterSource(items(10)), [interrupt], [sink], options=RunOptions(interruptible=False),
            clock=clock)
    assert len(sink.sent) == 2 and sink.n_closed == 0
