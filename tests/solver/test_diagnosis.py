"""The elastic diagnosis names the rule, place, week and amount, one family at a time.

Each tiny scenario (tests/builders.py: one week unless said, src -> plant by
truck 10 t, 5 t of ``mag`` with reo_share 0.3, plant 100 t/week) breaks exactly
one rule family; the diagnosis is called directly (the pre-solve checks would
catch some of these first, which is their job). Weights (models/elastic.py):
tonnes count 1, storage overflow and offtake shortfall 1.05 (they are usually
the consequence of another limit), a trip counts its payload, custody 10.
"""

from __future__ import annotations

import json

import pytest

from feedstock.optimizer.base.errors import InfeasibleError
from feedstock.optimizer.solve import pipeline
from feedstock.optimizer.solve.diagnose import diagnose
from feedstock.optimizer.solve.pipeline import check, solve, solver_options
from tests.builders import FEEDSTOCKS, LANES, MODES, SITES, SUPPLY, build, config

NO_STORE = SITES.replace(",false,,0", ",false,0,0")
PLANT = ("site_id,process,capacity_t_per_week,cost_gbp_per_t,product,yield_basis,yield,"
         "product_value_gbp_per_t,min_weekly_t\nplant,long_loop,{cap},0,reo,reo_share,1.0,1000,"
         "{low}\n")


def found(sc):
    d = diagnose(sc, pipeline.build(pipeline.prepare(sc, elastic=True)), solver_options(sc))
    return [(f.rule, f.site, f.feedstock, f.week, round(f.amount, 6), f.unit)
            for f in d.findings], d


def test_storage_limit():
    """No lane out of src, store 2 t, 5 t arrive: 3 t too much in W48."""
    rows, d = found(build(sites=SITES.replace("src,Source,source,52.0,-1.0,gb,false,,0",
                                              "src,Source,source,52.0,-1.0,gb,false,2,0"),
                          lanes=None))
    assert rows == [("storage_limit", "src", None, "2026-W48", 3.0, "t")]
    assert d.details["violation_t_equivalent"] == pytest.approx(3.15)


def test_plant_capacity():
    """No store anywhere, plant 2 t/week: 3 t of capacity (cheaper than 3 t of storage x 1.05)."""
    rows, _ = found(build(sites=NO_STORE, plants=PLANT.format(cap=2, low=0)))
    assert rows == [("plant_capacity", "plant", None, "2026-W48", 3.0, "t")]


def test_min_run():
    """The 5 t must be fed (no store), but the plant runs at least 8 t once started: 3 t short."""
    rows, _ = found(build(sites=NO_STORE, plants=PLANT.format(cap=100, low=8)))
    assert rows == [("min_run", "plant", None, "2026-W48", 3.0, "t")]


def test_hub_capacity():
    """src -> hub (1 t/week) -> plant, no store: 4 t over the hub's intake."""
    sites = NO_STORE + "hub,Hub,hub,52.0,-1.5,gb,false,0,0\n"
    rows, _ = found(build(sites=sites, hubs="site_id,capacity_t_per_week\nhub,1\n",
                          lanes="origin,destination,mode,distance_km\nsrc,hub,truck,50\n"
                                "hub,plant,truck,50\n"))
    assert rows == [("hub_capacity", "hub", None, "2026-W48", 4.0, "t")]


def test_blend_max_counts_cleaner_feed():
    """5 t mag (0.3) + 2 t cln (0.1) must all be fed, rule reo_share <= 0.2.

    Excess 5 x 0.1 - 2 x 0.1 = 0.3 t of reo_share; cln is 0.1 under the bound,
    so 3 t more of it would fix it (3 < storing 3 t of mag x 1.05).
    """
    rows, _ = found(build(sites=NO_STORE, feedstocks=FEEDSTOCKS + "cln,Clean,vehicle,false,1,0.1\n",
                          supply=SUPPLY + "src,cln,2026-W48,2\n",
                          plant_specs="site_id,attribute,min,max\nplant,reo_share,,0.2\n"))
    assert rows == [("feed_blend_max", "plant", None, "2026-W48", 3.0, "t")]


def test_leakage_cap():
    """Only an outlet takes mag; 5 t must leave, the cap allows 50 %: 2.5 t over the cap."""
    sites = NO_STORE + "out,Buyer,outlet,51.0,1.0,gb,false,,\n"
    rows, _ = found(build(config(**{"policy.max_leakage_share": 0.5}), sites=sites,
                          outlets="site_id,feedstock_id,price_gbp_per_t\nout,*,100\n",
                          lanes="origin,destination,mode,distance_km\nsrc,out,truck,50\n"))
    assert rows == [("leakage_cap", None, None, None, 2.5, "t")]


def test_outlet_limit():
    """As above, no cap, but the buyer takes 2 t/week: 3 t over its limit."""
    sites = NO_STORE + "out,Buyer,outlet,51.0,1.0,gb,false,,\n"
    rows, _ = found(build(config(**{"policy.max_leakage_share": 1.0}), sites=sites,
                          outlets="site_id,feedstock_id,price_gbp_per_t,max_t_per_week\n"
                                  "out,*,100,2\n",
                          lanes="origin,destination,mode,distance_km\nsrc,out,truck,50\n"))
    assert rows == [("outlet_limit", "out", None, "2026-W48", 3.0, "t")]


def test_offtake():
    """1 t reo in W48 from 2 t of feed at 0.3: 0.4 t reo short (the only way out)."""
    rows, d = found(build(supply="site_id,feedstock_id,week,tonnes\nsrc,mag,2026-W48,2\n",
                          offtake="product,week,min_t\nreo,2026-W48,1\n"))
    assert rows == [("offtake", "reo", None, "2026-W48", 0.4, "t reo")]
    assert d.details["violation_t_equivalent"] == pytest.approx(0.4 * 1.05 / 0.3)


def test_lane_slots():
    """10 t must cross by boat (10 t a trip) with 0 slots: 1 more slot (10 < 10 x 1.05 stored)."""
    rows, _ = found(build(sites=NO_STORE, modes=MODES + "boat,sea,10,0,100,0,0,true\n",
                          supply="site_id,feedstock_id,week,tonnes\nsrc,mag,2026-W48,10\n",
                          lanes="origin,destination,mode,distance_km,max_trips_per_week\n"
                                "src,plant,boat,100,0\n"))
    assert rows == [("lane_slots", "src>plant", None, "2026-W48", 1, "trips")]


def test_custody():
    """1 t of defence at a cleared depot without store, only an uncleared plant, 12 weeks.

    Holding it over the (zero) store for 12 weeks costs 12 x 1.05 = 12.6 t-eq;
    one custody exception costs 10: the diagnosis names the breach.
    """
    sites = SITES + "dep,Depot,source,52.5,-1.5,gb,true,0,0\n"
    rows, _ = found(build(config(weeks=12), sites=sites,
                          feedstocks=FEEDSTOCKS + "def,Defence,defence,true,0.7,0.24\n",
                          supply=SUPPLY + "dep,def,2026-W48,1\n",
                          lanes=LANES + "dep,plant,truck,50\n"))
    assert rows == [("custody", "plant", "def", "2026-W48", 1.0, "t")]


def test_solve_raises_with_the_diagnosis_and_keeps_precheck_warnings():
    """Through ``solve``: the checks pass, HiGHS proves infeasible, the diagnosis rides along."""
    sc = build(sites=NO_STORE, plants=PLANT.format(cap=100, low=8))
    assert not check(sc).errors
    with pytest.raises(InfeasibleError) as exc:
        solve(sc)
    d = exc.value.diagnosis
    assert d.method == "elastic re-solve" and d.findings[0].rule == "min_run"
    assert "plant minimum run (8 t/week once started) is 3 t short of feed in 2026-W48" \
        in str(exc.value)
    assert json.loads(d.to_json())["findings"][0]["amount"] == 3.0


def test_a_feasible_scenario_needs_no_rule_broken():
    _, d = found(build())
    assert d.findings == () and "numerically" in d.summary
