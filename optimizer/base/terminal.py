"""Standard error that still reaches the terminal while Pyomo captures the solver's log.

Pyomo captures the solver's output by redirecting descriptors 1 and 2 while
HiGHS runs, and the solver's log lines are logged (at DEBUG). A log handler or
a progress line writing to descriptor 2 would feed its own lines back into
that capture -- without end under ``--debug`` (a deadlock) -- or vanish into
the solver log. A duplicate of descriptor 2, taken once per process, still
reaches the terminal or the scheduler's log file and is never redirected.
"""

from __future__ import annotations

import io
import os
import sys
from typing import TextIO

_COPY: list[TextIO] = []  # the one duplicate of descriptor 2 of this process


def stderr_stream() -> TextIO:
    """A stream on a duplicate of descriptor 2 when stderr is the process's own, else stderr.

    A ``sys.stderr`` that is no real descriptor (click's test runner, pytest's
    capture) has nothing to loop through and is returned as it is.
    """
    try:
        if sys.stderr.fileno() == 2:
            if not _COPY:
                encoding = getattr(sys.stderr, "encoding", None) or "utf-8"
                _COPY.append(os.fdopen(os.dup(2), "w", buffering=1, encoding=encoding,
                                       errors="backslashreplace"))
            return _COPY[0]
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        pass
    return sys.stderr
