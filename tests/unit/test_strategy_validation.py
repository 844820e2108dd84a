"""Strategic inputs are validated like every other file: all problems at once, each located.

forecast.csv, prices.csv, the build columns of expansions.csv and ``[strategy]`` in
scenario.toml; notes (not errors) for what is read but does nothing.
"""

from __future__ import annotations

import pytest

from feedstock.optimizer.base.errors import ScenarioError
from tests.builders import build, config
from tests.solver.test_strategy import LANES, OPTION, OUTLETS, PLANTS, SITES, SUPPLY_1

pytestmark = pytest.mark.unit

STRATEGY = {"first_year": 2027, "years": 3}


def scenario(strategy=None, **tables):
    texts = {"sites": SITES, "lanes": LANES, "plants": PLANTS, "outlets": OUTLETS,
             "supply": SUPPLY_1, **tables}
    return build(config(strategy=strategy or STRATEGY), **texts)


def problems(**kwargs) -> set[tuple]:
    with pytest.raises(ScenarioError) as err:
        scenario(**kwargs)
    return {(p.file, p.row, p.column, p.value) for p in err.value.problems}


def test_every_strategic_problem_is_reported_at_once_with_its_cell():
    found = problems(
        forecast="year,sector,index,feedstock_id,site_id\n2027,ships,1,,\n"
                 "2028,vehicle,-1,,\n2029,vehicle,1,unobtainium,\n2029,vehicle,1,,plant\n",
        prices="year,item,index\n2027,gold,1\n",
        expansions=OPTION + "plant,a,1,,,1000,,0,,,\n"
                            "plant,b,1,,,1000,10,0,2029,2028,\n")
    assert found == {
        ("forecast.csv", 2, "sector", "ships"),
        ("forecast.csv", 3, "index", "-1"),
        ("forecast.csv", 4, "feedstock_id", "unobtainium"),
        ("forecast.csv", 5, "site_id", "plant"),
        ("prices.csv", 2, "item", "gold"),
        ("expansions.csv", 2, "lifetime_years", ""),
        ("expansions.csv", 3, "latest_year", "2028"),
    }


def test_a_strategy_table_that_cannot_be_a_horizon_is_refused():
    found = problems(strategy={**STRATEGY, "commit_until": 2031, "period": "month"})
    assert {c for _, _, c, _ in found} == {"strategy.commit_until", "strategy.period"}


def test_what_does_nothing_is_noted_not_refused():
    sc = scenario(
        forecast="year,sector,index\n2020,vehicle,0.5\n2040,vehicle,3\n",
        expansions=OPTION + "plant,late,1,,,1000,10,5,,,\nplant,weekly,1,500,2026-W48,,,,,,\n",
        offtake="product,week,min_t\nreo,2026-W48,1\nreo,2028,2\n")
    notes = "\n".join(sc.notes)
    assert "forecast.csv: 2 row(s) outside 2027..2029" in notes
    assert "plant/late decided in 2027 at the earliest is online from 2032, after the " \
           "horizon (2029): it cannot be built" in notes
    assert "plant/weekly has no capex_gbp and lifetime_years: a weekly option" in notes
    assert "offtake.csv: 1 row(s) naming an ISO week are for weekly runs" in notes
