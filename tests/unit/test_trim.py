"""The rounded plan's trips cut back to what its tonnes need (mipstart.trim), worked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from feedstock.optimizer.solve import pipeline
from feedstock.optimizer.solve.mipstart import trim
from feedstock.optimizer.solve.runners import HighsRunner, SolverOptions
from tests.builders import SUPPLY, build, config
from tests.plans import sites

ARRIVING = "origin,destination,mode,feedstock_id,arrival_week,tonnes\n"


def _handed_over(sc):
    """The built model and HiGHS's column of each of its variables."""
    built = pipeline.build(pipeline.prepare(sc))
    runner = HighsRunner(SolverOptions(name="highs", time_limit_s=10, mip_rel_gap=0.0,
                                       threads=1, seed=0))
    runner.load(built.model)
    return built, runner.solver._pyomo_var_to_solver_var_map


def test_trips_follow_the_tonnes_of_their_lane_and_week():
    """5 t a week from src to plant, a 10 t truck: the completing LP kept 3 trips in week 1
    and 2 in week 2 (rounded up), but 12 t go in week 1 and none in week 2.

    Trimmed: ceil(12 / 10) = 2 trips in week 1, none in week 2; the tonnes stay.
    """
    built, column = _handed_over(build(config(weeks=2), supply=SUPPLY + "src,mag,2026-W49,7\n"))
    m = built.model
    (first, second), arc = sorted(k[1] for k in m.n), next(iter(m.n))[0]
    plan = np.zeros(len(column))
    for (a, _f, t), v in m.x.items():
        plan[column[id(v)]] = 12.0 if (a, t) == (arc, first) else 0.0
    plan[column[id(m.n[arc, first])]], plan[column[id(m.n[arc, second])]] = 3.0, 2.0
    trimmed = trim(built, column, plan)
    assert trimmed[column[id(m.n[arc, first])]] == 2.0
    assert trimmed[column[id(m.n[arc, second])]] == 0.0
    x = [column[id(v)] for v in m.x.values()]
    assert list(trimmed[x]) == list(plan[x])


@pytest.mark.parametrize(("arriving_t", "open_after"), [(0.0, 0.0), (3.0, 1.0)])
def test_a_hub_stays_open_while_anything_reaches_it(arriving_t, open_after):
    """A hub with a £100 opening the completing LP kept open (z = 1) but sends nothing to.

    Nothing shipped to it and nothing in transit: trimmed shut (z = 0). 3 t arriving
    from last week's plan count as its intake: it stays open.
    """
    transit = ARRIVING + (f"src,hub,truck,mag,2026-W48,{arriving_t:g}\n" if arriving_t else "")
    sc = build(sites=sites("src source", "hub hub", "plant plant"),
               hubs="site_id,capacity_t_per_week,handling_gbp_per_t,fixed_cost_gbp\n"
                    "hub,6,10,100\n",
               lanes="origin,destination,mode,distance_km\nsrc,hub,truck,10\n"
                     "hub,plant,truck,10\nsrc,plant,truck,10\n",
               in_transit=transit)
    built, column = _handed_over(sc)
    m = built.model
    plan = np.zeros(len(column))
    (hub, z), = m.z.items()
    plan[column[id(z)]] = 1.0
    assert hub == "hub"
    assert trim(built, column, plan)[column[id(z)]] == open_after


@pytest.mark.parametrize("rows", [0, 1, 500])
def test_tonnes_sum_by_lane_and_week_as_pandas_does(rows):
    """trim's numpy sums (whole-number keys) equal pandas' group sums, label for label."""
    from feedstock.optimizer.solve.mipstart import _sums

    rng = np.random.default_rng(rows)
    arcs = pd.Series(rng.choice(["a>b>truck", "a>c>truck", "c>b>ferry"], rows))
    weeks = pd.Series(rng.integers(1, 5, rows))
    tonnes = rng.random(rows) * 10
    expected = pd.Series(tonnes).groupby([arcs.to_numpy(), weeks.to_numpy()]).sum().to_dict()
    got = _sums(tonnes, arcs, weeks)
    assert got.keys() == expected.keys()
    assert all(got[k] == pytest.approx(expected[k], rel=1e-12) for k in got)
    by_arc = pd.Series(tonnes).groupby(arcs.to_numpy()).sum().to_dict()
    assert _sums(tonnes, arcs) == pytest.approx({(k,): v for k, v in by_arc.items()})
