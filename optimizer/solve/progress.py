"""The MIP's progress as one status line on a terminal, while HiGHS searches.

A solve of the sample takes a minute with nothing to show for it; a planner at
a terminal wants to know it is not stuck and how good the plan already is::

    solving: 12.4 s  best plan -£1,609,388  bound -£1,612,004  gap 0.16%

HiGHS reports its incumbent, dual bound, gap and running time to MIP callbacks
(:func:`watch_highs`); the callback only stores them, and a small thread
(:class:`SolveProgress`) writes the line at most twice a second. The solver's
own thread never writes, so a slow or paused terminal cannot slow the search,
and the line keeps counting seconds while HiGHS is busy in a heuristic that
calls no callback for ten seconds (measured on the sample). Nothing is written
before the MIP has run :data:`DELAY_S` seconds: short solves stay silent.

:func:`progress_for` decides whether a solve shows the line at all: on when
asked, or automatically when stderr is a terminal (never for a scheduler's log
file). Pyomo redirects descriptors 1 and 2 while HiGHS runs, to capture its
log; the line goes to a duplicate of descriptor 2
(:func:`~feedstock.optimizer.base.terminal.stderr_stream`), which still reaches
the terminal.
"""

from __future__ import annotations

import io
import logging
import math
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TextIO

from feedstock.optimizer.base.terminal import stderr_stream
from feedstock.optimizer.base.units import gbp

log = logging.getLogger(__name__)

DELAY_S = 5.0  # MIP seconds before the first line (tests set 0)
INTERVAL_S = 0.5  # at most one write per this many seconds


def format_line(seconds: float, objective: float | None, bound: float | None,
                gap: float | None) -> str:
    """The status line: elapsed seconds, best plan and bound in £, gap in %.

    A value HiGHS does not have yet (no plan, no bound: infinite) reads ``none
    yet`` or ``—`` rather than ``inf``.
    """
    plan = _money(objective)
    return (f"solving: {seconds:.1f} s  best plan {plan or 'none yet'}  "
            f"bound {_money(bound) or '—'}  gap {_percent(gap) if plan else '—'}")


def _money(value: float | None) -> str | None:
    if value is None or not math.isfinite(value):
        return None
    return gbp(round(value))  # round first: -0.3 reads £0, not -£0


def _percent(gap: float | None) -> str:
    if gap is None or not math.isfinite(gap):
        return "—"
    return f"{100 * gap:.2f}%"


@dataclass(frozen=True)
class _State:
    """What HiGHS last reported, and when (this module's clock)."""

    seconds: float
    objective: float | None
    bound: float | None
    gap: float | None
    at: float


class SolveProgress:
    """One status line for a running MIP, written by a thread of its own.

    ``update`` (from the solver's callback) only stores HiGHS's numbers;
    ``refresh`` writes them: on a terminal (``tty``) the line is rewritten in
    place (carriage return), elsewhere a new line is written whenever a number other
    than the seconds changed. Either way at most once per ``interval`` seconds
    and not before the MIP has run ``delay`` seconds. ``close`` writes the last
    numbers and ends the line. ``clock`` is injectable so that tests need no
    waiting.
    """

    def __init__(self, stream: TextIO, *, tty: bool, delay: float | None = None,
                 interval: float | None = None,
                 clock: Callable[[], float] = time.perf_counter):
        self.stream = stream
        self.tty = tty
        self.delay = DELAY_S if delay is None else delay
        self.interval = INTERVAL_S if interval is None else interval
        self.clock = clock
        self.lines = 0  # writes so far (a rewrite in place counts)
        self._lock = threading.Lock()
        self._state: _State | None = None
        self._started: float | None = None
        self._last_write: float | None = None
        self._last_text = ""  # the last line written, to pad a shorter one over it
        self._last_values = ""  # ... without its seconds, to skip repeats off a terminal
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._closed = False
        self._broken = False
        self._width = _columns(stream) if tty else None

    def start(self, *, thread: bool = True) -> None:
        """The MIP starts now; with ``thread``, write from a thread until :meth:`close`."""
        self._started = self.clock()
        if thread:
            self._thread = threading.Thread(target=self._tick, name="solve-progress",
                                            daemon=True)
            self._thread.start()

    def update(self, seconds: float, objective: float | None, bound: float | None,
               gap: float | None) -> None:
        """Store what HiGHS reported (``seconds``: its running time of this run)."""
        # no lock: one reference assignment, so the solver's thread never waits for a write
        self._state = _State(float(seconds), objective, bound, gap, self.clock())

    def elapsed(self, now: float | None = None) -> float:
        """MIP seconds so far: HiGHS's last running time plus the time since it said so."""
        now = self.clock() if now is None else now
        state = self._state
        if state is not None:
            return state.seconds + max(now - state.at, 0.0)
        return 0.0 if self._started is None else max(now - self._started, 0.0)

    def refresh(self, *, final: bool = False) -> bool:
        """Write the line if it is due (``final``: regardless of the interval); True if written."""
        with self._lock:
            if self._broken or self._started is None:  # broken, or no MIP started
                return False
            now = self.clock()
            seconds = self.elapsed(now)
            if seconds < self.delay and not (final and self.lines):
                return False
            if not final and self._last_write is not None \
                    and now - self._last_write < self.interval:
                return False
            state = self._state
            text = format_line(seconds, *((state.objective, state.bound, state.gap)
                                          if state else (None, None, None)))
            values = text.split(" s  ", 1)[-1]
            if not self.tty and values == self._last_values:
                return False
            if not self._write(text):
                return False
            self._last_write, self._last_values = now, values
            return True

    def close(self) -> None:
        """Stop the thread, write the last numbers if the line is showing, end the line."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.refresh(final=True)
        with self._lock:
            if self.lines and self.tty and not self._broken:
                self._put("\n")

    def _tick(self) -> None:
        while not self._stop.wait(self.interval / 2):
            self.refresh()

    def _write(self, text: str) -> bool:
        if self._width:
            text = text[:self._width - 1]  # a wrapped line cannot be rewritten in place
        pad = " " * max(len(self._last_text) - len(text), 0)
        if not self._put(f"\r{text}{pad}" if self.tty else text + "\n"):
            return False
        self._last_text = text
        self.lines += 1
        return True

    def _put(self, text: str) -> bool:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError) as exc:  # closed or broken: the solve goes on silently
            self._broken = True
            log.debug("solver progress stopped: %s", exc)
            return False
        return True


@contextmanager
def progress_for(progress: bool | TextIO | None) -> Iterator[SolveProgress | None]:
    """The progress line a solve should show, or None.

    ``None``: only when stderr is a terminal; ``False``: never; ``True``: on
    stderr; a stream: on that stream (rewritten in place if it is a terminal).
    Decided here, before Pyomo redirects stderr for the solve.
    """
    if progress is False or (progress is None and not _isatty(sys.stderr)):
        yield None
        return
    stream = stderr_stream() if isinstance(progress, bool) or progress is None else progress
    shown = SolveProgress(stream, tty=_isatty(stream))
    try:
        yield shown
    finally:
        shown.close()


@contextmanager
def watch_highs(highs: Any, progress: SolveProgress | None) -> Iterator[None]:
    """Feed HiGHS's MIP callbacks to ``progress`` while the block runs.

    The MIP interrupt check (several times a second), each improved plan and
    each line of HiGHS's MIP log (the last one: the final bound and gap) report
    the incumbent, bound and gap; the callback reads them and never asks
    HiGHS to stop, so the search and its optimum are those of a run without it.
    Only this callback is removed afterwards (Pyomo keeps its own interrupt
    handler on the same event, and a persistent model re-solves on this HiGHS).
    """
    if progress is None:
        yield
        return

    def on_event(event: Any) -> None:
        try:
            d = event.data_out
            progress.update(d.running_time, d.mip_primal_bound, d.mip_dual_bound, d.mip_gap)
        except Exception as exc:  # must never raise into HiGHS
            log.debug("solver progress callback failed: %s", exc)

    events = (highs.cbMipInterrupt, highs.cbMipImprovingSolution, highs.cbMipLogging)
    for event in events:
        event.subscribe(on_event)
    progress.start()
    try:
        yield
    finally:
        for event in events:
            event.unsubscribe(on_event)
        progress.close()


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, OSError, ValueError):
        return False


def _columns(stream: Any) -> int | None:
    try:
        return os.get_terminal_size(stream.fileno()).columns or None
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None


