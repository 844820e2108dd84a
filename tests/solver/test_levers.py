"""The speed levers of issue 7 never change an optimum, each on a hand-worked instance.

* implied trips (feedstock.models.sets._trip_rows): continuous trips without slots or a
  contract have no variable; the trip cost is charged per tonne;
* the per-feedstock trip cut (feedstock.models.cuts, ``trip_feedstock_cut``);
* the LP-relax-and-round MIP start (feedstock.optimizer.solve.mipstart, ``solve(lp_start=True)``);
* continuous trips for strategic runs (``feedstock solve --relax-trips``).
"""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from feedstock.models.build import build_model
from feedstock.models.sets import build_sets
from feedstock.optimizer.network import build_network
from feedstock.optimizer.solve.pipeline import RELAX_TRIPS
from feedstock.optimizer.solve.runners import HighsRunner, SolverOptions
from tests.builders import MODES, SITES, SUPPLY, build, config, write_folder
from tests.plans import exact, lines_add_up, trips

# A van: 2 t a trip, £100 a trip, trips may be fractional (a pallet service).
VAN = MODES.replace("truck,road,10,0,100,0,0,true", "van,road,2,0,100,0,0,false")
VAN_LANE = "origin,destination,mode,distance_km\nsrc,plant,van,100\n"


def test_implied_trips_charge_the_trip_cost_per_tonne(solved):
    """5 t by van: 2.5 trips x £100 = £250; the plant earns 5 x 0.3 x £1000 = £1,500.

    The van's trips have no variable (implied), yet the plan reports 2.5 trips
    and a transport line of £250; objective -£1,250.
    """
    sc = build(modes=VAN, lanes=VAN_LANE)
    r = solved(sc)
    assert r.objective_gbp == exact(-1250.0)
    assert r.cost_lines_gbp["transport"] == exact(250.0)
    assert trips(r, "src", "plant", "van") == [pytest.approx(2.5, abs=1e-9)]
    lines_add_up(r)
    net = build_network(sc)
    data = build_sets(sc, net)
    assert data.trips["implied"].all()
    assert len(build_model(sc, net, data=data).model.n) == 0


def _objective(sc, **sets) -> float:
    net = build_network(sc)
    built = build_model(sc, net, data=build_sets(sc, net, **sets))
    out = HighsRunner(SolverOptions("highs", 30, 0.0, 1, 0)).solve_mip(built.model)
    assert out.termination == "converged"
    return out.objective


WEEKS3 = config(**{"weeks": 3, "policy.terminal_stock_penalty_gbp_per_t": 50})
SUPPLY3 = SUPPLY + "src,mag,2026-W49,2\nsrc,mag,2026-W50,7\n"
TRUCK_AND_VAN = MODES + "van,road,1,0.5,20,0,0,false\n"
BOTH_LANES = "origin,destination,mode,distance_km\nsrc,plant,truck,100\nsrc,plant,van,100\n"


@pytest.mark.parametrize("case", ["van only", "truck or van, three weeks"])
def test_implied_trips_leave_the_optimum_unchanged(case):
    sc = build(modes=VAN, lanes=VAN_LANE) if case == "van only" else build(
        WEEKS3, modes=TRUCK_AND_VAN, lanes=BOTH_LANES, supply=SUPPLY3)
    assert _objective(sc) == pytest.approx(_objective(sc, implied_trips=False), abs=1e-6)


# Two feedstocks through a hub by truck (10 t): 3 t of rare "def" and 4 t of "mag".
TWO_FEEDS = ("feedstock_id,name,sector,restricted,magnet_share,reo_share\n"
             "mag,Magnets,vehicle,false,1.0,0.3\n"
             "rare,Rare magnets,industrial,false,1.0,0.3\n")
HUB_SITES = ("site_id,name,kind,lat,lon,landmass,cleared,storage_t,holding_gbp_per_t_week\n"
             "src,Source,source,52.0,-1.0,gb,false,,0\n"
             "hub,Hub,hub,52.0,-1.5,gb,false,,1\n"
             "plant,Plant,plant,52.0,-2.0,gb,false,,0\n")
HUB_SUPPLY = "site_id,feedstock_id,week,tonnes\nsrc,mag,2026-W48,4\nsrc,rare,2026-W48,3\n" \
             "src,mag,2026-W49,6\n"
HUB_LANES = ("origin,destination,mode,distance_km\nsrc,hub,van,10\nhub,plant,truck,100\n")
HUB_MODES = MODES + "van,road,1,0,5,0,0,false\n"


def test_the_feedstock_cut_is_added_and_keeps_the_optimum(solved):
    """hub>plant carries at most 3 t of ``rare`` by week 1 (< 10 t payload, < 7 t on the arc).

    So ``x[hub>plant, rare, 1] <= 3 n`` is a row, and the optimum with the
    cuts equals the optimum without any (checked plans both ways).
    """
    sc = build(WEEKS3, sites=HUB_SITES, feedstocks=TWO_FEEDS, supply=HUB_SUPPLY,
               lanes=HUB_LANES, modes=HUB_MODES)
    net = build_network(sc)
    m = build_model(sc, net, data=build_sets(sc, net)).model
    assert ("hub>plant>truck", "rare", 1) in m.trip_feedstock_cut
    with_cuts, without = solved(sc), solved(sc, cuts=False)
    assert with_cuts.objective_gbp == pytest.approx(without.objective_gbp, abs=1e-6)
    assert with_cuts.status == without.status == "optimal"


def test_the_lp_start_is_taken_and_leaves_the_optimum(solved):
    """The rounded relaxation is a complete plan HiGHS accepts; the optimum is the same."""
    sc = build(WEEKS3, sites=HUB_SITES, feedstocks=TWO_FEEDS, supply=HUB_SUPPLY,
               lanes=HUB_LANES, modes=HUB_MODES)
    cold = solved(sc)
    started = solved(sc, lp_start=True)
    assert started.objective_gbp == pytest.approx(cold.objective_gbp, abs=1e-6)
    start = started.solver["warm_start"]
    assert start["source"] == "lp_relaxation" and start["complete"] and start["accepted"]
    assert start["trimmed_objective_gbp"] >= cold.objective_gbp - 1e-6  # a plan, so >= optimum


def test_a_rounded_plan_within_the_gap_needs_no_search(solved):
    """5 t by a 10 t truck at £100 a trip, the valid inequalities left out.

    The relaxation runs half a truck: -1500 + 50 = -1450, a proven bound; the
    rounded plan one truck: -1400, 50 / 1400 = 3.6 % above it. Within a 5 %
    gap that plan is the answer with no search (bound -1450); within 3 %
    HiGHS searches and proves -1400 optimal.
    """
    loose = solved(build(), gap=0.05, lp_start=True, cuts=False)
    assert loose.objective_gbp == exact(-1400.0) and loose.bound_gbp == exact(-1450.0)
    assert loose.status == "within_gap" and loose.gap == pytest.approx(50 / 1400)
    assert loose.solver["termination"].startswith("no search needed")
    assert loose.solver["warm_start"]["lp_objective_gbp"] == exact(-1450.0)
    tight = solved(build(), gap=0.03, lp_start=True, cuts=False)
    assert tight.objective_gbp == exact(-1400.0) and tight.status == "optimal"
    assert not tight.solver["termination"].startswith("no search")


def test_relax_trips_makes_every_trip_continuous(solved, tmp_path):
    """5 t by a 10 t truck at £100 a trip: integer 1 trip (£100), continuous 0.5 (£50).

    Objective -1500 + 100 = -1400 with whole trucks, -1500 + 50 = -1450 relaxed;
    the CLI's --relax-trips solves the relaxed one and records the override.
    """
    whole = solved(build())
    relaxed = solved(build().with_overrides(RELAX_TRIPS))
    assert whole.objective_gbp == exact(-1400.0)
    assert relaxed.objective_gbp == exact(-1450.0)
    assert trips(relaxed, "src", "plant") == [pytest.approx(0.5)]
    import json

    from feedstock.cli.main import main
    folder = write_folder(tmp_path / "tiny")
    out = CliRunner().invoke(main, ["solve", str(folder), "--relax-trips", "--json"])
    assert out.exit_code == 0, out.output
    summary = json.loads(out.stdout)
    assert summary["objective_gbp"] == exact(-1450.0)
    assert summary["overrides"][0]["override"] == "modes.integer_trips[*] = false"


def test_a_time_limit_returns_the_best_plan_and_its_gap(tmp_path):
    """A national instance (50 sources) stopped at 8 s with a 0 % gap target.

    The LP start gives a plan within a second or two; HiGHS cannot prove
    optimality in the time, so the CLI exits 0 with ``status: "feasible"``,
    the plan's gap and every file, and the plan passes the independent check.
    """
    import importlib.util
    import json
    from pathlib import Path

    from feedstock import load_scenario, solve
    from feedstock.cli.main import main
    from feedstock.optimizer.checker import check_plan

    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("generate", root / "benchmarks" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    folder = generate.generate(tmp_path / "n50", sources=50, seed=1)
    out = CliRunner().invoke(main, ["solve", str(folder), "--time-limit", "8", "--gap", "0",
                                    "--lp-start", "--json", "--out", str(tmp_path / "out"),
                                    "--no-maps"])
    assert out.exit_code == 0, out.output
    summary = json.loads(out.stdout)
    assert summary["status"] == "feasible" and summary["gap"] > 0
    assert (tmp_path / "out" / "flows.csv").exists()
    sc = load_scenario(folder)
    r = solve(sc, time_limit=8, gap=0, lp_start=True, progress=False)
    assert r.status == "feasible" and r.gap > 0
    assert check_plan(sc, r) == []


def test_the_no_plan_message_says_how_the_lp_start_went():
    from feedstock.optimizer.solve.status import start_words

    assert start_words(None, 3.0) == ""
    assert "did not finish within half the limit" in start_words({"lp_s": 6.0}, 9.2)
    assert "a complete plan offered" in start_words(
        {"lp_objective_gbp": -1.0, "complete": True}, 4.0)
    assert "rounded trips to complete offered" in start_words(
        {"lp_objective_gbp": -1.0, "complete": False}, 4.0)


def two_weeks_one_truck():
    """5 t at the source in each of two weeks; holding costs £1/t a week there."""
    sites = SITES.replace("src,Source,source,52.0,-1.0,gb,false,,0",
                          "src,Source,source,52.0,-1.0,gb,false,,1")
    return build(config(weeks=2), sites=sites, supply=SUPPLY + "src,mag,2026-W49,5\n")


def test_the_polished_plan_waits_a_week_for_a_full_truck(monkeypatch, solved, capfd):
    """5 t at the source in each of two weeks, a 10 t truck at £100 a trip, £1/t a week to hold.

    The path of 2,000-source models (repair and polish) turned on for this tiny
    case; cuts left out. The relaxation ships 5 t a week on half a truck:
    -3,000 + 100 = -2,900 (the bound). Rounded up, two trucks: -2,800, 3.4 %
    above it. The polish holds week 1's 5 t (£5) for one full truck in week 2:
    -3,000 + 5 + 100 = -2,895, 0.17 % from the bound: within 1 % that is the
    answer with no search; with no gap allowed HiGHS proves it optimal.
    """
    from feedstock.optimizer.solve import mipstart

    monkeypatch.setattr(mipstart, "REPAIR_COLUMNS", 0)
    sc = two_weeks_one_truck()
    r = solved(sc, lp_start=True, gap=0.01, cuts=False)
    start = r.solver["warm_start"]
    assert start["lp_objective_gbp"] == exact(-2900.0) and start["repaired"]
    assert start["polish"]["before_gbp"] == exact(-2800.0)
    assert start["polish"]["after_gbp"] == exact(-2895.0)
    assert r.objective_gbp == exact(-2895.0) and r.bound_gbp == exact(-2900.0)
    assert r.status == "within_gap" and r.solver["termination"].startswith("no search needed")
    assert capfd.readouterr().out == ""  # no HiGHS log on stdout (--json prints only JSON)
    proven = solved(sc, lp_start=True, gap=0, cuts=False)
    assert proven.objective_gbp == exact(-2895.0) and proven.status == "optimal"
