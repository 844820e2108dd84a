"""Family 6 — minimum run: a plant with ``min_weekly_t`` runs at least that or not at all."""

from __future__ import annotations

from collections.abc import Mapping

import pyomo.environ as pyo

from feedstock.models._util import group, keys
from feedstock.models.sets import ModelData
from feedstock.models.variables import NODE_KEY


def minimum_run_numbers(d: ModelData) -> dict[str, dict]:
    """``min_run_t[p,t]`` (min_weekly_t) and ``min_run_cap_t[p,t]`` (cap_max_t), t per period.

    Per-week figures x the weeks in the period (1 in a weekly run).
    """
    rows = keys(d.min_runs, ("site_id", "period"))
    weeks = [d.period_weeks[t] for _p, t in rows]
    return {"min_run_t": {k: v * w for k, v, w in zip(rows, d.min_runs["min_weekly_t"],
                                                      weeks, strict=True)},
            "min_run_cap_t": {k: v * w for k, v, w in zip(rows, d.min_runs["cap_max_t"],
                                                          weeks, strict=True)}}


def add_minimum_run(m: pyo.ConcreteModel, d: ModelData, num: Mapping) -> None:
    r"""``min_run_lower[p,t]`` and ``min_run_upper[p,t]``.

    .. math:: \mathrm{min\_weekly}_p\, u_{p,t} \le \sum_f q_{p,f,t}
              \le \mathrm{cap\_max}_p\, u_{p,t}

    ``cap_max`` is base capacity plus every expansion option of the plant (a
    bound from the data, never an arbitrary big number).
    """
    feed = group(d.feeds, ["site_id", "period"], list(NODE_KEY))
    rows = keys(d.min_runs, ("site_id", "period"))
    low, high = num["min_run_t"], num["min_run_cap_t"]

    def total(p, t):
        return pyo.quicksum(m.q[k] for k in feed[p, t])

    m.min_run_lower = pyo.Constraint(rows, rule=lambda _m, p, t: (
        total(p, t) - low[p, t] * m.u[p, t] >= 0))
    m.min_run_upper = pyo.Constraint(rows, rule=lambda _m, p, t: (
        total(p, t) - high[p, t] * m.u[p, t] <= 0))
