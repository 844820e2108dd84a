"""Rules on tonnes moving and waiting: balance, storage, trips, horizon, hubs, mass."""

from __future__ import annotations

import math

import pandas as pd

from feedstock.optimizer.checker._plan import ROUNDING as ROUND
from feedstock.optimizer.checker._plan import Plan, Violation, num

KEY = ["site_id", "feedstock_id", "period"]
IN_CATS = ("opening", "supply", "in transit", "arrivals")
OUT_CATS = ("departures", "plant feed", "sold", "stock")


def _terms(p: Plan) -> pd.DataFrame:
    """Every term of every balance row: (site, feedstock, period, category, tonnes)."""
    parts = []

    def add(df: pd.DataFrame, site: str, period: pd.Series, tonnes: pd.Series, cat: str) -> None:
        parts.append(pd.DataFrame({"site_id": df[site].to_numpy(),
                                   "feedstock_id": df["feedstock_id"].to_numpy(),
                                   "period": period.to_numpy(int),
                                   "cat": cat, "t": tonnes.to_numpy(float)}))

    inv, sup, f, s = p.sc.inventory, p.supply, p.flows, p.stock
    add(inv, "site_id", pd.Series(1, index=inv.index), inv["tonnes"], "opening")
    add(sup, "site_id", sup["period"], sup["tonnes"], "supply")
    add(p.in_transit, "destination", p.in_transit["period"], p.in_transit["tonnes"], "in transit")
    add(f, "destination", f["arrival"], f["tonnes_t"], "arrivals")
    add(f, "origin", f["period"], f["tonnes_t"], "departures")
    add(p.feed, "site_id", p.feed["period"], p.feed["feed_t"], "plant feed")
    add(p.leak, "site_id", p.leak["period"], p.leak["tonnes_t"], "sold")
    add(s, "site_id", s["period"] + 1, s["stock_t"], "opening")
    add(s, "site_id", s["period"], s["stock_t"], "stock")
    terms = pd.concat(parts, ignore_index=True)
    return terms[terms["period"].between(1, p.horizon)]


def check_balance(p: Plan) -> list[Violation]:
    """Rule 1: s[t-1] + supply + arrivals = departures + feed + sold + s[t]; outlets hold none."""
    out = []
    terms = _terms(p)
    table = terms.pivot_table(index=KEY, columns="cat", values="t", aggfunc="sum",
                              fill_value=0.0)
    for cat in IN_CATS + OUT_CATS:
        if cat not in table.columns:
            table[cat] = 0.0
    size = terms.groupby(KEY)["t"].agg(gross=lambda t: t.abs().sum(), n="count")
    inflow = table[list(IN_CATS)].sum(axis=1)
    outflow = table[list(OUT_CATS)].sum(axis=1)
    off = inflow - outflow
    bad = off.abs() > [p.slack(g, n) for g, n in zip(size["gross"], size["n"], strict=True)]
    for (site, feed, t), row in table[bad].iterrows():
        ins = ", ".join(f"{c} {num(row[c])}" for c in IN_CATS)
        outs = ", ".join(f"{c} {num(row[c])}" for c in OUT_CATS)
        out.append(Violation("balance", f"{site} {p.wk(t)} {feed}",
                             f"in {num(inflow[site, feed, t])} t ({ins}) != out "
                             f"{num(outflow[site, feed, t])} t ({outs}): off by "
                             f"{num(off[site, feed, t])} t"))
    for tab, col, what in ((p.flows, "tonnes_t", "flow"), (p.feed, "feed_t", "plant feed"),
                           (p.stock, "stock_t", "stock"), (p.leak, "tonnes_t", "sale")):
        for r in tab[tab[col] < -ROUND].itertuples(index=False):
            out.append(Violation("balance", f"{getattr(r, 'site_id', None) or r.origin} "
                                 f"{p.wk(r.period)} {r.feedstock_id}",
                                 f"negative {what}: {num(getattr(r, col))} t"))
    held = p.stock[p.node_kind(p.stock["site_id"]) == "outlet"]
    for r in held[held["stock_t"] > ROUND].itertuples(index=False):
        out.append(Violation("balance", f"{r.site_id} {p.wk(r.period)} {r.feedstock_id}",
                             f"outlets hold no stock, but {num(r.stock_t)} t is held"))
    fed = p.feed[p.node_kind(p.feed["site_id"]) != "plant"]
    for r in fed.itertuples(index=False):
        out.append(Violation("balance", f"{r.site_id} {p.wk(r.period)} {r.feedstock_id}",
                             f"{num(r.feed_t)} t fed at a site that is not a plant"))
    return out



def check_storage(p: Plan) -> list[Violation]:
    """Rule 2: total end-of-week stock at a node fits storage_t."""
    out = []
    held = p.stock.groupby(["site_id", "period"])["stock_t"].agg(["sum", "count"])
    for (site, t), row in held.iterrows():
        cap = float(p.sites["storage_t"].get(site, math.inf))
        if math.isfinite(cap) and row["sum"] > cap + p.slack(cap, row["count"]):
            out.append(Violation("storage", f"{site} {p.wk(t)}",
                                 f"stock {num(row['sum'])} t > storage_t {num(cap)} t"))
    return out


def _arc_weeks(p: Plan) -> pd.DataFrame:
    load = p.flows.groupby(["arc", "period"])["tonnes_t"].agg(tonnes="sum", rows="count")
    lw = p.lane_weeks.groupby(["arc", "period"])[["trips", "tonnes_t"]].sum()
    both = load.join(lw.rename(columns={"tonnes_t": "lane_tonnes"}), how="outer")
    return both.fillna({"tonnes": 0.0, "rows": 0, "trips": 0.0, "lane_tonnes": 0.0})


def check_trips(p: Plan) -> list[Violation]:
    """Rule 3: payload x trips carries the tonnes; slots; integer trips; contracted lanes."""
    out = []
    aw = _arc_weeks(p)
    flow_trips = p.flows.groupby(["arc", "period"])["trips"].agg(["min", "max"])
    for (arc, t), r in aw.iterrows():
        where = f"{arc} {p.wk(t)}"
        if arc not in p.arcs.index:
            continue  # reported by the arcs rule
        a = p.arcs.loc[arc]
        trips, tonnes = r["trips"], r["tonnes"]
        if tonnes > a["payload_t"] * trips + p.slack(tonnes, r["rows"]) or trips < -ROUND:
            out.append(Violation("trip_payload", where,
                                 f"{num(tonnes)} t on {num(trips)} trips of "
                                 f"{num(a['payload_t'])} t payload"))
        if abs(r["lane_tonnes"] - tonnes) > p.slack(tonnes, r["rows"] + 1):
            out.append(Violation("trip_payload", where,
                                 f"lane_weeks says {num(r['lane_tonnes'])} t, flows sum to "
                                 f"{num(tonnes)} t"))
        if (arc, t) in flow_trips.index:
            lo, hi = flow_trips.loc[(arc, t)]
            if abs(lo - trips) > ROUND or abs(hi - trips) > ROUND:
                out.append(Violation("trip_payload", where,
                                     f"flows say {num(lo)}..{num(hi)} trips, lane_weeks says "
                                     f"{num(trips)}"))
        cap = a["max_trips_per_week"] * p.weeks_in(t)
        if not math.isnan(cap) and trips > cap + ROUND:
            out.append(Violation("lane_slots", where,
                                 f"{num(trips)} trips > max_trips_per_week {num(cap)}"
                                 f" x {num(p.weeks_in(t))} weeks"))
        if p.integer.get(arc, True) and abs(trips - round(trips)) > ROUND:
            out.append(Violation("integer_trips", where,
                                 f"{num(trips)} trips on a mode with integer trips"))
        if a["fixed_cost_gbp"] > 0 and (trips > ROUND or tonnes > ROUND) \
                and not p.chosen("lane_contract", arc):
            out.append(Violation("lane_contract", where,
                                 f"{num(tonnes)} t on {num(trips)} trips, but the lane "
                                 f"(fixed cost {num(a['fixed_cost_gbp'])} GBP) is not contracted"))
    return out


def check_horizon(p: Plan) -> list[Violation]:
    """Rule 4: every row inside weeks 1..W, and no shipment arriving after W."""
    out = []
    f = p.flows
    for r in f[f["arrival"] > p.horizon].itertuples(index=False):
        out.append(Violation("horizon", f"{r.arc} {p.wk(r.period)} {r.feedstock_id}",
                             f"{num(r.tonnes_t)} t arrive in week {r.arrival} after the horizon "
                             f"(W = {p.horizon})"))
    label = pd.Series([p.period_of(w) for w in f["arrival_week"]], index=f.index)
    for r in f[(label != f["arrival"]) & label.notna()].itertuples(index=False):
        out.append(Violation("horizon", f"{r.arc} {p.wk(r.period)} {r.feedstock_id}",
                             f"arrival_week {r.arrival_week} but the arc's transit_weeks "
                             f"{r.transit} gives {p.wk(r.arrival)}"))
    tables = {"flows": f, "lane_weeks": p.lane_weeks, "plants": p.plants_table,
              "plant_feed": p.feed, "stock": p.stock, "leakage": p.leak}
    for name, tab in tables.items():
        weeks = pd.Series([p.period_of(w) for w in tab["week"]], index=tab.index, dtype=float)
        bad = ~tab["period"].between(1, p.horizon) | (weeks != tab["period"])
        for r in tab[bad].itertuples(index=False):
            out.append(Violation("horizon", f"{name} {r.week}",
                                 f"period {r.period} is outside 1..{p.horizon} or does not "
                                 f"match week {r.week}"))
    return out


def hub_intake(p: Plan) -> pd.DataFrame:
    """Tonnes arriving at each hub per week (by arrival week), in-transit arrivals included."""
    f = p.flows[["destination", "arrival", "tonnes_t"]]
    a = p.in_transit.rename(columns={"period": "arrival", "tonnes": "tonnes_t"})
    f = pd.concat([f, a[["destination", "arrival", "tonnes_t"]]], ignore_index=True)
    f = f[p.node_kind(f["destination"]) == "hub"]
    return f.groupby(["destination", "arrival"])["tonnes_t"].agg(t="sum", rows="count")


def check_hubs(p: Plan) -> list[Violation]:
    """Rule 5: intake <= capacity (x opened, for hubs with a fixed cost)."""
    out = []
    hubs = p.sc.hubs.set_index("site_id")
    for (hub, t), r in hub_intake(p).iterrows():
        if hub not in hubs.index:
            continue
        cap, fixed = float(hubs.at[hub, "capacity_t_per_week"]), float(
            hubs.at[hub, "fixed_cost_gbp"])
        closed = fixed > 0 and not p.chosen("hub_open", hub)
        limit = 0.0 if closed else cap * p.weeks_in(t)
        if r["t"] > limit + p.slack(limit, r["rows"]):
            why = "the hub is not opened" if closed else f"capacity {num(cap)} t/week"
            out.append(Violation("hub_capacity", f"{hub} {p.wk(t)}",
                                 f"intake {num(r['t'])} t but {why}"))
    return out


def check_mass(p: Plan) -> list[Violation]:
    """Rule 15: available = fed into plants + sold at outlets + stock at the end of week W."""
    avail = p.available_t()
    end = p.stock[p.stock["period"] == p.horizon]
    placed = p.feed["feed_t"].sum() + p.leak["tonnes_t"].sum() + end["stock_t"].sum()
    rows = len(p.feed) + len(p.leak) + len(end)
    if abs(avail - placed) > p.slack(avail, rows):
        return [Violation("mass", "whole horizon",
                          f"available {num(avail)} t != fed {num(p.feed['feed_t'].sum())} t + "
                          f"sold {num(p.leak['tonnes_t'].sum())} t + final stock "
                          f"{num(end['stock_t'].sum())} t = {num(placed)} t")]
    return []
