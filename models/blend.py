"""Family 7 — purity (feed blend) rules per plant, attribute and week."""

from __future__ import annotations

import math

import pandas as pd
import pyomo.environ as pyo

from models._util import group
from models.sets import ModelData
from models.variables import NODE_KEY


def add_blend(m: pyo.ConcreteModel, d: ModelData, feedstocks: pd.DataFrame) -> None:
    r"""``feed_blend_min[p,α,t]`` and ``feed_blend_max[p,α,t]`` (linearised blend ratio).

    .. math::
        \sum_f (a_{f,\alpha} - \min_{p,\alpha})\, q_{p,f,t} \ge 0, \qquad
        \sum_f (a_{f,\alpha} - \max_{p,\alpha})\, q_{p,f,t} \le 0

    i.e. ``min <= sum_f q a / sum_f q <= max`` for every week the plant is fed.
    A row whose terms all have the harmless sign is always satisfied and is
    not created; feedstocks a row bans outright have no ``q`` (see ``sets``).
    """
    attr = feedstocks.set_index("feedstock_id")
    feed = group(d.q, ["site_id", "period"], list(NODE_KEY))
    low: dict[tuple, list] = {}
    high: dict[tuple, list] = {}
    for spec in d.specs.itertuples(index=False):
        for (p, t), ks in feed.items():
            if p != spec.site_id:
                continue
            for bound, out, sign in ((spec.min, low, -1), (spec.max, high, 1)):
                if math.isnan(bound):
                    continue
                terms = [(k, float(attr.at[k[1], spec.attribute]) - bound) for k in ks]
                if any(sign * c > 0 for _, c in terms):
                    out[p, spec.attribute, t] = terms

    m.feed_blend_min = pyo.Constraint(sorted(low), rule=lambda _m, p, a, t: (
        pyo.quicksum(c * m.q[k] for k, c in low[p, a, t]) >= 0))
    m.feed_blend_max = pyo.Constraint(sorted(high), rule=lambda _m, p, a, t: (
        pyo.quicksum(c * m.q[k] for k, c in high[p, a, t]) <= 0))
