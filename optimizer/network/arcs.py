"""Sites and arcs: geodesic distances, auto road lanes, explicit lanes and overrides.

docs/scenario-format.md "Auto road lanes": for every ordered pair on the same landmass along
source->{hub, port, plant, outlet}, hub->{port, plant, outlet} and
port->{hub, plant, outlet}, with road km = geodesic km x circuity <= max_road_km,
each origin keeps its ``nearest`` destinations of each kind (all plants), one arc
per road mode. lanes.csv rows add arcs (every sea crossing is one) and replace an
auto arc with the same (origin, destination, mode).
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Geod
from shapely.geometry import LineString

from feedstock.optimizer.scenario import Scenario
from feedstock.optimizer.scenario.tables import origin_kinds

_GEOD = Geod(ellps="WGS84")
ROAD_TARGETS = {"source": ("hub", "port", "plant", "outlet"),
                "hub": ("port", "plant", "outlet"),
                "port": ("hub", "plant", "outlet")}
ARC_COLUMNS = ["arc", "origin", "destination", "mode", "mode_kind", "distance_km",
               "trip_cost_gbp", "cost_gbp_per_t", "max_trips_per_week", "fixed_cost_gbp",
               "transit_weeks", "payload_t", "integer_trips", "co2e_kg_per_t", "origin_kind",
               "destination_kind", "defined_by"]


@dataclass(frozen=True, eq=False)
class Network:
    """Nodes and arcs of one scenario; arcs carry every cost the model needs."""

    sites: gpd.GeoDataFrame
    arcs: pd.DataFrame

    def arcs_gdf(self) -> gpd.GeoDataFrame:
        """Arcs as WGS84 straight lines, for GIS output."""
        return lines_gdf(self.arcs, self.sites)


def lines_gdf(rows: pd.DataFrame, sites: pd.DataFrame) -> gpd.GeoDataFrame:
    """``rows`` (with origin, destination) as WGS84 straight lines between the sites."""
    xy = sites.set_index("site_id")[["lon", "lat"]]
    geoms = [LineString([tuple(xy.loc[o]), tuple(xy.loc[d])])
             for o, d in zip(rows["origin"], rows["destination"], strict=True)]
    return gpd.GeoDataFrame(pd.DataFrame(rows), geometry=geoms, crs="EPSG:4326")


def geodesic_km(lat1, lon1, lat2, lon2) -> np.ndarray:
    """Geodesic distance on the WGS84 ellipsoid, in km (vectorised)."""
    _, _, metres = _GEOD.inv(np.asarray(lon1, float), np.asarray(lat1, float),
                             np.asarray(lon2, float), np.asarray(lat2, float))
    return np.asarray(metres) / 1000.0


def build_network(sc: Scenario) -> Network:
    """All arcs of the scenario with their distances, costs and limits."""
    sites = sc.sites
    modes = sc.modes.set_index("mode")
    cfg = sc.config.network
    auto = _auto_road_pairs(sites, cfg.road_circuity, cfg.max_road_km, cfg.nearest) \
        if cfg.auto_road_lanes else pd.DataFrame({"origin": pd.Series(dtype=object),
                                                  "destination": pd.Series(dtype=object),
                                                  "distance_km": pd.Series(dtype=float)})
    auto = _road_modes(auto, modes, sites)
    auto["defined_by"] = "auto"

    lanes = sc.lanes
    lanes["defined_by"] = "lanes.csv"
    key = ["origin", "destination", "mode"]
    if len(lanes):
        auto = auto[~auto.set_index(key).index.isin(lanes.set_index(key).index)]
        lanes = _fill_lane_distance(lanes, sites, cfg.road_circuity)
    arcs = pd.concat([auto, lanes], ignore_index=True)
    return Network(sites=sites, arcs=_price_arcs(arcs, modes, sites))


def _auto_road_pairs(sites: pd.DataFrame, circuity: float, max_km: float,
                     nearest: int) -> pd.DataFrame:
    """Candidate road pairs on each landmass, pruned to the nearest k per kind."""
    cols = ["site_id", "kind", "lat", "lon", "landmass"]
    # origin x the kinds it may drive to, then x the sites of those kinds on its landmass:
    # never every pair of sites (4 million at 2,000 sources, 2.4 s to make and sift)
    targets = pd.DataFrame([(o, d) for o, ds in ROAD_TARGETS.items() for d in ds],
                           columns=["kind", "kind_d"])
    left = sites[cols].merge(targets, on="kind")
    right = sites[cols].rename(columns={"kind": "kind_d"})
    pairs = left.merge(right, on=["landmass", "kind_d"], suffixes=("_o", "_d"))
    pairs = pairs.rename(columns={"kind": "kind_o"})
    pairs = pairs[pairs["site_id_o"] != pairs["site_id_d"]]
    pairs = pairs.assign(distance_km=geodesic_km(pairs["lat_o"], pairs["lon_o"], pairs["lat_d"],
                                                 pairs["lon_d"]) * circuity)
    pairs = pairs[pairs["distance_km"] <= max_km]
    pairs = pairs.sort_values(["site_id_o", "kind_d", "distance_km", "site_id_d"])
    rank = pairs.groupby(["site_id_o", "kind_d"]).cumcount()
    pairs = pairs[(rank < nearest) | (pairs["kind_d"] == "plant")]
    return pairs.rename(columns={"site_id_o": "origin", "site_id_d": "destination"})[
        ["origin", "destination", "distance_km"]].reset_index(drop=True)


def _road_modes(pairs: pd.DataFrame, modes: pd.DataFrame, sites: pd.DataFrame) -> pd.DataFrame:
    """One arc per road mode, from the origin kinds the mode serves (``auto_lanes_from``)."""
    kind = sites.set_index("site_id")["kind"]
    pairs = pairs.assign(origin_kind=kind.reindex(pairs["origin"]).to_numpy())
    serves = pd.DataFrame([(m, k) for m, r in modes[modes["kind"] == "road"].iterrows()
                           for k in origin_kinds(r["auto_lanes_from"])],
                          columns=["mode", "origin_kind"])
    return pairs.merge(serves, on="origin_kind").drop(columns="origin_kind")


def _fill_lane_distance(lanes: pd.DataFrame, sites: pd.DataFrame, circuity: float) -> pd.DataFrame:
    """Blank lane distance = geodesic x circuity."""
    xy = sites.set_index("site_id")
    o, d = xy.loc[lanes["origin"]], xy.loc[lanes["destination"]]
    geo = geodesic_km(o["lat"].to_numpy(), o["lon"].to_numpy(), d["lat"].to_numpy(),
                      d["lon"].to_numpy()) * circuity
    lanes = lanes.copy()
    lanes["distance_km"] = lanes["distance_km"].fillna(pd.Series(geo, index=lanes.index))
    return lanes


def _price_arcs(arcs: pd.DataFrame, modes: pd.DataFrame, sites: pd.DataFrame) -> pd.DataFrame:
    """Fill mode defaults: trip cost, per-tonne cost, payload, carbon per tonne."""
    m = modes.loc[arcs["mode"]].reset_index(drop=True)
    arcs = arcs.reset_index(drop=True)
    for col in ("trip_cost_gbp", "cost_gbp_per_t", "max_trips_per_week", "fixed_cost_gbp",
                "transit_weeks"):
        if col not in arcs.columns:
            arcs[col] = np.nan
    arcs["distance_km"] = arcs["distance_km"].astype(float)
    default_trip = m["trip_fixed_gbp"].to_numpy() \
        + m["cost_gbp_per_km"].to_numpy() * arcs["distance_km"].to_numpy()
    arcs["trip_cost_gbp"] = _fill(arcs["trip_cost_gbp"], default_trip)
    arcs["cost_gbp_per_t"] = _fill(arcs["cost_gbp_per_t"], m["handling_gbp_per_t"].to_numpy())
    arcs["fixed_cost_gbp"] = arcs["fixed_cost_gbp"].astype(float).fillna(0.0)
    arcs["max_trips_per_week"] = arcs["max_trips_per_week"].astype(float)
    arcs["transit_weeks"] = arcs["transit_weeks"].fillna(0).astype(int)
    arcs["mode_kind"] = m["kind"].to_numpy()
    arcs["payload_t"] = m["payload_t"].to_numpy()
    arcs["integer_trips"] = m["integer_trips"].astype(bool).to_numpy()
    arcs["co2e_kg_per_t"] = m["co2e_kg_per_tkm"].to_numpy() * arcs["distance_km"]
    kind = sites.set_index("site_id")["kind"]
    arcs["origin_kind"] = kind.loc[arcs["origin"]].to_numpy()
    arcs["destination_kind"] = kind.loc[arcs["destination"]].to_numpy()
    arcs["arc"] = arcs["origin"] + ">" + arcs["destination"] + ">" + arcs["mode"]
    arcs = arcs.sort_values(["origin", "destination", "mode"]).reset_index(drop=True)
    return arcs[ARC_COLUMNS]


def _fill(values: pd.Series, default: np.ndarray) -> pd.Series:
    """Blank (NaN) cells take the mode default, row by row."""
    v = values.astype(float).to_numpy()
    return pd.Series(np.where(np.isnan(v), default, v), index=values.index)
