"""Family 9 — offtake: committed output of a product, per week or over the horizon."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import pyomo.environ as pyo

from feedstock.models._util import group
from feedstock.models.sets import ModelData
from feedstock.models.variables import NODE_KEY
from feedstock.optimizer.base.errors import InfeasibleError


def offtake_numbers(d: ModelData) -> dict[str, dict]:
    """``offtake_min_t[product, week]`` and the output per tonne fed of each term.

    ``offtake_yield[product, week, p, f, t]`` = yield_{p,product} · a_{f,basis} (t of
    product per t fed; a plant may make several products). A commitment no plant
    can ever serve (no feed can reach a plant making the product in that week) is
    reported here, in planner's words.
    """
    by_week = group(d.outputs, ["product", "period"], list(NODE_KEY), coef="output_t_per_t")
    need, out = {}, {}
    for r in d.offtake.itertuples(index=False):
        if r.period == 0:
            ts = [(k, c) for (prod, _t), kc in by_week.items() if prod == r.product for k, c in kc]
        elif len(r.periods) > 1:  # a year of quarters (strategic)
            ts = [(k, c) for (prod, t), kc in by_week.items()
                  if prod == r.product and t in r.periods for k, c in kc]
        else:
            ts = by_week.get((r.product, r.period), [])
        if r.min_t <= 0:
            continue
        if not ts:
            when = "over the horizon" if r.period == 0 else f"in {r.week}"
            raise InfeasibleError(
                f"Offtake of {r.min_t:g} t {r.product} {when} cannot be met: no plant making "
                f"{r.product} can receive any feed {when}.")
        need[r.product, r.week] = float(r.min_t)
        out.update({(r.product, r.week, *k): float(c) for k, c in ts})
    return {"offtake_min_t": need, "offtake_yield": out}


def add_offtake(m: pyo.ConcreteModel, d: ModelData, num: Mapping) -> None:
    r"""``offtake[product, week]`` (week ``all`` = summed over the horizon).

    .. math:: \sum_{p \text{ makes product}} \sum_f \mathrm{yield}_{p,\mathrm{product}}\,
              a_{f,\mathrm{basis}}\, q_{p,f,t} \ge \mathrm{min}_t

    with :math:`a_{f,\mathrm{basis}}` the sum of the basis columns of ``f``
    (``nd_share+pr_share`` for NdPr oxide).
    """
    need, out = num["offtake_min_t"], num["offtake_yield"]
    terms = defaultdict(list)
    for prod, wk, *k in out:
        terms[prod, wk].append(tuple(k))
    m.offtake = pyo.Constraint(list(need), rule=lambda _m, prod, wk: (
        pyo.quicksum(out[prod, wk, *k] * m.q[k] for k in terms[prod, wk]) >= need[prod, wk]))
