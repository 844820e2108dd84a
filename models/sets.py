"""Sparse index sets and coefficients of the MIP, built once with pandas joins.

A variable exists only where docs/model.md allows it and where it can ever be
non-zero:

* ``x[a,f,t]``: arc ``a`` may carry ``f`` (restricted -> cleared, non-outlet
  destination; outlet destination -> the outlet buys ``f``), ``f`` can have
  reached the arc's origin by week ``t`` (forward reachability from supply and
  opening stock), and the shipment arrives inside the horizon (``t + tau <= W``).
* ``s``, balance rows: node-feedstock pairs reachable by week ``t``.
* ``q[p,f,t]``: reachable and not banned outright by a plant spec.
* ``e[o,f,t]``: reachable outlet that buys ``f``.

Reachability only removes variables that are zero in every feasible plan, so
the optimum is unchanged; it keeps the model small.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from feedstock.models.periods import PeriodInputs, period_inputs
from feedstock.optimizer.network import Network
from feedstock.optimizer.scenario import Scenario
from feedstock.optimizer.scenario.products import basis_value


@dataclass(frozen=True, eq=False)
class ModelData:
    """Index sets (one tidy frame per variable) and the coefficients they carry.

    Each frame holds the rows of one variable of docs/model.md (the symbol in
    brackets); the Pyomo variables keep the symbols as their names.
    """

    horizon: int
    weeks: tuple[str, ...]
    elastic: bool  # the diagnosis copy: custody and slots relaxed (see build_sets)
    flows: pd.DataFrame  # x[a,f,t]: arc, origin, destination, mode, feedstock_id, period,
    #                      arrival, reach_t, ...
    trips: pd.DataFrame  # n[a,t]: arc, period, trip_cost_gbp, payload_t, integer_trips,
    #                      trips_max, reach_t, implied (no variable: load / payload)
    stocks: pd.DataFrame  # s[i,f,t]: site_id, feedstock_id, period, holding_gbp_per_t_week
    feeds: pd.DataFrame  # q[p,f,t]: site_id, feedstock_id, period, net_gbp_per_t (cost less
    #                      the value of every product), product (the plant's, joined by +),
    #                      output_t_per_t (all its products)
    outputs: pd.DataFrame  # per q row and product: site_id, feedstock_id, period, product,
    #                        output_t_per_t, value_gbp_per_t
    sales: pd.DataFrame  # e[o,f,t]: site_id, feedstock_id, period, price_gbp_per_t,
    #                      penalty_gbp_per_t (tonne and element penalties), row_key
    balance: pd.DataFrame  # site_id, feedstock_id, period, kind, earliest, supply_t, opening_t
    arriving: pd.DataFrame  # in-transit arrivals: site_id, feedstock_id, period, tonnes
    contracts: pd.DataFrame  # y[a], contracted arcs: arc, fixed_cost_gbp
    hub_openings: pd.DataFrame  # z[h], hubs with a fixed cost: site_id, fixed_cost_gbp
    expansions: pd.DataFrame  # w[k], expansions inside the horizon: key, site_id, option, ...
    min_runs: pd.DataFrame  # u[p,t], plant-weeks with a minimum run: site_id, period,
    #                         min_weekly_t, cap_max_t
    hubs: pd.DataFrame  # every hub with a row: site_id, capacity, handling, fixed, big_m
    plants: pd.DataFrame
    feedstocks: pd.DataFrame  # feedstock attributes (blend rules, yield bases)
    specs: pd.DataFrame
    offtake: pd.DataFrame
    outlet_rows: pd.DataFrame  # site_id, row_key, max_t_per_week
    storage: pd.Series  # finite storage_t by site
    element_kg: pd.DataFrame  # kg of each element (column: symbol) per t, by feedstock_id
    element_caps_kg: dict  # symbol -> most kg of it that may leak (policy.elements.*)
    available_t: float
    leakage_limit_t: float  # min(max_leakage_share x available_t, max_leakage_t)
    carbon_price: float
    terminal_penalty: float
    period_weeks: dict  # period -> weeks in it, L (1 in a weekly run): rates scale by it
    discount: dict  # period -> discount factor (1 in a weekly run)
    inputs: PeriodInputs  # what the sets were read from (horizon, supply, builds, prices)


def build_sets(sc: Scenario, net: Network, *, elastic: bool = False,
               implied_trips: bool = True, strategic: bool = False) -> ModelData:
    """All index sets and coefficients of the model for one scenario.

    ``elastic`` builds the sets of the diagnosis copy (``feedstock.models.elastic``):
    restricted feedstock may also use arcs that break custody (flagged
    ``custody_breach``), and ferry slots do not bound the trip variables (the
    ``lane_slots`` rows, made elastic, do). ``implied_trips=False`` keeps a trip
    variable for every arc-week (see ``_trip_rows``; tests compare both).
    ``strategic`` plans the ``[strategy]`` years instead of the weekly horizon
    (``feedstock.models.periods``); the network must then have continuous trips and
    no transit time (``feedstock.optimizer.solve.pipeline`` prepares it so).
    """
    inp = period_inputs(sc, strategic)
    hz = inp.horizon
    horizon = hz.count
    sites = sc.table("sites").set_index("site_id")
    feeds = sc.feedstocks.set_index("feedstock_id")
    arcs = net.arcs
    prices = outlet_prices(sc)

    allowed = allowed_arc_feeds(arcs, sites, feeds, prices, relax_custody=elastic)
    starts = _starts(inp, sc)
    reach = _reach(starts, allowed, horizon)

    x = allowed.merge(reach.rename(columns={"site_id": "origin"}), on=["origin", "feedstock_id"])
    x = _expand_weeks(x, "earliest", horizon - x["transit_weeks"])
    x["arrival"] = x["period"] + x["transit_weeks"]
    if inp.banned_periods:  # export ban: nothing leaves for an outlet from then on
        x = x[~((x["destination_kind"] == "outlet") & x["period"].isin(inp.banned_periods))]
    x["reach_t"] = _reach_at_origin(x, inp, sc)
    x = x.sort_values(["arc", "feedstock_id", "period"]).reset_index(drop=True)

    node_weeks = _expand_weeks(reach, "earliest", pd.Series(horizon, index=reach.index))
    kinds = sites["kind"]
    node_weeks["kind"] = kinds.loc[node_weeks["site_id"]].to_numpy()
    if inp.banned_periods:  # export ban: an outlet has no row (nothing arrives or is sold)
        node_weeks = node_weeks[~((node_weeks["kind"] == "outlet")
                                  & node_weeks["period"].isin(inp.banned_periods))]
    balance = _balance_rows(node_weeks, inp, sc)
    s = node_weeks[node_weeks["kind"] != "outlet"].copy()
    s["holding_gbp_per_t_week"] = sites.loc[s["site_id"], "holding_gbp_per_t_week"].to_numpy()

    plants = sc.plants.set_index("site_id")
    q = _plant_feed(node_weeks[node_weeks["kind"] == "plant"], feeds, sc.plant_specs)
    outputs = _plant_outputs(q, sc, inp)
    q = _net_of_products(q, outputs, plants)
    e = _outlet_sales(node_weeks[node_weeks["kind"] == "outlet"], prices, feeds, sc, inp)
    n = _trip_rows(x, arcs, sc, slots_bound=not elastic, implied_trips=implied_trips,
                   weeks=dict(enumerate(hz.weeks, start=1)))
    arriving = inp.arriving
    hubs = _hubs(sc, x, arriving, inp)
    available = inp.inflow_total() + float(sc.inventory["tonnes"].sum())
    policy = sc.config.policy
    contracts = arcs.loc[arcs["fixed_cost_gbp"] > 0, ["arc", "fixed_cost_gbp"]] \
        .loc[lambda d: d["arc"].isin(set(n["arc"]))].reset_index(drop=True)
    openings = hubs.query("fixed_cost_gbp > 0").reset_index(drop=True)
    if hz.strategic:  # a contract or an opening is held the whole horizon, paid per year
        contracts["fixed_cost_gbp"] *= inp.fixed_cost_factor
        openings["fixed_cost_gbp"] *= inp.fixed_cost_factor
    return ModelData(
        horizon=horizon, weeks=hz.labels, elastic=elastic, flows=x, trips=n,
        stocks=s.reset_index(drop=True), feeds=q, outputs=outputs, sales=e, balance=balance,
        arriving=arriving, contracts=contracts, hub_openings=openings,
        expansions=inp.builds, min_runs=_min_run(q, sc, inp), hubs=hubs, plants=sc.plants,
        feedstocks=sc.feedstocks,
        specs=sc.plant_specs, offtake=inp.offtake, outlet_rows=_outlet_rows(sc),
        storage=sites["storage_t"][np.isfinite(sites["storage_t"])
                                    & (kinds != "outlet")],
        element_kg=element_kg_per_t(sc),
        element_caps_kg={s: p.max_leakage_kg for s, p in policy.elements.items()
                         if p.max_leakage_kg is not None},
        available_t=available, leakage_limit_t=policy.leakage_limit_t(available),
        carbon_price=policy.carbon_price_gbp_per_t_co2e,
        terminal_penalty=policy.terminal_stock_penalty_gbp_per_t,
        period_weeks=dict(enumerate(hz.weeks, start=1)),
        discount=dict(enumerate(hz.discount, start=1)),
        inputs=inp,
    )


# ------------------------------------------------------------------ outlets

def outlet_prices(sc: Scenario) -> pd.DataFrame:
    """(outlet, feedstock) pairs an outlet buys, with price and the row that priced it.

    A feedstock row beats the ``*`` row of the same outlet; ``*`` covers every
    unrestricted feedstock without its own row. ``row_key`` names the
    outlets.csv row whose ``max_t_per_week`` bounds this pair.
    """
    rows = sc.outlets
    feeds = sc.feedstocks
    own = rows[rows["feedstock_id"] != "*"].assign(row_key=lambda d: d["feedstock_id"])
    star = rows[rows["feedstock_id"] == "*"].drop(columns="feedstock_id")
    free = feeds.loc[~feeds["restricted"].astype(bool), ["feedstock_id"]]
    star = star.merge(free, how="cross").assign(row_key="*")
    star = star[~star.set_index(["site_id", "feedstock_id"]).index.isin(
        own.set_index(["site_id", "feedstock_id"]).index)]
    cols = ["site_id", "feedstock_id", "price_gbp_per_t", "row_key"]
    return pd.concat([own[cols], star[cols]], ignore_index=True)


def _outlet_rows(sc: Scenario) -> pd.DataFrame:
    rows = sc.outlets.rename(columns={"feedstock_id": "row_key"})
    return rows.loc[np.isfinite(rows["max_t_per_week"]),
                    ["site_id", "row_key", "max_t_per_week"]].reset_index(drop=True)


def _outlet_sales(nodes: pd.DataFrame, prices: pd.DataFrame, feeds: pd.DataFrame,
                  sc: Scenario, inp: PeriodInputs) -> pd.DataFrame:
    """E index with price, sector and penalty per t.

    The penalty is the sector's (or the default) tonne penalty plus, for each
    element with a penalty per kg, that penalty x the kg of it in a tonne.
    """
    e = nodes[["site_id", "feedstock_id", "period"]].merge(prices, on=["site_id", "feedstock_id"])
    if inp.banned_periods:  # export ban: no purchases from its first year on
        e = e[~e["period"].isin(inp.banned_periods)]
    if inp.outlet_index:
        e["price_gbp_per_t"] = e["price_gbp_per_t"] * e["period"].map(inp.outlet_index)
    default = sc.config.policy.leakage_penalty_gbp_per_t
    by_sector = {k: v.leakage_penalty_gbp_per_t for k, v in sc.config.policy.sectors.items()}
    sector = feeds.loc[e["feedstock_id"], "sector"].to_numpy()
    e["sector"] = sector
    e["penalty_gbp_per_t"] = [by_sector.get(x, default) for x in sector]
    per_kg = {s: p.leakage_penalty_gbp_per_kg for s, p in sc.config.policy.elements.items()
              if p.leakage_penalty_gbp_per_kg > 0}
    if per_kg:
        kg = element_kg_per_t(sc)
        extra = sum(kg[s] * gbp for s, gbp in per_kg.items())
        e["penalty_gbp_per_t"] += extra.reindex(e["feedstock_id"]).to_numpy()
    return e.sort_values(["site_id", "feedstock_id", "period"]).reset_index(drop=True)


def element_kg_per_t(sc: Scenario) -> pd.DataFrame:
    """Kg of each element (column: symbol) per t of each feedstock (index: feedstock_id)."""
    f = sc.feedstocks.set_index("feedstock_id")
    return pd.DataFrame({s: f[col].astype(float).fillna(0.0) * 1000.0
                         for s, col in sc.elements.items()}, index=f.index)


# ------------------------------------------------------------------ reachability

def allowed_arc_feeds(arcs: pd.DataFrame, sites: pd.DataFrame, feeds: pd.DataFrame,
                      prices: pd.DataFrame, *, relax_custody: bool = False) -> pd.DataFrame:
    """(arc, feedstock) pairs allowed by custody and outlet rules.

    ``relax_custody`` (the elastic diagnosis only) also keeps restricted
    feedstock on arcs into sites that are not cleared, flagged
    ``custody_breach``; restricted feedstock never goes to an outlet.
    """
    pairs = arcs.merge(feeds.reset_index()[["feedstock_id", "restricted"]], how="cross")
    cleared = sites["cleared"].astype(bool).loc[pairs["destination"]].to_numpy()
    not_outlet = (pairs["destination_kind"] != "outlet").to_numpy()
    restricted = pairs["restricted"].astype(bool).to_numpy()
    pairs["custody_breach"] = restricted & ~cleared & not_outlet
    dest_ok = (cleared | relax_custody) & not_outlet
    pairs = pairs[~restricted | dest_ok]
    to_outlet = pairs["destination_kind"] == "outlet"
    bought = pd.MultiIndex.from_frame(prices[["site_id", "feedstock_id"]])
    buys = pd.MultiIndex.from_arrays([pairs["destination"], pairs["feedstock_id"]]).isin(bought)
    return pairs[~to_outlet.to_numpy() | buys].drop(columns="restricted").reset_index(drop=True)


def _starts(inp: PeriodInputs, sc: Scenario) -> pd.DataFrame:
    """Where and when each feedstock first exists: supply or arrival week, week 1 for stock."""
    sup = inp.inflows
    sup = sup.loc[sup["tonnes"] > 0, ["site_id", "feedstock_id", "period"]]
    inv = sc.inventory
    inv = inv.loc[inv["tonnes"] > 0, ["site_id", "feedstock_id"]].assign(period=1)
    both = pd.concat([sup, inv], ignore_index=True)
    return both.groupby(["site_id", "feedstock_id"], as_index=False)["period"].min() \
        .rename(columns={"period": "earliest"})


def _reach(starts: pd.DataFrame, allowed: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Earliest week each feedstock can be at each node (label-correcting search)."""
    key = ["site_id", "feedstock_id"]
    reach = starts.sort_values(key).reset_index(drop=True)
    hop = allowed[["origin", "destination", "feedstock_id", "transit_weeks"]]
    while True:
        step = hop.merge(reach, left_on=["origin", "feedstock_id"], right_on=key)
        step = step.assign(site_id=step["destination"],
                           earliest=step["earliest"] + step["transit_weeks"])
        step = step.loc[step["earliest"] <= horizon, [*key, "earliest"]]
        merged = pd.concat([reach, step]).groupby(key, as_index=False)["earliest"].min()
        if merged.equals(reach):  # both sorted by key: nothing got earlier or new
            return reach
        reach = merged


def _expand_weeks(df: pd.DataFrame, first_col: str, last: pd.Series) -> pd.DataFrame:
    """One row per week from ``df[first_col]`` to ``last`` (inclusive)."""
    first = df[first_col].to_numpy(int)
    count = np.maximum(last.to_numpy(int) - first + 1, 0)
    out = df.loc[df.index.repeat(count)].reset_index(drop=True)
    offsets = np.concatenate([np.arange(c) for c in count]) if len(count) else np.array([], int)
    out["period"] = np.repeat(first, count) + offsets.astype(int)
    return out


def _balance_rows(node_weeks: pd.DataFrame, inp: PeriodInputs, sc: Scenario) -> pd.DataFrame:
    """Balance rows with their supply (and in-transit arrivals) and opening stock.

    ``supply_t`` is every tonne that appears at the node that week from outside
    the plan: supply at a source, a shipment already on its way at its destination.
    """
    bal = node_weeks[["site_id", "feedstock_id", "period", "kind", "earliest"]].copy()
    sup = inp.inflows.groupby(["site_id", "feedstock_id", "period"],
                              as_index=False)["tonnes"].sum()
    bal = bal.merge(sup.rename(columns={"tonnes": "supply_t"}), how="left",
                    on=["site_id", "feedstock_id", "period"])
    inv = sc.inventory.rename(columns={"tonnes": "opening_t"})[
        ["site_id", "feedstock_id", "opening_t"]]
    bal = bal.merge(inv, how="left", on=["site_id", "feedstock_id"])
    bal["supply_t"] = bal["supply_t"].fillna(0.0)
    bal["opening_t"] = bal["opening_t"].fillna(0.0).where(bal["period"] == 1, 0.0)
    return bal.sort_values(["site_id", "feedstock_id", "period"]).reset_index(drop=True)


# ------------------------------------------------------------------ plants

def _plant_feed(nodes: pd.DataFrame, feeds: pd.DataFrame, specs: pd.DataFrame) -> pd.DataFrame:
    """Q index: the plant-feedstock-weeks that can be fed; banned pairs removed."""
    q = nodes[["site_id", "feedstock_id", "period"]].copy()
    banned = banned_feeds(nodes[["site_id", "feedstock_id"]].drop_duplicates(), feeds, specs)
    if len(banned):
        key = pd.MultiIndex.from_frame(q[["site_id", "feedstock_id"]])
        q = q[~key.isin(pd.MultiIndex.from_frame(banned))]
    return q.sort_values(["site_id", "feedstock_id", "period"]).reset_index(drop=True)


def _plant_outputs(q: pd.DataFrame, sc: Scenario, inp: PeriodInputs) -> pd.DataFrame:
    """One row per q row and product its plant makes: t of product per t fed, and its value.

    output = yield x (sum of the feedstock's basis columns), e.g. NdPr oxide from
    ``nd_share+pr_share`` at 0.95 recovery x 1.18 t oxide per t of metal. In a
    strategic run the value is indexed by year (prices.csv).
    """
    made = sc.plant_products
    out = q.merge(made, on="site_id")
    per_t = {basis: basis_value(sc.feedstocks, basis) for basis in made["yield_basis"].unique()}
    basis = np.array([per_t[b].at[f] for b, f in zip(out["yield_basis"], out["feedstock_id"],
                                                         strict=True)], dtype=float)
    out["output_t_per_t"] = out["yield"].to_numpy() * basis
    if inp.product_index:
        out["value_gbp_per_t"] = out["value_gbp_per_t"] * [
            inp.product_index.get((t, p), 1.0) for t, p in zip(out["period"], out["product"],
                                                                 strict=True)]
    cols = ["site_id", "feedstock_id", "period", "product", "output_t_per_t", "value_gbp_per_t"]
    return out[cols].sort_values(["site_id", "feedstock_id", "period"], kind="stable") \
        .reset_index(drop=True)


def _net_of_products(q: pd.DataFrame, outputs: pd.DataFrame,
                     plants: pd.DataFrame) -> pd.DataFrame:
    """Net cost per t fed = processing cost - the value of every product it makes."""
    value = (outputs["value_gbp_per_t"] * outputs["output_t_per_t"]) \
        .groupby([outputs["site_id"], outputs["feedstock_id"], outputs["period"]]).sum()
    total = outputs.groupby(["site_id", "feedstock_id", "period"])["output_t_per_t"].sum()
    names = outputs.drop_duplicates(["site_id", "product"]).groupby("site_id")["product"] \
        .agg("+".join)
    key = pd.MultiIndex.from_frame(q[["site_id", "feedstock_id", "period"]])
    q = q.copy()
    q["product"] = names.reindex(q["site_id"]).to_numpy()
    q["output_t_per_t"] = total.reindex(key).fillna(0.0).to_numpy()
    q["net_gbp_per_t"] = plants["cost_gbp_per_t"].reindex(q["site_id"]).to_numpy() \
        - value.reindex(key).fillna(0.0).to_numpy()
    return q


def banned_feeds(pairs: pd.DataFrame, feeds: pd.DataFrame, specs: pd.DataFrame) -> pd.DataFrame:
    """(plant, feedstock) pairs a spec bans outright.

    With bound ``max`` and every feedstock that can reach the plant at or above
    ``max``, the blend row sum_f (a_f - max) q_f <= 0 has no negative term, so
    each f with a_f > max must be 0 (e.g. ``oxidised`` with max 0). Likewise
    for ``min``. Those q are not created.
    """
    out = []
    for spec in specs.itertuples(index=False):
        at = pairs.loc[pairs["site_id"] == spec.site_id, "feedstock_id"]
        vals = feeds.loc[at, spec.attribute]
        if not math.isnan(spec.max) and (vals >= spec.max).all():
            out += [(spec.site_id, f) for f in vals.index[vals > spec.max]]
        if not math.isnan(spec.min) and (vals <= spec.min).all():
            out += [(spec.site_id, f) for f in vals.index[vals < spec.min]]
    return pd.DataFrame(sorted(set(out)), columns=["site_id", "feedstock_id"])


def plant_cap_max(sc: Scenario, inp: PeriodInputs | None = None) -> pd.Series:
    """Capacity plus every expansion option inside the horizon (docs/model.md cap_max).

    t/week; each option counts once however many years it may be decided in.
    """
    builds = (inp or period_inputs(sc)).builds
    base = sc.plants.set_index("site_id")["capacity_t_per_week"]
    extra = builds.drop_duplicates(["site_id", "option"]).groupby("site_id")[
        "extra_capacity_t_per_week"].sum()
    return base.add(extra, fill_value=0.0)


def _min_run(q: pd.DataFrame, sc: Scenario, inp: PeriodInputs) -> pd.DataFrame:
    plants = sc.plants
    need = plants.loc[plants["min_weekly_t"] > 0, ["site_id", "min_weekly_t"]]
    weeks = q[["site_id", "period"]].drop_duplicates()
    u = weeks.merge(need, on="site_id")
    u["cap_max_t"] = plant_cap_max(sc, inp).loc[u["site_id"]].to_numpy()
    return u.sort_values(["site_id", "period"]).reset_index(drop=True)


# ------------------------------------------------------------------ trips and hubs

def _trip_rows(x: pd.DataFrame, arcs: pd.DataFrame, sc: Scenario, *,
               slots_bound: bool = True, implied_trips: bool = True,
               weeks: dict | None = None) -> pd.DataFrame:
    """One trip row per arc-week that can carry anything, with its bound from the data.

    ``implied``: continuous trips with no slot limit, no contract and a trip cost
    >= 0. Their count is exactly load / payload in every optimal plan (a larger
    one only costs more, a smaller one breaks the payload row), so the model has
    no variable for them: the trip cost is charged per tonne,
    trip_cost / payload (``feedstock.models.trips``), and the count is computed from the
    tonnes after the solve. One variable and one row fewer per arc-week, the
    same optimum (tests solve both ways).

    ``reach_t`` is the most the arc can carry that week (what can have reached
    its origin by then); ``trips_max`` = ceil(reach_t / payload) (not rounded
    for continuous trips), capped by ``max_trips_per_week`` x the period's ``weeks``. More trips
    than
    that never help, so the bound (also the big-M of a contracted lane) leaves
    the optimum unchanged and turns most small-flow trip counts into binaries.
    """
    n = x[["arc", "period"]].drop_duplicates().merge(arcs, on="arc")
    n["reach_t"] = x.groupby(["arc", "period"])["reach_t"].sum().reindex(
        pd.MultiIndex.from_frame(n[["arc", "period"]])).fillna(0.0).to_numpy()
    needed = n["reach_t"] / n["payload_t"]
    needed = np.where(n["integer_trips"], np.ceil(needed - 1e-9), needed)
    per_period = n["period"].map(weeks).to_numpy(float) if weeks else 1.0
    slots = n["max_trips_per_week"].fillna(np.inf).to_numpy() * per_period if slots_bound \
        else np.inf
    n["trips_max"] = np.minimum(slots, needed)
    n["contracted"] = n["fixed_cost_gbp"] > 0
    n["implied"] = implied_trips & ~n["integer_trips"] & n["max_trips_per_week"].isna() \
        & ~n["contracted"] & (n["trip_cost_gbp"] >= 0)
    cols = ["arc", "origin", "destination", "mode", "period", "trip_cost_gbp", "payload_t",
            "max_trips_per_week", "integer_trips", "contracted", "trips_max", "reach_t",
            "implied"]
    return n[cols].sort_values(["arc", "period"]).reset_index(drop=True)


def _reach_at_origin(x: pd.DataFrame, inp: PeriodInputs, sc: Scenario) -> np.ndarray:
    """Most tonnes of f an arc can carry in week t: what can have reached its origin by then.

    A source receives nothing by arc (lanes never end at a source), so only its
    own opening stock and supply up to week t can leave it; any other origin may
    hold everything supplied anywhere up to week t. One value per x row; an
    arc-week's ``reach_t`` is their sum over the feedstocks it may carry.
    """
    cum_site = _cumulative_supply(inp, sc)
    cum_feed = cum_site.groupby(level=["feedstock_id", "period"]).sum()
    at_site = cum_site.reindex(pd.MultiIndex.from_arrays(
        [x["origin"], x["feedstock_id"], x["period"]])).fillna(0.0).to_numpy()
    anywhere = cum_feed.reindex(pd.MultiIndex.from_arrays(
        [x["feedstock_id"], x["period"]])).fillna(0.0).to_numpy()
    return np.where(x["origin_kind"] == "source", at_site, anywhere)


def _cumulative_supply(inp: PeriodInputs, sc: Scenario) -> pd.Series:
    """Opening stock plus supply (and arrivals) up to each week, by (site, feedstock, period)."""
    rows = pd.concat([inp.inflows[["site_id", "feedstock_id", "period", "tonnes"]],
                      sc.inventory[["site_id", "feedstock_id", "tonnes"]].assign(period=1)])
    weeks = range(1, inp.horizon.count + 1)
    grid = rows.groupby(["site_id", "feedstock_id", "period"])["tonnes"].sum() \
        .unstack("period", fill_value=0.0).reindex(columns=weeks, fill_value=0.0)
    grid.columns.name = "period"
    return grid.cumsum(axis=1).stack()


def _hubs(sc: Scenario, x: pd.DataFrame, arriving: pd.DataFrame,
          inp: PeriodInputs) -> pd.DataFrame:
    """Hub rows with the big-M used when a hub without capacity may be closed."""
    hubs = sc.hubs.copy()
    into = x.groupby("destination")["feedstock_id"].unique()
    total = pd.concat([inp.inflows[["feedstock_id", "tonnes"]],
                       sc.inventory[["feedstock_id", "tonnes"]]]).groupby("feedstock_id")[
        "tonnes"].sum()
    arrives = arriving.groupby("site_id")["tonnes"].sum()
    hubs["big_m"] = [float(total.reindex(into.get(h, [])).fillna(0).sum())
                     + float(arrives.get(h, 0.0)) for h in hubs["site_id"]]
    return hubs
