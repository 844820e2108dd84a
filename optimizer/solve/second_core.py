"""Python work beside a HiGHS solve: the second core while the first one solves.

HiGHS's LP and MIP runs release the GIL (highspy: a thread counting beside
an LP solve kept 60 % of its pace alone, measured), and its interior point
method and MIP search each use one thread. Python work that only *reads* the
model -- the scaling check, the matrix incidence for the local repair -- can
then run on the second core while HiGHS solves. What it costs HiGHS: the
2,000-source relaxation took 90.0 s beside a busy Python *process* against
85.5-89.2 s alone (memory traffic); inside the process HiGHS's callbacks into
Python (interrupt checks, the helper's checkpoints) may also wait for the lock,
up to Python's switch interval (5 ms) each, while the work runs. End to end the
runs got faster (benchmarks/RESULTS.md: n2000 wall minus relaxation 60.5 ->
40.7 s median, n500 49.1 -> 45.1 s median, the same plans). ``threads = 1``
asks for one core: the work then runs at once, here.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Callable
from typing import Any


def beside(work: Callable[..., Any], *args: Any, threads: int) -> concurrent.futures.Future:
    """``work(*args)`` on a thread of its own, or done now when ``threads`` is 1.

    The caller starts a HiGHS run next and calls ``.result()`` once it needs the
    answer (which re-raises what ``work`` raised on its thread). ``work`` may
    change only what nothing else touches until it is done (Pyomo's hand-over
    beside the LP start: the runner), and the caller must not change what
    ``work`` reads until then (``concurrent.futures.wait``).
    """
    if threads == 1:
        done: concurrent.futures.Future = concurrent.futures.Future()
        done.set_result(work(*args))  # what it raises, it raises here
        return done
    pool = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="feedstock-beside")
    try:
        return pool.submit(work, *args)
    finally:
        pool.shutdown(wait=False)  # the thread ends with its one task
