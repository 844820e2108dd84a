"""Commitments: decisions taken elsewhere that weekly runs take as given, never re-decide.

The tiny weekly chain of tests/builders.py (WEEKLY): 5 t of ``mag`` a week at
``src`` sails by boat (transit 1 week, £50 a trip) to ``plant``, which processes
4 t/week at £300 a tonne earned; stock costs £20/t/week at ``src``, £1 at the plant.
"""

from __future__ import annotations

import pandas as pd
import pytest

from feedstock import load_scenario, solve
from feedstock.optimizer.base.errors import ScenarioError
from feedstock.optimizer.checker import check_plan
from feedstock.optimizer.weekly import WeekOptions, plan_week
from tests.builders import WEEKLY_STOCK, write_weekly
from tests.plans import exact

pytestmark = pytest.mark.solver

LINE = ("site_id,option,extra_capacity_t_per_week,fixed_cost_gbp,available_from_week,"
        "capex_gbp,lifetime_years\n")
COLUMNS = "decision,id,site_id,chosen,decided,online_from,online_to\n"


def checked(r):
    violations = check_plan(r.source, r)  # the scenario as the run read it
    assert not violations, "\n".join(map(str, violations))
    return r


def capacity(r) -> list[float]:
    return r.plants["capacity_t_per_week"].tolist()


def test_a_commitment_makes_a_weekly_run_use_the_capacity_from_its_online_week(tmp_path):
    """A strategic-only option (no available_from_week), committed online from 2026-W49.

    Opening stock 2 t at src. The boat takes 7 t in W48 (arrives W49) and 5 t in W49;
    W50's 5 t cannot arrive inside the horizon and wait at src (£20 x 5 = £100).
    Committed (+2 t/week from W49, no fixed cost): 6 t fed in W49 and 6 t in W50,
    1 t held a week at the plant: -12 x 300 + 2 x 50 + 100 + 1 = -£3,399.
    Not committed (never built in a weekly run): 4 + 4 t fed, 3 t then 4 t held:
    -8 x 300 + 100 + 100 + 7 = -£2,193.
    """
    folder = write_weekly(tmp_path / "sc", inventory=WEEKLY_STOCK,
                          expansions=LINE + "plant,line,2,,,50000,10\n")
    (tmp_path / "c.csv").write_text(COLUMNS + "expansion,line,plant,true,2026,2026-W49,2035\n")
    plain = checked(solve(load_scenario(folder), progress=False))
    assert plain.objective_gbp == exact(-2_193) and capacity(plain) == [4, 4, 4]
    sc = load_scenario(folder, files={"commitments": tmp_path / "c.csv"})
    r = checked(solve(sc, progress=False))
    assert r.objective_gbp == exact(-3_399)
    assert capacity(r) == [4, 6, 6]
    assert r.plants["feed_t"].tolist() == [exact(0), exact(6), exact(6)]
    d = r.decisions.iloc[0]
    assert d["chosen"] and d["fixed_cost_gbp"] == 0  # decided and paid for elsewhere
    assert any("not re-decided" in n for n in r.notes)
    # the same file inside the scenario folder is read as well
    (folder / "commitments.csv").write_text((tmp_path / "c.csv").read_text())
    assert solve(load_scenario(folder), progress=False).objective_gbp == exact(-3_399)


FALLING = "site_id,feedstock_id,week,tonnes\n" + "".join(
    f"src,mag,{w},{t}\n" for w, t in (("2026-W48", 5), ("2026-W49", 5), ("2026-W50", 5),
                                       ("2026-W51", 1), ("2026-W52", 1), ("2026-W53", 1)))


def test_a_chain_of_three_weeks_never_redecides_a_build(tmp_path):
    """The first run builds +2 t/week for £1,000 (12 t fed in W49-W50 against 8 t).

    The two later runs are given that build (commitments.csv of the run before): built,
    no fixed cost, 6 t/week. Re-decided in W50 (``redecide``) it would not be built
    again: with supply falling to 1 t/week, 4 t/week processes the same 12 t over
    W50-W52 (only the timing of stock moves), not worth £1,000.
    """
    folder = write_weekly(tmp_path / "sc", supply=FALLING, expansions=(
        "site_id,option,extra_capacity_t_per_week,fixed_cost_gbp,available_from_week\n"
        "plant,line,2,1000,2026-W48\n"))
    stock = tmp_path / "stock.csv"
    stock.write_text(WEEKLY_STOCK)
    runs, opts = tmp_path / "runs", WeekOptions(maps=False)
    weeks = ("2026-W48", "2026-W49", "2026-W50")
    done = [plan_week(folder, w, runs_dir=runs, stock=stock if i == 0 else None, options=opts)
            for i, w in enumerate(weeks)]
    first = done[0].result.decisions.iloc[0]
    assert first["chosen"] and first["fixed_cost_gbp"] == 1000
    for run in done[1:]:
        d = checked(run.result).decisions.iloc[0]
        assert d["chosen"] and d["fixed_cost_gbp"] == 0
        assert capacity(run.result) == [6, 6, 6]
    carried = [pd.read_csv(r.folder / "commitments.csv", dtype=str) for r in done]
    cols = ["decision", "id", "site_id", "chosen", "decided", "online_from"]
    assert carried[0][cols].values.tolist() == [
        ["expansion", "line", "plant", "true", "2026-W48", "2026-W48"]]
    for later in carried[1:]:
        pd.testing.assert_frame_equal(later, carried[0])
    manifest = (done[1].folder / "manifest.json").read_text()
    assert "commitments" in manifest
    again = plan_week(folder, weeks[2], runs_dir=runs, force=True,
                      options=WeekOptions(maps=False, redecide=True))
    d = checked(again.result).decisions.iloc[0]
    assert not d["chosen"] and d["fixed_cost_gbp"] == 1000
    assert capacity(again.result) == [4, 4, 4]


def test_a_commitment_that_names_nothing_is_a_clear_error(tmp_path):
    folder = write_weekly(tmp_path / "sc", expansions=LINE + "plant,line,2,,,50000,10\n")
    bad = tmp_path / "bad.csv"
    bad.write_text(COLUMNS + "expansion,lines,plant,true,2026,2027,2026\n"
                   "hub_open,nowhere,,yes,,all,\n")
    with pytest.raises(ScenarioError) as err:
        load_scenario(folder, files={"commitments": bad})
    found = {(p.row, p.column) for p in err.value.problems}
    assert found == {(2, "id"), (2, "online_to"), (3, "id"), (3, "online_from")}
    assert all(p.file == str(bad) for p in err.value.problems)
