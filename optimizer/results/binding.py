"""Which rules bind a plan: the bottlenecks a planner should know about.

Computed from the result tables alone (no model), so it reads the same for any
plan: a rule binds where the plan sits exactly on its limit (a full plant, a
full store, every ferry slot used, a blend at its bound, ...).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from feedstock.models.registry import binding_labels
from feedstock.optimizer.base.weeks import is_year
from feedstock.optimizer.results.result import Result
from feedstock.optimizer.scenario import Scenario

TOL = 1e-4  # t
COLUMNS = ["rule", "where", "week", "value", "limit", "unit"]


def binding_rules(sc: Scenario, r: Result) -> pd.DataFrame:
    """One row per place and week where a rule of docs/model.md is at its limit.

    The rules are the binding labels of the family registry
    (``feedstock.models.registry``), in its order; :data:`RULES` says how each is read
    from the tables.
    """
    parts = [RULES[label](sc, r) for label in binding_labels()]
    rows = [p for p in parts if len(p)]
    if not rows:
        return pd.DataFrame(columns=COLUMNS)
    return pd.concat(rows, ignore_index=True)[COLUMNS]


def _frame(rule: str, where, week, value, limit, unit: str) -> pd.DataFrame:
    return pd.DataFrame({"rule": rule, "where": where, "week": week, "value": value,
                         "limit": limit, "unit": unit})


def _at(value: pd.Series, limit: pd.Series) -> pd.Series:
    return (value >= limit - TOL) & np.isfinite(limit) & (limit > 0)


def _storage(sc: Scenario, r: Result) -> pd.DataFrame:
    held = r.stock.groupby(["site_id", "week"], as_index=False)["stock_t"].sum()
    cap = sc.table("sites").set_index("site_id")["storage_t"]
    held["limit"] = cap.reindex(held["site_id"]).to_numpy()
    held = held[_at(held["stock_t"], held["limit"])]
    return _frame("storage_limit", held["site_id"], held["week"], held["stock_t"],
                  held["limit"], "t")


def _trips(sc: Scenario, r: Result) -> pd.DataFrame:
    """Full vehicles on integer-trip arcs (continuous trips are always 'full')."""
    lw = r.lane_weeks
    integer = r.arcs.set_index(["origin", "destination", "mode"])["integer_trips"]
    lw = lw[integer.reindex(pd.MultiIndex.from_frame(lw[["origin", "destination", "mode"]]))
            .fillna(False).to_numpy(bool)]
    full = lw[(lw["trips"] > 0) & (lw["tonnes_t"] >= lw["trips"] * lw["payload_t"] - TOL)]
    where = full["origin"] + ">" + full["destination"] + " (" + full["mode"] + ")"
    return _frame("trip_payload", where, full["week"], full["tonnes_t"],
                  full["trips"] * full["payload_t"], "t")


def _per_period(r: Result, rate: pd.Series, weeks: pd.Series) -> pd.Series:
    """A per-week limit over each row's period (x 1 in a weekly plan)."""
    return rate * weeks.map(r.weeks_in).to_numpy(float) if r.strategic else rate


def _unit(r: Result, weekly: str) -> str:
    """``t/week`` in a weekly plan; per period (``t``) in a strategic one."""
    return weekly.removesuffix("/week") if r.strategic else weekly


def _slots(sc: Scenario, r: Result) -> pd.DataFrame:
    lw = r.lane_weeks
    lw = lw.assign(limit=_per_period(r, lw["max_trips_per_week"], lw["week"]))
    used = lw[lw["limit"].notna() & (lw["trips"] >= lw["limit"] - TOL) & (lw["trips"] > 0)]
    where = used["origin"] + ">" + used["destination"] + " (" + used["mode"] + ")"
    return _frame("lane_slots", where, used["week"], used["trips"], used["limit"], "trips")


def _hubs(sc: Scenario, r: Result) -> pd.DataFrame:
    f = r.flows
    hubs = sc.hubs.set_index("site_id")
    into = f[f["destination"].isin(hubs.index)].groupby(
        ["destination", "arrival_week"], as_index=False)["tonnes_t"].sum()
    into["limit"] = _per_period(r, pd.Series(hubs["capacity_t_per_week"].reindex(
        into["destination"]).to_numpy(), index=into.index), into["arrival_week"])
    into = into[_at(into["tonnes_t"], into["limit"])]
    return _frame("hub_capacity", into["destination"], into["arrival_week"], into["tonnes_t"],
                  into["limit"], _unit(r, "t/week"))


def _plants(sc: Scenario, r: Result) -> pd.DataFrame:
    p = r.plants
    p = p.assign(limit=_per_period(r, p["capacity_t_per_week"], p["week"]))
    p = p[_at(p["feed_t"], p["limit"])]
    return _frame("plant_capacity", p["site_id"], p["week"], p["feed_t"], p["limit"],
                  _unit(r, "t/week"))


def _min_run(sc: Scenario, r: Result) -> pd.DataFrame:
    p = r.plants.merge(sc.plants[["site_id", "min_weekly_t"]], on="site_id")
    p = p.assign(limit=_per_period(r, p["min_weekly_t"], p["week"]))
    low = p[(p["limit"] > 0) & (p["feed_t"] > TOL) & (p["feed_t"] <= p["limit"] + TOL)]
    return _frame("min_run", low["site_id"], low["week"], low["feed_t"], low["limit"],
                  _unit(r, "t/week"))


def _blends(sc: Scenario, r: Result) -> pd.DataFrame:
    feed = r.plant_feed
    attrs = sc.feedstocks.set_index("feedstock_id")
    out = []
    for spec in sc.plant_specs.itertuples(index=False):
        q = feed[feed["site_id"] == spec.site_id]
        if q.empty:
            continue
        a = attrs[spec.attribute].reindex(q["feedstock_id"]).to_numpy()
        q = q.assign(qa=q["feed_t"].to_numpy() * a, a=a)
        mix = q.groupby("week").agg(qa=("qa", "sum"), feed_t=("feed_t", "sum"),
                                    lo=("a", "min"), hi=("a", "max"))
        ratio = mix["qa"] / mix["feed_t"]
        for bound, name in ((spec.min, "feed_blend_min"), (spec.max, "feed_blend_max")):
            if np.isnan(bound):
                continue
            # at the bound with a real blend: some feed on the far side of it
            far = mix["hi"] - bound if name.endswith("max") else bound - mix["lo"]
            mixed = far > 1e-9
            hit = ratio[((ratio - bound).abs() <= 1e-6) & mixed]
            out.append(_frame(name, f"{spec.site_id} {spec.attribute}", hit.index, hit.values,
                              bound, "share"))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=COLUMNS)


def _leakage_cap(sc: Scenario, r: Result) -> pd.DataFrame:
    cap = sc.config.policy.leakage_limit_t(r.kpis["available_t"])
    leaked = r.kpis["leaked_t"]
    if leaked >= cap - TOL and cap > 0:
        return _frame("leakage_cap", ["all outlets"], ["all"], [leaked], [cap], "t")
    return pd.DataFrame(columns=COLUMNS)


def _offtake(sc: Scenario, r: Result) -> pd.DataFrame:
    """Offtake rows met exactly: the product's own output (``plant_output``), per week or all."""
    output = r.plant_output
    out = []
    rows = sc.table("offtake") if r.strategic else sc.offtake
    for row in rows.itertuples(index=False):
        made = output[output["product"] == row.product]
        if r.strategic and row.week != "all" and not is_year(row.week):
            continue  # an ISO-week row: weekly runs only
        if row.week != "all":  # a week, or a year's periods ("2029", "2029-Q1" ...)
            made = made[(made["week"] == row.week)
                        | made["week"].astype(str).str.startswith(f"{row.week}-Q")]
        value = float(made["output_t"].sum())
        if value <= row.min_t + TOL and row.min_t > 0:
            out.append(_frame("offtake", [row.product], [row.week], [value], [row.min_t], "t"))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=COLUMNS)


def _outlet_limits(sc: Scenario, r: Result) -> pd.DataFrame:
    sold = r.leakage.groupby(["site_id", "price_row", "week"], as_index=False)["tonnes_t"].sum()
    limits = sc.outlets.rename(columns={"feedstock_id": "price_row"})
    sold = sold.merge(limits[["site_id", "price_row", "max_t_per_week"]],
                      on=["site_id", "price_row"])
    sold["limit"] = _per_period(r, sold["max_t_per_week"], sold["week"])
    sold = sold[_at(sold["tonnes_t"], sold["limit"])]
    return _frame("outlet_limit", sold["site_id"] + " " + sold["price_row"], sold["week"],
                  sold["tonnes_t"], sold["limit"], _unit(r, "t/week"))


def _element_leakage_cap(sc: Scenario, r: Result) -> pd.DataFrame:
    leaked = r.kpi_values.get("element_leaked_kg", {})
    rows = [(el, leaked.get(el, 0.0), p.max_leakage_kg)
            for el, p in sc.config.policy.elements.items() if p.max_leakage_kg is not None]
    hit = [(el, v, cap) for el, v, cap in rows if cap > 0 and v >= cap - 1e-3]
    if not hit:
        return pd.DataFrame(columns=COLUMNS)
    return _frame("element_leakage_cap", [f"all outlets {el}" for el, _, _ in hit],
                  "all", [v for _, v, _ in hit], [cap for _, _, cap in hit], "kg")


# binding label (feedstock.models.registry) -> how a plan is seen to sit on the rule
RULES = {"storage_limit": _storage, "trip_payload": _trips, "lane_slots": _slots,
         "hub_capacity": _hubs, "plant_capacity": _plants, "min_run": _min_run,
         "feed_blend": _blends, "leakage_cap": _leakage_cap,
         "element_leakage_cap": _element_leakage_cap, "offtake": _offtake,
         "outlet_limit": _outlet_limits}
