"""Each named pre-solve check fires on a tiny scenario built to trip it, and only there.

Tiny base (tests/builders.py): one week, ``src`` -> ``plant`` by truck (10 t),
5 t of ``mag`` (reo_share 0.3) at ``src``, plant capacity 100 t/week, yield 1.
No solver is started: the checks read the scenario, network and index sets.
"""

from __future__ import annotations

import pytest

from feedstock.models.sets import build_sets
from feedstock.optimizer.checks import prechecks
from feedstock.optimizer.network import build_network
from tests.builders import FEEDSTOCKS, LANES, MODES, SITES, SUPPLY, build, config
from tests.conftest import SAMPLE

SEA = MODES + "boat,sea,10,0,100,0,0,true\n"


def run(sc):
    net = build_network(sc)
    return prechecks.run_prechecks(sc, net, build_sets(sc, net))


def only(diagnosis, rule):
    found = [f for f in diagnosis.findings if f.rule == rule]
    assert found, f"{rule} did not fire: {diagnosis.findings}"
    assert all(f.rule == rule for f in diagnosis.findings), diagnosis.findings
    return found


def test_the_sample_passes_every_check():
    from feedstock import load_scenario

    assert run(load_scenario(SAMPLE)).findings == ()


def test_the_tiny_base_passes_every_check():
    assert run(build()).findings == ()


@pytest.mark.parametrize(("storage", "severity", "amount"), [("", "warning", 5.0),
                                                             ("1", "error", 4.0)])
def test_no_route_to_plant_or_outlet(storage, severity, amount):
    """src2 has no lane: its 5 t stay put (warning), or overflow a 1 t store (error, 4 t)."""
    sc = build(sites=SITES + f"src2,Far yard,source,53.0,-1.0,gb,false,{storage},0\n",
               supply=SUPPLY + "src2,mag,2026-W48,5\n")
    (f,) = only(run(sc), "no_route_to_plant_or_outlet")
    assert (f.site, f.feedstock, f.severity, f.unit) == ("src2", "mag", severity, "t")
    assert f.amount == pytest.approx(amount)
    assert "src2" in f.message and "mag" in f.message


def test_custody_no_cleared_route():
    """Restricted ``def`` at a cleared depot (store 1 t); the only plant is not cleared."""
    sc = build(sites=SITES + "dep,Depot,source,52.5,-1.5,gb,true,1,0\n",
               feedstocks=FEEDSTOCKS + "def,Defence,defence,true,0.7,0.24\n",
               supply=SUPPLY + "dep,def,2026-W48,5\n", lanes=LANES + "dep,plant,truck,50\n")
    (f,) = only(run(sc), "custody_no_cleared_route")
    assert (f.site, f.feedstock, f.severity) == ("dep", "def", "error")
    assert f.amount == pytest.approx(4.0)
    assert "cleared" in f.message


def test_supply_exceeds_absorption():
    """5 t, no storage, plant 1 t/week, no leakage allowed: 4 t too much."""
    sc = build(config(**{"policy.max_leakage_share": 0.0}),
               plants=PLANTS_CAP.format(cap=1), sites=SITES.replace(",false,,0", ",false,0,0"))
    (f,) = only(run(sc), "supply_exceeds_absorption")
    assert f.severity == "error" and f.amount == pytest.approx(4.0)


def test_supply_exceeds_absorption_counts_expansions():
    """The same with a 4 t/week expansion option: nothing to report."""
    sc = build(config(**{"policy.max_leakage_share": 0.0}),
               plants=PLANTS_CAP.format(cap=1), sites=SITES.replace(",false,,0", ",false,0,0"),
               expansions="site_id,option,extra_capacity_t_per_week,fixed_cost_gbp,"
                          "available_from_week\nplant,more,4,10,2026-W48\n")
    assert run(sc).findings == ()


def test_blend_unmeetable():
    """Every feed that reaches the plant has reo_share 0.3 > max 0.1: it can never run."""
    sc = build(plant_specs="site_id,attribute,min,max\nplant,reo_share,,0.1\n")
    (f,) = only(run(sc), "blend_unmeetable")
    assert (f.site, f.severity) == ("plant", "warning")
    assert f.amount == pytest.approx(0.2)
    assert "reo_share <= 0.1" in f.message and "mag at 0.3" in f.message


def test_offtake_exceeds_output():
    """10 t reo; 5 t of feed at 0.3 reo/t make at most 1.5 t: 8.5 t short."""
    sc = build(offtake="product,week,min_t\nreo,all,10\n")
    (f,) = only(run(sc), "offtake_exceeds_output")
    assert f.severity == "error" and f.unit == "t reo"
    assert f.amount == pytest.approx(8.5)


def test_offtake_exceeds_output_when_blend_bans_every_feed():
    """The plant can never run (blend), so any offtake is impossible."""
    sc = build(offtake="product,week,min_t\nreo,2026-W48,0.5\n",
               plant_specs="site_id,attribute,min,max\nplant,reo_share,,0.1\n")
    found = run(sc)
    assert {f.rule for f in found.errors} == {"offtake_exceeds_output"}
    assert found.errors[0].week == "2026-W48" and found.errors[0].amount == pytest.approx(0.5)


def test_ferry_slots_short_for_an_offtake():
    """The plant is across the sea; 1 t reo needs 1/0.3 = 3.33 t of feed; 0 slots."""
    sc = build(sites=SITES.replace("plant,Plant,plant,52.0,-2.0,gb", "plant,Plant,plant,54.6,-5.9,ie"),
               modes=SEA, lanes="origin,destination,mode,distance_km,max_trips_per_week\n"
                                "src,plant,boat,200,0\n",
               offtake="product,week,min_t\nreo,all,1\n")
    (f,) = only(run(sc), "ferry_slots_short")
    assert f.severity == "error" and f.site == "src>plant" and f.week is None
    assert f.amount == pytest.approx(1 / 0.3)


def test_ferry_slots_short_for_restricted_feedstock_names_the_week():
    """Defence at a cleared depot (store 1 t) must cross from week 2; 0 slots."""
    sc = build(config(weeks=3),
               sites="site_id,name,kind,lat,lon,landmass,cleared,storage_t,holding_gbp_per_t_week\n"
                     "dep,Depot,source,52.5,-1.5,gb,true,1,0\n"
                     "plant,Plant,plant,54.6,-5.9,ie,true,,0\n",
               feedstocks=FEEDSTOCKS + "def,Defence,defence,true,0.7,0.24\n",
               supply="site_id,feedstock_id,week,tonnes\ndep,def,2026-W48,1\ndep,def,2026-W49,2\n",
               modes=SEA, lanes="origin,destination,mode,distance_km,max_trips_per_week\n"
                                "dep,plant,boat,200,0\n")
    (f,) = only(run(sc), "ferry_slots_short")
    assert (f.week, f.site) == ("2026-W49", "dep>plant")
    assert f.amount == pytest.approx(2.0)


PLANTS_CAP = ("site_id,process,capacity_t_per_week,cost_gbp_per_t,product,yield_basis,yield,"
              "product_value_gbp_per_t,min_weekly_t\nplant,long_loop,{cap},0,reo,reo_share,1.0,"
              "1000,0\n")
