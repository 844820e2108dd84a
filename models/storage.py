"""Family 2 — storage limit at nodes with a finite ``storage_t``."""

from __future__ import annotations

from collections.abc import Mapping

import pyomo.environ as pyo

from feedstock.models._util import group
from feedstock.models.sets import ModelData
from feedstock.models.variables import NODE_KEY


def storage_numbers(d: ModelData) -> dict[str, dict]:
    """``storage_t[i]`` of sites with a finite store."""
    return {"storage_t": {str(i): float(v) for i, v in d.storage.items()}}


def add_storage(m: pyo.ConcreteModel, d: ModelData, num: Mapping) -> None:
    r"""``storage_limit[i,t]``: end-of-week stock of all feedstocks fits the site.

    .. math:: \sum_f s_{i,f,t} \le \mathrm{storage}_i
    """
    held = group(d.stocks[d.stocks["site_id"].isin(d.storage.index)], ["site_id", "period"],
                 list(NODE_KEY))
    cap = num["storage_t"]
    m.storage_limit = pyo.Constraint(
        sorted(held), rule=lambda _m, i, t: pyo.quicksum(m.s[k] for k in held[i, t]) <= cap[i])
