"""The LP start's HiGHS copy holds the very LP Pyomo's persistent interface hands HiGHS.

Same rows, same columns in the same order, the same numbers: so a plan found on
the copy is a plan of the runner's instance, column for column.
"""

from __future__ import annotations

import highspy
import numpy as np
import pyomo.environ as pyo
import pytest

from feedstock import load_scenario
from feedstock.optimizer.checks.numerics import coefficient_ranges
from feedstock.optimizer.solve import pipeline
from feedstock.optimizer.solve.highs_copy import highs_copy, renumbered
from feedstock.optimizer.solve.runners import HighsRunner, SolverOptions
from tests.builders import near_zero_blend
from tests.conftest import SAMPLE


def _persistent(m: pyo.ConcreteModel) -> HighsRunner:
    runner = HighsRunner(SolverOptions(name="highs", time_limit_s=10.0, mip_rel_gap=0.0, threads=1,
                                          seed=1))
    runner.load(m)
    return runner


def _by_column(lp) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, column, value) of every matrix entry, sorted by column then row."""
    a = lp.a_matrix_
    start, index, value = (np.asarray(x) for x in (a.start_, a.index_, a.value_))
    outer = np.repeat(np.arange(len(start) - 1), np.diff(start))
    colwise = a.format_ == highspy.MatrixFormat.kColwise
    rows, cols = (index, outer) if colwise else (outer, index)
    order = np.lexsort((rows, cols))
    return rows[order], cols[order], value[order]


def _same_lp(copy, runner: HighsRunner) -> None:
    ours, theirs = copy.highs.getLp(), runner.solver._solver_model.getLp()
    assert copy.column == runner.solver._pyomo_var_to_solver_var_map
    for field in ("col_cost_", "col_lower_", "col_upper_", "row_lower_", "row_upper_",
                  "integrality_"):
        assert np.array_equal(np.asarray(getattr(ours, field)),
                              np.asarray(getattr(theirs, field))), field
    for mine, pyomos in zip(_by_column(ours), _by_column(theirs), strict=True):
        assert np.array_equal(mine, pyomos)
    assert ours.offset_ == theirs.offset_ and ours.sense_ == theirs.sense_


def _odd_model() -> pyo.ConcreteModel:
    """A ranged row, a constant in a body, an empty row, integer and binary columns, a
    variable met first (and only) with a zero coefficient, a variable only the objective
    has, one nothing has, and a constant objective term."""
    m = pyo.ConcreteModel()
    m.x = pyo.Var([1, 2], bounds=(0, 5))
    m.n = pyo.Var(domain=pyo.NonNegativeIntegers, bounds=(None, 7))
    m.b = pyo.Var(domain=pyo.Binary)
    m.only_in_objective = pyo.Var(bounds=(-1, 1))
    m.unused = pyo.Var(bounds=(0, 3))
    m.ranged = pyo.Constraint(expr=pyo.inequality(1, m.x[2] + 2 * m.x[1] - m.n, 4))
    m.shifted = pyo.Constraint(expr=m.x[1] + 3 + m.b * 2 >= 4)
    m.zero_only = pyo.Var(domain=pyo.Binary)
    m.zeroed = pyo.Constraint(expr=0.0 * m.zero_only + m.x[2] >= 0)
    m.sum = pyo.Constraint(expr=m.x[1] + m.x[2] + m.x[1] == 2 * m.n)
    m.p = pyo.Param(initialize=0.0, mutable=True)
    m.empty = pyo.Constraint(expr=m.p * m.x[1] <= 1)
    m.o = pyo.Objective(expr=3 * m.x[2] - m.b + 2 * m.only_in_objective + 10)
    return m


def test_the_copy_of_a_model_with_every_kind_of_row_is_pyomos_lp():
    m = _odd_model()
    copy = highs_copy(m)
    _same_lp(copy, _persistent(m))
    lp = copy.highs.getLp()
    # a column for the zero-only variable, where Pyomo's interface puts it; none for the unused
    assert lp.num_col_ == 6 and lp.num_row_ == 5 and copy.unmapped == 1
    assert copy.column[id(m.zero_only)] == 4
    assert list(lp.row_lower_[:2]) == [1.0, 1.0] and list(lp.row_upper_[:2]) == [4.0, np.inf]


def test_the_copy_of_the_sample_is_pyomos_lp_number_for_number():
    built = pipeline.build(pipeline.prepare(load_scenario(SAMPLE)))
    _same_lp(highs_copy(built.model), _persistent(built.model))


def test_a_model_with_a_fixed_variable_gets_no_copy():
    """Pyomo's interface keeps a fixed variable as a column; a linear form folds it away."""
    m = _odd_model()
    m.x[1].fix(2.0)
    assert highs_copy(m) is None


def test_the_copy_solves_to_the_same_optimum():
    """The copy solves to the optimum of the odd model worked out by hand.

    u = -1 (its lower bound): -2. b = 1 (shifted: x1 + 2 b >= 1 holds with x1 = 0):
    -1. x2 = 0 needs ranged 1 <= 2 x1 - n <= 4 and sum 2 x1 = 2 n, so x1 = n and
    1 <= n <= 4: n = 1, x1 = 1. Optimum 0 - 1 - 2 + 10 = 7.
    """
    copy = highs_copy(_odd_model())
    copy.highs.run()
    assert copy.highs.getInfo().objective_function_value == pytest.approx(7.0)


def test_the_scaling_check_reads_the_same_ranges_off_the_copy():
    """Even the 1e-12 coefficient HiGHS drops on loading is in the copy's ranges."""
    for m in (_odd_model(), pipeline.build(pipeline.prepare(near_zero_blend())).model):
        assert highs_copy(m).ranges == coefficient_ranges(m)
    tiny = next(r for r in highs_copy(pipeline.build(pipeline.prepare(
        near_zero_blend())).model).ranges if r.kind == "matrix")
    assert tiny.smallest < 1e-11


def test_renumbered_carries_each_value_to_its_variables_new_column():
    source = {101: 0, 102: 1, 103: 2}
    target = {103: 0, 101: 1, 102: 2}
    assert renumbered(np.array([1.0, 2.0, 3.0]), source, target).tolist() == [3.0, 1.0, 2.0]
    same = np.array([4.0, 5.0, 6.0])
    assert renumbered(same, source, dict(source)) is same


def test_renumbered_refuses_a_target_column_the_source_lacks():
    """A variable whose every coefficient is zero: a column of Pyomo's interface only."""
    assert renumbered(np.array([1.0]), {101: 0}, {101: 0, 102: 1}) is None


def _runner_numbering(column: dict[int, int]):
    from types import SimpleNamespace

    return SimpleNamespace(solver=SimpleNamespace(_pyomo_var_to_solver_var_map=column))


def test_the_lp_starts_plan_comes_back_numbered_as_the_runner():
    """Same numbering: the plan as it is (basis kept); another: carried across, basis dropped;
    a column the copy lacks: no plan (the rounded decisions by name stay on offer)."""
    from feedstock.optimizer.solve.highs_copy import HighsCopy
    from feedstock.optimizer.solve.mipstart import Rounded, _numbered_as_runner

    found = Rounded(np.array([1.0, 2.0]), np.array([0.5, 2.0]), {("n", 1): 1.0}, {}, "basis")
    copy = HighsCopy(None, {11: 0, 12: 1}, [], 0.0)
    same = _numbered_as_runner(found, copy, _runner_numbering({11: 0, 12: 1}), None)
    assert same is found
    moved = _numbered_as_runner(found, copy, _runner_numbering({12: 0, 11: 1}), None)
    assert moved.plan.tolist() == [2.0, 1.0] and moved.relaxation.tolist() == [2.0, 0.5]
    assert moved.basis is None
    lacking = _numbered_as_runner(found, copy, _runner_numbering({11: 0, 12: 1, 13: 2}), None)
    assert lacking.plan is None and lacking.rounded == found.rounded
