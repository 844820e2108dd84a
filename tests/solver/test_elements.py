"""Element-level value: several products per plant, element penalties and caps, by hand.

Every case is one week, one truck lane per pair of sites (payload 10 t, £100 a
trip), no stock costs; the optimum of each is worked out in its docstring, and
every plan is re-checked by the independent checker.
"""

from __future__ import annotations

import json
import types

import pytest
from click.testing import CliRunner

from feedstock import check_plan, solve
from feedstock.cli.main import main
from feedstock.optimizer.studies import pareto
from tests.builders import build, config, write_folder
from tests.plans import exact, lines_add_up, sites

pytestmark = pytest.mark.solver

FEEDS = """feedstock_id,name,sector,restricted,magnet_share,reo_share,nd_share,dy_share
rich,Dy-rich magnets,vehicle,false,1.0,0.3,0.2,0.05
lean,Lean magnets,electronics,false,1.0,0.3,0.25,0.0
"""
SUPPLY_BOTH = "site_id,feedstock_id,week,tonnes\nsrc,rich,2026-W48,3\nsrc,lean,2026-W48,3\n"
LONG_LOOP = ("site_id,process,capacity_t_per_week,cost_gbp_per_t,product,yield_basis,yield,"
             "product_value_gbp_per_t,min_weekly_t\nplant,long_loop,4,100,,,,,0\n")
TWO_PRODUCTS = ("site_id,product,yield_basis,yield,value_gbp_per_t\n"
                "plant,ndpr_oxide,nd_share,1.0,1000\nplant,dy_oxide,dy_share,1.0,10000\n")


def checked(sc):
    r = solve(sc, progress=False)
    assert check_plan(sc, r) == []
    lines_add_up(r)
    return r


def test_a_two_product_plant_earns_both_products():
    """Net per t fed = 100 - (nd x 1,000 + dy x 10,000): rich -600, lean -150.

    4 t of capacity: all 3 t of rich and 1 t of lean, one truck: -1,800 - 150 + 100
    = -£1,850; NdPr oxide 3 x 0.2 + 1 x 0.25 = 0.85 t, Dy oxide 3 x 0.05 = 0.15 t.
    """
    r = checked(build(feedstocks=FEEDS, supply=SUPPLY_BOTH, plants=LONG_LOOP,
                      plant_products=TWO_PRODUCTS))
    assert r.objective_gbp == exact(-1850)
    assert r.cost_lines_gbp["processing_net"] == exact(-1950)
    made = r.plant_output.groupby("product")["output_t"].sum()
    assert made.to_dict() == {"dy_oxide": exact(0.15), "ndpr_oxide": exact(0.85)}
    assert r.plant_output["value_gbp"].sum() == exact(0.85 * 1000 + 0.15 * 10000)
    feed = r.plant_feed.set_index("feedstock_id")
    assert feed.at["rich", "feed_t"] == exact(3) and feed.at["lean", "feed_t"] == exact(1)
    assert set(feed["product"]) == {"ndpr_oxide+dy_oxide"}
    assert feed["output_t"].sum() == exact(1.0)
    assert r.kpis["output_by_product_t"] == {"dy_oxide": exact(0.15), "ndpr_oxide": exact(0.85)}
    assert r.kpis["element_kept_uk_kg"] == {"nd": exact(850), "dy": exact(150)}


def test_the_same_plant_with_one_product_values_only_that_product():
    """Single-product columns (no plant_products.csv) work as before: NdPr oxide only.

    Net: rich 100 - 200 = -100, lean 100 - 250 = -150: 3 t lean + 1 t rich, one truck:
    -450 - 100 + 100 = -£450.
    """
    one = LONG_LOOP.replace("plant,long_loop,4,100,,,,,0",
                            "plant,long_loop,4,100,ndpr_oxide,nd_share,1.0,1000,0")
    r = checked(build(feedstocks=FEEDS, supply=SUPPLY_BOTH, plants=one))
    assert r.objective_gbp == exact(-450)
    assert r.plant_output["product"].unique().tolist() == ["ndpr_oxide"]


OUTLET_SITES = sites("src source", "plant plant", "out outlet")
OUTLET_LANES = "origin,destination,mode,distance_km\nsrc,plant,truck,100\nsrc,out,truck,100\n"
OUTLETS = "site_id,feedstock_id,price_gbp_per_t,max_t_per_week\nout,*,800,\n"
POWDER = ("site_id,process,capacity_t_per_week,cost_gbp_per_t,product,yield_basis,yield,"
          "product_value_gbp_per_t,min_weekly_t\n"
          "plant,short_loop,100,0,ndfeb_powder,magnet_share,1.0,500,0\n")
RICH_ONLY = "site_id,feedstock_id,week,tonnes\nsrc,rich,2026-W48,2\n"


def export_case(dy_penalty_per_kg: float, tonne_penalty: float = 0.0):
    cfg = config(**{"policy.leakage_penalty_gbp_per_t": tonne_penalty,
                    "policy.elements": {"dy": {"leakage_penalty_gbp_per_kg": dy_penalty_per_kg}}})
    return build(cfg, sites=OUTLET_SITES, lanes=OUTLET_LANES, outlets=OUTLETS, plants=POWDER,
                 feedstocks=FEEDS, supply=RICH_ONLY)


@pytest.mark.parametrize(("per_kg", "tonnes", "objective", "leaked", "penalty"), [
    (0, 0, -1500, 2, 0),        # 2 t abroad at £800, one truck: -1,600 + 100
    (5, 0, -1000, 2, 500),      # 50 kg Dy/t x £5 = £250/t: abroad nets -550/t, still best
    (10, 0, -900, 0, 0),        # £500/t: abroad nets -300/t, the plant's -500/t wins
    (4, 150, -900, 0, 0),       # £200/t + the £150 tonne penalty: -450/t abroad, plant wins
])
def test_an_element_penalty_flips_the_route(per_kg, tonnes, objective, leaked, penalty):
    """Per tonne abroad: -800 + tonne penalty + 1000 x 0.05 x per-kg penalty; at home -500."""
    r = checked(export_case(per_kg, tonnes))
    assert r.objective_gbp == exact(objective)
    assert r.kpis["leaked_t"] == exact(leaked)
    assert r.cost_lines_gbp["leakage_penalty"] == exact(penalty)
    assert r.kpis["element_leaked_kg"]["dy"] == exact(50 * leaked)


BELFAST_AND_TYSELEY = sites("src source", "belfast plant", "tyseley plant")
TWO_LANES = ("origin,destination,mode,distance_km\nsrc,belfast,truck,100\n"
             "src,tyseley,truck,100\n")
TWO_PLANTS = ("site_id,process,capacity_t_per_week,cost_gbp_per_t,product,yield_basis,yield,"
              "product_value_gbp_per_t,min_weekly_t\n"
              "belfast,long_loop,1,300,,,,,0\n"
              "tyseley,short_loop,100,0,ndfeb_powder,magnet_share,1.0,700,0\n")
OXIDES = ("site_id,product,yield_basis,yield,value_gbp_per_t\n"
          "belfast,ndpr_oxide,nd_share,1.0,1000\nbelfast,dy_oxide,dy_share,1.0,2000\n")
MIXED = FEEDS.replace("lean,Lean magnets,electronics,false,1.0,0.3,0.25,0.0",
                      "lean,Lean magnets,electronics,false,1.0,0.3,0.25,0.005")
SUPPLY_2_2 = "site_id,feedstock_id,week,tonnes\nsrc,rich,2026-W48,2\nsrc,lean,2026-W48,2\n"


def dy_offtake_case(min_t: float | None):
    offtake = None if min_t is None else f"product,week,min_t\ndy_oxide,all,{min_t}\n"
    return build(sites=BELFAST_AND_TYSELEY, lanes=TWO_LANES, plants=TWO_PLANTS,
                 plant_products=OXIDES, feedstocks=MIXED, supply=SUPPLY_2_2, offtake=offtake)


def test_an_oxide_offtake_sends_dy_rich_feed_to_the_long_loop():
    """Tyseley nets -700/t of anything; Belfast nets 0 on rich (200 + 100 - 300), +40 on lean.

    Without an offtake all 4 t go to Tyseley: -2,800 + 100 = -£2,700. 0.04 t of Dy
    oxide needs 0.8 t of rich feed (0.05 t Dy/t; lean would need 8 t, Belfast takes
    1): -2,800 + 0.8 x 700 + two trucks 200 = -£2,040.
    """
    free = checked(dy_offtake_case(None))
    assert free.objective_gbp == exact(-2700)
    assert free.plant_feed["site_id"].unique().tolist() == ["tyseley"]
    bound = checked(dy_offtake_case(0.04))
    assert bound.objective_gbp == exact(-2040)
    belfast = bound.plant_feed[bound.plant_feed["site_id"] == "belfast"]
    assert belfast.set_index("feedstock_id")["feed_t"].to_dict() == {"rich": exact(0.8)}
    dy = bound.plant_output[bound.plant_output["product"] == "dy_oxide"]["output_t"].sum()
    assert dy == exact(0.04)


def test_an_element_cap_holds_and_the_checker_sees_it():
    """Dy leaked <= 40 kg: of the 2 t rich (50 kg/t) at most 0.8 t may go abroad.

    -0.8 x 800 - 1.2 x 500 + two trucks 200 = -£1,040.
    """
    cfg = config(**{"policy.elements": {"dy": {"max_leakage_kg": 40}}})
    sc = build(cfg, sites=OUTLET_SITES, lanes=OUTLET_LANES, outlets=OUTLETS, plants=POWDER,
               feedstocks=FEEDS, supply=RICH_ONLY)
    r = checked(sc)
    assert r.objective_gbp == exact(-1040)
    assert r.kpis["element_leaked_kg"]["dy"] == exact(40)
    tampered = types.SimpleNamespace(**{n: getattr(r, n) for n in (
        "flows", "lane_weeks", "plants", "plant_feed", "plant_output", "stock", "decisions",
        "arcs", "cost_lines_gbp", "objective_gbp", "kpi_values")},
        leakage=r.leakage.assign(tonnes_t=r.leakage["tonnes_t"] * 1.5))
    rules = {v.rule for v in check_plan(sc, tampered)}
    assert "element_leakage_cap" in rules


def test_the_checker_recomputes_every_product():
    sc = build(feedstocks=FEEDS, supply=SUPPLY_BOTH, plants=LONG_LOOP,
               plant_products=TWO_PRODUCTS)
    r = solve(sc, progress=False)
    out = r.plant_output
    wrong = out.assign(output_t=out["output_t"].where(out["product"] != "dy_oxide",
                                                      out["output_t"] * 2))
    fake = types.SimpleNamespace(**{n: getattr(r, n) for n in (
        "flows", "lane_weeks", "plants", "plant_feed", "stock", "leakage", "decisions", "arcs",
        "cost_lines_gbp", "objective_gbp", "kpi_values")}, plant_output=wrong)
    found = check_plan(sc, fake)
    assert found and all(v.rule == "offtake" for v in found)
    assert any("dy_oxide" in v.where for v in found)


FRONTIER_FEEDS = FEEDS.replace("lean,Lean magnets,electronics,false,1.0,0.3,0.25,0.0",
                               "lean,Lean magnets,electronics,false,1.0,0.3,0.25,0.01")
FRONTIER_SUPPLY = "site_id,feedstock_id,week,tonnes\nsrc,rich,2026-W48,2\nsrc,lean,2026-W48,2\n"
SMALL_PLANT = POWDER.replace("plant,short_loop,100,", "plant,short_loop,2,")
OUTLET_900 = OUTLETS.replace("out,*,800,", "out,*,900,")


def frontier_case():
    return build(config(**{"policy.leakage_penalty_gbp_per_t": 700}), sites=OUTLET_SITES,
                 lanes=OUTLET_LANES, outlets=OUTLET_900, plants=SMALL_PLANT,
                 feedstocks=FRONTIER_FEEDS, supply=FRONTIER_SUPPLY)


def test_the_frontier_by_element_matches_the_hand_worked_points(tmp_path):
    """Abroad £900/t, at home £500/t (2 t/week); rich 50 kg Dy/t, lean 10 kg Dy/t; stock free.

    Cheapest: all 4 t abroad, 120 kg Dy: -3,600 + 100 = -3,500. Least Dy: nothing abroad
    (2 t at home, the rest stays in stock), 0 kg: -1,000 + 100 = -900. At 60 kg: sending
    abroad gains £400/t over home, for 10 kg Dy (lean) or 50 kg (rich): both t of lean
    (20 kg) and 0.8 t of rich (40 kg) abroad, 1.2 t of rich at home:
    -2.8 x 900 - 1.2 x 500 + two trucks 200 = -£2,920.
    """
    f = pareto(frontier_case(), points=3, element="dy")
    assert (f.unit, f.element) == ("kg", "dy")
    assert (f.l_min_t, f.l_max_t) == (exact(0), exact(120))
    got = list(zip(f.table["epsilon_kg"], f.table["leaked_kg"], f.table["cost_gbp"],
                   strict=True))
    assert got == [(exact(0), exact(0), exact(-900)), (exact(60), exact(60), exact(-2920)),
                   (exact(120), exact(120), exact(-3500))]
    out = f.write(tmp_path / "frontier", title="dy")
    assert (out / "frontier.png").stat().st_size > 10_000


def test_pareto_element_on_the_command_line(tmp_path):
    folder = write_folder(tmp_path / "case", config(**{"policy.leakage_penalty_gbp_per_t": 700}),
                          sites=OUTLET_SITES, lanes=OUTLET_LANES, outlets=OUTLET_900,
                          plants=SMALL_PLANT, feedstocks=FRONTIER_FEEDS, supply=FRONTIER_SUPPLY)
    res = CliRunner().invoke(main, ["pareto", str(folder), "--points", "2", "--element", "dy",
                                    "--out", str(tmp_path / "out"), "--quiet"])
    assert res.exit_code == 0, res.output
    bad = CliRunner().invoke(main, ["pareto", str(folder), "--element", "tb", "--out",
                                    str(tmp_path / "x")])
    assert bad.exit_code == 2 and "tb" in bad.output


def test_element_kpis_reach_summary_json(tmp_path):
    from feedstock import write

    r = solve(export_case(0), progress=False)
    folder = write(r, tmp_path / "out", maps=False)
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["kpis"]["element_leaked_kg"] == {"nd": exact(400), "dy": exact(100)}
    assert summary["kpis"]["element_leaked_kg_by_sector"]["dy"] == {"vehicle": exact(100)}
    assert (folder / "plant_output.csv").is_file()


def test_element_figures_reach_report_html_and_the_workbook(tmp_path):
    import openpyxl

    from feedstock.optimizer.outputs.report import element_table
    from feedstock.optimizer.outputs.workbook import write_plan_workbook

    cfg = config(**{"policy.elements": {"dy": {"value_gbp_per_kg": 200}}})
    sc = build(cfg, sites=OUTLET_SITES, lanes=OUTLET_LANES, outlets=OUTLETS, plants=POWDER,
               feedstocks=FEEDS, supply=RICH_ONLY)
    r = solve(sc, progress=False)  # 2 t of rich abroad: 100 kg Dy, 400 kg Nd
    html = element_table(r)
    assert "Elements (kg over the horizon)" in html and "100.0" in html and "400.0" in html
    assert r.kpis["element_value_leaked_gbp"] == exact(100 * 200)
    book = openpyxl.load_workbook(write_plan_workbook(r, tmp_path / "plan.xlsx"))
    assert "plant_output" in book.sheetnames
    items = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert items["element_leaked_kg[dy]"] == pytest.approx(100)


def test_a_blend_rule_on_an_element_share():
    """A minimum Dy share of 0.045 in the feed: lean (0 Dy) at most rich / 9.

    (0.05 - 0.045) x 3 t rich >= 0.045 x lean: lean <= 1/3 t. -600 x 3 - 150 / 3 + 100
    = -£1,750 (without the rule -£1,850, above).
    """
    spec = "site_id,attribute,min,max\nplant,dy_share,0.045,\n"
    r = checked(build(feedstocks=FEEDS, supply=SUPPLY_BOTH, plants=LONG_LOOP,
                      plant_products=TWO_PRODUCTS, plant_specs=spec))
    assert r.objective_gbp == exact(-1750)
    feed = r.plant_feed.set_index("feedstock_id")["feed_t"]
    assert feed["lean"] == pytest.approx(1 / 3, abs=1e-6)


def test_an_offtake_of_one_product_of_several_is_seen_binding():
    from feedstock.optimizer.results.binding import binding_rules

    sc = dy_offtake_case(0.04)
    rows = binding_rules(sc, solve(sc, progress=False))
    offtake = rows[rows["rule"] == "offtake"]
    assert offtake[["where", "week"]].values.tolist() == [["dy_oxide", "all"]]
    assert offtake["value"].iloc[0] == exact(0.04)


def test_a_cap_breach_under_one_percent_is_caught():
    cfg = config(**{"policy.elements": {"dy": {"max_leakage_kg": 40, "value_gbp_per_kg": 10}}})
    sc = build(cfg, sites=OUTLET_SITES, lanes=OUTLET_LANES, outlets=OUTLETS, plants=POWDER,
               feedstocks=FEEDS, supply=RICH_ONLY)
    r = solve(sc, progress=False)
    assert r.kpis["element_leaked_kg_by_outlet"] == {"dy": {"out": exact(40)},
                                                     "nd": {"out": exact(160)}}
    assert r.kpis["element_value_leaked_gbp"] == exact(400)
    fields = ("flows", "lane_weeks", "plants", "plant_feed", "plant_output", "stock",
              "decisions", "arcs", "cost_lines_gbp", "objective_gbp", "kpi_values")
    a_bit_more = types.SimpleNamespace(**{n: getattr(r, n) for n in fields},
                                       leakage=r.leakage.assign(
                                           tonnes_t=r.leakage["tonnes_t"] * 1.005))
    found = [v for v in check_plan(sc, a_bit_more) if v.rule == "element_leakage_cap"]
    assert any(v.where == "dy" for v in found)  # 40.2 kg against 40
    assert any(v.where == "element_leaked_kg_by_outlet[dy][out]" for v in found)
