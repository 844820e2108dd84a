"""Family 7 — purity (feed blend) rules per plant, attribute and week."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping

import pyomo.environ as pyo

from feedstock.models._util import group
from feedstock.models.sets import ModelData
from feedstock.models.variables import NODE_KEY


def blend_numbers(d: ModelData) -> dict[str, dict]:
    r"""Coefficients :math:`a_{f,α} - \mathrm{bound}` by (plant, attribute, week, feedstock).

    A row whose terms all have the harmless sign is always satisfied and gets
    no coefficients (so no row).
    """
    attr = d.feedstocks.set_index("feedstock_id")
    feed = group(d.feeds, ["site_id", "period"], list(NODE_KEY))
    low: dict[tuple, float] = {}
    high: dict[tuple, float] = {}
    for spec in d.specs.itertuples(index=False):
        for (p, t), ks in feed.items():
            if p != spec.site_id:
                continue
            for bound, out, sign in ((spec.min, low, -1), (spec.max, high, 1)):
                if math.isnan(bound):
                    continue
                terms = [(k[1], float(attr.at[k[1], spec.attribute]) - bound) for k in ks]
                if any(sign * c > 0 for _, c in terms):
                    out.update({(p, spec.attribute, t, f): c for f, c in terms})
    return {"blend_min_coef": low, "blend_max_coef": high}


def add_blend(m: pyo.ConcreteModel, d: ModelData, num: Mapping) -> None:
    r"""``feed_blend_min[p,α,t]`` and ``feed_blend_max[p,α,t]`` (linearised blend ratio).

    .. math::
        \sum_f (a_{f,\alpha} - \min_{p,\alpha})\, q_{p,f,t} \ge 0, \qquad
        \sum_f (a_{f,\alpha} - \max_{p,\alpha})\, q_{p,f,t} \le 0

    i.e. ``min <= sum_f q a / sum_f q <= max`` for every week the plant is fed.
    Feedstocks a row bans outright have no ``q`` (see ``sets``).
    """
    low, high = num["blend_min_coef"], num["blend_max_coef"]

    def rows(coefs) -> dict[tuple, list]:
        out = defaultdict(list)
        for p, a, t, f in coefs:
            out[p, a, t].append(f)
        return out

    lo, hi = rows(low), rows(high)
    m.feed_blend_min = pyo.Constraint(sorted(lo), rule=lambda _m, p, a, t: (
        pyo.quicksum(low[p, a, t, f] * m.q[p, f, t] for f in lo[p, a, t]) >= 0))
    m.feed_blend_max = pyo.Constraint(sorted(hi), rule=lambda _m, p, a, t: (
        pyo.quicksum(high[p, a, t, f] * m.q[p, f, t] for f in hi[p, a, t]) <= 0))
