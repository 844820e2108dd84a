"""Family 10 — outlet limits: what one export buyer takes per week."""

from __future__ import annotations

from collections.abc import Mapping

import pyomo.environ as pyo

from feedstock.models._util import group
from feedstock.models.sets import ModelData
from feedstock.models.variables import NODE_KEY


def _sold(d: ModelData) -> dict[tuple, list]:
    return group(d.sales, ["site_id", "row_key", "period"], list(NODE_KEY))


def outlets_numbers(d: ModelData) -> dict[str, dict]:
    """``outlet_max_t[o, row, t]``: the most an outlets.csv row buys in period t, in t.

    ``max_t_per_week`` x the weeks in the period (1 in a weekly run).
    """
    cap = {(r.site_id, r.row_key): float(r.max_t_per_week) for r in d.outlet_rows.itertuples()}
    return {"outlet_max_t": {(o, row, t): cap[o, row] * d.period_weeks[t]
                             for o, row, t in sorted(_sold(d)) if (o, row) in cap}}


def add_outlet_limits(m: pyo.ConcreteModel, d: ModelData, num: Mapping) -> None:
    r"""``outlet_limit[o, row, t]`` for each outlets.csv row with ``max_t_per_week``.

    .. math:: \sum_{f \in \mathrm{row}} e_{o,f,t} \le \mathrm{max\_t\_per\_week}_{o,\mathrm{row}}
              \cdot L_t

    A feedstock row bounds that feedstock; a ``*`` row bounds the feedstocks it
    prices (those without their own row at that outlet).
    """
    sold = _sold(d)
    cap = num["outlet_max_t"]
    m.outlet_limit = pyo.Constraint(list(cap), rule=lambda _m, o, row, t: (
        pyo.quicksum(m.e[k] for k in sold[o, row, t]) <= cap[o, row, t]))
