"""Integer columns made continuous on a HiGHS instance for one LP, then restored.

Two LPs run on the very HiGHS instance that holds the MIP: the relaxation
behind the rounded plan (:mod:`feedstock.optimizer.solve.mipstart`) and the
fixed-integer LP of marginal values after the search
(:mod:`feedstock.optimizer.solve.runners`). Both make the integer columns
continuous, may fix them, silence HiGHS's log (it is the MIP's, on stdout) and
must leave the instance exactly as the search needs it afterwards, even when
the LP fails: one context manager does that for both.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np


@contextmanager
def integers_relaxed(highs: Any, cols: np.ndarray, fixed_at: np.ndarray | None = None
                     ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Columns ``cols`` continuous on ``highs`` (fixed at ``fixed_at`` if given), log off.

    Yields their original (lower, upper) bounds. On leaving, whatever the LP
    changed, the columns are integer again with those bounds and HiGHS logs
    as it did before.
    """
    import highspy

    kinds = highspy.HighsVarType
    logging_on = highs.getOptionValue("output_flag")
    if isinstance(logging_on, tuple):  # (status, value) in highspy 1.16
        logging_on = logging_on[1]
    lower, upper = _bounds(highs, cols)
    highs.setOptionValue("output_flag", False)
    try:
        if len(cols):
            highs.changeColsIntegrality(len(cols), cols, np.full(len(cols), kinds.kContinuous))
            if fixed_at is not None:
                highs.changeColsBounds(len(cols), cols, fixed_at, fixed_at)
        yield lower, upper
    finally:
        if len(cols):
            highs.changeColsBounds(len(cols), cols, lower, upper)
            highs.changeColsIntegrality(len(cols), cols, np.full(len(cols), kinds.kInteger))
        highs.setOptionValue("output_flag", logging_on)


def _bounds(highs: Any, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of ``cols``, in their order (getLp would copy the whole model).

    HiGHS's ``getCols`` answers only for strictly increasing columns (1.16:
    an error and zeros otherwise), so it is asked in sorted order.
    """
    if not len(cols):
        return np.empty(0), np.empty(0)
    order = np.argsort(cols, kind="stable")
    status, _, _, low, up, _ = highs.getCols(len(cols), np.ascontiguousarray(cols[order]))
    if status != status.kOk or len(low) != len(cols):
        raise RuntimeError(f"HiGHS could not report the bounds of {len(cols)} columns")
    lower, upper = np.empty(len(cols)), np.empty(len(cols))
    lower[order], upper[order] = low, up
    return lower, upper
