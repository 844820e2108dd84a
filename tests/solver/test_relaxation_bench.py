"""benchmarks/relaxation.py: every route that finishes solves the same relaxation.

The benchmark's figures (RESULTS.md, "The relaxation itself") compare the time of
routes that must all end at the LP start's relaxation optimum; these tests hold
them to it on the bundled sample, so a faster route is never a different LP.
"""

from __future__ import annotations

import importlib.util
import sys

import pytest

from tests.conftest import ROOT, SAMPLE

pytestmark = pytest.mark.solver


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location(
        "relaxation_bench", ROOT / "benchmarks" / "relaxation.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


@pytest.fixture(scope="module")
def built():
    from feedstock import load_scenario
    from feedstock.optimizer.solve.pipeline import build, prepare

    return build(prepare(load_scenario(SAMPLE)))


def test_the_routes_reach_the_interior_points_optimum(bench, built):
    outcomes = dict(bench.run_routes(built, ["ipx", "ipx_loose", "support", "cheapest"],
                                     keep=3, cap=60.0))
    best = outcomes["ipx"]
    assert best.status == "Optimal"
    for route in ("ipx_loose", "support", "cheapest"):
        assert outcomes[route].status == "Optimal", (route, outcomes[route])
        assert outcomes[route].objective == pytest.approx(best.objective, rel=1e-7), route


def test_column_generation_prices_columns_back_in(bench, built):
    """From the three cheapest flows of each origin-feedstock-week the restricted LP
    is worse than the whole; the reduced costs bring back the columns it lacks."""
    _, outcome = next(bench.run_routes(built, ["cheapest"], keep=3, cap=60.0))
    assert outcome.detail.count("+") >= 1, outcome.detail  # a pricing round ran
    assert outcome.status == "Optimal"


def test_column_generation_from_an_infeasible_start_is_not_an_optimum(bench, built):
    """With the two cheapest flows the sample's restricted LP has no plan: the route
    reports that, not an objective, and runs no pricing round on meaningless duals."""
    _, outcome = next(bench.run_routes(built, ["cheapest"], keep=2, cap=60.0))
    assert outcome.status == "Infeasible" and "+" not in outcome.detail, outcome


def test_support_only_frees_the_flows_the_optimum_uses(bench, built):
    outcomes = dict(bench.run_routes(built, ["ipx", "support"]))
    free, total = outcomes["support"].detail.split(" flows free")[0].split(" of ")
    assert 0 < int(free.replace(",", "")) < int(total.replace(",", "")) == len(built.data.flows)


def test_a_route_that_needs_another_first_says_so(bench, built):
    assert dict(bench.run_routes(built, ["support"]))["support"] == "needs the ipx route first"


def test_a_time_cap_too_short_never_reports_the_optimum(bench, built):
    _, outcome = next(bench.run_routes(built, ["cheapest"], keep=3, cap=1e-4))
    assert outcome.status != "Optimal", outcome


def test_hipo_runs_only_where_highs_accepts_it(bench, built):
    """No silent fallback: where HiGHS refuses ``solver = "hipo"`` the route is
    skipped with the reason; where it accepts it, it must reach the optimum."""
    _, outcome = next(bench.run_routes(built, ["hipo"]))
    if bench.hipo_missing():
        assert outcome == bench.hipo_missing() and "HiPO" in outcome
    else:
        assert outcome.status == "Optimal"


def test_an_option_highs_refuses_is_an_error_not_a_silent_default(bench):
    import highspy

    with pytest.raises(ValueError, match="no_such_option"):
        bench.relax(highspy.Highs(), "ipm", 1.0, no_such_option=1)
