"""The bundled strategic sample uk-2035: a build plan, every file, and a weekly run that uses it.

The answer asserted here is the one README.md ("Strategic planning") and
data/uk-2035/SOURCES.md explain; it is proved to 0.01 % (not the sample's 0.5 %), so
that a tie or the clock cannot change which builds are made.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from feedstock import check_plan, load_scenario, plan_strategy, solve, write_strategy
from feedstock.data import sample_scenario

pytestmark = pytest.mark.e2e

UK_2035 = sample_scenario("uk-2035")
FILES = {"builds.csv", "capacity.csv", "flows_by_year.csv", "leakage_by_year.csv",
         "cost_by_year.csv", "regret.csv", "measures.json", "commitments.csv", "summary.json",
         "strategy.png", "report.html"}


@pytest.fixture(scope="module")
def strategy():
    """The central future alone (the deterministic model; futures.toml has its own test)."""
    return plan_strategy(load_scenario(UK_2035), futures=None, gap=1e-4, time_limit=1800,
                         progress=False)


def test_the_sample_builds_shifts_now_a_second_short_loop_plant_and_a_600_t_belfast_plant(
        strategy):
    r = strategy.result
    assert r.status in ("optimal", "within_gap") and r.gap <= 1e-4
    assert not check_plan(r.source, r)  # the independent checker re-checks every year
    built = strategy.builds[["site_id", "option", "decided_year", "online_from"]]
    assert built.values.tolist() == [["hypromag_tyseley", "extra_shifts", 2027, 2027],
                                     ["teesside_wilton", "plant_300", 2027, 2029],
                                     ["belfast_harbour", "commercial_plant_600", 2029, 2030]]
    cap = strategy.capacity.set_index(["site_id", "year"])
    assert cap.loc[("belfast_harbour", 2029), "capacity_t"] == 0
    assert cap.loc[("belfast_harbour", 2030), "capacity_t"] == pytest.approx(11.54 * 52)
    assert (cap["feed_t"] <= cap["capacity_t"] * (1 + 1e-6) + 1e-5).all()  # 6-decimal tables
    by_line = strategy.cost_by_year.groupby("line")["discounted_cost_gbp"].sum()
    for line, value in r.cost_lines_gbp.items():
        assert by_line[line] == pytest.approx(value, abs=1.0), line


def test_every_file_is_written_and_measures_say_one_future(strategy, tmp_path):
    out = write_strategy(strategy, tmp_path / "out")
    assert FILES <= {p.name for p in out.iterdir()}
    m = json.loads((out / "measures.json").read_text())
    assert m["vss_gbp"] == 0 and m["evpi_gbp"] == 0
    assert m["rp_gbp"] == pytest.approx(strategy.objective_gbp, abs=0.01)
    assert {(b["site_id"], b["option"]) for b in m["first_stage"]} == {
        ("hypromag_tyseley", "extra_shifts"), ("teesside_wilton", "plant_300")}


def test_a_weekly_run_with_the_commitments_uses_the_committed_capacity(strategy, tmp_path):
    """uk-2035's weekly base (2026-W48 .. 2027-W06) with the plan's commitments.csv.

    The extra shifts (decided 2027, online 2027) are built from 2027-W01 at no fixed cost:
    Tyseley has 1.9 t/week in the 2026 weeks and 1.9 + 3.8 = 5.7 t/week from 2027-W01;
    the later builds are not online inside these weeks.
    """
    out = write_strategy(strategy, tmp_path / "out", pictures=False)
    sc = load_scenario(UK_2035, files={"commitments": out / "commitments.csv"})
    r = solve(sc, gap=0.05, progress=False)
    assert not check_plan(r.source, r)
    tyseley = r.plants[r.plants["site_id"] == "hypromag_tyseley"].set_index("week")
    assert tyseley.loc["2026-W53", "capacity_t_per_week"] == pytest.approx(1.9)
    assert tyseley.loc["2027-W01", "capacity_t_per_week"] == pytest.approx(5.7)
    assert tyseley.loc[["2027-W02", "2027-W03"], "feed_t"].max() > 1.9  # it is used
    shifts = r.decisions[r.decisions["id"] == "hypromag_tyseley/extra_shifts"].iloc[0]
    assert shifts["chosen"] and shifts["fixed_cost_gbp"] == 0
    assert pd.isna(r.plants.loc[r.plants["site_id"] == "belfast_harbour", "utilisation"]).all()


@pytest.fixture(scope="module")
def hedged():
    """uk-2035 with its futures.toml (five futures), as `feedstock strategy` runs it."""
    return plan_strategy(load_scenario(UK_2035), workers=2, progress=False)


def test_the_sample_hedged_plan_is_checked_in_every_future_and_its_measures_hold(hedged):
    m = hedged.measures
    assert set(m["futures"]) == {"central", "fast-ev", "slow-collection", "ndpr-halves",
                                 "export-ban-2029"}
    assert m["status"] in ("optimal", "within_gap") and m["gap"] <= 0.005
    for name, r in hedged.results.items():  # every future's plan, re-checked independently
        assert not check_plan(r.source, r), name
    # README's answer: the 2027 builds every future makes alone, so nothing to hedge
    assert {(b["site_id"], b["option"], b["year"]) for b in m["first_stage"]} == {
        ("hypromag_tyseley", "extra_shifts", 2027), ("teesside_wilton", "plant_300", 2027)}
    lo, hi = m["vss_range_gbp"]
    assert lo <= m["vss_gbp"] <= hi and hi >= 0
    lo, hi = m["evpi_range_gbp"]
    assert lo <= m["evpi_gbp"] <= hi and hi >= 0
    expected = sum(f["probability"] * f["cost_gbp"] for f in m["futures"].values())
    assert expected == pytest.approx(m["rp_gbp"], rel=1e-9)
    assert m["ws_gbp"] <= m["rp_gbp"] + 1e-6 * abs(m["rp_gbp"])
    assert list(hedged.commitments["id"]) == ["extra_shifts", "plant_300"]
