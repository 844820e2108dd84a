"""Local LPs and MIPs around a plan (feedstock.optimizer.solve.neighbourhood), worked by hand."""

from __future__ import annotations

import time

import highspy
import numpy as np
import pytest

from feedstock.optimizer.solve import neighbourhood
from feedstock.optimizer.solve.neighbourhood import (
    good_enough,
    near,
    polished,
    repaired,
    worst_violation,
)


def _min_run_lp():
    """Supply 6 t to plant A (x0, £-1/t) or B (x1, £-2/t); A runs (u) only at 4..6 t.

    x0 + x1 = 6, x0 - 4u >= 0, x0 - 6u <= 0; u fixed at 1 (rounded up from 0.5).
    """

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.addVars(3, np.array([0.0, 0.0, 1.0]), np.array([6.0, 6.0, 1.0]))
    h.changeColsCost(3, np.array([0, 1, 2], dtype=np.int32), np.array([-1.0, -2.0, 0.0]))
    for lo, hi, idx, val in ((6.0, 6.0, [0, 1], [1.0, 1.0]), (0.0, np.inf, [0, 2], [1.0, -4.0]),
                             (-np.inf, 0.0, [0, 2], [1.0, -6.0])):
        h.addRow(lo, hi, 2, np.array(idx, dtype=np.int32), np.array(val))
    return h


def test_a_broken_minimum_run_is_repaired_near_it():
    """Relaxation x0 = 2, x1 = 4, u = 0.5; u rounded to 1 breaks x0 >= 4u by 2 t.

    The repair frees what is near the broken row and finds the best plan with
    u = 1: x0 = 4 (the minimum run), x1 = 2; every bound is restored after.
    """
    h = _min_run_lp()
    cols = np.array([2], dtype=np.int32)
    plan = repaired(h, np.array([2.0, 4.0, 0.5]), cols, np.array([1.0]), 10.0)
    assert plan is not None and list(np.round(plan, 9)) == [4.0, 2.0, 1.0]
    lp = h.getLp()
    assert list(lp.col_lower_) == [0.0, 0.0, 1.0] and list(lp.col_upper_) == [6.0, 6.0, 1.0]


def test_a_rounding_that_breaks_nothing_needs_no_lp():
    h = _min_run_lp()
    plan = repaired(h, np.array([5.0, 1.0, 0.9]), np.array([2], dtype=np.int32),
                    np.array([1.0]), 10.0)
    assert list(plan) == [5.0, 1.0, 1.0]  # 5 t at A: a run of 4..6 t holds as rounded
    assert h.getInfo().simplex_iteration_count <= 0  # HiGHS never ran


def _two_weeks_one_truck():
    """5 t at a site in each of two weeks; one lane, a 10 t truck at £100 a trip.

    Columns x1, x2 (t shipped in weeks 1, 2; £30/t delivered), s (t held from
    week 1 to 2, £1/t), n1, n2 (trips, whole). Rows: x1 + s = 5, x2 - s = 5,
    x1 - 10 n1 <= 0, x2 - 10 n2 <= 0. The relaxation ships 5 t a week on half a
    truck each: -300 + 100 = -200. Rounded up, two trucks: -100. Best: hold
    week 1's 5 t and send one full truck in week 2: -300 + 5 + 100 = -195.
    """
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    inf = highspy.kHighsInf
    h.addVars(5, np.zeros(5), np.array([inf, inf, inf, 10.0, 10.0]))
    h.changeColsCost(5, np.arange(5, dtype=np.int32), np.array([-30.0, -30.0, 1.0, 100.0, 100.0]))
    h.changeColsIntegrality(2, np.array([3, 4], dtype=np.int32),
                            np.array([highspy.HighsVarType.kInteger] * 2))
    for lo, hi, idx, val in ((5.0, 5.0, [0, 2], [1.0, 1.0]), (5.0, 5.0, [1, 2], [1.0, -1.0]),
                             (-inf, 0.0, [0, 3], [1.0, -10.0]), (-inf, 0.0, [1, 4], [1.0, -10.0])):
        h.addRow(lo, hi, 2, np.array(idx, dtype=np.int32), np.array(val))
    return h


RELAXED = np.array([5.0, 5.0, 0.0, 0.5, 0.5])
ROUNDED_UP = np.array([5.0, 5.0, 0.0, 1.0, 1.0])
INTS = np.array([3, 4])


def soon() -> float:
    return time.perf_counter() + 10.0


def test_the_polish_sends_one_full_truck_instead_of_two_half_empty():
    h = _two_weeks_one_truck()
    lp = h.getLp()
    options = ("mip_max_nodes", "objective_target", "time_limit", "output_flag", "solver")
    before = [h.getOptionValue(name)[1] for name in options]
    better = polished(h, lp, ROUNDED_UP, RELAXED, INTS, -np.inf, soon())
    assert better is not None and list(np.round(better, 9)) == [0.0, 10.0, 5.0, 0.0, 1.0]
    cost = np.asarray(lp.col_cost_)
    assert cost @ better == pytest.approx(-195.0) and cost @ ROUNDED_UP == pytest.approx(-100.0)
    assert worst_violation(lp, better) <= 1e-9
    after = h.getLp()  # every bound and the options as they were
    assert list(after.col_lower_) == list(lp.col_lower_)
    assert list(after.col_upper_) == list(lp.col_upper_)
    assert [h.getOptionValue(name)[1] for name in options] == before


def test_integers_whole_in_the_relaxation_stay_as_planned(monkeypatch):
    """n1 whole (1) in the relaxation stays 1 even where freeing it would pay.

    Four hops from n2 reach n1; kept as planned, week 1's 5 t still go on their
    own truck: the rounded plan (-100) is the best there is. Nothing fractional
    at all: no MIP, no plan.
    """
    monkeypatch.setattr(neighbourhood, "POLISH_HOPS", 4)
    h = _two_weeks_one_truck()
    lp = h.getLp()
    n1_whole = np.array([5.0, 5.0, 0.0, 1.0, 0.5])
    better = polished(h, lp, ROUNDED_UP, n1_whole, INTS, -np.inf, soon())
    assert better is not None and list(np.round(better, 9)) == [5.0, 5.0, 0.0, 1.0, 1.0]
    whole = np.array([0.0, 10.0, 5.0, 0.0, 1.0])
    assert polished(h, lp, whole, whole, INTS, -np.inf, soon()) is None


def test_no_time_left_is_no_polish():
    h = _two_weeks_one_truck()
    assert polished(h, h.getLp(), ROUNDED_UP, RELAXED, INTS, -np.inf, time.perf_counter()) is None


def test_near_frees_rows_out_to_its_hops_and_skips_long_rows():
    """Rows: r0 = {x1, s}, r1 = {x2, s}, r2 = {x1, n1}, r3 = {x2, n2}.

    From n1 (row r2): one hop frees x1, n1; two hops add s (r0); three add x2 (r1);
    four add n2 (r3). With rows of at most 1 entry allowed nothing beyond n1.
    """
    lp = _two_weeks_one_truck().getLp()
    seed = np.array([3])
    freed = [list(np.nonzero(near(lp, None, hops, seeds=seed))[0]) for hops in (1, 2, 3, 4)]
    assert freed == [[0, 3], [0, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3, 4]]
    assert list(np.nonzero(near(lp, None, 4, longest=1, seeds=seed))[0]) == [3]
    assert not near(lp, np.zeros(0, dtype=np.int64), 2).any()  # nothing to start from


def test_near_walks_the_links_it_is_given():
    """The incidence worked out once (beside the relaxation) is the one walked.

    The model's own links give [0, 2, 3] from n1 in two hops, as above; links in
    which r2 = {n1} alone (x1 cut from it) give [3] however far one walks.
    """
    lp = _two_weeks_one_truck().getLp()
    seed = np.array([3])
    by_col, by_row = neighbourhood.incidence(lp)
    assert list(np.nonzero(near(lp, None, 2, seeds=seed, links=(by_col, by_row)))[0]) == [0, 2, 3]
    cut = [np.array([c for c in row if c != 0]) if 3 in row else row for row in by_row]
    assert list(np.nonzero(near(lp, None, 4, seeds=seed, links=(by_col, cut)))[0]) == [3]


def test_good_enough_leaves_a_tenth_of_the_gap_spare():
    assert good_enough(-1000.0, 0.01) == pytest.approx(-1000.0 / 1.009)
    assert good_enough(1000.0, 0.01) == pytest.approx(1000.0 / 0.991)
    assert good_enough(-1000.0, 0.0) == -np.inf and good_enough(-np.inf, 0.01) == -np.inf


def test_restricted_keeps_the_free_columns_and_their_rows_less_the_fixed_part():
    """The min-run LP with u fixed at 1: x0 + x1 = 6, x0 >= 4, x0 <= 6 (4u and 6u moved)."""
    lp = _min_run_lp().getLp()
    sub = neighbourhood.restricted(lp, np.array([True, True, False]), np.array([2.0, 4.0, 1.0]))
    assert (sub.num_col_, sub.num_row_) == (2, 3)
    assert list(sub.row_lower_) == [6.0, 4.0, -np.inf] and list(sub.row_upper_) == [6.0, np.inf,
                                                                                   6.0]
    assert list(sub.col_cost_) == [-1.0, -2.0] and sub.offset_ == 0.0  # u costs nothing


def test_restricted_moves_the_fixed_columns_cost_into_the_constant():
    """Only x1 free, x0 = 4 and u = 1 fixed: x1 = 6 - 4 = 2 is its one row; the rows
    of the run (4 - 4 >= 0, 4 - 6 <= 0) hold and drop out. Its optimum -4 + (-2)(2) = -8
    is the whole model's objective at (4, 2, 1)."""
    h = _min_run_lp()
    sub = neighbourhood.restricted(h.getLp(), np.array([False, True, False]),
                                   np.array([4.0, 0.0, 1.0]))
    assert (sub.num_col_, sub.num_row_) == (1, 1) and sub.offset_ == -4.0
    assert (sub.row_lower_[0], sub.row_upper_[0]) == (2.0, 2.0)
    small = neighbourhood.instance_like(h, sub)
    small.run()
    assert small.getInfo().objective_function_value == pytest.approx(-8.0)


def test_restricted_refuses_a_plan_whose_fixed_rows_break():
    """x0 = 2 with u = 1 fixed breaks x0 >= 4u, and only x1 is free: nothing can mend it."""
    lp = _min_run_lp().getLp()
    assert neighbourhood.restricted(lp, np.array([False, True, False]),
                                    np.array([2.0, 4.0, 1.0])) is None


def test_restricted_keeps_a_free_integer_column_integer():
    lp = _min_run_lp().getLp()
    sub = neighbourhood.restricted(lp, np.array([True, False, True]), np.array([4.0, 2.0, 1.0]),
                                   ints=np.array([2]))
    assert [int(k) for k in sub.integrality_] == [0, 1]
