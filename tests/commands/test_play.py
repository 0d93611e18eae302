"""A finished take played to engines as if live: paced by the clock it is given, nothing skipped,
the sinks closed at the end."""

from __future__ import annotations

import pytest

from likeness.commands.outputs import play
from likeness.frame import Animation


class FakeClock:
    """A clock that moves only when slept on, or when a send takes ``send_s``."""

    def __init__(self, send_s: float = 0.0) -> None:
        self.now_s = 1000.0
        self.send_s = send_s
        self.sent: list[tuple[float, float]] = []  # (frame t_s, clock when sent)
        self.closed = False

    def __call__(self) -> float:
        return self.now_s

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.now_s += seconds

    def send(self, frame) -> None:  # FaceFrame
        self.sent.append((frame.t_s, self.now_s))
        self.now_s += self.send_s

    def close(self) -> None:
        self.closed = True


def test_each_frame_goes_out_at_its_time() -> None:
    take = Animation.neutral(30, 30.0)
    take.t_s = take.t_s + 5.0  # a take need not start at zero
    clock = FakeClock()
    play(take, clock, clock=clock, sleep=clock.sleep)
    assert [t for t, _ in clock.sent] == list(take.t_s)
    offsets_s = [sent - 1000.0 for _, sent in clock.sent]
    assert offsets_s == pytest.approx(list(take.t_s - 5.0), abs=1e-9)
    assert clock.closed  # the take played out: the sinks are finished


def test_slow_sends_make_frames_late_but_none_is_skipped() -> None:
    take = Animation.neutral(30, 30.0)
    clock = FakeClock(send_s=0.1)  # each send takes three frames' time
    play(take, clock, clock=clock, sleep=clock.sleep)
    assert [t for t, _ in clock.sent] == list(take.t_s)
    offsets_s = [sent - 1000.0 for _, sent in clock.sent]
    # Late frames go out back to back: no sleep, no frame skipped to catch up.
    assert offsets_s == pytest.approx([0.1 * i for i in range(30)], abs=1e-9)
