"""Python's cyclic garbage collector kept off a built model while it is solved.

A 2,000-source model is 4.6 million Python objects that live as long as the
solve does (Pyomo's components and expressions, the maps that number them).
The cyclic collector visits every object it tracks on each pass over the
generation holding it: the first passes after the build move all of them
through the young generations, and each full pass visits them all again. At
2,000 sources that came to 2.9 s of the solve (4,395 young, 399 middle and 2
full passes), 1.5 s of it in the rounding step's first burst of allocations
(measured, ``gc.callbacks``). Pyomo's build already pauses the collector
while it grows the model (``PauseGC``); this module carries that on to the
end of the solve:

* :func:`lasting` pauses the collector for a solve;
* :func:`settle`, once the model is built, moves every object there is into
  the permanent generation (``gc.freeze``, constant time) and resumes
  collection, so later passes visit only what the solve allocates afterwards;
* leaving the outermost :func:`lasting` unfreezes them, so a model that is
  dropped in a reference cycle is still collected (a sweep solves model after
  model in one process).

It changes when memory is reclaimed, never what is computed. The collector is
process-wide: with solves in several threads at once the counts are shared
and the last one out unfreezes.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

_lock = threading.Lock()
_depth = 0  # lasting() blocks open in this process
_was_enabled = True  # the collector's state when the outermost one opened


@contextlib.contextmanager
def lasting() -> Iterator[None]:
    """Within: no cyclic collection until :func:`settle`; leaving restores what was."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
        _depth += 1
        gc.disable()
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:  # an inner one leaves the collector to the outer one
                gc.unfreeze()
                if _was_enabled:
                    gc.enable()


def settle() -> None:
    """Freeze every object there is out of the collector's passes and resume collection.

    Called once the model is built, inside :func:`lasting` (outside it, a no-op:
    nothing would unfreeze them).
    """
    with _lock:
        if _depth == 0:
            return
        gc.freeze()
        if _was_enabled:
            gc.enable()
