"""Family 4 — hub capacity on intake, and hubs that must be opened."""

from __future__ import annotations

import math

import pyomo.environ as pyo

from models._util import group
from models.sets import ModelData
from models.variables import X_KEY


def add_hub_capacity(m: pyo.ConcreteModel, d: ModelData) -> None:
    r"""``hub_capacity[h,t]``: tonnes arriving at a hub in week t fit its capacity.

    .. math:: \sum_{a \to h} \sum_f x_{a,f,t-\tau_a} + \mathrm{arriving}_{h,t}
              \le \mathrm{cap}_h \cdot z_h

    with :math:`z_h = 1` for hubs without a fixed cost. ``arriving`` is what
    shipments already on their way (in_transit.csv) bring in week t: the hub
    handles them too. A hub with a fixed cost
    but no capacity uses :math:`M_h` = every tonne of every feedstock that can
    reach it, a bound from the data.
    """
    hubs = d.hubs.set_index("site_id")
    into = group(d.x[d.x["destination"].isin(hubs.index)], ["destination", "arrival"],
                 list(X_KEY))
    fixed = arriving_by_site_week(d)
    rows = []
    limit = {}
    for (h, t) in sorted(set(into) | {k for k in fixed if k[0] in hubs.index}):
        cap = hubs.at[h, "capacity_t_per_week"]
        opened = hubs.at[h, "fixed_cost_gbp"] > 0
        if math.isinf(cap) and not opened:
            continue
        if not opened and (h, t) not in into:  # arrivals only: a pre-solve check's job
            continue
        rows.append((h, t))
        limit[h, t] = (hubs.at[h, "big_m"] if math.isinf(cap) else cap, opened)

    def rule(_m, h, t):
        cap, opened = limit[h, t]
        intake = pyo.quicksum(m.x[k] for k in into.get((h, t), ())) + fixed.get((h, t), 0.0)
        return intake - cap * m.z[h] <= 0 if opened else intake <= cap

    m.hub_capacity = pyo.Constraint(rows, rule=rule)


def arriving_by_site_week(d: ModelData) -> dict[tuple[str, int], float]:
    """Tonnes of in-transit shipments arriving per (site, week), all feedstocks."""
    a = d.arriving.groupby(["site_id", "period"])["tonnes"].sum()
    return {(str(s), int(t)): float(v) for (s, t), v in a.items() if v > 0}
