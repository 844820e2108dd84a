"""The second core's helper (feedstock.optimizer.solve.portfolio) on hand-worked instances.

The hub case of test_levers.py, worked by hand: 13 t (4 + 3 t in week 1, 6 t in
week 2) go by van to the hub (1 t a trip, £5 a trip: £65) and on by 10 t truck
(£100 a trip, whole trucks) to the plant, which makes 0.3 t of product worth
£1,000/t from each tonne (£3,900). Two trucks carry it (7 t, then 6 t: no
holding), so the optimum is -3,900 + 65 + 200 = **-£3,635**.
"""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path

import numpy as np
import pytest

from feedstock.models.build import build_model
from feedstock.models.sets import build_sets
from feedstock.optimizer.network import build_network
from feedstock.optimizer.solve import portfolio
from feedstock.optimizer.solve.portfolio import Portfolio
from feedstock.optimizer.solve.runners import HighsRunner, SolverOptions
from tests.builders import build
from tests.plans import exact
from tests.solver.test_levers import HUB_LANES, HUB_MODES, HUB_SITES, HUB_SUPPLY, TWO_FEEDS, WEEKS3

OPTIMUM = -3635.0


def hub_case():
    return build(WEEKS3, sites=HUB_SITES, feedstocks=TWO_FEEDS, supply=HUB_SUPPLY,
                 lanes=HUB_LANES, modes=HUB_MODES)


def test_the_helpers_plan_is_taken_before_highs_has_one(solved):
    """At the first checkpoint HiGHS holds no plan; the rounded relaxation is offered and kept.

    The plan passes the independent checker (``solved``) and is the hand optimum.
    """
    r = solved(hub_case())
    assert r.objective_gbp == exact(OPTIMUM)
    record = r.solver["portfolio"]
    assert record["offered"] >= 1 and record["accepted"] >= 1
    assert record["plans"][0]["kind"] == "lp_round"
    assert record["plans"][0]["objective_gbp"] >= OPTIMUM - 1e-6  # a plan: never below the optimum


def test_with_the_helper_off_the_optimum_is_the_same(solved):
    """``threads = 1`` (``--threads 1``) runs HiGHS alone: no record, the same optimum."""
    alone = solved(hub_case(), threads=1)
    assert alone.solver["portfolio"] is None
    assert alone.objective_gbp == exact(OPTIMUM)
    assert solved(hub_case(), lp_start=True).solver["portfolio"] is None  # the serial start


def _solved_vector(sc):
    """The optimal plan as one vector of HiGHS columns, the built model, and the runner."""
    net = build_network(sc)
    built = build_model(sc, net, data=build_sets(sc, net))
    runner = HighsRunner(SolverOptions("highs", 30, 0.0, 1, 0))
    out = runner.solve_mip(built.model)
    assert out.objective == pytest.approx(OPTIMUM)
    highs = runner.solver._solver_model
    return np.array(highs.getSolution().col_value), built, runner


@pytest.mark.parametrize("task", [1, 2], ids=["trips re-optimised", "rins"])
def test_a_worse_incumbent_is_improved_by_one_truck(task):
    """The optimum with one truck trip too many costs £100 more (-£3,535).

    Both neighbourhoods find the £100 back: RINS (every integer on which the
    plan and the relaxation agree fixed: all but the extra trip) and the trip
    re-optimisation (every yes/no fixed, no trip where the plan sends none,
    the used lanes' trips free).
    """
    best, built, runner = _solved_vector(hub_case())
    column = runner.solver._pyomo_var_to_solver_var_map
    used = [column[id(v)] for v in built.model.n.values()
            if not v.is_continuous() and (v.value or 0) > 0.5]
    assert used, "the optimum sends at least one truck"
    worse = best.copy()
    worse[used[0]] += 1
    p = Portfolio(built, runner.solver._solver_model, column, time_limit=30)
    assert p._objective(worse) == pytest.approx(OPTIMUM + 100)
    p.relaxation = best  # as if the relaxation were integral: RINS frees the differing trip
    assert p._neighbourhood(task, worse)[0] == ("trips" if task == 1 else "rins")
    found = p._improve(task, OPTIMUM + 100, worse)
    assert found is not None and found[0] == pytest.approx(OPTIMUM)


def test_nothing_better_is_nothing_offered():
    """Around the optimum itself no neighbourhood finds a better plan: None, not a copy."""
    best, built, runner = _solved_vector(hub_case())
    p = Portfolio(built, runner.solver._solver_model,
                  runner.solver._pyomo_var_to_solver_var_map, time_limit=30)
    assert p._improve(1, OPTIMUM, best) is None


def _generated(tmp_path: Path, sources: int) -> Path:
    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("generate", root / "benchmarks" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    return generate.generate(tmp_path / f"n{sources}", sources=sources, seed=3)


def test_a_slow_helper_gives_the_same_answer(tmp_path, monkeypatch, solved):
    """The search waits for the helper at fixed checkpoints, so its speed changes nothing.

    A national instance (50 sources) solved twice: once as it comes, once with
    the helper held back 0.5 s before each task. Same plan, same bound.
    """
    from feedstock import load_scenario

    sc = load_scenario(_generated(tmp_path, 50))
    fast = solved(sc, gap=0.001, progress=False)
    original = Portfolio._lp_plan
    monkeypatch.setattr(Portfolio, "_lp_plan", lambda self: (time.sleep(0.5), original(self))[1])
    improve = Portfolio._improve
    monkeypatch.setattr(Portfolio, "_improve",
                        lambda self, *a: (time.sleep(0.5), improve(self, *a))[1])
    slowed = solved(sc, gap=0.001, progress=False)
    assert slowed.objective_gbp == fast.objective_gbp
    assert slowed.bound_gbp == fast.bound_gbp
    assert slowed.flows.equals(fast.flows)
    def used(run):  # the plans the search took in at its checkpoints (a task still
        # running when the search ends is stopped wherever it was: not compared)
        record = run.solver["portfolio"]
        return [(p["task"], p["kind"], p["objective_gbp"]) for p in record["plans"]
                if p["task"] < record["checkpoints"]]

    assert used(slowed) == used(fast) and used(fast)
    assert all(p["seconds"] >= 0.5 for p in slowed.solver["portfolio"]["plans"])  # held back
    for key in ("offered", "accepted", "checkpoints"):
        assert slowed.solver["portfolio"][key] == fast.solver["portfolio"][key]
    assert portfolio.SCHEDULE[0] == 2  # the LP plan: just before the root LP


def test_the_dual_lp_gets_what_the_limit_left(monkeypatch, solved):
    """Marginal values are a by-product: their LP runs within the time limit's rest.

    The pipeline passes the limit less the solve's seconds; a warm-started LP
    that runs out of time gives no marginal values and no second, slower try
    from scratch (at 2,000 sources the two tries cost 65 s past the limit); nor
    is one from scratch started with less time than the relaxation took.
    """
    asked = []
    real = HighsRunner.marginal_duals

    def spy(self, m, seconds=None, **kwargs):
        asked.append(seconds)
        return real(self, m, seconds, **kwargs)

    monkeypatch.setattr(HighsRunner, "marginal_duals", spy)
    r = solved(hub_case(), time_limit=40, lp_start=True)
    assert len(asked) == 1 and 40 - r.solve_seconds - 1e-3 <= asked[0] < 40
    assert r.solver["dual_lp"] == "warm"

    monkeypatch.setattr(HighsRunner, "marginal_duals", real)
    monkeypatch.setattr(HighsRunner, "_warm_duals", lambda self, m, basis, s: "time_limit")

    def cold(*args, **kwargs):
        raise AssertionError("the LP from scratch ran after the warm one ran out of time")

    monkeypatch.setattr(HighsRunner, "_run", cold, raising=True)
    runner = HighsRunner(SolverOptions("highs", 40, 0.0, 1, 0))
    sc = hub_case()
    net = build_network(sc)
    m = build_model(sc, net, data=build_sets(sc, net)).model
    runner.keep_basis(m, object())
    assert runner.marginal_duals(m, 0.0) == {}
    assert runner.dual_lp == "none: time limit"
    runner.keep_basis(m, None)  # no warm start: a cold LP only if there is time for one
    assert runner.marginal_duals(m, 20.0, cold_seconds=30.0) == {}
    assert runner.dual_lp == "none: time limit"


@pytest.mark.parametrize("polished", [True, False], ids=["polished", "below the size"])
def test_the_helpers_first_plan_is_polished(monkeypatch, polished):
    """The two-week case of test_levers.py: relaxation -2,900, rounded -2,800, polished -2,895.

    From ``POLISH_VARIABLES`` the helper's first plan is the rounded relaxation
    polished (one full truck in week 2 instead of two half-empty ones), within
    0.2 % of the bound; below it, the rounded plan as it is.
    """
    monkeypatch.setattr(portfolio, "POLISH_VARIABLES", 0 if polished else 10**9)
    from feedstock.optimizer.solve import pipeline
    from tests.solver.test_levers import two_weeks_one_truck

    built = pipeline.build(pipeline.prepare(two_weeks_one_truck()), cuts=False)
    runner = HighsRunner(SolverOptions("highs", 30, 0.0, 1, 0))
    runner.load(built.model)
    p = Portfolio(built, runner.solver._solver_model, runner.solver._pyomo_var_to_solver_var_map,
                  time_limit=30)
    objective, plan = p._lp_plan()
    assert p.lp_bound == pytest.approx(-2900.0)
    expected = -2895.0 if polished else -2800.0
    assert objective == pytest.approx(expected) and p._objective(plan) == pytest.approx(expected)
