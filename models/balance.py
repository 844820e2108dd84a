"""Family 1 — mass balance of every feedstock at every node and week."""

from __future__ import annotations

from collections.abc import Mapping

import pyomo.environ as pyo

from feedstock.models._util import group, keys
from feedstock.models.sets import ModelData
from feedstock.models.variables import NODE_KEY, X_KEY


def balance_numbers(d: ModelData) -> dict[str, dict]:
    """``balance_rhs[i,f,t]`` = -(supply + opening stock), t."""
    rows = keys(d.balance, NODE_KEY)
    return {"balance_rhs": dict(zip(rows, (-(d.balance["supply_t"] + d.balance["opening_t"]))
                                    .tolist(), strict=True))}


def add_balance(m: pyo.ConcreteModel, d: ModelData, num: Mapping) -> None:
    r"""``balance[i,f,t]``: what is there plus what arrives equals what leaves plus what stays.

    .. math::
        s_{i,f,t-1} + \mathrm{supply}_{i,f,t} + \sum_{a=(k,i,m)} x_{a,f,t-\tau_a}
        = \sum_{a=(i,j,m)} x_{a,f,t} + q_{i,f,t} + e_{i,f,t} + s_{i,f,t}

    ``s[i,f,0]`` is inventory.csv; ``q`` exists only at plants, ``e`` only at
    outlets (which hold no stock), and a shipment counts at its arrival week.
    """
    inflow = group(d.flows, ["destination", "feedstock_id", "arrival"], list(X_KEY))
    outflow = group(d.flows, ["origin", "feedstock_id", "period"], list(X_KEY))
    rhs = num["balance_rhs"]
    S, Q, E = m.S, m.Q, m.E

    def rule(_m, i, f, t):
        prev = m.s[i, f, t - 1] if (i, f, t - 1) in S else 0.0
        here = pyo.quicksum(m.x[k] for k in inflow.get((i, f, t), ()))
        gone = pyo.quicksum(m.x[k] for k in outflow.get((i, f, t), ()))
        used = m.q[i, f, t] if (i, f, t) in Q else 0.0
        sold = m.e[i, f, t] if (i, f, t) in E else 0.0
        kept = m.s[i, f, t] if (i, f, t) in S else 0.0
        return prev + here - gone - used - sold - kept == rhs[i, f, t]

    m.balance = pyo.Constraint(keys(d.balance, NODE_KEY), rule=rule)
