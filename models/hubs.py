"""Family 4 — hub capacity on intake, and hubs that must be opened."""

from __future__ import annotations

import math
from collections.abc import Mapping

import pyomo.environ as pyo

from feedstock.models._util import group
from feedstock.models.sets import ModelData
from feedstock.models.variables import X_KEY


def _intake(d: ModelData) -> dict[tuple, list]:
    """Arc-feedstock-weeks arriving at each (hub, week)."""
    into_hubs = d.flows[d.flows["destination"].isin(d.hubs["site_id"])]
    return group(into_hubs, ["destination", "arrival"], list(X_KEY))


def hubs_numbers(d: ModelData) -> dict[str, dict]:
    """Hub rows: capacity (t/week x weeks in the period) of hubs always open and closable.

    ``hub_open_t[h,t]``: rows of hubs without a fixed cost (always open);
    ``hub_closable_t[h,t]``: rows of hubs with one, the capacity or the big-M
    :math:`M_h`; ``hub_arriving_t[h,t]``: in-transit tonnes arriving at a row's hub.
    """
    hubs = d.hubs.set_index("site_id")
    into = _intake(d)
    fixed = arriving_by_site_week(d)
    always, closable = {}, {}
    for (h, t) in sorted(set(into) | {k for k in fixed if k[0] in hubs.index}):
        cap = hubs.at[h, "capacity_t_per_week"]
        opened = hubs.at[h, "fixed_cost_gbp"] > 0
        if math.isinf(cap) and not opened:
            continue
        if not opened and (h, t) not in into:  # arrivals only: a pre-solve check's job
            continue
        weeks = d.period_weeks[t]  # capacity is per week (1 week in a weekly run)
        if opened:
            closable[h, t] = float(hubs.at[h, "big_m"] if math.isinf(cap) else cap * weeks)
        else:
            always[h, t] = float(cap) * weeks
    rows = always.keys() | closable.keys()
    return {"hub_open_t": always, "hub_closable_t": closable,
            "hub_arriving_t": {k: v for k, v in fixed.items() if k in rows}}


def add_hub_capacity(m: pyo.ConcreteModel, d: ModelData, num: Mapping) -> None:
    r"""``hub_capacity[h,t]``: tonnes arriving at a hub in week t fit its capacity.

    .. math:: \sum_{a \to h} \sum_f x_{a,f,t-\tau_a} + \mathrm{arriving}_{h,t}
              \le \mathrm{cap}_h \cdot z_h

    with :math:`z_h = 1` for hubs without a fixed cost. ``arriving`` is what
    shipments already on their way (in_transit.csv) bring in week t: the hub
    handles them too. A hub with a fixed cost
    but no capacity uses :math:`M_h` = every tonne of every feedstock that can
    reach it, a bound from the data.
    """
    into = _intake(d)
    always, closable, arriving = num["hub_open_t"], num["hub_closable_t"], num["hub_arriving_t"]

    def rule(_m, h, t):
        intake = pyo.quicksum(m.x[k] for k in into.get((h, t), ()))
        if (h, t) in arriving:
            intake = intake + arriving[h, t]
        if (h, t) in closable:
            return intake - closable[h, t] * m.z[h] <= 0
        return intake <= always[h, t]

    m.hub_capacity = pyo.Constraint(sorted([*always, *closable]), rule=rule)


def arriving_by_site_week(d: ModelData) -> dict[tuple[str, int], float]:
    """Tonnes of in-transit shipments arriving per (site, week), all feedstocks."""
    a = d.arriving.groupby(["site_id", "period"])["tonnes"].sum()
    return {(str(s), int(t)): float(v) for (s, t), v in a.items() if v > 0}
