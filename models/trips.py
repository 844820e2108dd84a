"""Family 3 — trips: payload per vehicle, ferry slots, contracted lanes."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import pyomo.environ as pyo

from feedstock.models._util import group, keys
from feedstock.models.sets import ModelData
from feedstock.models.variables import X_KEY, trip_vars


def trips_numbers(d: ModelData) -> dict[str, dict]:
    """Payload per trip (t), ferry slots per period and the big-M of contracted lanes.

    Slots: ``max_trips_per_week`` x the weeks in the period (1 in a weekly run).
    """
    rows = trip_vars(d)
    n_rows = keys(rows, ("arc", "period"))
    slots = rows[rows["max_trips_per_week"].notna()]
    contract = rows[rows["contracted"]]
    return {
        "payload_t": dict(zip(n_rows, rows["payload_t"].tolist(), strict=True)),
        "slots_per_week": {k: v * d.period_weeks[k[1]] for k, v in zip(
            keys(slots, ("arc", "period")), slots["max_trips_per_week"].tolist(), strict=True)},
        "contract_big_m": dict(zip(keys(contract, ("arc", "period")),
                                   contract["trips_max"].tolist(), strict=True)),
    }


def add_trips(m: pyo.ConcreteModel, d: ModelData, num: Mapping) -> None:
    r"""Vehicles carry the tonnes; slots and contracts bound the vehicles.

    ``trip_payload[a,t]``:  :math:`\sum_f x_{a,f,t} \le \mathrm{payload}_m\, n_{a,t}`

    ``lane_slots[a,t]``:    :math:`n_{a,t} \le \mathrm{max\_trips}_a \cdot L_t` (ferry slots per
    week x the weeks in the period), where given

    ``lane_contract[a,t]``: :math:`n_{a,t} \le M_{a,t}\, y_a` for arcs with a fixed cost, with
    :math:`M_{a,t} = \min(\mathrm{max\_trips}_a, \lceil R_{a,t} / \mathrm{payload}_m \rceil)`
    and :math:`R_{a,t}` the most tonnes that can have reached the origin by week t: a
    finite bound taken from the data (also the upper bound of :math:`n_{a,t}`).

    Implied trips (continuous, no slots, no contract: ``feedstock.models.sets._trip_rows``)
    have no variable and no row: :math:`n_{a,t} = \sum_f x_{a,f,t} / \mathrm{payload}_m`,
    and the objective charges their trip cost per tonne (:func:`implied_trip_numbers`).
    """
    load = group(d.flows, ["arc", "period"], list(X_KEY))
    payload, cap, big_m = num["payload_t"], num["slots_per_week"], num["contract_big_m"]
    m.trip_payload = pyo.Constraint(list(payload), rule=lambda _m, a, t: (
        pyo.quicksum(m.x[k] for k in load[a, t]) - payload[a, t] * m.n[a, t] <= 0))
    m.lane_slots = pyo.Constraint(sorted(cap), rule=lambda _m, a, t: m.n[a, t] <= cap[a, t])
    m.lane_contract = pyo.Constraint(sorted(big_m), rule=lambda _m, a, t: (
        m.n[a, t] - big_m[a, t] * m.y[a] <= 0))


def implied_trip_numbers(d: ModelData) -> dict[str, dict]:
    """``implied_trip_gbp_per_t[a,f,t]`` = trip_cost / payload on the x rows of implied arcs.

    Discounted with its period (1 in a weekly run), as every cost of the objective.
    """
    rows = d.trips.loc[d.trips["implied"], ["arc", "period", "trip_cost_gbp", "payload_t"]]
    x = d.flows[list(X_KEY)].merge(rows, on=["arc", "period"])
    cost = x["trip_cost_gbp"] / x["payload_t"] * x["period"].map(d.discount)
    return {"implied_trip_gbp_per_t": dict(zip(keys(x, X_KEY), cost.tolist(), strict=True))}


def implied_trips(d: ModelData, x_values: Mapping) -> dict[tuple, float]:
    """Trips of the implied arc-weeks from a plan's tonnes: sum_f x[a,f,t] / payload."""
    rows = d.trips[d.trips["implied"]]
    if not len(rows):
        return {}
    x = d.flows[list(X_KEY)]
    load = pd.Series([x_values.get(k, 0.0) for k in keys(x, X_KEY)], index=x.index) \
        .groupby([x["arc"], x["period"]]).sum()
    idx = pd.MultiIndex.from_frame(rows[["arc", "period"]])
    trips = load.reindex(idx).fillna(0.0).to_numpy() / rows["payload_t"].to_numpy()
    return dict(zip(keys(rows, ("arc", "period")), trips.tolist(), strict=True))
