"""The cost-leakage frontier on a tiny case worked out by hand.

5 t at ``src``; a buyer pays £400/t (one truck, £100); the plant has no capacity
of its own but an option ``plant/line`` of 2 t/week for £200, and earns £300 per
tonne processed (one truck, £100); stock left over costs nothing. With leakage
penalties at 0 the cheapest plan sells everything: cost -£1,900, L_max = 5 t.
The least leakage is 0 t (build, process 2 t, keep 3 t). For each epsilon the
cheapest plan sells ``s <= eps`` and processes ``p <= 2``:

======  ===============================================  ==========  =========
eps t   plan                                             cost £      built
======  ===============================================  ==========  =========
0       build, process 2: 600 - 100 - 200                -300        yes
1.25    sell 1.25, process 2: 500 + 600 - 200 - 200      -700        yes
2.5     sell 2.5, process 2: 1000 + 600 - 400             -1,200      yes
3.75    sell 3.75, process 1.25: 1500 + 375 - 400         -1,475      yes
5       sell 5: 2000 - 100                               -1,900      no
======  ===============================================  ==========  =========
"""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from feedstock.cli.main import main
from feedstock.optimizer.studies import SweepOptions, pareto
from feedstock.optimizer.studies.pareto import min_leakage, no_penalties, non_dominated
from tests.builders import build, config, write_folder
from tests.plans import exact
from tests.solver.test_whatif import NEW_PLANT, OUTLET_LANES, OUTLET_SITES, OUTLETS

OPTION = ("site_id,option,extra_capacity_t_per_week,fixed_cost_gbp,available_from_week\n"
          "plant,line,2,200,2026-W48\n")
TABLES = {"sites": OUTLET_SITES, "lanes": OUTLET_LANES, "outlets": OUTLETS,
          "plants": NEW_PLANT, "expansions": OPTION}
EXPECTED = [(0.0, -300.0), (1.25, -700.0), (2.5, -1200.0), (3.75, -1475.0), (5.0, -1900.0)]


def case():
    return build(config(**{"policy.leakage_penalty_gbp_per_t": 700}), **TABLES)


def test_the_frontier_matches_the_hand_worked_table(tmp_path):
    f = pareto(case(), points=5)
    assert (f.l_min_t, f.l_max_t) == (exact(0.0), exact(5.0))
    got = list(zip(f.table["leaked_t"], f.table["cost_gbp"], strict=True))
    assert got == [(exact(e), exact(c)) for e, c in EXPECTED]
    assert list(f.table["epsilon_t"]) == [exact(e) for e, _ in EXPECTED]
    labels = list(f.table["label"])
    assert labels[:4] == ["plant/line built"] * 4 and labels[4] == "decisions as in the cheapest plan"
    # written: the table, every point, the picture
    out = f.write(tmp_path / "frontier", title="tiny")
    assert pd.read_csv(out / "frontier.csv").shape[0] == 5
    png = (out / "frontier.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_points_are_sorted_and_non_dominated():
    f = pareto(case(), points=4, workers=2)
    t = f.table
    assert t["leaked_t"].is_monotonic_increasing and t["cost_gbp"].is_monotonic_decreasing
    for _, a in t.iterrows():
        beaten = t[(t["leaked_t"] <= a["leaked_t"]) & (t["cost_gbp"] <= a["cost_gbp"])
                   & ((t["leaked_t"] < a["leaked_t"]) | (t["cost_gbp"] < a["cost_gbp"]))]
        assert beaten.empty


def test_non_dominated_drops_points_beaten_on_both_counts():
    t = pd.DataFrame({"leaked_t": [0, 1, 2, 3], "cost_gbp": [10, 8, 9, 5]})
    assert list(non_dominated(t).index) == [0, 1, 3]


def test_least_leakage_and_penalties_off():
    sc = case()
    assert no_penalties(sc) == {"policy.leakage_penalty_gbp_per_t": 0}
    assert min_leakage(sc.with_overrides(no_penalties(sc)), SweepOptions()) == exact(0.0)
    with pytest.raises(ValueError, match="at least 2"):
        pareto(sc, points=1)


def test_the_cli_writes_frontier_csv_and_png(tmp_path):
    folder = write_folder(tmp_path / "sc", config(), **TABLES)
    res = CliRunner().invoke(main, ["pareto", str(folder), "--points", "3", "--out",
                                    str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(tmp_path / "out" / "frontier.csv")
    assert list(table["leaked_t"]) == [exact(0), exact(2.5), exact(5)]
    assert (tmp_path / "out" / "frontier.png").stat().st_size > 10_000
    summary = json.loads((tmp_path / "out" / "points" / "v001" / "summary.json").read_text())
    assert summary["overrides"][-1]["override"] == "policy.max_leakage_t = 0.0"
