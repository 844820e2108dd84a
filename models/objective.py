"""The objective of docs/model.md as named cost lines (GBP) that add up to the total."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import pyomo.environ as pyo

from feedstock.models._util import keys, lin
from feedstock.models.sets import ModelData
from feedstock.models.trips import implied_trip_numbers
from feedstock.models.variables import NODE_KEY, X_KEY, trip_vars

COST_LINES = ("transport", "fixed_decisions", "hub_handling", "holding", "processing_net",
              "export_revenue", "leakage_penalty", "carbon", "terminal_stock")


def _arrivals_handling(d: ModelData, handling: pd.Series) -> float:
    """GBP of handling the in-transit arrivals at hubs: fixed by last week's dispatch."""
    a = d.arriving
    return float((a["tonnes"] * handling.reindex(a["site_id"]).fillna(0.0).to_numpy()).sum())


def _by(idx: list, values) -> dict:
    return dict(zip(idx, [float(v) for v in values], strict=True))


def objective_numbers(d: ModelData) -> dict[str, dict]:
    """Cost coefficients (GBP per unit of each variable), one table per cost line and variable.

    ``hub_arrivals_gbp["all"]`` is the constant handling cost of in-transit arrivals.
    Every coefficient of period t carries its discount factor (1 in a weekly run);
    holding is per t-week, so x the weeks in the period. Fixed costs of lanes,
    hubs and builds come discounted already (``feedstock.models.periods``).
    """
    x_idx = keys(d.flows, X_KEY)
    hub_handling = d.hubs.set_index("site_id")["handling_gbp_per_t"]
    last = d.stocks["period"] == d.horizon
    trips = trip_vars(d)
    x_disc = d.flows["period"].map(d.discount)
    s_disc = d.stocks["period"].map(d.discount)
    q_disc = d.feeds["period"].map(d.discount)
    e_disc = d.sales["period"].map(d.discount)
    return {
        "trip_cost_gbp": _by(keys(trips, ("arc", "period")),
                             trips["trip_cost_gbp"] * trips["period"].map(d.discount)),
        **implied_trip_numbers(d),
        "lane_cost_gbp_per_t": _by(x_idx, d.flows["cost_gbp_per_t"] * x_disc),
        "contract_fixed_gbp": _by(d.contracts["arc"].tolist(), d.contracts["fixed_cost_gbp"]),
        "hub_fixed_gbp": _by(d.hub_openings["site_id"].tolist(), d.hub_openings["fixed_cost_gbp"]),
        "expansion_fixed_gbp": _by(d.expansions["key"].tolist(), d.expansions["fixed_cost_gbp"]),
        "handling_gbp_per_t": _by(x_idx, hub_handling.reindex(d.flows["destination"])
                                  .fillna(0.0).to_numpy() * x_disc),
        "hub_arrivals_gbp": {"all": _arrivals_handling(d, hub_handling)},
        "holding_gbp_per_t": _by(keys(d.stocks, NODE_KEY), d.stocks["holding_gbp_per_t_week"]
                                 * d.stocks["period"].map(d.period_weeks) * s_disc),
        "processing_net_gbp_per_t": _by(keys(d.feeds, NODE_KEY), d.feeds["net_gbp_per_t"]
                                        * q_disc),
        "export_revenue_gbp_per_t": _by(keys(d.sales, NODE_KEY),
                                        -d.sales["price_gbp_per_t"] * e_disc),
        "leakage_penalty_gbp_per_t": _by(keys(d.sales, NODE_KEY), d.sales["penalty_gbp_per_t"]
                                         * e_disc),
        "carbon_gbp_per_t": _by(x_idx, d.carbon_price / 1000.0 * d.flows["co2e_kg_per_t"]
                                * x_disc),
        "terminal_gbp_per_t": _by(keys(d.stocks[last], NODE_KEY),
                                  [d.terminal_penalty * d.discount[d.horizon]]
                                  * int(last.sum())),
    }


def add_objective(m: pyo.ConcreteModel, d: ModelData, num: Mapping) -> None:
    r"""``cost[line]`` expressions and ``total_cost`` = their sum (minimised).

    ============== ===================================================================
    transport      :math:`\sum_{a,t} \mathrm{trip\_cost}_a n_{a,t}
                   + \sum_{a,f,t} \mathrm{cost\_per\_t}_a x_{a,f,t}`; an implied
                   arc (no n variable, ``feedstock.models.trips``) has
                   :math:`n_{a,t} = \sum_f x_{a,f,t} / \mathrm{payload}`, so its
                   trip cost is charged as :math:`\mathrm{trip\_cost}_a / \mathrm{payload}` per t
    fixed_decisions :math:`\sum_a F_a y_a + \sum_h F_h z_h + \sum_k F_k w_k`
    hub_handling   :math:`\sum_{h,t} \mathrm{handling}_h \cdot \mathrm{intake}_{h,t}`
                   (intake includes in-transit arrivals: a constant)
    holding        :math:`\sum_{i,f,t} \mathrm{holding}_i s_{i,f,t}`, t = 1..W
    processing_net :math:`\sum_{p,f,t} (c_p - \sum_k v_{p,k}\, \mathrm{yield}_{p,k}\,
                   a_{f,b(p,k)}) q_{p,f,t}` over the plant's products k
    export_revenue :math:`-\sum_{o,f,t} \mathrm{price}_{o,f} e_{o,f,t}`
    leakage_penalty :math:`\sum_{o,f,t} (\lambda_{\mathrm{sector}(f)}
                   + \sum_{el} 1000\, a_{f,el}\, \mu_{el}) e_{o,f,t}`, μ per kg of element
    carbon         :math:`\frac{\mathrm{carbon\_price}}{1000} \sum_{a,f,t}
                   \mathrm{co2e}_m \mathrm{dist}_a x_{a,f,t}`
    terminal_stock :math:`\mathrm{terminal\_penalty} \sum_{i,f} s_{i,f,W}`
    ============== ===================================================================
    """
    lines = {
        "transport": lin(m.n, num["trip_cost_gbp"]) + lin(m.x, num["lane_cost_gbp_per_t"])
        + lin(m.x, num["implied_trip_gbp_per_t"]),
        "fixed_decisions": lin(m.y, num["contract_fixed_gbp"]) + lin(m.z, num["hub_fixed_gbp"])
        + lin(m.w, num["expansion_fixed_gbp"]),
        "hub_handling": lin(m.x, num["handling_gbp_per_t"]) + num["hub_arrivals_gbp"]["all"],
        "holding": lin(m.s, num["holding_gbp_per_t"]),
        "processing_net": lin(m.q, num["processing_net_gbp_per_t"]),
        "export_revenue": lin(m.e, num["export_revenue_gbp_per_t"]),
        "leakage_penalty": lin(m.e, num["leakage_penalty_gbp_per_t"]),
        "carbon": lin(m.x, num["carbon_gbp_per_t"]),
        "terminal_stock": lin(m.s, num["terminal_gbp_per_t"]),
    }
    m.LINES = pyo.Set(initialize=COST_LINES, ordered=True)
    m.cost = pyo.Expression(m.LINES, rule=lambda _m, k: lines[k])
    m.total_cost = pyo.Objective(expr=pyo.quicksum(m.cost[k] for k in COST_LINES),
                                 sense=pyo.minimize)


def use_leakage_objective(m: pyo.ConcreteModel, d: ModelData, element: str | None = None) -> None:
    r"""Swap the objective for what leaks: :math:`\min \sum_{o,f,t} w_f\, e_{o,f,t}`.

    ``w_f = 1`` (tonnes) or, for an ``element``, the kg of it per t of ``f``.
    The frontier's least-leakage point (docs/model.md, two objectives): the
    same rules, ``total_cost`` deactivated (its cost lines still evaluate).
    """
    weight = {f: 1.0 for f in d.feedstocks["feedstock_id"]} if element is None \
        else d.element_kg[element].to_dict()
    m.total_cost.deactivate()
    m.leakage_only = pyo.Objective(expr=pyo.quicksum(weight[k[1]] * m.e[k] for k in m.E
                                                     if weight[k[1]] != 0),
                                   sense=pyo.minimize)
