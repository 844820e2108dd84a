"""Every solver outcome maps to one status and exit code; none passes as a plan silently."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition

from optimizer.errors import NoPlanError, SolverUnavailableError
from optimizer.solve import Outcome, SolverOptions, _HighsRunner, _raise_if_no_plan, solve
from tests.builders import PLANTS, build, config

TC, SS = TerminationCondition, SolutionStatus
OPTS = SolverOptions(name="highs", time_limit_s=1, mip_rel_gap=0.0, threads=0, seed=0)


@pytest.mark.parametrize(("tc", "ss", "status"), [
    (TC.convergenceCriteriaSatisfied, SS.optimal, "optimal"),
    (TC.maxTimeLimit, SS.feasible, "feasible"),
    (TC.maxTimeLimit, SS.noSolution, "time_limit"),
    (TC.iterationLimit, SS.feasible, "feasible"),
    (TC.provenInfeasible, SS.noSolution, "infeasible"),
    (TC.unbounded, SS.noSolution, "unbounded"),
    (TC.infeasibleOrUnbounded, SS.noSolution, "infeasible_or_unbounded"),
    (TC.error, SS.noSolution, "error"),
])
def test_highs_outcomes_map_to_statuses(tc, ss, status):
    res = SimpleNamespace(termination_condition=tc, solution_status=ss)
    assert _HighsRunner._status(None, res) == status


@pytest.mark.parametrize("status", ["infeasible", "unbounded", "time_limit", "error"])
def test_no_plan_is_never_returned(status):
    with pytest.raises(Exception) as exc:
        _raise_if_no_plan(Outcome(status, None, None, 0.0, "x", "highs"), OPTS)
    assert getattr(exc.value, "exit_code", 1) in (1, 3, 4)


def test_time_limit_without_a_plan_exits_4(monkeypatch):
    monkeypatch.setattr(_HighsRunner, "solve_mip", lambda self, m: Outcome(
        "time_limit", None, None, 0.01, "maxTimeLimit", "highs"))
    with pytest.raises(NoPlanError, match="No plan found within the time limit of 30 s"):
        solve(build())


def test_another_pyomo_solver_name_works_through_the_classic_interface(solved):
    sc = build(config(**{"solver.name": "appsi_highs"}),
               plants=PLANTS.replace(",100,0,reo", ",3,0,reo"))
    r = solved(sc)
    assert r.status == "optimal" and r.objective_gbp == pytest.approx(-800.0)
    mv = r.marginal_values
    assert mv.loc[mv["constraint"] == "plant_capacity", "marginal_value_gbp_per_t"].item() == \
        pytest.approx(300.0)


def test_an_unknown_solver_is_a_clear_input_error(tmp_path):
    with pytest.raises(SolverUnavailableError, match="not available"):
        solve(build(config(**{"solver.name": "no_such_solver"})))
