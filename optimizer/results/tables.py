"""Tidy result tables from solved variable values (docs/results.md).

Every table has units in its column names. Rows with (numerically) zero tonnes
are left out; a missing row means zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from feedstock.models._util import keys
from feedstock.models.build import BuiltModel
from feedstock.models.sets import ModelData
from feedstock.models.variables import NODE_KEY, X_KEY
from feedstock.optimizer.results.periods import cost_by_period
from feedstock.optimizer.scenario import Scenario

EPS = 1e-6  # t; below this a solver value is noise


def _clean(a: np.ndarray) -> np.ndarray:
    return np.where(np.abs(a) < EPS, 0.0, np.round(a, 6))


@dataclass(frozen=True, eq=False)
class Solved:
    """Solved values lined up with the index frames of ModelData, computed once."""

    d: ModelData
    values: dict[str, dict]
    label: dict[int, str]

    def column(self, name: str, frame: pd.DataFrame, key: tuple[str, ...]) -> np.ndarray:
        """Values of variable ``name`` in the row order of ``frame``."""
        v = self.values[name]
        return np.array([v.get(k, 0.0) for k in keys(frame, key)], dtype=float)

    @property
    def x_t(self) -> np.ndarray:
        """Tonnes on every x row (cleaned)."""
        return _clean(self.column("x", self.d.flows, X_KEY))

    @property
    def trips(self) -> np.ndarray:
        """Trips on every n row: integers rounded, continuous at full precision.

        Full precision matters when the payload is large: payload x trips must
        still cover the tonnes.
        """
        raw = self.column("n", self.d.trips, ("arc", "period"))
        return np.where(self.d.trips["integer_trips"].to_numpy(), np.round(raw),
                        np.where(np.abs(raw) < 1e-12, 0.0, raw))


def build_tables(sc: Scenario, built: BuiltModel, values: dict[str, dict],
                 duals: dict[str, dict]) -> dict[str, pd.DataFrame]:
    """Every result table of one solve."""
    d = built.data
    s = Solved(d, values, dict(enumerate(d.weeks, start=1)))
    n = d.trips.assign(trips=s.trips)
    x = d.flows.assign(tonnes_t=s.x_t)
    feed = _plant_feed(s)
    by_period = {"cost_by_period": cost_by_period(d, values)} if d.inputs.horizon.strategic \
        else {}
    return {
        "flows": _flows(s, x, n),
        "lane_weeks": _lane_weeks(s, x, n),
        "plants": _plants(sc, s, feed),
        "plant_feed": feed,
        "plant_output": _plant_output(s),
        "stock": _stock(s),
        "leakage": _leakage(s),
        "decisions": _decisions(s),
        "marginal_values": _marginal_values(s, n, duals),
        "arcs": built.network.arcs.copy(),
        **by_period,
    }


def _flows(s: Solved, x: pd.DataFrame, n: pd.DataFrame) -> pd.DataFrame:
    x = x[x["tonnes_t"] > 0]
    x = x.merge(n[["arc", "period", "trips"]], on=["arc", "period"], how="left")
    x = x.assign(week=x["period"].map(s.label), arrival_week=x["arrival"].map(s.label),
                 tonne_km=x["tonnes_t"] * x["distance_km"])
    cols = ["origin", "destination", "mode", "feedstock_id", "week", "arrival_week", "tonnes_t",
            "trips", "distance_km", "tonne_km", "period"]
    return x[cols].sort_values(["period", "origin", "destination", "mode", "feedstock_id"]) \
        .reset_index(drop=True)


def _lane_weeks(s: Solved, x: pd.DataFrame, n: pd.DataFrame) -> pd.DataFrame:
    load = x.groupby(["arc", "period"], as_index=False)["tonnes_t"].sum()
    n = n.merge(load, on=["arc", "period"], how="left").fillna({"tonnes_t": 0.0})
    n = n[(n["trips"] > 0) | (n["tonnes_t"] > 0)].copy()
    n["week"] = n["period"].map(s.label)
    n["load_factor"] = np.where(n["trips"] > 0, n["tonnes_t"] / (n["trips"] * n["payload_t"]),
                                np.nan)
    n["trip_cost_total_gbp"] = n["trips"] * n["trip_cost_gbp"]
    cols = ["origin", "destination", "mode", "week", "trips", "tonnes_t", "payload_t",
            "load_factor", "max_trips_per_week", "trip_cost_gbp", "trip_cost_total_gbp",
            "period"]
    return n[cols].sort_values(["period", "origin", "destination", "mode"]) \
        .reset_index(drop=True)


def _plant_feed(s: Solved) -> pd.DataFrame:
    q = s.d.feeds.assign(feed_t=_clean(s.column("q", s.d.feeds, NODE_KEY)))
    q = q[q["feed_t"] > 0].copy()
    q["output_t"] = q["feed_t"] * q["output_t_per_t"]
    q["week"] = q["period"].map(s.label)
    cols = ["site_id", "feedstock_id", "week", "feed_t", "product", "output_t", "period"]
    return q[cols].sort_values(["site_id", "period", "feedstock_id"]).reset_index(drop=True)


def _plant_output(s: Solved) -> pd.DataFrame:
    """Tonnes of each product made from each feedstock per plant-week, and their value."""
    o = s.d.outputs.assign(feed_t=_clean(s.column("q", s.d.outputs, NODE_KEY)))
    o = o[o["feed_t"] > 0].copy()
    o["output_t"] = o["feed_t"] * o["output_t_per_t"]
    o["value_gbp"] = o["output_t"] * o["value_gbp_per_t"]
    o["week"] = o["period"].map(s.label)
    cols = ["site_id", "product", "feedstock_id", "week", "output_t", "value_gbp", "period"]
    return o.loc[o["output_t"] > 0, cols].sort_values(
        ["site_id", "period", "product", "feedstock_id"]).reset_index(drop=True)


def _plants(sc: Scenario, s: Solved, feed: pd.DataFrame) -> pd.DataFrame:
    """Every plant-period: feed, capacity with the builds online, utilisation, output.

    ``product`` is the plant's product, or its products joined by ``+``;
    ``output_t`` the tonnes of all of them (``plant_output`` has each).
    ``capacity_t_per_week`` is a rate; utilisation compares the period's feed with
    it x the weeks in the period (1 in a weekly run).
    """
    names = sc.plant_products.groupby("site_id", sort=False)["product"].agg("+".join)
    plants = sc.plants[["site_id", "process", "capacity_t_per_week"]].assign(
        product=lambda p: names.reindex(p["site_id"]).to_numpy())
    grid = plants.merge(pd.DataFrame({"period": range(1, s.d.horizon + 1)}), how="cross")
    built = np.array([s.values["w"].get(k, 0.0) > 0.5 for k in s.d.expansions["key"]], dtype=bool)
    w = s.d.expansions.loc[built].merge(grid[["site_id", "period"]], on="site_id")
    online = (w["first_period"] <= w["period"]) & (w["period"] <= w["last_period"])
    extra = w[online].groupby(["site_id", "period"])["extra_capacity_t_per_week"].sum()
    grid["capacity_t_per_week"] += extra.reindex(
        pd.MultiIndex.from_frame(grid[["site_id", "period"]])).fillna(0.0).to_numpy(float)
    agg = feed.groupby(["site_id", "period"])[["feed_t", "output_t"]].sum()
    grid = grid.join(agg, on=["site_id", "period"]).fillna({"feed_t": 0.0, "output_t": 0.0})
    capacity = grid["capacity_t_per_week"] * grid["period"].map(s.d.period_weeks)
    with np.errstate(divide="ignore", invalid="ignore"):  # no capacity: no utilisation
        grid["utilisation"] = np.where(capacity > 0, grid["feed_t"].to_numpy(float)
                                       / capacity.to_numpy(float), np.nan)
    running = s.values["u"]
    grid["running"] = [bool(round(running[(p, t)])) if (p, t) in running else None
                       for p, t in zip(grid["site_id"], grid["period"], strict=True)]
    grid["week"] = grid["period"].map(s.label)
    cols = ["site_id", "process", "product", "week", "feed_t", "capacity_t_per_week",
            "utilisation", "running", "output_t", "period"]
    return grid[cols]


def _stock(s: Solved) -> pd.DataFrame:
    st = s.d.stocks.assign(stock_t=_clean(s.column("s", s.d.stocks, NODE_KEY)))
    st = st[st["stock_t"] > 0].copy()
    st["week"] = st["period"].map(s.label)
    cols = ["site_id", "kind", "feedstock_id", "week", "stock_t", "period"]
    return st[cols].sort_values(["period", "site_id", "feedstock_id"]).reset_index(drop=True)


def _leakage(s: Solved) -> pd.DataFrame:
    e = s.d.sales.assign(tonnes_t=_clean(s.column("e", s.d.sales, NODE_KEY)))
    e = e[e["tonnes_t"] > 0].copy()
    e["week"] = e["period"].map(s.label)
    e["revenue_gbp"] = e["tonnes_t"] * e["price_gbp_per_t"]
    e["penalty_gbp"] = e["tonnes_t"] * e["penalty_gbp_per_t"]
    e = e.rename(columns={"row_key": "price_row"})
    cols = ["site_id", "feedstock_id", "sector", "week", "tonnes_t", "price_gbp_per_t",
            "revenue_gbp", "penalty_gbp_per_t", "penalty_gbp", "price_row", "period"]
    return e[cols].sort_values(["period", "site_id", "feedstock_id"]).reset_index(drop=True)


def _decisions(s: Solved) -> pd.DataFrame:
    d, v = s.d, s.values
    rows = [("lane_contract", r.arc, r.arc.split(">")[0], v["y"].get(r.arc, 0) > 0.5,
             r.fixed_cost_gbp, np.nan, "") for r in d.contracts.itertuples()]
    rows += [("hub_open", r.site_id, r.site_id, v["z"].get(r.site_id, 0) > 0.5,
              r.fixed_cost_gbp, r.capacity_t_per_week, "") for r in d.hub_openings.itertuples()]
    rows += [("expansion", r.key, r.site_id, v["w"].get(r.key, 0) > 0.5, r.fixed_cost_gbp,
              r.extra_capacity_t_per_week, f"from {r.available_from_week}")
             for r in d.expansions.itertuples()]
    cols = ["decision", "id", "site_id", "chosen", "fixed_cost_gbp", "capacity_t_per_week",
            "note"]
    return pd.DataFrame(rows, columns=cols)


def _marginal_values(s: Solved, n: pd.DataFrame, duals: dict[str, dict]) -> pd.DataFrame:
    """GBP the objective would fall by with one more tonne of capacity in a week.

    Plant: ``-dual(plant_capacity)``. A lane with ``max_trips_per_week``: for
    integer trips (fixed in the LP) ``-dual(trip_payload)`` in weeks where every
    slot is used, else 0 (another trip is the cheaper answer); for continuous
    trips ``-dual(lane_slots) / payload`` (a slot carries a payload).
    """
    rows = [("plant_capacity", p, s.label[t], -dual, t)
            for (p, t), dual in duals.get("plant_capacity", {}).items()]
    capped = n[n["max_trips_per_week"].notna()]
    for r in capped.itertuples(index=False):
        key = (r.arc, r.period)
        if r.integer_trips:
            if key not in duals.get("trip_payload", {}):
                continue
            full = r.trips >= r.max_trips_per_week - 1e-9
            value = -duals["trip_payload"][key] if full else 0.0
        else:
            if key not in duals.get("lane_slots", {}):
                continue
            value = -duals["lane_slots"][key] / r.payload_t
        rows.append(("lane_capacity", r.arc, s.label[r.period], value, r.period))
    df = pd.DataFrame(rows, columns=["constraint", "id", "week", "marginal_value_gbp_per_t",
                                     "period"])
    df["marginal_value_gbp_per_t"] = _clean(df["marginal_value_gbp_per_t"].to_numpy(float))
    return df.sort_values(["constraint", "id", "period"]).reset_index(drop=True)
