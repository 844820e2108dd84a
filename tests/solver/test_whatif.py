"""What-if studies on tiny scenarios: forced decisions, properties, compare, write, the CLI.

Tiny base (tests/builders.py): 5 t at ``src``, one truck (10 t, £100) to ``plant``,
£300 earned per tonne processed (reo_share 0.3 x £1,000), gap 0.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

import feedstock
from feedstock import compare, solve
from feedstock.cli.main import main
from tests.builders import build, config, write_folder
from tests.plans import exact, sites

OPTION = ("site_id,option,extra_capacity_t_per_week,fixed_cost_gbp,available_from_week,decision\n"
          "plant,line,10,{cost},2026-W48,{decision}\n")
NEW_PLANT = ("site_id,process,capacity_t_per_week,cost_gbp_per_t,product,yield_basis,yield,"
             "product_value_gbp_per_t,min_weekly_t\nplant,long_loop,0,0,reo,reo_share,1.0,1000,0\n")


def plant_option(cost: float, decision: str = ""):
    return build(plants=NEW_PLANT, expansions=OPTION.format(cost=cost, decision=decision))


@pytest.mark.parametrize(("cost", "decision", "objective", "built"), [
    (500, "", 500 + 100 - 1500, True),        # worth building: the solver builds it
    (500, "never", 0.0, False),               # not allowed: nothing is processed
    (5000, "", 0.0, False),                   # not worth it
    (5000, "build", 5000 + 100 - 1500, True),  # forced: built anyway
])
def test_an_expansion_decided_or_forced(solved, cost, decision, objective, built):
    r = solved(plant_option(cost, decision))
    assert r.objective_gbp == exact(objective)
    assert bool(r.decisions.set_index("id").at["plant/line", "chosen"]) is built


def test_forcing_a_decision_by_override(solved):
    base = plant_option(500)
    never = base.with_overrides({"expansions.decision[plant/line]": "never"})
    assert solved(never).objective_gbp == exact(0.0)
    assert solved(base).objective_gbp == exact(-900)


OUTLET_SITES = sites("src source", "plant plant", "buyer outlet")
OUTLET_LANES = "origin,destination,mode,distance_km\nsrc,plant,truck,1\nsrc,buyer,truck,1\n"
OUTLETS = "site_id,feedstock_id,price_gbp_per_t,max_t_per_week\nbuyer,*,400,\n"


def export_case(penalty: float, capacity: float):
    """The buyer pays £400/t; processing earns £300/t; the plant takes ``capacity`` t/week."""
    return build(config(**{"policy.leakage_penalty_gbp_per_t": penalty}), sites=OUTLET_SITES,
                 lanes=OUTLET_LANES, outlets=OUTLETS,
                 plants=NEW_PLANT.replace(",0,0,reo", f",{capacity},0,reo"))


def test_a_higher_leakage_penalty_never_raises_leakage(solved):
    leaked = [solved(export_case(p, 100)).kpis["leaked_t"] for p in (0, 50, 100, 150, 1000)]
    assert leaked == sorted(leaked, reverse=True)
    assert leaked[0] == exact(5) and leaked[-1] == exact(0)  # £400 vs £300 + penalty


def test_more_plant_capacity_never_raises_cost(solved):
    cost = [solved(export_case(1000, c)).objective_gbp for c in (0, 1, 2.5, 5, 50)]
    assert cost == sorted(cost, reverse=True)


def test_an_export_ban_leaks_nothing(solved):
    ban = export_case(0, 2).with_overrides({"policy.max_leakage_share": 0})
    r = solved(ban)
    assert r.kpis["leaked_t"] == exact(0) and r.leakage.empty
    assert r.kpis["processed_uk_t"] == exact(2)  # the rest stays in stock


def test_compare_has_a_scenario_index_and_every_cost_line():
    results = {"free": solve(export_case(0, 100)), "penalised": solve(export_case(1000, 100))}
    df = compare(results)
    assert df.index.name == "scenario" and list(df.index) == ["free", "penalised"]
    for name, r in results.items():
        assert df.at[name, "objective_gbp"] == exact(r.objective_gbp)
        assert df.at[name, "leaked_t"] == exact(r.kpis["leaked_t"])
        assert df.at[name, "cost_export_revenue_gbp"] == exact(r.cost_lines["export_revenue"])
    assert df.at["free", "leakage_share_by_sector[vehicle]"] == exact(1.0)


def test_a_result_writes_itself_with_its_overrides(tmp_path):
    sc = export_case(0, 100).with_overrides(["policy.leakage_penalty_gbp_per_t = 1000"])
    r = solve(sc)
    out = feedstock.write(r, tmp_path / "out")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["overrides"] == [{"override": "policy.leakage_penalty_gbp_per_t = 1000",
                                     "source": "overrides"}]
    assert (out / "flows.csv").is_file() and r.cost_lines.sum() == exact(r.objective_gbp)


def test_the_cli_applies_override_files_in_order_and_records_them(tmp_path):
    folder = write_folder(tmp_path / "sc", config(**{"policy.leakage_penalty_gbp_per_t": 0}),
                          sites=OUTLET_SITES, lanes=OUTLET_LANES, outlets=OUTLETS)
    first, second = tmp_path / "a.toml", tmp_path / "b.toml"
    first.write_text("[policy]\nleakage_penalty_gbp_per_t = 1000\n")
    second.write_text('"policy.leakage_penalty_gbp_per_t *=" = 0\n')
    res = CliRunner().invoke(main, ["solve", str(folder), "--json", "--override", str(first),
                                    "--override", str(second)])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout)
    assert [o["override"] for o in summary["overrides"]] == [
        "policy.leakage_penalty_gbp_per_t = 1000", "policy.leakage_penalty_gbp_per_t *= 0"]
    assert summary["kpis"]["leaked_t"] == exact(5)  # penalty 0 in the end: all sold
    bad = tmp_path / "bad.toml"
    bad.write_text('"plants.capacity_t_per_week[nowhere]" = 1\n')
    res = CliRunner().invoke(main, ["solve", str(folder), "--override", str(bad)])
    assert res.exit_code == 2 and "no plants row with id 'nowhere'" in res.stderr


def test_a_result_pickles_for_worker_processes():
    import pickle

    r = solve(export_case(0, 100))
    back = pickle.loads(pickle.dumps(r))
    assert back.objective_gbp == r.objective_gbp and back.kpis.equals(r.kpis)
    assert back.flows.equals(r.flows) and back.source.name == r.source.name
