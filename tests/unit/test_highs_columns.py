"""The integer columns of a HiGHS instance made continuous for one LP come back as they were."""

import highspy
import numpy as np
import pytest

from feedstock.optimizer.solve.highs_columns import integers_relaxed

KIND = highspy.HighsVarType


def _three_integers() -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", True)
    h.addVars(3, np.array([0.0, 1.0, 2.0]), np.array([5.0, 6.0, 7.0]))
    h.changeColsIntegrality(3, np.arange(3, dtype=np.int32), np.full(3, KIND.kInteger))
    return h


def _flag(h: highspy.Highs) -> bool:
    value = h.getOptionValue("output_flag")
    return value[1] if isinstance(value, tuple) else value


def test_columns_are_relaxed_and_fixed_inside_then_restored_even_after_an_error():
    h = _three_integers()
    cols = np.array([0, 2], dtype=np.int32)
    with pytest.raises(RuntimeError), integers_relaxed(h, cols, fixed_at=np.array([3.0, 4.0])) \
            as (lower, upper):
        assert list(lower) == [0.0, 2.0] and list(upper) == [5.0, 7.0]
        lp = h.getLp()
        assert [lp.integrality_[i] for i in range(3)] == [KIND.kContinuous, KIND.kInteger,
                                                         KIND.kContinuous]
        assert list(lp.col_lower_) == [3.0, 1.0, 4.0] and list(lp.col_upper_) == [3.0, 6.0, 4.0]
        assert not _flag(h)  # the LP's log is not the MIP's
        raise RuntimeError("the LP failed")
    lp = h.getLp()
    assert list(lp.integrality_) == [KIND.kInteger] * 3
    assert list(lp.col_lower_) == [0.0, 1.0, 2.0] and list(lp.col_upper_) == [5.0, 6.0, 7.0]
    assert _flag(h)


def test_no_columns_changes_nothing_and_yields_empty_bounds():
    h = _three_integers()
    with integers_relaxed(h, np.array([], dtype=np.int32)) as (lower, upper):
        assert len(lower) == len(upper) == 0
    assert list(h.getLp().integrality_) == [KIND.kInteger] * 3


def test_columns_in_any_order_get_their_own_bounds_back():
    """HiGHS's getCols wants increasing columns; the model's integers come in any order."""
    h = _three_integers()
    with integers_relaxed(h, np.array([2, 0, 1], dtype=np.int32),
                          fixed_at=np.array([7.0, 3.0, 4.0])) as (lower, upper):
        assert list(lower) == [2.0, 0.0, 1.0] and list(upper) == [7.0, 5.0, 6.0]
        assert list(h.getLp().col_lower_) == [3.0, 4.0, 7.0]
    lp = h.getLp()
    assert list(lp.col_lower_) == [0.0, 1.0, 2.0] and list(lp.col_upper_) == [5.0, 6.0, 7.0]
    assert list(lp.integrality_) == [KIND.kInteger] * 3
