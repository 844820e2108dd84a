"""Family 8 — leakage cap: at most a share of the available tonnes may leave the UK."""

from __future__ import annotations

from collections.abc import Mapping

import pyomo.environ as pyo

from feedstock.models.sets import ModelData


def leakage_numbers(d: ModelData) -> dict[str, dict]:
    """``leakage_limit_t["all"]``: the cap in t over the horizon (no row without outlets)."""
    return {"leakage_limit_t": {"all": float(d.leakage_limit_t)} if len(d.sales) else {}}


def add_leakage_cap(m: pyo.ConcreteModel, d: ModelData, num: Mapping) -> None:
    r"""``leakage_cap``: tonnes sold at outlets over the horizon.

    .. math:: \sum_{o,f,t} e_{o,f,t} \le \min\Big(\mathrm{max\_leakage\_share}
              \cdot \Big(\sum \mathrm{supply} + \sum \mathrm{inventory}\Big),\;
              \mathrm{max\_leakage\_t}\Big)

    "available" counts supply inside the horizon, opening stock and in-transit
    arrivals; ``max_leakage_t`` (optional, not in docs/model.md) is an absolute cap, the
    epsilon of the Pareto frontier.
    """
    limit = num["leakage_limit_t"]
    m.leakage_cap = pyo.Constraint(
        rule=lambda _m: pyo.quicksum(m.e[k] for k in m.E) <= limit["all"] if len(limit)
        else pyo.Constraint.Skip)
