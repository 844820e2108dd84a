"""OR-Library capacitated facility location: the whole pipeline reproduces published optima.

The instance files and the published figures live in tests/data/orlib (a copy of
the shared benchmark folder; ``ORLIB_DIR`` overrides it); every instance listed in its README with a file
present is solved once (module-scoped) and checked five ways: the optimum, the
demand shipped, the capacities kept, the objective recomputed from the plan with
the instance's own numbers (so a cost the model adds or drops shows up), and the
independent plan checker (``feedstock.optimizer.checker``) in a test of its own, so that a
checker finding never hides whether the optimum was reproduced.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import NamedTuple

import pandas as pd
import pytest

from feedstock import load_scenario
from feedstock.optimizer.results.result import Result
from feedstock.optimizer.scenario import Scenario
from feedstock.optimizer.solve.pipeline import solve
from tests.orlib import (
    CapInstance,
    customer_ids,
    facility_ids,
    read_cap,
    read_published,
    to_scenario,
    write_scenario,
)

ORLIB = Path(os.environ.get("ORLIB_DIR", Path(__file__).resolve().parents[1] / "data" / "orlib"))
README = ORLIB / "README.md"
PUBLISHED = read_published(README) if README.is_file() else {}
PRESENT = [name for name in PUBLISHED if (ORLIB / f"{name}.txt").is_file()]
REL = 1e-6


class Solved(NamedTuple):
    name: str
    inst: CapInstance
    scenario: Scenario
    result: Result


def checker_violations(sc: Scenario, result: Result) -> list:
    """What the independent checker finds; skipped only while it is not in the tree."""
    if importlib.util.find_spec("feedstock.optimizer.checker") is None:
        pytest.skip("feedstock.optimizer.checker does not exist yet")
    from feedstock.optimizer.checker import check_plan

    return check_plan(sc, result)


@pytest.fixture(scope="module", params=PRESENT)
def orlib_plan(request) -> Solved:
    inst = read_cap(ORLIB / f"{request.param}.txt")
    sc = to_scenario(inst)
    return Solved(request.param, inst, sc, solve(sc))


def close(a: float, b: float) -> bool:
    return abs(a - b) <= REL * max(abs(b), 1.0)


# ---------------------------------------------------------------- published instances

def test_readme_lists_instances():
    if not ORLIB.is_dir():
        pytest.skip(f"no benchmark folder {ORLIB} (set ORLIB_DIR)")
    assert PRESENT, f"{README} lists no instance with a file next to it"


@pytest.mark.parametrize("name", PRESENT)
def test_instance_size_matches_readme(name):
    inst = read_cap(ORLIB / f"{name}.txt")
    m, n, _ = PUBLISHED[name]
    assert (inst.facilities, inst.customers) == (m, n)


def test_published_optimum(orlib_plan):
    name, _, _, result = orlib_plan
    optimum = PUBLISHED[name][2]
    assert result.status == "optimal"
    assert close(result.objective_gbp, optimum), \
        f"{name}: {result.objective_gbp:.6f} vs published {optimum:.6f}"


def test_every_customer_demand_ships(orlib_plan):
    _, inst, _, result = orlib_plan
    flows = result.flows
    assert set(flows["destination"]) <= set(facility_ids(inst))
    shipped = flows.groupby("origin")["tonnes_t"].sum()
    for site, demand in zip(customer_ids(inst), inst.demand, strict=True):
        assert close(float(shipped.get(site, 0.0)), demand), site
    assert result.stock.empty and result.leakage.empty


def test_no_plant_exceeds_built_capacity(orlib_plan):
    _, inst, _, result = orlib_plan
    decisions = result.decisions.set_index("site_id")
    feed = result.plant_feed.groupby("site_id")["feed_t"].sum()
    arrived = result.flows.groupby("destination")["tonnes_t"].sum()
    for site, capacity in zip(facility_ids(inst), inst.capacity, strict=True):
        cap = capacity if bool(decisions.at[site, "chosen"]) else 0.0
        fed = float(feed.get(site, 0.0))
        assert fed <= cap + REL * max(cap, 1.0), f"{site}: {fed} t > {cap} t"
        assert close(fed, float(arrived.get(site, 0.0))), f"{site}: arrivals not all processed"


def test_objective_recomputed_from_plan(orlib_plan):
    _, inst, _, result = orlib_plan
    chosen = result.decisions.set_index("site_id")["chosen"].astype(bool)
    fixed = sum(f for site, f in zip(facility_ids(inst), inst.fixed_cost, strict=True)
                if chosen[site])
    row = {site: j for j, site in enumerate(customer_ids(inst))}
    col = {site: i for i, site in enumerate(facility_ids(inst))}
    assignment = sum(t * inst.cost[row[o]][col[d]] / inst.demand[row[o]] for o, d, t in zip(
        result.flows["origin"], result.flows["destination"], result.flows["tonnes_t"],
        strict=True))
    assert close(fixed + assignment, result.objective_gbp)


def test_plan_passes_independent_checker(orlib_plan):
    violations = checker_violations(orlib_plan.scenario, orlib_plan.result)
    assert not violations, "plan checker found:\n" + "\n".join(map(str, violations))


# ---------------------------------------------------------------- reader and mapping

TINY = """ 2 2
 8 5.
 20 50.
 6
 6. 60.
 6 12.
 18.
"""
# Opening only the second facility costs 50 + 60 + 18 = 128; the first alone is too
# small (8 < 12). Both: 55 + c1 at the first (6) + 2 t of c2 there (4) + 4 t of c2 at
# the second (12) = 77 -- only reachable if demand may be split.
TINY_OPTIMUM = 77.0


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tiny.txt"
    path.write_text(text)
    return path


def test_read_cap_wrapped_lines_and_trailing_dots(tmp_path):
    inst = read_cap(write(tmp_path, TINY))
    assert inst.name == "tiny"
    assert inst.capacity == (8.0, 20.0) and inst.fixed_cost == (5.0, 50.0)
    assert inst.demand == (6.0, 6.0)
    assert inst.cost == ((6.0, 60.0), (12.0, 18.0))


@pytest.mark.parametrize("text, message", [
    (" 2 2\n 8 5.\n", "need 12 numbers, found 4"),
    (TINY + " 1\n", "need 12 numbers, found 13"),
    (TINY.replace("60.", "sixty"), r"token 9 \('sixty'\) is not a number"),
    (TINY.replace(" 2 2", " 2.5 2"), "m = 2.5"),
    ("", "expected 'm n'"),
])
def test_read_cap_rejects_bad_files(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        read_cap(write(tmp_path, text))


def test_tiny_instance_splits_demand(tmp_path):
    sc = to_scenario(read_cap(write(tmp_path, TINY)))
    result = solve(sc)
    assert result.status == "optimal"
    assert close(result.objective_gbp, TINY_OPTIMUM)
    c2 = result.flows.query("origin == 'c2'").set_index("destination")["tonnes_t"]
    assert c2.to_dict() == pytest.approx({"f1": 2.0, "f2": 4.0})


def test_tiny_plan_passes_independent_checker(tmp_path):
    sc = to_scenario(read_cap(write(tmp_path, TINY)))
    violations = checker_violations(sc, solve(sc))
    assert not violations, "plan checker found:\n" + "\n".join(map(str, violations))


def test_zero_demand_customer_is_left_out(tmp_path):
    text = " 1 2\n 10 1.\n 0 5.\n 4 8.\n"
    sc = to_scenario(read_cap(write(tmp_path, text)))
    assert list(sc.supply["site_id"]) == ["c2"]
    assert list(sc.lanes["origin"]) == ["c2"]
    assert sc.lanes["cost_gbp_per_t"].tolist() == [2.0]


@pytest.mark.parametrize("name", ["tiny", *PRESENT[:1]])
def test_written_folder_loads_to_the_same_scenario(tmp_path, name):
    inst = read_cap(write(tmp_path, TINY) if name == "tiny" else ORLIB / f"{name}.txt")
    folder = write_scenario(inst, tmp_path / "scenario")
    loaded, built = load_scenario(folder), to_scenario(inst)
    assert loaded.config == built.config
    assert not loaded.notes
    for name, table in built.tables.items():
        pd.testing.assert_frame_equal(loaded.tables[name], table, check_dtype=False,
                                      check_exact=True)
