"""Every solver outcome maps to one status and exit code; none passes as a plan silently."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import pytest
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition

from feedstock.optimizer.base.errors import (
    InfeasibleError,
    NoPlanError,
    SolveError,
    SolverUnavailableError,
    UnboundedError,
)
from feedstock.optimizer.checks.numerics import numerics_warnings
from feedstock.optimizer.solve.pipeline import solve
from feedstock.optimizer.solve.runners import HighsRunner, Outcome, SolverOptions
from feedstock.optimizer.solve.status import plan_status, raise_if_no_plan
from tests.builders import PLANTS, build, config, near_zero_blend
from tests.conftest import ROOT
from tests.orlib import read_cap, to_scenario

TC, SS = TerminationCondition, SolutionStatus
OPTS = SolverOptions(name="highs", time_limit_s=1, mip_rel_gap=0.0, threads=0, seed=0)
SIZE = {"variables": 10, "integer_variables": 2, "constraints": 5}
CAP41 = ROOT / "tests" / "data" / "orlib" / "cap41.txt"


@pytest.mark.parametrize(("tc", "word"), [
    (TC.convergenceCriteriaSatisfied, "converged"), (TC.maxTimeLimit, "time_limit"),
    (TC.iterationLimit, "time_limit"), (TC.provenInfeasible, "infeasible"),
    (TC.unbounded, "unbounded"), (TC.infeasibleOrUnbounded, "infeasible_or_unbounded"),
    (TC.error, "error"),
])
def test_highs_terminations_become_words(tc, word):
    assert HighsRunner._termination(SimpleNamespace(termination_condition=tc)) == word


def outcome(term, plan, obj=None, bound=None):
    return Outcome(term, plan, obj, bound, 0.0, term, "highs")


@pytest.mark.parametrize(("out", "status"), [
    (outcome("converged", True, -100.0, -100.0), "optimal"),
    (outcome("converged", True, -100.0, -101.0), "within_gap"),
    (outcome("time_limit", True, -100.0, -150.0), "feasible"),
    (outcome("time_limit", False), "time_limit"),
    (outcome("infeasible", False), "infeasible"),
    (outcome("unbounded", False), "unbounded"),
    (outcome("error", False), "error"),
])
def test_status_says_how_good_the_plan_is(out, status):
    assert plan_status(out) == status


@pytest.mark.parametrize(("status", "error"), [
    ("infeasible", InfeasibleError), ("infeasible_or_unbounded", InfeasibleError),
    ("time_limit", NoPlanError), ("error", SolveError)])
def test_no_plan_is_never_returned(status, error):
    with pytest.raises(error):
        raise_if_no_plan(status, outcome(status, False), OPTS, SIZE)


def test_time_limit_without_a_plan_raises(monkeypatch):
    monkeypatch.setattr(HighsRunner, "solve_mip", lambda self, m, **_: outcome("time_limit", False))
    with pytest.raises(NoPlanError, match="No plan found within the time limit of 30 s") as exc:
        solve(build())
    assert "Tried: highs" in str(exc.value) and "integer" in str(exc.value)


def test_unbounded_names_the_likely_cause():
    with pytest.raises(UnboundedError, match="negative net cost"):
        raise_if_no_plan("unbounded", outcome("unbounded", False), OPTS, SIZE)


@pytest.mark.skipif(not CAP41.is_file(), reason="OR-Library instances not present")
def test_a_loose_gap_is_within_gap_not_optimal():
    """cap41 stopped at a 5% gap: a plan, but not called optimal (optimum 1,040,444.375)."""
    r = solve(to_scenario(read_cap(CAP41), "cap41"), gap=0.05)
    assert r.status in ("within_gap", "optimal")
    if r.objective_gbp > 1040444.375 + 1e-3:
        assert r.status == "within_gap" and r.gap > 1e-6


def test_another_pyomo_solver_name_works_through_the_classic_interface(solved):
    sc = build(config(**{"solver.name": "appsi_highs"}),
               plants=PLANTS.replace(",100,0,reo", ",3,0,reo"))
    r = solved(sc)
    assert r.status == "optimal" and r.objective_gbp == pytest.approx(-800.0)
    mv = r.marginal_values
    assert mv.loc[mv["constraint"] == "plant_capacity", "marginal_value_gbp_per_t"].item() == \
        pytest.approx(300.0)


def test_an_unknown_solver_is_a_clear_input_error():
    with pytest.raises(SolverUnavailableError, match="not available"):
        solve(build(config(**{"solver.name": "no_such_solver"})))


def test_result_tables_cannot_be_changed_in_place(solved):
    r = solved(build())
    for handed_out in (r.tables["flows"], r.flows, r.table("flows")):
        handed_out.loc[0, "tonnes_t"] = 999.0
    assert r.flows.loc[0, "tonnes_t"] == 5.0


def test_the_thread_setting_can_change_between_solves_in_one_process():
    """HiGHS keeps one thread scheduler per process; a different setting must still solve."""
    from feedstock.optimizer.solve.pipeline import solve
    from tests.builders import build

    statuses = [solve(build(), threads=k).status for k in (0, 1, 2, 1, 0)]
    assert statuses == ["optimal"] * 5


def test_the_scaling_check_beside_the_solve_says_what_it_says_before_it(monkeypatch, caplog):
    """With two threads the check walks the rows on the second core while HiGHS solves;
    with one it runs first. The same warning is logged and reaches the notes, with the
    same plan."""
    from feedstock.optimizer.solve import pipeline

    where = []

    def check(m):
        where.append(threading.current_thread().name)
        return numerics_warnings(m)

    monkeypatch.setattr(pipeline, "numerics_warnings", check)
    runs = []
    for threads in (2, 1):
        caplog.clear()
        runs.append(solve(near_zero_blend(), threads=threads))
        logged = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
        assert any("Badly scaled model: matrix" in m for m in logged)
    beside, first = runs
    assert where[0].startswith("feedstock-beside") and where[1] == "MainThread"
    assert any("Badly scaled model: matrix" in note for note in beside.notes)
    assert beside.notes == first.notes
    assert beside.objective_gbp == pytest.approx(first.objective_gbp)


def test_a_failed_scaling_check_is_logged_and_costs_no_plan(monkeypatch, caplog):
    """The check is a warning, never a reason to lose the plan it runs beside."""
    from feedstock.optimizer.solve import pipeline

    def broken(m):
        raise RuntimeError("walk failed")

    monkeypatch.setattr(pipeline, "numerics_warnings", broken)
    result = solve(near_zero_blend(), threads=2)
    assert result.status in ("optimal", "within_gap")
    assert not any("Badly scaled" in note for note in result.notes)
    assert any("scaling check failed (walk failed)" in r.getMessage() for r in caplog.records)
