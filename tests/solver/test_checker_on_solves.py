"""Solved plans of tiny scenarios pass the independent checker.

Each scenario is tuned so the feature it names is really used by the optimum
(asserted), so a formulation bug in that feature would show up as a violation.
"""

from __future__ import annotations

import pytest

from feedstock.optimizer.checker import check_plan
from feedstock.optimizer.solve.pipeline import solve
from tests.builders import build, config
from tests.unit.test_checker import SETTINGS, TABLES, scenario

THREE_WEEKS = {**SETTINGS, "weeks": 3}


def checked(sc):
    result = solve(sc)
    violations = check_plan(sc, result)
    assert violations == [], "\n".join(map(str, violations))
    return result


def test_tiny_base_scenario():
    result = checked(build())
    assert result.plant_feed["feed_t"].sum() == pytest.approx(5)


def test_checker_scenario_transit_hub_expansion_outlets_custody():
    result = checked(scenario())
    flows = result.flows
    assert (flows["arrival_week"] != flows["week"]).any()  # transit_weeks = 1 is used
    assert set(result.plant_feed["feedstock_id"]) >= {"def"}  # restricted feed processed


def test_transit_week_and_supply_over_three_weeks():
    supply = TABLES["supply"] + "src,mag,2026-W49,5\nsrc,rust,2026-W50,3\nsec,def,2026-W49,1\n"
    result = checked(scenario(config(**THREE_WEEKS), supply=supply))
    late = result.flows[result.flows["arrival_week"] != result.flows["week"]]
    assert len(late) and late["arrival_week"].max() <= "2026-W50"


def test_expansion_is_built_when_worth_it():
    plants = TABLES["plants"].replace("plant,long_loop,5,10", "plant,long_loop,0,10")
    result = checked(scenario(config(**THREE_WEEKS), plants=plants,
                              expansions="site_id,option,extra_capacity_t_per_week,"
                              "fixed_cost_gbp,available_from_week\n"
                              "plant,ext,8,5,2026-W47\nplant,late,8,5,2026-W52\n"))
    built = result.decisions[result.decisions["decision"] == "expansion"]
    assert built["chosen"].any()
    assert result.plant_feed["feed_t"].sum() > 0


def test_outlets_with_star_rows_limits_and_leakage_cap():
    cfg = config(**{**SETTINGS, "policy.leakage_penalty_gbp_per_t": 0,
                    "policy.max_leakage_share": 0.4, "policy.sectors": {}})
    outlets = ("site_id,feedstock_id,price_gbp_per_t,max_t_per_week\n"
               "out,*,500,2\nout,rust,300,1\n")
    result = checked(scenario(cfg, outlets=outlets))
    leak = result.leakage
    assert set(leak["price_row"]) == {"*", "rust"}
    assert leak["tonnes_t"].sum() <= 0.4 * 15 + 1e-6
    assert "def" not in set(leak["feedstock_id"])


def test_restricted_feed_through_a_cleared_hub_only():
    lanes = TABLES["lanes"] + "sec,hub,truck,40,,,\n"
    sites = TABLES["sites"] + "hub2,Open hub,hub,52.3,-1.6,gb,false,,0\n"
    lanes += "sec,hub2,truck,10,,,\nhub2,plant,truck,40,,,\n"
    result = checked(scenario(lanes=lanes, sites=sites))
    into_hub2 = result.flows[result.flows["destination"] == "hub2"]
    assert "def" not in set(into_hub2["feedstock_id"])


def test_closed_hub_and_storage_pressure():
    hubs = "site_id,capacity_t_per_week,handling_gbp_per_t,fixed_cost_gbp\nhub,,2,100000\n"
    sites = TABLES["sites"].replace("false,6,1", "false,3,1")
    lanes = TABLES["lanes"] + "src,plant,rail,60,,,\n"
    result = checked(scenario(hubs=hubs, sites=sites, lanes=lanes))
    assert not result.decisions.query("decision == 'hub_open'")["chosen"].any()


def test_weekly_offtake_and_blend_bounds():
    offtake = "product,week,min_t\nreo,2026-W48,0.3\nreo,all,2\n"
    specs = "site_id,attribute,min,max\nplant,oxidised,,0.3\nplant,reo_share,0.2,\n"
    checked(scenario(offtake=offtake, plant_specs=specs))


def test_auto_road_lanes_and_carbon():
    cfg = config(**{**SETTINGS, "network.auto_road_lanes": True, "network.nearest": 2,
                    "policy.carbon_price_gbp_per_t_co2e": 500})
    result = checked(scenario(cfg))
    assert (result.arcs["defined_by"] == "auto").any()


def test_plan_that_moves_nothing():
    from tests.builders import PLANTS

    result = checked(build(plants=PLANTS.replace("reo_share,1.0,1000,0", "reo_share,1.0,0,0")))
    assert result.flows.empty
