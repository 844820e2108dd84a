"""The objective of MODEL.md as named cost lines (GBP) that add up to the total."""

from __future__ import annotations

import pandas as pd
import pyomo.environ as pyo

from models._util import keys
from models.sets import ModelData
from models.variables import NODE_KEY, X_KEY

COST_LINES = ("transport", "fixed_decisions", "hub_handling", "holding", "processing_net",
              "export_revenue", "leakage_penalty", "carbon", "terminal_stock")


def _lin(var, idx: list, coefs: list) -> pyo.Expression:
    return pyo.quicksum(c * var[k] for k, c in zip(idx, coefs, strict=True) if c != 0)


def _arrivals_handling(d: ModelData, handling: pd.Series) -> float:
    """GBP of handling the in-transit arrivals at hubs: fixed by last week's dispatch."""
    a = d.arriving
    return float((a["tonnes"] * handling.reindex(a["site_id"]).fillna(0.0).to_numpy()).sum())


def add_objective(m: pyo.ConcreteModel, d: ModelData) -> None:
    r"""``cost[line]`` expressions and ``total_cost`` = their sum (minimised).

    ============== ===================================================================
    transport      :math:`\sum_{a,t} \mathrm{trip\_cost}_a n_{a,t}
                   + \sum_{a,f,t} \mathrm{cost\_per\_t}_a x_{a,f,t}`
    fixed_decisions :math:`\sum_a F_a y_a + \sum_h F_h z_h + \sum_k F_k w_k`
    hub_handling   :math:`\sum_{h,t} \mathrm{handling}_h \cdot \mathrm{intake}_{h,t}`
                   (intake includes in-transit arrivals: a constant)
    holding        :math:`\sum_{i,f,t} \mathrm{holding}_i s_{i,f,t}`, t = 1..W
    processing_net :math:`\sum_{p,f,t} (c_p - v_p\, \mathrm{yield}_p\, a_{f,b(p)}) q_{p,f,t}`
    export_revenue :math:`-\sum_{o,f,t} \mathrm{price}_{o,f} e_{o,f,t}`
    leakage_penalty :math:`\sum_{o,f,t} \lambda_{\mathrm{sector}(f)} e_{o,f,t}`
    carbon         :math:`\frac{\mathrm{carbon\_price}}{1000} \sum_{a,f,t}
                   \mathrm{co2e}_m \mathrm{dist}_a x_{a,f,t}`
    terminal_stock :math:`\mathrm{terminal\_penalty} \sum_{i,f} s_{i,f,W}`
    ============== ===================================================================
    """
    x_idx = keys(d.x, X_KEY)
    n_idx = keys(d.n, ("arc", "period"))
    s_idx = keys(d.s, NODE_KEY)
    q_idx = keys(d.q, NODE_KEY)
    e_idx = keys(d.e, NODE_KEY)
    hub_handling = d.hubs.set_index("site_id")["handling_gbp_per_t"]
    handling = hub_handling.reindex(d.x["destination"]).fillna(0.0).tolist()
    last = d.s["period"] == d.horizon

    lines = {
        "transport": _lin(m.n, n_idx, d.n["trip_cost_gbp"].tolist())
        + _lin(m.x, x_idx, d.x["cost_gbp_per_t"].tolist()),
        "fixed_decisions": _lin(m.y, d.y["arc"].tolist(), d.y["fixed_cost_gbp"].tolist())
        + _lin(m.z, d.z["site_id"].tolist(), d.z["fixed_cost_gbp"].tolist())
        + _lin(m.w, d.w["key"].tolist(), d.w["fixed_cost_gbp"].tolist()),
        "hub_handling": _lin(m.x, x_idx, handling) + _arrivals_handling(d, hub_handling),
        "holding": _lin(m.s, s_idx, d.s["holding_gbp_per_t_week"].tolist()),
        "processing_net": _lin(m.q, q_idx, d.q["net_gbp_per_t"].tolist()),
        "export_revenue": _lin(m.e, e_idx, (-d.e["price_gbp_per_t"]).tolist()),
        "leakage_penalty": _lin(m.e, e_idx, d.e["penalty_gbp_per_t"].tolist()),
        "carbon": _lin(m.x, x_idx, (d.carbon_price / 1000.0 * d.x["co2e_kg_per_t"]).tolist()),
        "terminal_stock": _lin(m.s, keys(d.s[last], NODE_KEY),
                               [d.terminal_penalty] * int(last.sum())),
    }
    m.LINES = pyo.Set(initialize=COST_LINES, ordered=True)
    m.cost = pyo.Expression(m.LINES, rule=lambda _m, k: lines[k])
    m.total_cost = pyo.Objective(expr=pyo.quicksum(m.cost[k] for k in COST_LINES),
                                 sense=pyo.minimize)
