"""Family 5 — plant capacity, including expansions once they are available."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import pyomo.environ as pyo

from feedstock.models._util import group
from feedstock.models.sets import ModelData
from feedstock.models.variables import NODE_KEY


def plant_capacity_numbers(d: ModelData) -> dict[str, dict]:
    """Base capacity per fed plant-period, and each build's extra while it is online, in t.

    ``expansion_extra_t[p,t,k]`` exists for the periods ``t_k <= t <= t'_k`` build ``k``
    is online (a weekly option: from its first week to the end). Both are
    t/week x the weeks in the period (1 in a weekly run).
    """
    rows = sorted(group(d.feeds, ["site_id", "period"], list(NODE_KEY)))
    base = d.plants.set_index("site_id")["capacity_t_per_week"]
    extra = {}
    for o in d.expansions[["key", "site_id", "first_period", "last_period",
                           "extra_capacity_t_per_week"]].itertuples(index=False):
        for p, t in rows:
            if o.site_id == p and o.first_period <= t <= o.last_period:
                extra[p, t, o.key] = float(o.extra_capacity_t_per_week) * d.period_weeks[t]
    return {"plant_capacity_t": {(p, t): float(base[p]) * d.period_weeks[t] for p, t in rows},
            "expansion_extra_t": extra}


def add_plant_capacity(m: pyo.ConcreteModel, d: ModelData, num: Mapping) -> None:
    r"""``plant_capacity[p,t]``: feed processed in a week fits base plus built capacity.

    .. math:: \sum_f q_{p,f,t} \le L_t \Big(\mathrm{cap}_p + \sum_{k \in X_p,\
              t_k \le t \le t'_k} \mathrm{extra}_k\, w_k\Big)

    ``t_k`` is the build's first period online (weekly: ``available_from_week``;
    before the horizon counts from week 1, after it never; strategic: the decision
    year plus the lead time), ``t'_k`` its last (weekly: the end of the horizon;
    strategic: lifetime), ``L_t`` the weeks in period t (1 in a weekly run).
    """
    feed = group(d.feeds, ["site_id", "period"], list(NODE_KEY))
    base, extra = num["plant_capacity_t"], num["expansion_extra_t"]
    options = defaultdict(list)
    for p, t, k in extra:
        options[p, t].append(k)

    def rule(_m, p, t):
        built = pyo.quicksum(extra[p, t, k] * m.w[k] for k in options[p, t])
        return pyo.quicksum(m.q[k] for k in feed[p, t]) - built <= base[p, t]

    m.plant_capacity = pyo.Constraint(list(base), rule=rule)
