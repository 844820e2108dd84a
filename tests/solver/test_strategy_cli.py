"""``feedstock strategy`` as a user runs it: files, --json, bad input and infeasibility."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from feedstock.cli.main import main
from tests.builders import config, write_folder
from tests.plans import exact
from tests.solver.test_strategy import LANES, OPTION, OUTLETS, PLANTS, SITES, SUPPLY_1, line

pytestmark = pytest.mark.solver

RAMP = "year,sector,index\n2027,vehicle,0.5\n2028,vehicle,1\n"
FILES = {"builds.csv", "capacity.csv", "flows_by_year.csv", "leakage_by_year.csv",
         "cost_by_year.csv", "regret.csv", "measures.json", "commitments.csv", "summary.json",
         "strategy.png", "report.html"}


def folder(tmp_path, *, rate: float = 0.0, **tables):
    cfg = config(strategy={"first_year": 2027, "years": 3, "discount_rate": rate})
    texts = {"sites": SITES, "lanes": LANES, "plants": PLANTS, "outlets": OUTLETS,
             "expansions": OPTION + line(50_000), "forecast": RAMP, "supply": SUPPLY_1,
             **tables}
    return write_folder(tmp_path / "sc", cfg, **texts)


def run(*args: str):
    return CliRunner().invoke(main, ["strategy", *args])


def test_strategy_prints_the_build_plan_and_writes_every_file(tmp_path):
    """The discounting case of test_strategy.py at 0 %: built in 2027, -£22,700."""
    out = tmp_path / "out"
    res = run(str(folder(tmp_path)), "--out", str(out))
    assert res.exit_code == 0, res.output
    assert "2027: build plant/line (+52 t/yr), online 2027-2036" in res.output
    assert "-£22,700" in res.output
    assert FILES <= {p.name for p in out.iterdir()}
    builds = pd.read_csv(out / "builds.csv")
    assert builds[["site_id", "option", "decided_year", "online_from", "online_to"]] \
        .values.tolist() == [["plant", "line", 2027, 2027, 2036]]
    assert builds["cost_in_horizon_gbp"].tolist() == [exact(15_000)]
    cap = pd.read_csv(out / "capacity.csv")
    assert cap["capacity_t"].tolist() == [52, 52, 52]
    assert cap["feed_t"].tolist() == [exact(26), exact(52), exact(52)]
    cost = pd.read_csv(out / "cost_by_year.csv")
    assert cost["discounted_cost_gbp"].sum() == exact(-22_700)
    assert cost.groupby("year")["cost_gbp"].sum().to_dict() == {
        2027: exact(26 * -290 + 5_000), 2028: exact(52 * -290 + 5_000),
        2029: exact(52 * -290 + 5_000)}
    m = json.loads((out / "measures.json").read_text())
    assert m["rp_gbp"] == m["eev_gbp"] == m["ws_gbp"] == exact(-22_700)
    assert m["vss_gbp"] == 0 and m["evpi_gbp"] == 0  # one future: nothing to hedge
    assert m["first_stage"] == [{"option": "line", "site_id": "plant", "year": 2027}]
    assert m["futures"] == {"base": {"probability": 1.0, "cost_gbp": exact(-22_700),
                                     "ws_gbp": exact(-22_700),
                                     "own_first_stage": ["plant/line@2027"]}}
    commit = pd.read_csv(out / "commitments.csv", dtype=str)
    assert commit.values.tolist() == [["expansion", "line", "plant", "True", "2027", "2027",
                                       "2036"]]
    assert "Strategy: what is built" in (out / "report.html").read_text()


def test_json_prints_measures_only(tmp_path):
    res = run(str(folder(tmp_path, rate=0.08)), "--json")
    assert res.exit_code == 0, res.output
    m = json.loads(res.output)
    assert {"status", "gap", "rp_gbp", "eev_gbp", "vss_gbp", "ws_gbp", "evpi_gbp", "futures",
            "first_stage", "reference"} <= set(m)
    assert m["first_stage"] == []  # built in 2028, after commit_until (= first_year)


def test_bad_strategic_input_exits_2_with_every_problem(tmp_path):
    bad = folder(tmp_path, forecast="year,sector,index\n2027,ships,1\nsoon,vehicle,-1\n")
    res = run(str(bad))
    assert res.exit_code == 2
    assert "forecast.csv, row 2, column sector = 'ships'" in res.output
    assert "row 3, column year = 'soon'" in res.output and "Traceback" not in res.output


def test_an_infeasible_strategy_exits_3_and_explains(tmp_path):
    """The plant must run at least 2 t/week (104 t a year) but only 52 t a year arrive."""
    plants = PLANTS.replace("long_loop,0,0,reo,reo_share,1.0,1000,0",
                            "long_loop,5,0,reo,reo_share,1.0,1000,2")
    outlets = "site_id,feedstock_id,price_gbp_per_t,max_t_per_week\nout,*,100,0\n"
    res = run(str(folder(tmp_path, plants=plants, outlets=outlets)), "--out",
              str(tmp_path / "out"))
    assert res.exit_code == 3, res.output
    assert (tmp_path / "out" / "summary.json").is_file()


HIGH_ZERO = """
[high]
probability = 0.5
reference = true

[zero]
probability = 0.5
"forecast.index[*]" = 0
"""


def test_futures_toml_beside_the_scenario_gives_the_hedged_plan_and_its_measures(tmp_path):
    """test_futures.py's case worked on paper, through the CLI: RP -£7,020, VSS £2,400."""
    flat = "year,sector,index\n2027,vehicle,1\n2028,vehicle,1\n2029,vehicle,1\n"
    sc = folder(tmp_path, expansions=OPTION + line(60_000, earliest="2027", latest="2027"),
                forecast=flat)
    (sc / "futures.toml").write_text(HIGH_ZERO, encoding="utf-8")
    out = tmp_path / "out"
    res = run(str(sc), "--out", str(out), "--workers", "1")
    assert res.exit_code == 0, res.output
    assert "Hedged first stage (decided up to 2027, the same in every future): nothing" \
        in res.output
    assert "VSS = EEV - RP" in res.output and "£2,400" in res.output
    assert "Most regretted: the high future's own plan" in res.output
    m = json.loads((out / "measures.json").read_text())
    assert (m["rp_gbp"], m["eev_gbp"], m["ws_gbp"]) == (exact(-7_020), exact(-4_620),
                                                       exact(-13_620))
    regret = pd.read_csv(out / "regret.csv")
    assert set(regret["plan_of"]) == {"hedged", "high", "zero"}
    assert pd.read_csv(out / "builds.csv").empty  # the hedge builds nothing in any future
    assert "Futures: what hedging and foresight are worth" in (out / "report.html").read_text()
    one = run(str(sc), "--one-future", "--json")  # the scenario alone: nothing to hedge
    assert one.exit_code == 0 and json.loads(one.output)["vss_gbp"] == 0


def test_a_bad_futures_file_exits_2_with_every_problem(tmp_path):
    sc = folder(tmp_path)
    bad = tmp_path / "bad.toml"
    bad.write_text('[a]\nprobability = 0.7\n[b]\nprobability = 0.7\n"plants.nope[*]" = 1\n',
                   encoding="utf-8")
    res = run(str(sc), "--futures", str(bad))
    assert res.exit_code == 2
    assert "add to 1.4, not 1" in res.output and "b: plants.nope" in res.output
    assert "Traceback" not in res.output
    res = run(str(sc), "--sample", "5")
    assert res.exit_code == 2 and "--sample needs a futures.toml with [sampling]" in res.output


def test_ranks_solves_the_futures_by_progressive_hedging(tmp_path):
    """--ranks 2: mpi-sppy's PH on MPI finds the hedge worked on paper (the small plant)."""
    import importlib.util
    import sys
    from pathlib import Path

    if importlib.util.find_spec("mpisppy") is None or not (
            Path(sys.executable).parent / "mpiexec").exists():
        pytest.skip("progressive hedging needs the [stochastic] extra (mpi-sppy, mpich)")
    flat = "year,sector,index\n2027,vehicle,1\n2028,vehicle,1\n2029,vehicle,1\n"
    options = (line(20_000, extra=0.5, option="small", earliest="2027", latest="2027",
                    group="size")
               + line(60_000, option="large", earliest="2027", latest="2027", group="size"))
    sc = folder(tmp_path, expansions=OPTION + options, forecast=flat)
    (sc / "futures.toml").write_text(HIGH_ZERO, encoding="utf-8")
    res = run(str(sc), "--ranks", "2", "--gap", "0.0001", "--json")
    assert res.exit_code == 0, res.output
    m = json.loads(res.output)
    assert m["first_stage"] == [{"site_id": "plant", "option": "small", "year": 2027}]
    assert m["rp_gbp"] == exact(-8_820)
    assert m["bound_gbp"] <= m["rp_gbp"] + 1e-6
    assert m["progressive_hedging"]["ranks"] == 2
