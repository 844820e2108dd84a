"""MIP starts through the persistent HiGHS interface: offered, judged, never changing the optimum.

Tiny base (tests/builders.py): 5 t at ``src``, one truck (10 t, £100) to ``plant``,
£300 earned per tonne processed: optimum one trip, -£1,400. With an offtake of
1 t of oxide (3.33 t processed) a start with no trip cannot become a plan.
"""

from __future__ import annotations

from feedstock.optimizer.solve.pipeline import solve
from feedstock.optimizer.solve.runners import start_accepted
from feedstock.optimizer.solve.warmstart import Start
from tests.builders import build
from tests.plans import exact

OFFTAKE = "product,week,min_t\nreo,2026-W48,1\n"


def _start(trips: float):
    return lambda d: Start(values={"n": {(a, t): trips for a, t in
                                         zip(d.trips["arc"], d.trips["period"], strict=True)}},
                           source="test", matched=len(d.trips))


def test_a_feasible_start_is_accepted_and_the_optimum_is_the_cold_one():
    sc = build(offtake=OFFTAKE)
    r = solve(sc, warm_start=_start(1))
    assert r.solver["warm_start"]["accepted"] is True
    assert r.solver["warm_start"]["values"] == 1
    assert r.objective_gbp == exact(solve(sc).objective_gbp) == exact(-1400)
    assert r.solver["first_plan_seconds"] is not None


def test_an_impossible_start_is_refused_and_the_solve_goes_on():
    r = solve(build(offtake=OFFTAKE), warm_start=_start(0))  # no trip: no oxide
    assert r.solver["warm_start"]["accepted"] is False
    assert r.objective_gbp == exact(-1400)


def test_no_start_no_warm_start_entry():
    r = solve(build())
    assert r.solver["warm_start"] is None and r.summary()["time_to_first_plan_s"] >= 0


def test_the_log_lines_the_judgement_reads():
    tried = "Attempting to find feasible solution by solving LP for user-supplied values of " \
            "discrete variables"
    assert start_accepted([tried, "Presolving model", "Model status        : Optimal"])
    assert not start_accepted([tried, "Model status        : Infeasible"])
    assert not start_accepted(["Model status        : Optimal"])  # no start was tried
