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
    lower = upper = np.empty(0)
    if len(cols):  # these columns only (getLp would copy the whole model)
        _, _, _, lower, upper, _ = highs.getCols(len(cols), cols)
        lower, upper = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
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
