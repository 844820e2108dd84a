"""Family 4 — hub capacity on intake, and hubs that must be opened."""

from __future__ import annotations

import math

import pyomo.environ as pyo

from models._util import group
from models.sets import ModelData
from models.variables import X_KEY


def add_hub_capacity(m: pyo.ConcreteModel, d: ModelData) -> None:
    r"""``hub_capacity[h,t]``: tonnes arriving at a hub in week t fit its capacity.

    .. math:: \sum_{a \to h} \sum_f x_{a,f,t-\tau_a} \le \mathrm{cap}_h \cdot z_h

    with :math:`z_h = 1` for hubs without a fixed cost. A hub with a fixed cost
    but no capacity uses :math:`M_h` = every tonne of every feedstock that can
    reach it, a bound from the data.
    """
    hubs = d.hubs.set_index("site_id")
    into = group(d.x[d.x["destination"].isin(hubs.index)], ["destination", "arrival"],
                 list(X_KEY))
    rows = []
    limit = {}
    for (h, t) in sorted(into):
        cap = hubs.at[h, "capacity_t_per_week"]
        opened = hubs.at[h, "fixed_cost_gbp"] > 0
        if math.isinf(cap) and not opened:
            continue
        rows.append((h, t))
        limit[h, t] = (hubs.at[h, "big_m"] if math.isinf(cap) else cap, opened)

    def rule(_m, h, t):
        cap, opened = limit[h, t]
        intake = pyo.quicksum(m.x[k] for k in into[h, t])
        return intake - cap * m.z[h] <= 0 if opened else intake <= cap

    m.hub_capacity = pyo.Constraint(rows, rule=rule)
