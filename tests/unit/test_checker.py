
"""The independent plan checker on a hand-written plan: valid as written, then broken one way.

The scenario (two weeks, W48-W49) and its plan are worked out by hand below:

* week 1: src sends 6 t mag + 2 t rust to the hub (1 truck, hub intake 8 = capacity)
  and 2 t rust + 1 t mag to the outlet (contracted lane, 1 truck); the hub forwards its
  opening 1 t mag and the 8 t (9 t, 1 truck, transit 1 week); sec sends the 2 t
  restricted ``def`` to the cleared plant by rail (0.1 continuous trips), which is fed
  2 t (= its minimum run);
* week 2: the plant receives 7 t mag + 2 t rust and is fed 8 t (5 t base + 3 t of the
  chosen expansion); 1 t mag stays at the plant and 1 t mag at src.

Each corruption is made coherent (cost lines recomputed) so that exactly one rule fails.
"""

from __future__ import annotations

import io
import subprocess
import sys

import pandas as pd
import pytest

from feedstock.optimizer.checker import RULES, Violation, check_plan, cost_lines
from feedstock.optimizer.results.result import Result
from tests.builders import build, config

SETTINGS = {"weeks": 2, "policy.leakage_penalty_gbp_per_t": 10,
            "policy.sectors": {"vehicle": {"leakage_penalty_gbp_per_t": 20}},
            "policy.max_leakage_share": 0.5, "policy.carbon_price_gbp_per_t_co2e": 100,
            "policy.terminal_stock_penalty_gbp_per_t": 5}
CFG = config(**SETTINGS)
TABLES = {
    "sites": """site_id,name,kind,lat,lon,landmass,cleared,storage_t,holding_gbp_per_t_week
src,Source,source,52.0,-1.0,gb,false,6,1
sec,Secure source,source,52.1,-1.1,gb,true,,0
hub,Hub,hub,52.2,-1.5,gb,true,,0
plant,Plant,plant,52.0,-2.0,gb,true,,0
out,Outlet,outlet,51.9,-0.5,gb,false,,0
""",
    "modes": """mode,kind,payload_t,cost_gbp_per_km,trip_fixed_gbp,handling_gbp_per_t,co2e_kg_per_tkm,integer_trips
truck,road,10,1,100,1,0.1,true
rail,rail,20,0.5,20,2,0.02,false
""",
    "feedstocks": """feedstock_id,name,sector,restricted,magnet_share,reo_share,oxidised
mag,Magnets,vehicle,false,1.0,0.3,0
rust,Oxidised scrap,industrial,false,0.8,0.2,1
def,Defence,defence,true,0.5,0.2,0
""",
    "supply": """site_id,feedstock_id,week,tonnes
src,mag,2026-W48,8
src,rust,2026-W48,4
sec,def,2026-W48,2
""",
    "inventory": """site_id,feedstock_id,tonnes
hub,mag,1
""",
    "plants": """site_id,process,capacity_t_per_week,cost_gbp_per_t,product,yield_basis,yield,product_value_gbp_per_t,min_weekly_t
plant,long_loop,5,10,reo,reo_share,1.0,100,2
""",
    "lanes": """origin,destination,mode,distance_km,max_trips_per_week,fixed_cost_gbp,transit_weeks
src,hub,truck,50,,,
hub,plant,truck,50,,,1
src,out,truck,30,,200,
sec,plant,rail,100,1,,
src,plant,truck,60,,,1
""",
    "hubs": """site_id,capacity_t_per_week,handling_gbp_per_t,fixed_cost_gbp
hub,8,2,100
""",
    "plant_specs": """site_id,attribute,min,max
plant,oxidised,,0.5
""",
    "expansions": """site_id,option,extra_capacity_t_per_week,fixed_cost_gbp,available_from_week
plant,ext,3,50,2026-W49
""",
    "outlets": """site_id,feedstock_id,price_gbp_per_t,max_t_per_week
out,*,50,4
out,rust,30,
""",
    "offtake": """product,week,min_t
reo,all,1
""",
}

PLAN = {
    "flows": """origin,destination,mode,feedstock_id,week,arrival_week,tonnes_t,trips,distance_km,tonne_km,period
sec,plant,rail,def,2026-W48,2026-W48,2,0.1,100,200,1
src,hub,truck,mag,2026-W48,2026-W48,6,1,50,300,1
src,hub,truck,rust,2026-W48,2026-W48,2,1,50,100,1
src,out,truck,mag,2026-W48,2026-W48,1,1,30,30,1
src,out,truck,rust,2026-W48,2026-W48,2,1,30,60,1
hub,plant,truck,mag,2026-W48,2026-W49,7,1,50,350,1
hub,plant,truck,rust,2026-W48,2026-W49,2,1,50,100,1
""",
    "lane_weeks": """origin,destination,mode,week,trips,tonnes_t,payload_t,load_factor,max_trips_per_week,trip_cost_gbp,trip_cost_total_gbp,period
sec,plant,rail,2026-W48,0.1,2,20,1.0,1,70,7,1
src,hub,truck,2026-W48,1,8,10,0.8,,150,150,1
src,out,truck,2026-W48,1,3,10,0.3,,130,130,1
hub,plant,truck,2026-W48,1,9,10,0.9,,150,150,1
""",
    "plants": """site_id,process,product,week,feed_t,capacity_t_per_week,utilisation,running,output_t,period
plant,long_loop,reo,2026-W48,2,5,0.4,true,0.4,1
plant,long_loop,reo,2026-W49,8,8,1.0,true,2.2,2
""",
    "plant_feed": """site_id,feedstock_id,week,feed_t,product,output_t,period
plant,def,2026-W48,2,reo,0.4,1
plant,mag,2026-W49,6,reo,1.8,2
plant,rust,2026-W49,2,reo,0.4,2
""",
    "stock": """site_id,kind,feedstock_id,week,stock_t,period
src,source,mag,2026-W48,1,1
src,source,mag,2026-W49,1,2
plant,plant,mag,2026-W49,1,2
""",
    "leakage": """site_id,feedstock_id,sector,week,tonnes_t,price_gbp_per_t,revenue_gbp,penalty_gbp_per_t,penalty_gbp,price_row,period
out,mag,vehicle,2026-W48,1,50,50,20,20,*,1
out,rust,industrial,2026-W48,2,30,60,10,20,rust,1
""",
    "decisions": """decision,id,site_id,chosen,fixed_cost_gbp,capacity_t_per_week,note
lane_contract,src>out>truck,src,true,200,,
hub_open,hub,hub,true,100,8,
expansion,plant/ext,plant,true,50,3,from 2026-W49
""",
    "marginal_values": """constraint,id,week,marginal_value_gbp_per_t,period
""",
    "arcs": """arc,origin,destination,mode,mode_kind,distance_km,trip_cost_gbp,cost_gbp_per_t,max_trips_per_week,fixed_cost_gbp,transit_weeks,payload_t,integer_trips,co2e_kg_per_t,origin_kind,destination_kind,defined_by
hub>plant>truck,hub,plant,truck,road,50,150,1,,0,1,10,true,5,hub,plant,lanes.csv
sec>plant>rail,sec,plant,rail,rail,100,70,2,1,0,0,20,false,2,source,plant,lanes.csv
src>hub>truck,src,hub,truck,road,50,150,1,,0,0,10,true,5,source,hub,lanes.csv
src>out>truck,src,out,truck,road,30,130,1,,200,0,10,true,3,source,outlet,lanes.csv
src>plant>truck,src,plant,truck,road,60,160,1,,0,1,10,true,6,source,plant,lanes.csv
""",
}
# worked out by hand from the plan above (see the module docstring)
LINES = {"transport": 461.0, "fixed_decisions": 350.0, "hub_handling": 16.0, "holding": 2.0,
         "processing_net": -160.0, "export_revenue": -110.0, "leakage_penalty": 40.0,
         "carbon": 9.8, "terminal_stock": 10.0}


def scenario(cfg: dict | None = None, **tables: str):
    """The checker's scenario with any table (CSV text) replaced."""
    return build(cfg or CFG, **{**TABLES, **tables})


def csv(text: str) -> pd.DataFrame:
    df = pd.read_csv(io.StringIO(text))
    ints = df.select_dtypes("integer").columns.drop("period", errors="ignore")
    return df.astype(dict.fromkeys(ints, float))


def make_result(sc, tables: dict[str, pd.DataFrame], lines: dict[str, float],
                objective: float | None = None) -> Result:
    return Result(scenario=sc.name, status="optimal",
                  objective_gbp=sum(lines.values()) if objective is None else objective,
                  bound_gbp=sum(lines.values()), gap=0.0, cost_lines_gbp=lines, kpi_values={},
                  _tables=tables, build_seconds=0.0, solve_seconds=0.0, dual_seconds=0.0,
                  solver={},
                  model_size={}, weeks=sc.weeks)


@pytest.fixture(scope="module")
def sc():
    return scenario()


@pytest.fixture
def plan():
    return {k: csv(v) for k, v in PLAN.items()}


def recosted(sc, tables: dict[str, pd.DataFrame]) -> Result:
    """A result whose cost lines agree with its (corrupted) tables."""
    lines = cost_lines(sc, make_result(sc, tables, LINES))
    return make_result(sc, tables, lines)


def rules(sc, result) -> set[str]:
    found = check_plan(sc, result)
    assert all(v.rule in RULES for v in found), found
    return {v.rule for v in found}


def edit(df: pd.DataFrame, where: dict, **values) -> pd.DataFrame:
    """Set ``values`` on the rows matching every column=value of ``where``."""
    mask = pd.Series(True, index=df.index)
    for col, v in where.items():
        mask &= df[col] == v
    assert mask.any(), where
    df = df.copy()
    for col, v in values.items():
        df.loc[mask, col] = v
    return df


# ------------------------------------------------------------------ valid plans

def test_hand_written_plan_is_valid(sc, plan):
    assert check_plan(sc, make_result(sc, plan, LINES)) == []


def test_recomputed_cost_lines_match_the_hand_computation(sc, plan):
    got = cost_lines(sc, make_result(sc, plan, LINES))
    assert got == pytest.approx(LINES)


def test_arcs_of_the_network_builder_pass(sc, plan):
    from feedstock.optimizer.network import build_network

    plan["arcs"] = build_network(sc).arcs
    assert check_plan(sc, make_result(sc, plan, LINES)) == []


def test_auto_road_arcs_pass():
    from feedstock.optimizer.network import build_network

    sc = scenario(config(**SETTINGS, **{"network.auto_road_lanes": True,
                                        "network.nearest": 1}))
    arcs = build_network(sc).arcs
    assert (arcs["defined_by"] == "auto").any()
    tables = {k: csv(v) for k, v in PLAN.items()}
    tables["arcs"] = arcs
    assert check_plan(sc, make_result(sc, tables, LINES)) == []


def test_checker_imports_neither_pyomo_nor_models():
    code = ("import sys, feedstock.optimizer.checker; "
            "bad = [m for m in sys.modules if m.split('.')[0] == 'pyomo' "
            "or m.startswith(('feedstock.models', 'feedstock.optimizer.solve'))]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_violation_reads_as_one_line():
    v = Violation("storage", "src 2026-W48", "stock 7 t > storage_t 6 t")
    assert str(v) == "[storage] src 2026-W48: stock 7 t > storage_t 6 t"


# ------------------------------------------------------------------ one rule broken

def test_balance_extra_tonne_on_a_flow(sc, plan):
    plan["flows"] = edit(plan["flows"], {"origin": "src", "destination": "out",
                                         "feedstock_id": "mag"}, tonnes_t=2)
    plan["lane_weeks"] = edit(plan["lane_weeks"], {"destination": "out"}, tonnes_t=4)
    found = check_plan(sc, recosted(sc, plan))
    assert {v.rule for v in found} == {"balance"}
    assert {v.where for v in found} == {"src 2026-W48 mag", "out 2026-W48 mag"}
    assert "off by -1 t" in next(v.detail for v in found if v.where.startswith("src"))


def test_balance_stock_mid_horizon(sc, plan):
    plan["stock"] = edit(plan["stock"], {"site_id": "src", "period": 1}, stock_t=2)
    assert rules(sc, recosted(sc, plan)) == {"balance"}


def test_balance_outlet_holds_stock(sc, plan):
    extra = pd.DataFrame([{"site_id": "out", "kind": "outlet", "feedstock_id": "mag",
                           "week": "2026-W48", "stock_t": 0.5, "period": 1}])
    plan["stock"] = pd.concat([plan["stock"], extra], ignore_index=True)
    plan["leakage"] = edit(plan["leakage"], {"feedstock_id": "mag"}, tonnes_t=0.5)
    # the 0.5 t held at the outlet in week 1 is gone by the end: mass breaks too
    assert rules(sc, recosted(sc, plan)) == {"balance", "mass"}


def test_storage_above_capacity(plan):
    sites = TABLES["sites"].replace("src,Source,source,52.0,-1.0,gb,false,6,1",
                                    "src,Source,source,52.0,-1.0,gb,false,0.5,1")
    sc = scenario(sites=sites)
    found = check_plan(sc, make_result(sc, plan, LINES))
    assert {v.rule for v in found} == {"storage"}
    assert {v.where for v in found} == {"src 2026-W48", "src 2026-W49"}


def test_trip_payload_dropped_trip(sc, plan):
    plan["flows"] = edit(plan["flows"], {"origin": "hub"}, trips=0)
    plan["lane_weeks"] = edit(plan["lane_weeks"], {"origin": "hub"}, trips=0)
    found = check_plan(sc, recosted(sc, plan))
    assert [(v.rule, v.where) for v in found] == [("trip_payload", "hub>plant>truck 2026-W48")]


def test_trip_payload_tables_disagree(sc, plan):
    plan["flows"] = edit(plan["flows"], {"origin": "hub", "feedstock_id": "mag"}, trips=2)
    assert rules(sc, make_result(sc, plan, LINES)) == {"trip_payload"}


def test_lane_slots_exceeded(sc, plan):
    plan["flows"] = edit(plan["flows"], {"mode": "rail"}, trips=1.5)
    plan["lane_weeks"] = edit(plan["lane_weeks"], {"mode": "rail"}, trips=1.5)
    assert rules(sc, recosted(sc, plan)) == {"lane_slots"}


def test_integer_trips_fractional(sc, plan):
    plan["flows"] = edit(plan["flows"], {"origin": "src", "destination": "hub"}, trips=1.5)
    plan["lane_weeks"] = edit(plan["lane_weeks"], {"origin": "src", "destination": "hub"},
                              trips=1.5)
    assert rules(sc, recosted(sc, plan)) == {"integer_trips"}


def test_lane_contract_not_chosen(sc, plan):
    plan["decisions"] = edit(plan["decisions"], {"decision": "lane_contract"}, chosen=False)
    found = check_plan(sc, recosted(sc, plan))
    assert [(v.rule, v.where) for v in found] == [("lane_contract", "src>out>truck 2026-W48")]


def test_horizon_shipment_arrives_after_the_last_week(sc, plan):
    plan["stock"] = plan["stock"][~((plan["stock"]["site_id"] == "src")
                                    & (plan["stock"]["period"] == 2))]
    late = pd.DataFrame([{"origin": "src", "destination": "plant", "mode": "truck",
                          "feedstock_id": "mag", "week": "2026-W49", "arrival_week": "2026-W50",
                          "tonnes_t": 1.0, "trips": 1.0, "distance_km": 60, "tonne_km": 60,
                          "period": 2}])
    plan["flows"] = pd.concat([plan["flows"], late], ignore_index=True)
    lane = pd.DataFrame([{"origin": "src", "destination": "plant", "mode": "truck",
                          "week": "2026-W49", "trips": 1.0, "tonnes_t": 1.0, "period": 2}])
    plan["lane_weeks"] = pd.concat([plan["lane_weeks"], lane], ignore_index=True)
    found = check_plan(sc, recosted(sc, plan))
    # the tonne that arrives after W is also missing from the final mass count
    assert {v.rule for v in found} == {"horizon", "mass"}
    assert any(v.where == "src>plant>truck 2026-W49 mag" for v in found)


def test_horizon_wrong_arrival_week(sc, plan):
    plan["flows"] = edit(plan["flows"], {"origin": "hub", "feedstock_id": "rust"},
                         arrival_week="2026-W48")
    assert rules(sc, make_result(sc, plan, LINES)) == {"horizon"}


def test_hub_capacity_exceeded(plan):
    sc = scenario(hubs="site_id,capacity_t_per_week,handling_gbp_per_t,fixed_cost_gbp\n"
                       "hub,7,2,100\n")
    found = check_plan(sc, make_result(sc, plan, LINES))
    assert [(v.rule, v.where) for v in found] == [("hub_capacity", "hub 2026-W48")]


def test_hub_closed_receives_nothing(sc, plan):
    plan["decisions"] = edit(plan["decisions"], {"decision": "hub_open"}, chosen=False)
    assert rules(sc, recosted(sc, plan)) == {"hub_capacity"}


def test_plant_capacity_without_the_expansion(sc, plan):
    plan["decisions"] = edit(plan["decisions"], {"decision": "expansion"}, chosen=False)
    plan["plants"] = edit(plan["plants"], {"period": 2}, capacity_t_per_week=5)
    found = check_plan(sc, recosted(sc, plan))
    assert [(v.rule, v.where) for v in found] == [("plant_capacity", "plant 2026-W49")]


def test_min_run_below_minimum(plan):
    plants = TABLES["plants"].replace("reo_share,1.0,100,2", "reo_share,1.0,100,3")
    sc = scenario(plants=plants)
    found = check_plan(sc, make_result(sc, plan, LINES))
    assert [(v.rule, v.where) for v in found] == [("min_run", "plant 2026-W48")]


def test_feed_blend_max_broken(plan):
    sc = scenario(plant_specs="site_id,attribute,min,max\nplant,oxidised,,0.2\n")
    found = check_plan(sc, make_result(sc, plan, LINES))
    assert [(v.rule, v.where) for v in found] == [("feed_blend_max", "plant 2026-W49 oxidised")]
    assert "blend 0.25" in found[0].detail


def test_feed_blend_min_broken(plan):
    sc = scenario(plant_specs="site_id,attribute,min,max\nplant,reo_share,0.25,\n")
    found = check_plan(sc, make_result(sc, plan, LINES))
    assert [(v.rule, v.where) for v in found] == [("feed_blend_min", "plant 2026-W48 reo_share")]


def test_custody_restricted_feed_into_uncleared_plant(plan):
    sites = TABLES["sites"].replace("plant,Plant,plant,52.0,-2.0,gb,true",
                                    "plant,Plant,plant,52.0,-2.0,gb,false")
    sc = scenario(sites=sites)
    found = check_plan(sc, make_result(sc, plan, LINES))
    assert {v.rule for v in found} == {"custody"}
    assert {v.where for v in found} == {"sec>plant>rail 2026-W48 def", "plant 2026-W48 def"}


def test_custody_restricted_sold_abroad(sc, plan):
    plan["flows"] = edit(plan["flows"], {"destination": "out", "feedstock_id": "mag"},
                         feedstock_id="def")
    plan["flows"] = edit(plan["flows"], {"origin": "sec"}, feedstock_id="mag")
    plan["plant_feed"] = edit(plan["plant_feed"], {"feedstock_id": "def"}, feedstock_id="mag",
                              output_t=0.6)
    plan["plants"] = edit(plan["plants"], {"period": 1}, output_t=0.6)
    plan["leakage"] = edit(plan["leakage"], {"feedstock_id": "mag"}, feedstock_id="def",
                           sector="defence", penalty_gbp_per_t=10)
    # supply says src has mag and sec has def: swapping them breaks balance too
    assert {"custody", "outlet_buys"} <= rules(sc, recosted(sc, plan))


def test_outlet_buys_uncovered_feedstock(plan):
    sc = scenario(outlets="site_id,feedstock_id,price_gbp_per_t,max_t_per_week\n"
                          "out,rust,30,\n")
    found = check_plan(sc, recosted(sc, plan))
    assert {v.rule for v in found} == {"outlet_buys"}
    assert {v.where for v in found} == {"src>out>truck 2026-W48 mag", "out 2026-W48 mag"}


def test_outlet_buys_wrong_price_row(sc, plan):
    plan["leakage"] = edit(plan["leakage"], {"feedstock_id": "rust"}, price_gbp_per_t=50,
                           price_row="*")
    assert rules(sc, make_result(sc, plan, LINES)) == {"outlet_buys"}


def test_leakage_cap_exceeded(plan):
    sc = scenario(config(**{**SETTINGS, "policy.max_leakage_share": 0.1}))
    found = check_plan(sc, make_result(sc, plan, LINES))
    assert [(v.rule, v.where) for v in found] == [("leakage_cap", "whole horizon")]


def test_absolute_leakage_cap_exceeded(plan):
    """The plan sells 3 t abroad; max_leakage_t = 2 (the share alone, 0.5, allows it)."""
    sc = scenario(config(**{**SETTINGS, "policy.max_leakage_t": 2}))
    found = check_plan(sc, make_result(sc, plan, LINES))
    assert [(v.rule, v.where) for v in found] == [("leakage_cap", "whole horizon")]
    assert "max_leakage_t 2 t" in found[0].detail


@pytest.mark.parametrize(("decision", "bad"), [("never", True), ("build", False),
                                               ("choose", False)])
def test_a_forced_expansion_decision_is_checked(plan, decision, bad):
    """The plan builds plant/ext; 'never' forbids it."""
    sc = scenario(expansions="site_id,option,extra_capacity_t_per_week,fixed_cost_gbp,"
                             f"available_from_week,decision\nplant,ext,3,50,2026-W49,{decision}\n")
    found = check_plan(sc, make_result(sc, plan, LINES))
    assert [(v.rule, v.where) for v in found] == ([("plant_capacity", "plant/ext")] if bad else [])


def test_offtake_short_over_the_horizon(plan):
    sc = scenario(offtake="product,week,min_t\nreo,all,3\n")
    found = check_plan(sc, make_result(sc, plan, LINES))
    assert [(v.rule, v.where) for v in found] == [("offtake", "reo all")]


def test_offtake_short_in_one_week(plan):
    sc = scenario(offtake="product,week,min_t\nreo,2026-W48,1\nreo,2026-W49,1\n")
    found = check_plan(sc, make_result(sc, plan, LINES))
    assert [(v.rule, v.where) for v in found] == [("offtake", "reo 2026-W48")]


def test_offtake_output_column_wrong(sc, plan):
    plan["plant_feed"] = edit(plan["plant_feed"], {"feedstock_id": "mag"}, output_t=6)
    assert rules(sc, make_result(sc, plan, LINES)) == {"offtake"}


def test_outlet_limit_of_the_star_row(plan):
    sc = scenario(outlets="site_id,feedstock_id,price_gbp_per_t,max_t_per_week\n"
                          "out,*,50,0.5\nout,rust,30,\n")
    found = check_plan(sc, make_result(sc, plan, LINES))
    assert [(v.rule, v.where) for v in found] == [("outlet_limit", "out 2026-W48 row *")]


def test_cost_line_off(sc, plan):
    lines = {**LINES, "transport": LINES["transport"] + 5}
    found = check_plan(sc, make_result(sc, plan, lines))
    assert [(v.rule, v.where) for v in found] == [("cost_line", "transport")]


def test_cost_line_transport_counts_trips_once_per_arc_week(sc, plan):
    # counting the trip cost once per feedstock row (a classic slip) gives 461 + 150 + 130 + 150
    lines = {**LINES, "transport": 891.0}
    assert rules(sc, make_result(sc, plan, lines)) == {"cost_line"}


def test_cost_line_missing(sc, plan):
    lines = {k: v for k, v in LINES.items() if k != "carbon"}
    found = check_plan(sc, make_result(sc, plan, lines))
    assert [(v.rule, v.where) for v in found] == [("cost_line", "carbon")]


def test_objective_not_the_sum_of_lines(sc, plan):
    found = check_plan(sc, make_result(sc, plan, LINES, objective=sum(LINES.values()) + 5))
    assert [v.rule for v in found] == ["objective"]


def test_arcs_trip_cost_not_the_mode_default(sc, plan):
    plan["arcs"] = edit(plan["arcs"], {"arc": "src>hub>truck"}, trip_cost_gbp=999)
    found = check_plan(sc, recosted(sc, plan))
    assert [(v.rule, v.where) for v in found] == [("arcs", "src>hub>truck")]
    assert "trip_cost_gbp 999, expected 150" in found[0].detail


def test_arcs_lane_value_ignored(sc, plan):
    plan["arcs"] = edit(plan["arcs"], {"arc": "sec>plant>rail"}, max_trips_per_week=None)
    assert rules(sc, make_result(sc, plan, LINES)) == {"arcs"}


def test_arcs_from_an_outlet_and_to_a_source(sc, plan):
    bad = pd.DataFrame([{"arc": "out>src>truck", "origin": "out", "destination": "src",
                         "mode": "truck", "mode_kind": "road", "distance_km": 30,
                         "trip_cost_gbp": 130, "cost_gbp_per_t": 1, "max_trips_per_week": None,
                         "fixed_cost_gbp": 0, "transit_weeks": 0, "payload_t": 10,
                         "integer_trips": True, "co2e_kg_per_t": 3, "origin_kind": "outlet",
                         "destination_kind": "source", "defined_by": "lanes.csv"}])
    plan["arcs"] = pd.concat([plan["arcs"], bad], ignore_index=True)
    found = check_plan(sc, make_result(sc, plan, LINES))
    details = " ".join(v.detail for v in found)
    assert {v.rule for v in found} == {"arcs"}
    assert "starts at an outlet" in details and "ends at a source" in details


def test_arcs_lanes_row_missing_from_the_network(sc, plan):
    plan["arcs"] = plan["arcs"][plan["arcs"]["arc"] != "src>plant>truck"]
    found = check_plan(sc, make_result(sc, plan, LINES))
    assert [(v.rule, v.where) for v in found] == [("arcs", "src>plant>truck")]


def test_every_check_runs_when_several_rules_break(plan):
    sc = scenario(hubs="site_id,capacity_t_per_week,handling_gbp_per_t,fixed_cost_gbp\n"
                       "hub,7,2,100\n",
                  offtake="product,week,min_t\nreo,all,3\n")
    plan["decisions"] = edit(plan["decisions"], {"decision": "lane_contract"}, chosen=False)
    assert rules(sc, make_result(sc, plan, LINES)) == {"hub_capacity", "offtake",
                                                       "lane_contract", "cost_line"}


def test_a_table_the_checker_cannot_read_is_reported(sc, plan):
    plan["stock"] = plan["stock"].drop(columns=["stock_t"])
    found = check_plan(sc, make_result(sc, plan, LINES))
    assert found  # reported as violations, never an exception


def test_rounding_noise_is_tolerated(sc, plan):
    for name, col in (("flows", "tonnes_t"), ("stock", "stock_t"), ("plant_feed", "feed_t"),
                      ("leakage", "tonnes_t")):
        plan[name][col] = plan[name][col] + 4e-7
    assert check_plan(sc, make_result(sc, plan, LINES)) == []
