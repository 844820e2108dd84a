"""Family 3 — trips: payload per vehicle, ferry slots, contracted lanes."""

from __future__ import annotations

from collections.abc import Mapping

import pyomo.environ as pyo

from models._util import group, keys
from models.sets import ModelData
from models.variables import X_KEY


def trips_numbers(d: ModelData) -> dict[str, dict]:
    """Payload per trip (t), ferry slots per week and the big-M of contracted lanes."""
    n_rows = keys(d.n, ("arc", "period"))
    slots = d.n[d.n["max_trips_per_week"].notna()]
    contract = d.n[d.n["contracted"]]
    return {
        "payload_t": dict(zip(n_rows, d.n["payload_t"].tolist(), strict=True)),
        "slots_per_week": dict(zip(keys(slots, ("arc", "period")),
                                   slots["max_trips_per_week"].tolist(), strict=True)),
        "contract_big_m": dict(zip(keys(contract, ("arc", "period")),
                                   contract["trips_max"].tolist(), strict=True)),
    }


def add_trips(m: pyo.ConcreteModel, d: ModelData, num: Mapping) -> None:
    r"""Vehicles carry the tonnes; slots and contracts bound the vehicles.

    ``trip_payload[a,t]``:  :math:`\sum_f x_{a,f,t} \le \mathrm{payload}_m\, n_{a,t}`

    ``lane_slots[a,t]``:    :math:`n_{a,t} \le \mathrm{max\_trips}_a` (ferry slots), where given

    ``lane_contract[a,t]``: :math:`n_{a,t} \le M_{a,t}\, y_a` for arcs with a fixed cost, with
    :math:`M_{a,t} = \min(\mathrm{max\_trips}_a, \lceil R_{a,t} / \mathrm{payload}_m \rceil)`
    and :math:`R_{a,t}` the most tonnes that can have reached the origin by week t: a
    finite bound taken from the data (also the upper bound of :math:`n_{a,t}`).
    """
    load = group(d.x, ["arc", "period"], list(X_KEY))
    payload, cap, big_m = num["payload_t"], num["slots_per_week"], num["contract_big_m"]
    m.trip_payload = pyo.Constraint(list(payload), rule=lambda _m, a, t: (
        pyo.quicksum(m.x[k] for k in load[a, t]) - payload[a, t] * m.n[a, t] <= 0))
    m.lane_slots = pyo.Constraint(sorted(cap), rule=lambda _m, a, t: m.n[a, t] <= cap[a, t])
    m.lane_contract = pyo.Constraint(sorted(big_m), rule=lambda _m, a, t: (
        m.n[a, t] - big_m[a, t] * m.y[a] <= 0))
