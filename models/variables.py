"""Decision variables of docs/model.md, each over its sparse index set."""

from __future__ import annotations

import pandas as pd
import pyomo.environ as pyo

from feedstock.models._util import keys
from feedstock.models.sets import ModelData

VARIABLES = ("x", "n", "y", "z", "w", "s", "q", "u", "e")  # the symbols of docs/model.md
X_KEY = ("arc", "feedstock_id", "period")
NODE_KEY = ("site_id", "feedstock_id", "period")


def add_variables(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Declare x, n, y, z, w, s, q, u, e.

    ========  ==================================  =========================
    symbol    index                               meaning
    ========  ==================================  =========================
    x         (arc, feedstock, week)              t leaving on the arc
    n         (arc, week), not implied            trips (integer unless mode says),
                                                  0 <= n <= trips_max (see sets)
    y         contracted arc                      lane contracted (binary)
    z         hub with fixed cost                 hub opened (binary)
    w         expansion option                    built (binary; fixed 1 / 0 by
                                                  expansions.csv decision build / never)
    s         (node, feedstock, week)             end-of-week stock, t
    q         (plant, feedstock, week)            t fed into the plant
    u         (plant, week) with min run          plant runs (binary)
    e         (outlet, feedstock, week)           t sold abroad (leakage)
    ========  ==================================  =========================
    """
    m.X = pyo.Set(initialize=keys(d.flows, X_KEY), dimen=3, ordered=True)
    m.N = pyo.Set(initialize=keys(trip_vars(d), ("arc", "period")), dimen=2, ordered=True)
    m.S = pyo.Set(initialize=keys(d.stocks, NODE_KEY), dimen=3, ordered=True)
    m.Q = pyo.Set(initialize=keys(d.feeds, NODE_KEY), dimen=3, ordered=True)
    m.E = pyo.Set(initialize=keys(d.sales, NODE_KEY), dimen=3, ordered=True)
    m.Y = pyo.Set(initialize=d.contracts["arc"].tolist(), ordered=True)
    m.Z = pyo.Set(initialize=d.hub_openings["site_id"].tolist(), ordered=True)
    m.W = pyo.Set(initialize=d.expansions["key"].tolist(), ordered=True)
    m.U = pyo.Set(initialize=keys(d.min_runs, ("site_id", "period")), dimen=2, ordered=True)

    rows = trip_vars(d)
    integer = dict(zip(keys(rows, ("arc", "period")), rows["integer_trips"].tolist(),
                       strict=True))
    m.x = pyo.Var(m.X, within=pyo.NonNegativeReals)
    m.n = pyo.Var(m.N, within=lambda _m, a, t: (
        pyo.NonNegativeIntegers if integer[a, t] else pyo.NonNegativeReals))
    m.y = pyo.Var(m.Y, within=pyo.Binary)
    m.z = pyo.Var(m.Z, within=pyo.Binary)
    m.w = pyo.Var(m.W, within=pyo.Binary)
    set_bounds(m, d)
    m.s = pyo.Var(m.S, within=pyo.NonNegativeReals)
    m.q = pyo.Var(m.Q, within=pyo.NonNegativeReals)
    m.u = pyo.Var(m.U, within=pyo.Binary)
    m.e = pyo.Var(m.E, within=pyo.NonNegativeReals)


def trip_vars(d: ModelData) -> pd.DataFrame:
    """The trip rows that are variables: all but the implied ones (``sets._trip_rows``)."""
    return d.trips[~d.trips["implied"]]


def set_bounds(m: pyo.ConcreteModel, d: ModelData) -> None:
    """Bounds that come from the data: ``0 <= n <= trips_max``; ``w`` per its decision.

    Called at build and again when a persistent model is re-numbered for a
    variant (``feedstock.models.build.update_model``).
    """
    rows = trip_vars(d)
    for k, most in zip(keys(rows, ("arc", "period")), rows["trips_max"].tolist(), strict=True):
        m.n[k].setlb(0)
        m.n[k].setub(most)
    for k, decision in zip(d.expansions["key"], d.expansions["decision"], strict=True):
        m.w[k].setlb(1 if decision == "build" else 0)
        m.w[k].setub(0 if decision == "never" else 1)
