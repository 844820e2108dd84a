"""Rule 16: the arcs the plan used are those docs/scenario-format.md defines, priced so."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from pyproj import Geod

from feedstock.optimizer.checker._plan import Plan, Violation, arc_id, num, truthy

ROAD_TARGETS = {"source": ("hub", "port", "plant", "outlet"),
                "hub": ("port", "plant", "outlet"),
                "port": ("hub", "plant", "outlet")}
_GEOD = Geod(ellps="WGS84")


def _road_km(p: Plan, origin: str, dest: Any) -> np.ndarray:
    """Geodesic km x road_circuity from ``origin`` to each of ``dest``."""
    xy = p.sites
    d = xy.loc[list(dest)]
    n = len(d)
    _, _, metres = _GEOD.inv(np.full(n, xy.at[origin, "lon"], float),
                             np.full(n, xy.at[origin, "lat"], float),
                             d["lon"].to_numpy(float), d["lat"].to_numpy(float))
    return np.asarray(metres) / 1000.0 * p.sc.config.network.road_circuity


def _is_set(v: Any) -> bool:
    return v is not None and not pd.isna(v)


def _expected(p: Plan, r: Any, lane: Any, mode: Any) -> dict[str, float]:
    """The attributes docs/scenario-format.md gives this arc (lane cells, else mode defaults)."""
    def cell(col: str, default: float) -> float:
        return float(getattr(lane, col)) if lane is not None and _is_set(getattr(lane, col)) \
            else default

    return {
        "distance_km": cell("distance_km", float(_road_km(p, r.origin, [r.destination])[0])),
        "trip_cost_gbp": cell("trip_cost_gbp", float(mode["trip_fixed_gbp"])
                              + float(mode["cost_gbp_per_km"]) * r.distance_km),
        "cost_gbp_per_t": cell("cost_gbp_per_t", float(mode["handling_gbp_per_t"])),
        "max_trips_per_week": cell("max_trips_per_week", math.nan),
        "fixed_cost_gbp": cell("fixed_cost_gbp", 0.0),
        "transit_weeks": cell("transit_weeks", 0.0),
        "payload_t": float(mode["payload_t"]),
        "co2e_kg_per_t": float(mode["co2e_kg_per_tkm"]) * r.distance_km,
    }


def _same(a: float, b: float, rel: float = 1e-9) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-6)


def _auto_problems(p: Plan, r: Any, mode_kind: str) -> list[str]:
    """Why an auto road arc should not exist (empty if it may)."""
    cfg = p.sc.config.network
    ok, dk = p.kind[r.origin], p.kind[r.destination]
    why = []
    if not cfg.auto_road_lanes:
        why.append("auto_road_lanes is off")
    if mode_kind != "road":
        why.append(f"auto arcs are road arcs, mode kind is {mode_kind}")
    if dk not in ROAD_TARGETS.get(ok, ()):
        why.append(f"no auto road lane goes {ok} -> {dk}")
    if r.distance_km > cfg.max_road_km * (1 + 1e-9):
        why.append(f"{num(r.distance_km)} km > max_road_km {num(cfg.max_road_km)}")
    if dk != "plant" and not why:
        land = p.sites["landmass"]
        rivals = [s for s in p.sites.index if p.kind[s] == dk and s != r.origin
                  and land[s] == land[r.origin]]
        km = _road_km(p, r.origin, rivals)
        closer = int((km < r.distance_km * (1 - 1e-9)).sum())
        if closer >= cfg.nearest:
            why.append(f"{closer} {dk}s are nearer than {num(r.distance_km)} km "
                       f"(nearest = {cfg.nearest})")
    return why


def _check_arc(p: Plan, r: Any, lanes: pd.DataFrame, modes: pd.DataFrame) -> list[str]:
    ok, dk = p.kind.get(r.origin), p.kind.get(r.destination)
    if ok is None or dk is None:
        return ["joins a site that is not in sites.csv"]
    why = []
    if ok == "outlet":
        why.append("starts at an outlet")
    if dk == "source":
        why.append("ends at a source")
    if (r.origin_kind, r.destination_kind) != (ok, dk):
        why.append(f"kinds {r.origin_kind} -> {r.destination_kind}, sites.csv says {ok} -> {dk}")
    if r.mode not in modes.index:
        return [*why, f"mode {r.mode} is not in modes.csv"]
    mode = modes.loc[r.mode]
    land = p.sites["landmass"]
    if mode["kind"] == "road" and land[r.origin] != land[r.destination]:
        why.append(f"road arc joins {land[r.origin]} and {land[r.destination]}")
    if r.mode_kind != mode["kind"] or bool(truthy([r.integer_trips])[0]) != bool(
            truthy([mode["integer_trips"]])[0]):
        why.append("mode_kind / integer_trips differ from modes.csv")
    key = (r.origin, r.destination, r.mode)
    lane = next(lanes.loc[[key]].itertuples(index=False)) if key in lanes.index else None
    if r.defined_by == "lanes.csv" and lane is None:
        why.append("says defined_by lanes.csv but lanes.csv has no such row")
    elif r.defined_by != "lanes.csv":
        if lane is not None:
            why.append("lanes.csv has a row for this arc; it must replace the auto arc")
        why += _auto_problems(p, r, str(mode["kind"]))
    for col, want in _expected(p, r, lane, mode).items():
        got = float(getattr(r, col))
        if not _same(got, want, rel=1e-6 if col == "distance_km" else 1e-9):
            why.append(f"{col} {num(got)}, expected {num(want)}")
    return why


def check_arcs(p: Plan) -> list[Violation]:
    """Arcs: ids, endpoints, landmass, lanes.csv values or mode defaults, and use."""
    out = []
    a = p.arcs_table
    modes = p.sc.modes.set_index("mode")
    lanes = p.sc.lanes.set_index(["origin", "destination", "mode"])
    for arc in a.loc[a["arc"] != arc_id(a), "arc"]:
        out.append(Violation("arcs", str(arc), "arc id is not origin>destination>mode"))
    for arc in a.loc[a["arc"].duplicated(), "arc"]:
        out.append(Violation("arcs", str(arc), "arc listed twice"))
    for r in a.itertuples(index=False):
        out += [Violation("arcs", str(r.arc), why) for why in _check_arc(p, r, lanes, modes)]
    defined = set(a.loc[a["defined_by"] == "lanes.csv", "arc"])
    for o, d, m in lanes.index:
        if f"{o}>{d}>{m}" not in defined:
            out.append(Violation("arcs", f"{o}>{d}>{m}", "lanes.csv row has no arc"))
    used = pd.concat([p.flows[["arc", "period"]], p.lane_weeks[["arc", "period"]]])
    for arc, t in used[~used["arc"].isin(p.arcs.index)].drop_duplicates().itertuples(
            index=False):
        out.append(Violation("arcs", f"{arc} {p.wk(t)}", "plan uses an arc the network lacks"))
    return out
