"""Family 3 — trips: payload per vehicle, ferry slots, contracted lanes."""

from __future__ import annotations

import pyomo.environ as pyo

from models._util import group, keys
from models.sets import ModelData
from models.variables import X_KEY


def add_trips(m: pyo.ConcreteModel, d: ModelData) -> None:
    r"""Vehicles carry the tonnes; slots and contracts bound the vehicles.

    ``trip_payload[a,t]``:  :math:`\sum_f x_{a,f,t} \le \mathrm{payload}_m\, n_{a,t}`

    ``lane_slots[a,t]``:    :math:`n_{a,t} \le \mathrm{max\_trips}_a` (ferry slots), where given

    ``lane_contract[a,t]``: :math:`n_{a,t} \le M_{a,t}\, y_a` for arcs with a fixed cost, with
    :math:`M_{a,t} = \min(\mathrm{max\_trips}_a, \lceil R_{a,t} / \mathrm{payload}_m \rceil)`
    and :math:`R_{a,t}` the most tonnes that can have reached the origin by week t: a
    finite bound taken from the data (also the upper bound of :math:`n_{a,t}`).
    """
    load = group(d.x, ["arc", "period"], list(X_KEY))
    n_rows = keys(d.n, ("arc", "period"))
    payload = dict(zip(n_rows, d.n["payload_t"].tolist(), strict=True))
    m.trip_payload = pyo.Constraint(n_rows, rule=lambda _m, a, t: (
        pyo.quicksum(m.x[k] for k in load[a, t]) - payload[a, t] * m.n[a, t] <= 0))

    slots = d.n[d.n["max_trips_per_week"].notna()]
    cap = dict(zip(keys(slots, ("arc", "period")), slots["max_trips_per_week"].tolist(),
                   strict=True))
    m.lane_slots = pyo.Constraint(sorted(cap), rule=lambda _m, a, t: m.n[a, t] <= cap[a, t])

    contract = d.n[d.n["contracted"]]
    big_m = dict(zip(keys(contract, ("arc", "period")), contract["trips_max"].tolist(),
                     strict=True))
    m.lane_contract = pyo.Constraint(sorted(big_m), rule=lambda _m, a, t: (
        m.n[a, t] - big_m[a, t] * m.y[a] <= 0))
