"""One Result per solve: status, cost lines, tidy tables and KPIs (MODEL.md "What a solve returns").

Every table has units in its column names. Rows with (numerically) zero
tonnes are left out; a missing row means zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from models import BuiltModel
from models._util import keys
from models.objective import COST_LINES
from models.variables import NODE_KEY, X_KEY
from optimizer.kpis import kpis
from optimizer.scenario import Scenario

EPS = 1e-6  # t; below this a solver value is noise
TABLES = ("flows", "lane_weeks", "plants", "plant_feed", "stock", "leakage", "decisions",
          "marginal_values", "arcs")


@dataclass(frozen=True, eq=False)
class Result:
    """A solved plan. Tables are handed out as copies; nothing here changes after solve."""

    scenario: str
    status: str
    objective_gbp: float
    bound_gbp: float
    gap: float
    cost_lines_gbp: Mapping[str, float]
    kpis: Mapping[str, Any]
    tables: Mapping[str, pd.DataFrame] = field(repr=False)
    build_seconds: float
    solve_seconds: float
    solver: Mapping[str, Any]
    model_size: Mapping[str, int]
    weeks: tuple[str, ...]
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("cost_lines_gbp", "kpis", "tables", "solver", "model_size"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("tables", {})
        if name in tables:
            return tables[name].copy(deep=False)
        raise AttributeError(name)

    @property
    def has_plan(self) -> bool:
        """True for optimal and feasible results (a Result always holds a plan)."""
        return self.status in ("optimal", "feasible")

    def summary(self) -> dict[str, Any]:
        """Everything of the run that fits in summary.json."""
        return {
            "scenario": self.scenario,
            "status": self.status,
            "objective_gbp": round(self.objective_gbp, 2),
            "bound_gbp": round(self.bound_gbp, 2),
            "gap": round(self.gap, 6),
            "cost_lines_gbp": {k: round(v, 2) for k, v in self.cost_lines_gbp.items()},
            "kpis": _jsonable(self.kpis),
            "build_seconds": round(self.build_seconds, 3),
            "solve_seconds": round(self.solve_seconds, 3),
            "weeks": [self.weeks[0], self.weeks[-1]],
            "solver": _jsonable(self.solver),
            "model_size": dict(self.model_size),
            "notes": list(self.notes),
        }


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.integer | np.bool_):
        return obj.item()
    if isinstance(obj, float | np.floating):
        return None if not np.isfinite(obj) else round(float(obj), 6)
    return obj


def gap_of(objective: float, bound: float) -> float:
    """Relative gap |objective - bound| / max(|objective|, 1)."""
    return abs(objective - bound) / max(abs(objective), 1.0)


# ---------------------------------------------------------------- building tables

def make_result(sc: Scenario, built: BuiltModel, values: dict[str, dict],
                duals: dict[str, dict], *, status: str, objective: float | None,
                bound: float | None, build_seconds: float, solve_seconds: float,
                solver: dict[str, Any]) -> Result:
    """Assemble the Result from solved values (and fixed-integer LP duals)."""
    d = built.data
    label = dict(enumerate(d.weeks, start=1))
    tables = {
        "flows": _flows(d, values, label),
        "lane_weeks": _lane_weeks(d, values, label),
        "plant_feed": _plant_feed(d, values, label),
        "stock": _stock(sc, d, values, label),
        "leakage": _leakage(d, values, label),
        "decisions": _decisions(sc, d, values),
        "marginal_values": _marginal_values(d, values, duals, label),
        "arcs": built.network.arcs.copy(),
    }
    tables["plants"] = _plants(sc, d, values, tables["plant_feed"], label)
    lines = {k: values["cost_lines"][k] for k in COST_LINES}
    obj = float(objective if objective is not None else sum(lines.values()))
    bnd = float(bound) if bound is not None and np.isfinite(bound) else obj
    return Result(
        scenario=sc.name, status=status, objective_gbp=obj, bound_gbp=bnd,
        gap=gap_of(obj, bnd), cost_lines_gbp=lines,
        kpis=kpis(sc, d, tables, sum(lines.values())), tables=tables,
        build_seconds=build_seconds, solve_seconds=solve_seconds, solver=solver,
        model_size=built.size, weeks=d.weeks, notes=sc.notes)


def _vals(values: dict, name: str, idx: list) -> np.ndarray:
    v = values[name]
    return np.array([v.get(k, 0.0) for k in idx], dtype=float)


def _clean(a: np.ndarray) -> np.ndarray:
    return np.where(np.abs(a) < EPS, 0.0, np.round(a, 6))


def _trips(d, values) -> pd.Series:
    idx = keys(d.n, ("arc", "period"))
    raw = _vals(values, "n", idx)
    # Integer trips are rounded; continuous trips keep full precision, since
    # payload x trips must still cover the tonnes when the payload is large.
    trips = np.where(d.n["integer_trips"].to_numpy(), np.round(raw),
                     np.where(np.abs(raw) < 1e-12, 0.0, raw))
    return pd.Series(trips, index=pd.MultiIndex.from_tuples(idx, names=["arc", "period"]))


def _flows(d, values, label) -> pd.DataFrame:
    x = d.x.assign(tonnes_t=_clean(_vals(values, "x", keys(d.x, X_KEY))))
    x = x[x["tonnes_t"] > 0]
    trips = _trips(d, values)
    x["trips"] = trips.reindex(pd.MultiIndex.from_frame(x[["arc", "period"]])).to_numpy()
    x = x.assign(week=x["period"].map(label), arrival_week=x["arrival"].map(label),
                 tonne_km=x["tonnes_t"] * x["distance_km"])
    cols = ["origin", "destination", "mode", "feedstock_id", "week", "arrival_week", "tonnes_t",
            "trips", "distance_km", "tonne_km", "period"]
    return x[cols].sort_values(["period", "origin", "destination", "mode", "feedstock_id"]) \
        .reset_index(drop=True)


def _lane_weeks(d, values, label) -> pd.DataFrame:
    trips = _trips(d, values)
    x = d.x.assign(tonnes_t=_clean(_vals(values, "x", keys(d.x, X_KEY))))
    load = x.groupby(["arc", "period"])["tonnes_t"].sum()
    n = d.n.assign(trips=trips.to_numpy(),
                   tonnes_t=load.reindex(pd.MultiIndex.from_frame(d.n[["arc", "period"]]))
                   .fillna(0.0).to_numpy())
    n = n[(n["trips"] > 0) | (n["tonnes_t"] > 0)].copy()
    n["week"] = n["period"].map(label)
    n["load_factor"] = np.where(n["trips"] > 0, n["tonnes_t"] / (n["trips"] * n["payload_t"]),
                                np.nan)
    n["trip_cost_total_gbp"] = n["trips"] * n["trip_cost_gbp"]
    cols = ["origin", "destination", "mode", "week", "trips", "tonnes_t", "payload_t",
            "load_factor", "max_trips_per_week", "trip_cost_gbp", "trip_cost_total_gbp",
            "period"]
    return n[cols].sort_values(["period", "origin", "destination", "mode"]) \
        .reset_index(drop=True)


def _plant_feed(d, values, label) -> pd.DataFrame:
    q = d.q.assign(feed_t=_clean(_vals(values, "q", keys(d.q, NODE_KEY))))
    q = q[q["feed_t"] > 0].copy()
    q["output_t"] = q["feed_t"] * q["output_t_per_t"]
    q["week"] = q["period"].map(label)
    cols = ["site_id", "feedstock_id", "week", "feed_t", "product", "output_t", "period"]
    return q[cols].sort_values(["site_id", "period", "feedstock_id"]).reset_index(drop=True)


def _plants(sc, d, values, feed: pd.DataFrame, label) -> pd.DataFrame:
    plants = sc.plants.set_index("site_id")
    built = {k for k, v in values["w"].items() if v > 0.5}
    grid = pd.MultiIndex.from_product([plants.index, range(1, d.horizon + 1)],
                                      names=["site_id", "period"]).to_frame(index=False)
    cap = []
    for p, t in zip(grid["site_id"], grid["period"], strict=True):
        extra = d.w[(d.w["site_id"] == p) & (d.w["first_period"] <= t) & d.w["key"].isin(built)]
        cap.append(plants.at[p, "capacity_t_per_week"]
                   + extra["extra_capacity_t_per_week"].sum())
    grid["capacity_t_per_week"] = cap
    agg = feed.groupby(["site_id", "period"])[["feed_t", "output_t"]].sum()
    grid = grid.join(agg, on=["site_id", "period"]).fillna({"feed_t": 0.0, "output_t": 0.0})
    grid["utilisation"] = np.where(grid["capacity_t_per_week"] > 0,
                                   grid["feed_t"] / grid["capacity_t_per_week"], np.nan)
    running = values["u"]
    grid["running"] = [bool(round(running[(p, t)])) if (p, t) in running else None
                       for p, t in zip(grid["site_id"], grid["period"], strict=True)]
    grid["process"] = plants.loc[grid["site_id"], "process"].to_numpy()
    grid["product"] = plants.loc[grid["site_id"], "product"].to_numpy()
    grid["week"] = grid["period"].map(label)
    cols = ["site_id", "process", "product", "week", "feed_t", "capacity_t_per_week",
            "utilisation", "running", "output_t", "period"]
    return grid[cols]


def _stock(sc, d, values, label) -> pd.DataFrame:
    s = d.s.assign(stock_t=_clean(_vals(values, "s", keys(d.s, NODE_KEY))))
    s = s[s["stock_t"] > 0].copy()
    s["week"] = s["period"].map(label)
    cols = ["site_id", "kind", "feedstock_id", "week", "stock_t", "period"]
    return s[cols].sort_values(["period", "site_id", "feedstock_id"]).reset_index(drop=True)


def _leakage(d, values, label) -> pd.DataFrame:
    e = d.e.assign(tonnes_t=_clean(_vals(values, "e", keys(d.e, NODE_KEY))))
    e = e[e["tonnes_t"] > 0].copy()
    e["week"] = e["period"].map(label)
    e["revenue_gbp"] = e["tonnes_t"] * e["price_gbp_per_t"]
    e["penalty_gbp"] = e["tonnes_t"] * e["penalty_gbp_per_t"]
    e = e.rename(columns={"row_key": "price_row"})
    cols = ["site_id", "feedstock_id", "sector", "week", "tonnes_t", "price_gbp_per_t",
            "revenue_gbp", "penalty_gbp_per_t", "penalty_gbp", "price_row", "period"]
    return e[cols].sort_values(["period", "site_id", "feedstock_id"]).reset_index(drop=True)


def _decisions(sc, d, values) -> pd.DataFrame:
    rows = []
    for r in d.y.itertuples():
        rows.append(("lane_contract", r.arc, r.arc.split(">")[0], values["y"].get(r.arc, 0) > 0.5,
                     r.fixed_cost_gbp, np.nan, ""))
    for r in d.z.itertuples():
        rows.append(("hub_open", r.site_id, r.site_id, values["z"].get(r.site_id, 0) > 0.5,
                     r.fixed_cost_gbp, r.capacity_t_per_week, ""))
    for r in d.w.itertuples():
        rows.append(("expansion", r.key, r.site_id, values["w"].get(r.key, 0) > 0.5,
                     r.fixed_cost_gbp, r.extra_capacity_t_per_week,
                     f"from {r.available_from_week}"))
    cols = ["decision", "id", "site_id", "chosen", "fixed_cost_gbp", "capacity_t_per_week",
            "note"]
    return pd.DataFrame(rows, columns=cols)


def _marginal_values(d, values, duals, label) -> pd.DataFrame:
    """Value (GBP saved) of one more t/week of plant capacity or of a full lane."""
    rows = []
    for (p, t), dual in duals.get("plant_capacity", {}).items():
        rows.append(("plant_capacity", p, label[t], -dual, t))
    trips = _trips(d, values)
    capped = d.n[d.n["max_trips_per_week"].notna()]
    for a, t, cap in zip(capped["arc"], capped["period"], capped["max_trips_per_week"],
                         strict=True):
        dual = duals.get("trip_payload", {}).get((a, t))
        if dual is None:
            continue
        full = trips.get((a, t), 0.0) >= cap - 1e-9
        rows.append(("lane_capacity", a, label[t], -dual if full else 0.0, t))
    df = pd.DataFrame(rows, columns=["constraint", "id", "week",
                                     "marginal_value_gbp_per_t", "period"])
    df["marginal_value_gbp_per_t"] = _clean(df["marginal_value_gbp_per_t"].to_numpy(float)) \
        if len(df) else df["marginal_value_gbp_per_t"]
    return df.sort_values(["constraint", "id", "period"]).reset_index(drop=True)
