"""The rounded plan's trips cut back to what its tonnes need (mipstart.trim), worked by hand."""

from __future__ import annotations

import numpy as np

from feedstock.optimizer.solve import pipeline
from feedstock.optimizer.solve.mipstart import trim
from feedstock.optimizer.solve.runners import HighsRunner, SolverOptions
from tests.builders import SUPPLY, build, config


def test_trips_follow_the_tonnes_of_their_lane_and_week():
    """5 t a week from src to plant, a 10 t truck: the completing LP kept 3 trips in week 1
    and 2 in week 2 (rounded up), but 12 t go in week 1 and none in week 2.

    Trimmed: ceil(12 / 10) = 2 trips in week 1, none in week 2; the tonnes stay.
    """
    sc = build(config(weeks=2), supply=SUPPLY + "src,mag,2026-W49,7\n")
    built = pipeline.build(pipeline.prepare(sc))
    runner = HighsRunner(SolverOptions(name="highs", time_limit_s=10, mip_rel_gap=0.0,
                                       threads=1, seed=0))
    runner.load(built.model)
    column = runner.solver._pyomo_var_to_solver_var_map
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
