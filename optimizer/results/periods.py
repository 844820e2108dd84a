"""Cost of each objective line in each period: the strategic plan's ``cost_by_period`` table.

Computed from the same coefficients the objective was built from
(:func:`feedstock.models.objective.objective_numbers`) times the solved values,
so the periods of a line add up to that line. Fixed costs are spread over the
periods they pay for: a build over its online periods, a lane contract or hub
opening over the whole horizon, each in proportion to discount x weeks / 52 (the
yearly cost is the same every year, so this share is exact).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import pandas as pd

from feedstock.models.objective import objective_numbers
from feedstock.models.sets import ModelData

# objective line -> (coefficient table, variable) pairs of objective_numbers whose key ends in t
_PER_PERIOD = {
    "transport": (("trip_cost_gbp", "n"), ("lane_cost_gbp_per_t", "x"),
                  ("implied_trip_gbp_per_t", "x")),
    "hub_handling": (("handling_gbp_per_t", "x"),),
    "holding": (("holding_gbp_per_t", "s"),),
    "processing_net": (("processing_net_gbp_per_t", "q"),),
    "export_revenue": (("export_revenue_gbp_per_t", "e"),),
    "leakage_penalty": (("leakage_penalty_gbp_per_t", "e"),),
    "carbon": (("carbon_gbp_per_t", "x"),),
    "terminal_stock": (("terminal_gbp_per_t", "s"),),
}


def cost_by_period(d: ModelData, values: Mapping[str, Mapping]) -> pd.DataFrame:
    """period, week (its label), line, cost_gbp (discounted), discount, undiscounted_gbp."""
    num = objective_numbers(d)
    cost: dict[tuple[int, str], float] = defaultdict(float)
    for line, terms in _PER_PERIOD.items():
        for table, var in terms:
            v = values.get(var, {})
            for key, coef in num[table].items():
                cost[int(key[-1]), line] += coef * float(v.get(key, 0.0))
    arriving = d.inputs.arriving
    handling = d.hubs.set_index("site_id")["handling_gbp_per_t"]
    for r in arriving.itertuples(index=False):  # constant: in-transit arrivals at hubs
        cost[int(r.period), "hub_handling"] += float(r.tonnes) * float(handling.get(r.site_id, 0))
    for period, gbp in _fixed_by_period(d, values).items():
        cost[period, "fixed_decisions"] += gbp
    rows = [(t, d.weeks[t - 1], line, gbp, d.discount[t], gbp / d.discount[t])
            for (t, line), gbp in sorted(cost.items())]
    return pd.DataFrame(rows, columns=["period", "week", "line", "cost_gbp", "discount",
                                       "undiscounted_gbp"])


def _fixed_by_period(d: ModelData, values: Mapping[str, Mapping]) -> dict[int, float]:
    """GBP of chosen fixed decisions, spread over the periods they pay for."""
    periods = range(1, d.horizon + 1)
    weight = {t: d.discount[t] * d.period_weeks[t] / 52.0 for t in periods}
    out: dict[int, float] = defaultdict(float)

    def spread(total: float, over: range) -> None:
        whole = sum(weight[t] for t in over)
        for t in over:
            out[t] += total * weight[t] / whole if whole else 0.0

    chosen = [(d.contracts, "arc", "y"), (d.hub_openings, "site_id", "z")]
    for frame, key, var in chosen:
        for k, fixed in zip(frame[key], frame["fixed_cost_gbp"], strict=True):
            if values.get(var, {}).get(k, 0.0) > 0.5:
                spread(float(fixed), periods)
    builds = d.expansions
    for r in builds.itertuples(index=False):
        if values.get("w", {}).get(r.key, 0.0) > 0.5:
            first = int(getattr(r, "first_period", 1))
            last = int(getattr(r, "last_period", d.horizon))
            spread(float(r.fixed_cost_gbp), range(max(1, first), min(d.horizon, last) + 1))
    return dict(out)
