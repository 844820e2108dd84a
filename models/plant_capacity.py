"""Family 5 — plant capacity, including expansions once they are available."""

from __future__ import annotations

import pyomo.environ as pyo

from models._util import group
from models.sets import ModelData
from models.variables import NODE_KEY


def add_plant_capacity(m: pyo.ConcreteModel, d: ModelData) -> None:
    r"""``plant_capacity[p,t]``: feed processed in a week fits base plus built capacity.

    .. math:: \sum_f q_{p,f,t} \le \mathrm{cap}_p + \sum_{k \in X_p,\ t_k \le t}
              \mathrm{extra}_k\, w_k

    ``t_k`` is the option's first period (``available_from_week``; before the
    horizon counts from week 1, after it never).
    """
    feed = group(d.q, ["site_id", "period"], list(NODE_KEY))
    base = d.plants.set_index("site_id")["capacity_t_per_week"].to_dict()
    options = list(d.w[["key", "site_id", "first_period", "extra_capacity_t_per_week"]]
                   .itertuples(index=False))

    def rule(_m, p, t):
        extra = pyo.quicksum(o.extra_capacity_t_per_week * m.w[o.key] for o in options
                             if o.site_id == p and o.first_period <= t)
        return pyo.quicksum(m.q[k] for k in feed[p, t]) - extra <= base[p]

    m.plant_capacity = pyo.Constraint(sorted(feed), rule=rule)
