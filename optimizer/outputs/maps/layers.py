"""GIS layers of a plan: one line per lane, one point per site, and the coastline.

The lane layer is aggregated over the horizon (one feature per origin,
destination and mode, not per week): a planner reading a map wants where the
tonnes go, and the week-by-week detail is in ``lane_weeks.csv`` and
``plan.xlsx``. Every layer is WGS84 (EPSG:4326), as GeoJSON requires.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import geopandas as gpd
import numpy as np
import pandas as pd

from feedstock.optimizer.network.arcs import lines_gdf
from feedstock.optimizer.results.result import Result
from feedstock.optimizer.scenario import Scenario

OUTLINE_FILE = "uk_ireland.geojson"
FLOW_COLUMNS = ["origin", "origin_name", "destination", "destination_name", "mode",
                "mode_kind", "to_outlet", "weeks_used", "tonnes_t", "trips", "distance_km",
                "tonne_km", "cost_gbp", "co2e_kg", "feedstocks"]
SITE_COLUMNS = ["site_id", "name", "kind", "landmass", "cleared", "received_t", "shipped_t",
                "processed_t", "exported_t", "throughput_t", "capacity_t_per_week",
                "utilisation_mean", "utilisation_max", "final_stock_t", "geometry"]


@cache
def _outline() -> gpd.GeoDataFrame:
    with resources.as_file(resources.files(__package__) / "data" / OUTLINE_FILE) as path:
        return gpd.read_file(path)


def outline() -> gpd.GeoDataFrame:
    """The UK and Ireland outline shipped with the package (``kind``: land or border).

    Natural Earth 1:10m land and land borders (public domain), clipped to
    11°W-2.5°E, 49.5-61°N; see ``optimizer/outputs/maps/data/README.md``. Read with
    geopandas from the installed package: nothing is downloaded.
    """
    return _outline().copy()


def flow_lines(result: Result, sc: Scenario) -> gpd.GeoDataFrame:
    """One straight line per lane used in the horizon, with tonnes by feedstock.

    ``cost_gbp`` is the lane's transport cost over the horizon (trips x trip
    cost + tonnes x per-tonne handling, the objective's transport line);
    ``co2e_kg`` is tonnes x the arc's kg CO2e per t. ``<feedstock>_t`` columns
    hold the tonnes of each feedstock; ``feedstocks`` says the same in words
    for a popup. ``to_outlet`` marks leakage: the lane ends at an export outlet.
    """
    lanes, flows, arcs = result.lane_weeks, result.flows, result.arcs
    key = ["origin", "destination", "mode"]
    if lanes.empty:
        return gpd.GeoDataFrame({c: [] for c in FLOW_COLUMNS}, geometry=[], crs="EPSG:4326")
    per_lane = lanes.groupby(key, as_index=False).agg(
        tonnes_t=("tonnes_t", "sum"), trips=("trips", "sum"),
        trip_cost_gbp=("trip_cost_total_gbp", "sum"),
        weeks_used=("week", lambda w: int(w.nunique())))
    arc_cols = ["mode_kind", "distance_km", "cost_gbp_per_t", "co2e_kg_per_t",
                "destination_kind"]
    per_lane = per_lane.merge(arcs[[*key, *arc_cols]], on=key, how="left")
    per_lane["cost_gbp"] = per_lane["trip_cost_gbp"] + per_lane["tonnes_t"] * per_lane[
        "cost_gbp_per_t"]
    per_lane["co2e_kg"] = per_lane["tonnes_t"] * per_lane["co2e_kg_per_t"]
    per_lane["tonne_km"] = per_lane["tonnes_t"] * per_lane["distance_km"]
    per_lane["to_outlet"] = per_lane["destination_kind"] == "outlet"
    by_feed = flows.pivot_table(index=key, columns="feedstock_id", values="tonnes_t",
                                aggfunc="sum", fill_value=0.0)
    per_lane["feedstocks"] = [
        "; ".join(f"{f} {t:.1f} t" for f, t in row.sort_values(ascending=False).items() if t > 0)
        for _, row in by_feed.reindex(pd.MultiIndex.from_frame(per_lane[key])).fillna(0.0)
        .iterrows()]
    feed_cols = by_feed.rename(columns=lambda f: f"{f}_t").reset_index()
    per_lane = per_lane.merge(feed_cols, on=key, how="left")
    names = sc.sites.set_index("site_id")["name"]
    per_lane["origin_name"] = per_lane["origin"].map(names)
    per_lane["destination_name"] = per_lane["destination"].map(names)
    cols = [*FLOW_COLUMNS, *[c for c in feed_cols.columns if c not in key]]
    per_lane = per_lane[cols].sort_values("tonnes_t", ascending=False, kind="stable")
    return lines_gdf(per_lane.reset_index(drop=True), sc.sites)


def site_points(result: Result, sc: Scenario) -> gpd.GeoDataFrame:
    """Every site with what passed through it over the horizon.

    ``throughput_t`` is what a site handled: a plant's feed, an outlet's
    exports, and for sources, hubs and ports the tonnes shipped out.
    ``utilisation_mean`` / ``_max`` are a plant's feed / capacity over its
    weeks (a hub's tonnes in / its capacity); other kinds leave them empty.
    """
    sites = sc.sites
    flows = result.flows
    received = flows.groupby("destination")["tonnes_t"].sum()
    shipped = flows.groupby("origin")["tonnes_t"].sum()
    plants = result.plants
    processed = plants.groupby("site_id")["feed_t"].sum()
    exported = result.leakage.groupby("site_id")["tonnes_t"].sum()
    stock = result.stock
    final = stock[stock["week"] == result.weeks[-1]].groupby("site_id")["stock_t"].sum()
    out = sites[["site_id", "name", "kind", "landmass", "cleared", "geometry"]].copy()
    sid = out["site_id"]
    out["received_t"] = sid.map(received).fillna(0.0).to_numpy()
    out["shipped_t"] = sid.map(shipped).fillna(0.0).to_numpy()
    out["processed_t"] = sid.map(processed).fillna(0.0).to_numpy()
    out["exported_t"] = sid.map(exported).fillna(0.0).to_numpy()
    out["final_stock_t"] = sid.map(final).fillna(0.0).to_numpy()
    kind = out["kind"].to_numpy()
    out["throughput_t"] = np.select([kind == "plant", kind == "outlet"],
                                    [out["processed_t"], out["exported_t"]], out["shipped_t"])
    util = plants.dropna(subset=["utilisation"]).groupby("site_id")["utilisation"]
    cap = plants.groupby("site_id")["capacity_t_per_week"].max()
    hubs = sc.hubs.set_index("site_id") if len(sc.hubs) else pd.DataFrame()
    hub_cap = hubs["capacity_t_per_week"] if "capacity_t_per_week" in hubs else pd.Series()
    out["capacity_t_per_week"] = sid.map(cap).fillna(sid.map(hub_cap)).to_numpy(float)
    out["utilisation_mean"] = sid.map(util.mean()).to_numpy(float)
    out["utilisation_max"] = sid.map(util.max()).to_numpy(float)
    hub_in = _hub_utilisation(result, hub_cap)
    for col, values in hub_in.items():
        out[col] = out[col].fillna(sid.map(values))
    return gpd.GeoDataFrame(out[SITE_COLUMNS], geometry="geometry", crs="EPSG:4326")


def _hub_utilisation(result: Result, capacity: pd.Series) -> dict[str, pd.Series]:
    """Tonnes arriving at a hub per week / its t/week capacity: mean and max over weeks."""
    if capacity.empty:
        return {}
    f = result.flows
    inbound = f[f["destination"].isin(capacity.index)].groupby(["destination", "arrival_week"])[
        "tonnes_t"].sum().reset_index()
    if inbound.empty:
        return {}
    inbound["u"] = inbound["tonnes_t"] / inbound["destination"].map(capacity)
    weeks = len(result.weeks)
    return {"utilisation_mean": inbound.groupby("destination")["u"].sum() / weeks,
            "utilisation_max": inbound.groupby("destination")["u"].max()}
