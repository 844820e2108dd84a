"""The race between HiGHS's search and the LP start's plan (mipstart.settle, within_gap).

Hand-worked numbers (a cost, minimised): the relaxation's optimum is -1000,
the rounded plan costs -980 (20 / 980 = 2.04 % above the bound).
"""

from __future__ import annotations

import numpy as np
import pytest

from feedstock.optimizer.solve.mipstart import LpStart, settle, within_gap
from feedstock.optimizer.solve.neighbourhood import worst_violation
from feedstock.optimizer.solve.runners import Outcome

PLAN = np.array([1.0, 2.0])
LP = LpStart({"columns": PLAN}, {"lp_objective_gbp": -1000.0,
                                 "trimmed_objective_gbp": -980.0}, PLAN, basis="B")


class Runner:
    """Records the plan it is asked to adopt and the basis it is asked to keep."""

    adopted = kept = None

    def adopt(self, m, plan, basis=None):
        self.adopted = (m, plan, basis)

    def keep_basis(self, m, basis):
        self.kept = (m, basis)


def outcome(termination="time_limit", plan=False, objective=None, bound=None):
    return Outcome(termination, plan, objective, bound, 5.0, "stopped", "highs 1.16")


def test_within_gap_compares_the_plan_with_the_relaxation():
    assert within_gap(LP, 0.03) and not within_gap(LP, 0.02)
    assert not within_gap(LpStart({"y": {}}, {"lp_objective_gbp": -1000.0}), 1.0)  # no plan
    assert not within_gap(LpStart(None, {}), 1.0)


def test_a_search_without_a_plan_gives_the_start_and_the_relaxation_bound():
    runner = Runner()
    out = settle(outcome(), LP, runner, "model", 0.01)
    assert out.has_plan and out.objective == -980.0 and out.bound == -1000.0
    assert out.termination == "time_limit"  # 2.04 % > 1 %: a plan, not proven within the gap
    assert runner.adopted == ("model", PLAN, "B")
    assert settle(outcome(), LP, Runner(), "model", 0.05).termination == "converged"


def test_a_better_search_plan_is_kept_with_the_better_bound():
    runner = Runner()
    out = settle(outcome(plan=True, objective=-990.0, bound=-1e30), LP, runner, "m", 0.01)
    assert runner.adopted is None and out.objective == -990.0
    assert out.bound == -1000.0  # the search had no bound yet: the relaxation's
    assert out.termination == "time_limit"  # 10 / 990 = 1.01 % > 1 %
    tighter = settle(outcome(plan=True, objective=-990.0, bound=-995.0), LP, Runner(), "m", 0.01)
    assert tighter.bound == -995.0 and tighter.termination == "converged"  # 5 / 990 = 0.5 %


def test_a_worse_search_plan_loses_to_the_start():
    runner = Runner()
    out = settle(outcome(plan=True, objective=-900.0, bound=-1005.0), LP, runner, "m", 0.01)
    assert runner.adopted is not None and out.objective == -980.0
    assert out.bound == -1000.0  # the larger of -1005 (search) and -1000 (relaxation)


def _lp(rowwise: bool):
    """min x + y s.t. 1 <= x + 2y <= 4, 0 <= x <= 3, y integer in [0, 2]; matrix as asked."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.addVars(2, np.array([0.0, 0.0]), np.array([3.0, 2.0]))
    h.changeColsCost(2, np.array([0, 1], dtype=np.int32), np.array([1.0, 1.0]))
    h.addRow(1.0, 4.0, 2, np.array([0, 1], dtype=np.int32), np.array([1.0, 2.0]))
    h.changeColsIntegrality(1, np.array([1], dtype=np.int32), np.array([1], dtype=np.uint8))
    lp = h.getLp()
    a = lp.a_matrix_
    if rowwise:
        a.format_, a.start_, a.index_, a.value_ = highspy.MatrixFormat.kRowwise, [0, 2], \
            [0, 1], [1.0, 2.0]
    else:
        a.format_, a.start_, a.index_, a.value_ = highspy.MatrixFormat.kColwise, [0, 1, 2], \
            [0, 0], [1.0, 2.0]
    return lp


@pytest.mark.parametrize("rowwise", [False, True])
def test_worst_violation_reads_rows_bounds_and_integrality(rowwise):
    lp = _lp(rowwise)
    assert worst_violation(lp, np.array([0.0, 1.0])) == 0.0  # x + 2y = 2: holds
    assert worst_violation(lp, np.array([3.0, 1.0])) == pytest.approx(1.0)  # 5 > 4 by 1
    assert worst_violation(lp, np.array([0.0, 0.0])) == pytest.approx(1.0)  # 0 < 1 by 1
    assert worst_violation(lp, np.array([3.5, 0.0])) == pytest.approx(0.5)  # x > 3 by 0.5
    assert worst_violation(lp, np.array([0.0, 0.75])) == pytest.approx(0.25)  # y not whole


def test_no_relaxation_leaves_the_outcome_alone():
    out = outcome(plan=True, objective=-5.0, bound=-6.0)
    assert settle(out, LpStart(None, {}), Runner(), "m", 0.01) is out


@pytest.mark.parametrize("termination", ["infeasible", "unbounded", "error"])
def test_a_proof_of_no_plan_is_not_overruled(termination):
    """Even by a rounded plan in hand: a search that proved or failed is reported as it is."""
    runner = Runner()
    out = outcome(termination=termination)
    assert settle(out, LP, runner, "m", 0.01) is out and runner.adopted is None


@pytest.mark.parametrize("bound", [None, float("-inf"), float("inf")])
def test_a_search_without_a_finite_bound_takes_the_relaxation_bound(bound):
    out = settle(outcome(plan=True, objective=-999.0, bound=bound), LP, Runner(), "m", 0.01)
    assert out.bound == -1000.0 and out.objective == -999.0 and out.termination == "converged"


def test_a_search_plan_equal_to_the_start_is_kept_and_the_basis_too():
    runner = Runner()
    out = settle(outcome(plan=True, objective=-980.0, bound=-1000.0), LP, runner, "m", 0.05)
    assert runner.adopted is None and out.objective == -980.0
    assert runner.kept == ("m", "B")  # the dual LP starts warm from the rounded plan's basis


def test_a_plan_that_reports_no_objective_is_replaced():
    runner = Runner()
    out = settle(outcome(plan=True, objective=None, bound=None), LP, runner, "m", 0.01)
    assert runner.adopted is not None and out.objective == -980.0


def test_a_plan_cheaper_than_the_relaxation_is_not_believed():
    """Below a proven bound: numerics, never an answer (and never a reason to skip the search)."""
    odd = LpStart({"columns": PLAN}, {"lp_objective_gbp": -1000.0,
                                      "trimmed_objective_gbp": -1010.0}, PLAN)
    assert not within_gap(odd, 1.0)
    runner = Runner()
    out = settle(outcome(), odd, runner, "m", 0.01)
    assert runner.adopted is None and not out.has_plan
