"""Python's cyclic garbage collector kept off a built model while it is solved.

A 2,000-source model and HiGHS's copy of it are 4.6 million Python objects that
live as long as the solve does (Pyomo's components and expressions, the maps
that number them). The cyclic collector visits every object it tracks on each
pass over the generation holding it: the first passes after the build move all
of them through the young generations, and each full pass visits them all
again. At 2,000 sources that came to 2.9 s of the solve (4,395 young, 399
middle and 2 full passes), 1.5 s of it in the rounding step's first burst of
allocations (measured, ``gc.callbacks``). Pyomo's build already pauses the
collector while it grows the model (``PauseGC``); this module carries that on
to the end of the solve:

* :func:`lasting` pauses the collector for a solve;
* :func:`settle`, once the model is built, moves every object there is into
  the permanent generation (``gc.freeze``, constant time) and resumes
  collection, so later passes visit only what the solve allocates afterwards;
* leaving :func:`lasting` unfreezes them. A model is freed only by a full
  collection (Pyomo's components refer to each other), and one may not come
  before the next solve freezes everything again, the dropped model with it;
  so the next :func:`lasting` collects first (a sweep solves model after model
  in one process). A command that solves once ends without that collection.

It changes when memory is reclaimed, never what is computed. The collector is
process-wide, so one solve owns it at a time: the first to enter while no other
holds it. A solve that starts while another owns it (solves in threads, a
solve inside a solve) leaves the collector alone, and so does every solve in a
process whose host has frozen objects of its own (``gc.freeze`` before a fork).
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_owner: int | None = None  # the thread whose solve holds the collector
_was_enabled = True  # the collector's state when the owner entered
_unfrozen = False  # a solve unfroze its objects: the next owner collects before freezing


@contextlib.contextmanager
def lasting() -> Iterator[None]:
    """Within: no cyclic collection until :func:`settle`; leaving restores what was.

    Only the owner (see the module's docstring) touches the collector; a solve
    that is not the owner runs as if this were not there.
    """
    global _owner, _was_enabled, _unfrozen
    with _lock:
        owner = _owner is None and gc.get_freeze_count() == 0
        if owner:
            _owner, _was_enabled, stale, _unfrozen = threading.get_ident(), gc.isenabled(), \
                _unfrozen, False
    if not owner:
        yield
        return
    try:
        if stale:  # the last solve's dropped model, before it could be frozen again
            gc.collect()
        gc.disable()
        yield
    finally:
        with _lock:
            if gc.get_freeze_count():
                gc.unfreeze()
                _unfrozen = True
            if _was_enabled:
                gc.enable()
            _owner = None


def settle() -> None:
    """Freeze every object there is out of the collector's passes and resume collection.

    Called once the model is built, inside :func:`lasting`; a no-op unless the
    calling thread's solve owns the collector.
    """
    with _lock:
        if _owner != threading.get_ident():
            return
        gc.freeze()
        if _was_enabled:
            gc.enable()
