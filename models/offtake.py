"""Family 9 — offtake: committed output of a product, per week or over the horizon."""

from __future__ import annotations

import pyomo.environ as pyo

from models._util import group
from models.sets import ModelData
from models.variables import NODE_KEY
from optimizer.errors import InfeasibleError


def add_offtake(m: pyo.ConcreteModel, d: ModelData) -> None:
    r"""``offtake[product, week]`` (week ``all`` = summed over the horizon).

    .. math:: \sum_{p \text{ makes product}} \sum_f \mathrm{yield}_p\,
              a_{f,\mathrm{basis}(p)}\, q_{p,f,t} \ge \mathrm{min}_t

    A commitment no plant can ever serve (no feed can reach a plant making the
    product in that week) is reported before solving, in planner's words.
    """
    by_week = group(d.q, ["product", "period"], list(NODE_KEY), coef="output_t_per_t")
    rows, terms = [], {}
    for r in d.offtake.itertuples(index=False):
        if r.period == 0:
            ts = [(k, c) for (prod, _t), kc in by_week.items() if prod == r.product for k, c in kc]
        else:
            ts = by_week.get((r.product, r.period), [])
        if r.min_t <= 0:
            continue
        if not ts:
            when = "over the horizon" if r.period == 0 else f"in {r.week}"
            raise InfeasibleError(
                f"Offtake of {r.min_t:g} t {r.product} {when} cannot be met: no plant making "
                f"{r.product} can receive any feed {when}.")
        rows.append((r.product, r.week))
        terms[r.product, r.week] = (ts, r.min_t)

    m.offtake = pyo.Constraint(rows, rule=lambda _m, prod, wk: (
        pyo.quicksum(c * m.q[k] for k, c in terms[prod, wk][0]) >= terms[prod, wk][1]))
