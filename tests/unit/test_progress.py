"""The solver's progress line: its wording, when it is written, and where to (no solver)."""

from __future__ import annotations

import io
import itertools
import math
import sys
import time
from types import SimpleNamespace

import pytest

from feedstock.optimizer.solve import progress as P
from feedstock.optimizer.solve.progress import SolveProgress, format_line, progress_for, watch_highs


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


class Broken(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError("gone")


def shown(stream: io.StringIO, *, tty: bool, delay: float = 5.0, interval: float = 0.5):
    clock = Clock()
    p = SolveProgress(stream, tty=tty, delay=delay, interval=interval, clock=clock)
    p.start(thread=False)
    return p, clock


# ---- the line -------------------------------------------------------------------------

def test_line_reads_like_the_issue():
    assert format_line(12.44, -1609387.8, -1612004.2, 0.0016) == (
        "solving: 12.4 s  best plan -£1,609,388  bound -£1,612,004  gap 0.16%")


def test_line_before_a_plan_or_a_bound_says_so_not_inf():
    assert format_line(5.0, math.inf, -math.inf, math.inf) == (
        "solving: 5.0 s  best plan none yet  bound —  gap —")
    assert format_line(5.0, None, None, None) == (
        "solving: 5.0 s  best plan none yet  bound —  gap —")
    # a plan with no bound yet: the gap HiGHS reports then (100%) is shown as it is
    assert format_line(6.0, 1228827.54, -math.inf, 1.0) == (
        "solving: 6.0 s  best plan £1,228,828  bound —  gap 100.00%")


def test_money_rounds_to_whole_pounds_without_minus_zero():
    assert format_line(0, -0.4, 0.4, 0.0).split("  ")[1:3] == ["best plan £0", "bound £0"]


# ---- when it is written ---------------------------------------------------------------

def test_nothing_before_the_delay_then_at_most_once_per_interval():
    out = Tty()
    p, clock = shown(out, tty=True)
    writes = []
    for step in range(100):  # 10 s of solver time, a callback every 0.1 s
        clock.now += 0.1
        p.update(0.1 * (step + 1), -1_000_000.0, -1_010_000.0 - step, 0.01)
        if p.refresh():
            writes.append(p.elapsed())
    assert writes and min(writes) >= 5.0
    assert all(b - a >= 0.5 - 1e-9 for a, b in itertools.pairwise(writes))
    assert len(writes) <= 11  # 5 s shown, 2 a second
    assert out.getvalue().count("\r") == len(writes) and "\n" not in out.getvalue()


def test_a_short_solve_writes_nothing_even_when_closed():
    out = Tty()
    p, clock = shown(out, tty=True)
    clock.now += 4.0
    p.update(4.0, -1.0, -2.0, 0.5)
    assert not p.refresh()
    p.close()
    assert out.getvalue() == ""


def test_on_a_terminal_the_line_is_rewritten_in_place_and_ended_on_close():
    out = Tty()
    p, clock = shown(out, tty=True, delay=0)
    p.update(1.0, -1_609_387.8, -1_612_004.2, 0.0016)
    assert p.refresh()
    first = out.getvalue()
    clock.now += 1.0
    p.update(2.0, -5.0, -6.0, 0.2)  # shorter: padded over the longer one
    assert p.refresh()
    second = out.getvalue()[len(first):]
    assert second.startswith("\r") and len(second) == len(first)
    clock.now += 0.1
    p.update(2.1, -5.0, -5.0, 0.0)  # the final numbers, inside the interval
    p.close()
    last = out.getvalue().split("\r")[-1]
    assert last.rstrip().endswith("gap 0.00%") and last.endswith("\n")
    p.close()  # twice is harmless
    assert out.getvalue().count("\n") == 1


def test_off_a_terminal_a_new_line_only_when_a_number_changes():
    out = io.StringIO()
    p, clock = shown(out, tty=False, delay=0)
    for _ in range(5):  # only the seconds move: one line
        clock.now += 1.0
        p.update(p.elapsed(), -5.0, -6.0, 0.2)
        p.refresh()
    clock.now += 1.0
    p.update(p.elapsed(), -5.5, -6.0, 0.09)
    p.refresh()
    p.close()
    lines = out.getvalue().splitlines()
    assert len(lines) == 2 and out.getvalue().endswith("\n") and "\r" not in out.getvalue()
    assert lines[0].endswith("gap 20.00%") and lines[1].endswith("gap 9.00%")


def test_seconds_count_on_between_callbacks():
    out = Tty()
    p, clock = shown(out, tty=True, delay=0)
    p.update(7.0, -1.0, -2.0, 0.5)
    clock.now += 3.0  # HiGHS busy in a heuristic: no callback
    assert p.elapsed() == pytest.approx(10.0)
    p.refresh()
    assert "solving: 10.0 s" in out.getvalue()


def test_a_broken_stream_stops_the_line_not_the_solve():
    p, clock = shown(Broken(), tty=True, delay=0)
    p.update(1.0, -1.0, -2.0, 0.5)
    assert not p.refresh()
    clock.now += 1.0
    assert not p.refresh()
    p.close()


def test_the_thread_writes_while_the_solver_runs_and_stops_on_close():
    out = io.StringIO()
    p = SolveProgress(out, tty=False, delay=0, interval=0.01)
    p.start()
    p.update(0.5, -1.0, -2.0, 0.5)
    for _ in range(500):  # not a timing assert: wait until the thread has written
        if p.lines:
            break
        time.sleep(0.01)
    p.close()
    assert p.lines >= 1 and not p._thread.is_alive()


# ---- where it is written --------------------------------------------------------------

def test_off_when_asked_or_when_stderr_is_no_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with progress_for(False) as p:
        assert p is None
    with progress_for(None) as p:
        assert p is None


def test_automatic_on_a_terminal_and_forced_on_stderr(monkeypatch):
    for asked in (None, True):
        err = Tty()  # no real descriptor: written to directly
        monkeypatch.setattr(sys, "stderr", err)
        with progress_for(asked) as p:
            assert p is not None and p.stream is err and p.tty


def test_a_given_stream_is_used_and_not_closed():
    out = io.StringIO()
    with progress_for(out) as p:
        assert p.stream is out and not p.tty
    assert not out.closed


def test_forced_on_a_real_stderr_writes_to_a_copy_of_descriptor_2(monkeypatch):
    class Fd2(io.StringIO):
        def fileno(self) -> int:
            return 2

    from feedstock.optimizer.base import terminal

    monkeypatch.setattr(sys, "stderr", Fd2())
    monkeypatch.setattr(terminal, "_COPY", [])
    with progress_for(True) as p:
        copy = p.stream
        assert copy.fileno() not in (1, 2)
    # one copy per process, shared with the log handler: left open for the next solve
    assert not copy.closed and terminal.stderr_stream() is copy
    copy.close()


def test_the_delay_is_a_module_setting(monkeypatch):
    monkeypatch.setattr(P, "DELAY_S", 0.0)
    with progress_for(io.StringIO()) as p:
        assert p.delay == 0.0


# ---- the HiGHS callbacks --------------------------------------------------------------

class Event:
    def __init__(self) -> None:
        self.callbacks: list = []

    def subscribe(self, fn) -> None:
        self.callbacks.append(fn)

    def unsubscribe(self, fn) -> None:
        self.callbacks.remove(fn)

    def fire(self, **data) -> None:
        for fn in self.callbacks:
            fn(SimpleNamespace(data_out=SimpleNamespace(**data)))


def fake_highs():
    keep = object()  # Pyomo's own interrupt handler: must stay
    highs = SimpleNamespace(cbMipInterrupt=Event(), cbMipImprovingSolution=Event(),
                            cbMipLogging=Event())
    highs.cbMipInterrupt.subscribe(keep)
    return highs, keep


def test_callbacks_feed_the_line_and_only_they_are_removed():
    highs, keep = fake_highs()
    out = io.StringIO()
    p = SolveProgress(out, tty=False, delay=0)
    with watch_highs(highs, p):
        assert len(highs.cbMipInterrupt.callbacks) == 2
        highs.cbMipImprovingSolution.fire(running_time=1.5, mip_primal_bound=-10.0,
                                          mip_dual_bound=-11.0, mip_gap=0.1)
        highs.cbMipInterrupt.callbacks[1](object())  # bad data: swallowed, never raised
    assert highs.cbMipInterrupt.callbacks == [keep]
    assert not highs.cbMipImprovingSolution.callbacks and not highs.cbMipLogging.callbacks
    assert "best plan -£10  bound -£11  gap 10.00%" in out.getvalue()


def test_no_progress_subscribes_nothing():
    highs, keep = fake_highs()
    with watch_highs(highs, None):
        assert highs.cbMipInterrupt.callbacks == [keep]
        assert not highs.cbMipImprovingSolution.callbacks
