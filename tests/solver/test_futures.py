"""The two-stage stochastic program on tiny cases worked out by hand, and its theory.

The network is ``tests/solver/test_strategy.py``'s: 2027..2029, ``src`` supplies
1 t of ``mag`` a week (52 t a year) unless forecast.csv scales it; ``plant`` has
no capacity of its own; a processed tonne nets -£290, an exported one -£90; no stock.
Options are decided in 2027 only (the first stage: ``commit_until`` = 2027),
rate 0, lifetime 10, so an option of capex C costs 3 x C/10 over the horizon.

Futures: ``high`` (the base supply, probability 0.5, the reference) and ``zero``
(forecast index 0: no supply, probability 0.5).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from feedstock.optimizer.checker import check_plan
from feedstock.optimizer.scenario.futures import Future, Futures
from feedstock.optimizer.solve.futures import FutureCase, solve_extensive
from feedstock.optimizer.solve.pipeline import solve
from feedstock.optimizer.strategy import plan_strategy
from feedstock.optimizer.strategy.hedge import HEDGED, hedge
from tests.plans import exact
from tests.solver.test_strategy import case, line

pytestmark = pytest.mark.solver

FLAT = "year,sector,index\n2027,vehicle,1\n2028,vehicle,1\n2029,vehicle,1\n"
HIGH_ZERO = Futures((Future("high", 0.5, {}, reference=True),
                     Future("zero", 0.5, {"forecast.index[*]": 0})))


def base(options: str, **kw):
    sc = case(options, forecast=FLAT, **kw)
    return sc.replace({"strategy.commit_until": 2027})


def checked(s) -> None:
    """Every future's plan in the stochastic program passes the independent checker."""
    for name, r in s.results.items():
        found = check_plan(r.source, r)
        assert not found, f"{name}: " + "\n".join(map(str, found))


def test_a_two_future_case_worked_on_paper():
    """One option, capex £60,000 (3 x £6,000 over the horizon), decided in 2027 only.

    high: built -156 x 290 + 18,000 = -£27,240; not built 156 x -90 = -£14,040.
    zero: built £18,000; not built £0.
    WS = 0.5 x -27,240 + 0.5 x 0 = -£13,620. RP: built 0.5 x (-27,240 + 18,000) = -£4,620,
    not built 0.5 x -14,040 = -£7,020, so RP = -£7,020 (not built).
    EEV (high's own plan, built) = -£4,620: VSS = £2,400, EVPI = -7,020 + 13,620 = £6,600.
    Regret of high's plan: 0 in high, £18,000 in zero (expected £9,000, the most);
    of zero's: £13,200 in high, 0 in zero (expected £6,600).
    """
    s = plan_strategy(base(line(60_000, earliest="2027", latest="2027")), futures=HIGH_ZERO,
                      progress=False)
    m = s.measures
    assert m["rp_gbp"] == exact(-7_020)
    assert m["ws_gbp"] == exact(-13_620)
    assert m["eev_gbp"] == exact(-4_620)
    assert m["vss_gbp"] == exact(2_400)
    assert m["evpi_gbp"] == exact(6_600)
    assert m["first_stage"] == []
    assert m["futures"]["high"]["own_first_stage"] == ["plant/line@2027"]
    assert m["futures"]["zero"]["own_first_stage"] == []
    assert m["futures"]["high"]["cost_gbp"] == exact(-14_040)
    assert m["regret_gbp"]["high"] == {"high": exact(0), "zero": exact(18_000)}
    assert m["regret_gbp"]["zero"] == {"high": exact(13_200), "zero": exact(0)}
    assert m["most_regretted"] == {"plan_of": "high", "expected_regret_gbp": exact(9_000)}
    assert s.commitments.empty  # nothing is decided in the first stage
    checked(s)


def test_hedging_with_the_smaller_plant_beats_every_futures_own_plan():
    """Small (0.5 t/week, capex £20,000: £6,000 over the horizon) or large (1 t/week,
    £60,000: £18,000), one group, decided in 2027 only.

    high: large -£27,240; small 78 x -290 + 78 x -90 + 6,000 = -£23,640; nothing -£14,040.
    zero: large £18,000, small £6,000, nothing £0. Own plans: high large, zero nothing.
    Expected: large -£4,620, nothing -£7,020, small 0.5 x (-23,640 + 6,000) = -£8,820.
    RP = -£8,820 with the small plant, a plan no future would choose alone;
    WS = -£13,620, EVPI = £4,800; EEV (high's large plant) = -£4,620, VSS = £4,200.
    """
    options = (line(20_000, extra=0.5, option="small", earliest="2027", latest="2027",
                    group="size")
               + line(60_000, option="large", earliest="2027", latest="2027", group="size"))
    s = plan_strategy(base(options), futures=HIGH_ZERO, progress=False)
    m = s.measures
    assert m["first_stage"] == [{"option": "small", "site_id": "plant", "year": 2027}]
    assert m["rp_gbp"] == exact(-8_820)
    assert m["ws_gbp"] == exact(-13_620)
    assert m["eev_gbp"] == exact(-4_620)
    assert m["vss_gbp"] == exact(4_200)
    assert m["evpi_gbp"] == exact(4_800)
    assert m["futures"]["high"]["cost_gbp"] == exact(-23_640)
    assert m["futures"]["zero"]["cost_gbp"] == exact(6_000)
    own = {n: f["own_first_stage"] for n, f in m["futures"].items()}
    assert own == {"high": ["plant/large@2027"], "zero": []}
    expected = s.regret.assign(w=s.regret["probability"] * s.regret["cost_gbp"]) \
        .groupby("plan_of")["w"].sum()
    assert expected[HEDGED] == exact(-8_820)
    assert expected[HEDGED] < min(expected["high"], expected["zero"])  # hedging beats both
    assert list(s.commitments["id"]) == ["small"]
    checked(s)


def test_building_later_is_the_hedge_when_the_decision_can_wait():
    """The option may be decided in 2027 or 2028; the first stage is 2027 only.

    Built in 2028 it is online 2028..2029: 2 x £6,000. high: built 2027 -£27,240,
    built 2028: 52 x -90 + 104 x -290 + 12,000 = -£22,840. zero never builds.
    But supply in zero is nil from the start, so by 2028 each future knows: RP waits,
    builds in 2028 in high only: 0.5 x -22,840 = -£11,420 (beats -£4,620 and -£7,020).
    """
    s = plan_strategy(base(line(60_000, earliest="2027", latest="2028")), futures=HIGH_ZERO,
                      progress=False)
    m = s.measures
    assert m["rp_gbp"] == exact(-11_420)
    assert m["first_stage"] == []
    b = s.builds.set_index("future")
    assert b.loc["high", "decided_year"] == 2028 and "zero" not in b.index
    assert m["evpi_gbp"] == exact(-11_420 + 13_620)
    assert m["vss_gbp"] == exact(-4_620 + 11_420)
    checked(s)


def test_one_future_is_the_deterministic_model():
    """The extensive form of one future: same optimum and builds as the strategic solve."""
    sc = base(line(60_000, earliest="2027", latest="2028"))
    alone = solve(sc, strategic=True, progress=False)
    ef = solve_extensive([FutureCase("only", 1.0, sc)], 2027, progress=False)
    assert ef.objective_gbp == exact(alone.objective_gbp)
    got = ef.results["only"].decisions
    want = alone.decisions
    assert dict(zip(got["id"], got["chosen"], strict=True)) == \
        dict(zip(want["id"], want["chosen"], strict=True))


def test_two_identical_futures_have_no_value_of_hedging_or_foresight():
    """Two copies of one future (0.5 each): RP = EEV = WS = the deterministic optimum."""
    sc = base(line(60_000, earliest="2027", latest="2028"))
    alone = solve(sc, strategic=True, progress=False)
    twins = Futures((Future("a", 0.5, {}, reference=True), Future("b", 0.5, {})))
    h = hedge(sc, twins)
    from feedstock.optimizer.strategy.hedge import measures

    m = measures(h, (2027, 2029), 0.0, [])
    assert m["rp_gbp"] == exact(alone.objective_gbp)
    assert m["vss_gbp"] == exact(0) and m["evpi_gbp"] == exact(0)


@pytest.mark.parametrize("seed", range(6))
def test_vss_and_evpi_are_never_negative_on_random_cases(seed):
    """Random capexes, sizes, supply levels and probabilities: VSS >= 0 and EVPI >= 0.

    Solved to optimality (mip_rel_gap 0), so within the solver's tolerances.
    """
    rng = np.random.default_rng(seed)
    options = (line(float(rng.uniform(10_000, 90_000)), extra=0.5, option="small",
                    earliest="2027", latest=str(int(rng.choice([2027, 2028]))), group="size")
               + line(float(rng.uniform(30_000, 150_000)), option="large", earliest="2027",
                      latest=str(int(rng.choice([2027, 2029]))), group="size"))
    n = int(rng.integers(2, 4))
    p = rng.dirichlet(np.ones(n))
    p[-1] = 1.0 - p[:-1].sum()
    futures = Futures(tuple(
        Future(f"f{i}", float(p[i]), {"forecast.index[*]": float(rng.uniform(0, 2))},
               reference=i == 0) for i in range(n)))
    s = plan_strategy(base(options, rate=float(rng.uniform(0, 0.1))), futures=futures,
                      progress=False)
    m, h = s.measures, s.hedge
    scale = max(1.0, abs(m["rp_gbp"]))
    assert m["vss_gbp"] >= -1e-6 * scale
    assert m["evpi_gbp"] >= -1e-6 * scale
    alone = sum(c.probability * h.ws[c.name].objective_gbp for c in h.cases)  # own solves
    assert alone <= m["rp_gbp"] + 1e-6 * scale <= m["eev_gbp"] + 2e-6 * scale
    assert m["vss_range_gbp"][1] >= 0 and m["evpi_range_gbp"][1] >= 0
    expected = sum(f["probability"] * f["cost_gbp"] for f in m["futures"].values())
    assert math.isclose(expected, m["rp_gbp"], rel_tol=1e-6, abs_tol=1e-3)
    checked(s)


def test_a_future_in_which_no_build_is_ever_online_still_has_a_plan():
    """Lead time 3 years in a 3-year horizon: no build variable in either future.

    Nothing can be processed: 156 t exported at -£90 in high, nothing in zero:
    RP = WS = 0.5 x -14,040 = -£7,020.
    """
    sc = base(line(60_000, earliest="2027", latest="2027")).with_overrides(
        {"expansions.lead_time_years[*]": 3})
    s = plan_strategy(sc, futures=HIGH_ZERO, progress=False)
    assert s.measures["rp_gbp"] == exact(-7_020)
    assert s.measures["first_stage"] == []
    checked(s)


def test_a_stopped_program_is_bounded_by_the_futures_alone(monkeypatch):
    """HiGHS stopped before its root LP (a weak bound of -£1e12) on the paper case.

    The program's bound is still at least the futures' own proven optima,
    weighted: WS = 0.5 x -27,240 + 0.5 x 0 = -£13,620 (each future's floor), so
    RP's gap is measured against -£13,620, not -£1e12.
    """
    import dataclasses

    from feedstock.optimizer.solve.runners import HighsRunner

    real = HighsRunner.solve_mip

    def stopped(self, m, **kw):
        out = real(self, m, **kw)
        return dataclasses.replace(out, termination="time_limit", bound=-1e12)

    sc = base(line(60_000, earliest="2027", latest="2027"))
    cases = tuple(FutureCase(f.name, f.probability, sc.with_overrides(dict(f.overrides))
                             if f.overrides else sc) for f in HIGH_ZERO.futures)
    monkeypatch.setattr(HighsRunner, "solve_mip", stopped)
    unfloored = solve_extensive(cases, 2027)
    floored = solve_extensive(cases, 2027, floors=[-27_240, 0])
    assert unfloored.bound_gbp == exact(-1e12)
    assert floored.bound_gbp == exact(-13_620)
    assert floored.objective_gbp == exact(-7_020)
    assert floored.gap == pytest.approx((-7_020 + 13_620) / 7_020)
