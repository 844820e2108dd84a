"""Family 10 — outlet limits: what one export buyer takes per week."""

from __future__ import annotations

import pyomo.environ as pyo

from models._util import group
from models.sets import ModelData
from models.variables import NODE_KEY


def add_outlet_limits(m: pyo.ConcreteModel, d: ModelData) -> None:
    r"""``outlet_limit[o, row, t]`` for each outlets.csv row with ``max_t_per_week``.

    .. math:: \sum_{f \in \mathrm{row}} e_{o,f,t} \le \mathrm{max\_t\_per\_week}_{o,\mathrm{row}}

    A feedstock row bounds that feedstock; a ``*`` row bounds the feedstocks it
    prices (those without their own row at that outlet).
    """
    sold = group(d.e, ["site_id", "row_key", "period"], list(NODE_KEY))
    cap = {(r.site_id, r.row_key): r.max_t_per_week for r in d.outlet_rows.itertuples()}
    rows = sorted(k for k in sold if (k[0], k[1]) in cap)
    m.outlet_limit = pyo.Constraint(rows, rule=lambda _m, o, row, t: (
        pyo.quicksum(m.e[k] for k in sold[o, row, t]) <= cap[o, row]))
