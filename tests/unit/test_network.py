"""The transport network (docs/scenario-format.md "Auto road lanes", lanes.csv): distances, arcs, costs."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from feedstock import Scenario, load_scenario
from feedstock.optimizer.network.arcs import build_network, geodesic_km
from feedstock.optimizer.scenario.tables import origin_kinds
from tests.builders import build, config

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "uk-2026"

LONDON = (51.5074, -0.1278)
BIRMINGHAM = (52.4862, -1.8904)

MODES = """\
mode,kind,payload_t,cost_gbp_per_km,trip_fixed_gbp,handling_gbp_per_t,co2e_kg_per_tkm,integer_trips
hgv,road,24,0.9,60,5,0.12,true
van,road,1.5,0.5,20,3,0.4,false
ferry,sea,24,2.5,200,7,0.05,true
train,rail,40,1.5,300,9,0.03,true
"""
SITES_HEADER = "site_id,name,kind,lat,lon,landmass,cleared,storage_t,holding_gbp_per_t_week\n"
LANES_HEADER = ("origin,destination,mode,distance_km,trip_cost_gbp,cost_gbp_per_t,"
                "max_trips_per_week,fixed_cost_gbp,transit_weeks\n")
ALLOWED = {("source", "hub"), ("source", "port"), ("source", "plant"), ("source", "outlet"),
           ("hub", "port"), ("hub", "plant"), ("hub", "outlet"),
           ("port", "hub"), ("port", "plant"), ("port", "outlet")}


def sites(*rows: tuple) -> str:
    """``(site_id, kind, lat, lon[, landmass])`` rows as sites.csv text."""
    lines = [f"{r[0]},{r[0]},{r[1]},{r[2]},{r[3]},{r[4] if len(r) > 4 else 'gb'},true,,0"
             for r in rows]
    return SITES_HEADER + "\n".join(lines) + "\n"


def scenario(site_text: str, lanes: str | None = None, modes: str = MODES,
             **network: object) -> Scenario:
    """A scenario of these sites; plants get a plants.csv row each; no supply."""
    site_rows = [ln.split(",") for ln in site_text.strip().splitlines()[1:]]
    plants = ["site_id,process,capacity_t_per_week,cost_gbp_per_t,product,yield_basis,yield,"
              "product_value_gbp_per_t"]
    plants += [f"{r[0]},long_loop,1,1,reo,reo_share,1,1" for r in site_rows if r[2] == "plant"]
    cfg = config(**{"network.auto_road_lanes": True,
                    **{f"network.{k}": v for k, v in network.items()}})
    return build(cfg, sites=site_text, modes=modes, lanes=lanes, plants="\n".join(plants) + "\n",
                 supply="site_id,feedstock_id,week,tonnes\n")


def arcs_of(sc: Scenario) -> pd.DataFrame:
    return build_network(sc).arcs


def pairs(arcs: pd.DataFrame, mode: str = "hgv") -> set[tuple[str, str]]:
    a = arcs[arcs["mode"] == mode]
    return set(zip(a["origin"], a["destination"], strict=True))


# ----------------------------------------------------------------------------- distances

def test_geodesic_london_birmingham() -> None:
    km = float(geodesic_km(*LONDON, *BIRMINGHAM))
    assert km == pytest.approx(163, abs=1)
    assert float(geodesic_km(*BIRMINGHAM, *LONDON)) == pytest.approx(km, abs=1e-6)


def test_geodesic_is_vectorised_and_on_the_ellipsoid() -> None:
    km = geodesic_km([0.0, 0.0, 51.5], [0.0, 0.0, -0.1], [0.0, 1.0, 51.5], [1.0, 0.0, -0.1])
    assert km.shape == (3,)
    assert km[0] == pytest.approx(111.319, abs=0.01)  # 1 degree along the equator (WGS84)
    assert km[1] == pytest.approx(110.574, abs=0.01)  # 1 degree of latitude at the equator
    assert km[2] == pytest.approx(0.0, abs=1e-9)


def test_auto_arc_distance_is_geodesic_times_circuity_and_priced_by_mode() -> None:
    sc = scenario(sites(("london", "source", *LONDON), ("brum", "plant", *BIRMINGHAM)),
                  road_circuity=1.3)
    arcs = arcs_of(sc).set_index("arc")
    geo = float(geodesic_km(*LONDON, *BIRMINGHAM))
    assert list(arcs.index) == ["london>brum>hgv", "london>brum>van"]
    hgv, van = arcs.loc["london>brum>hgv"], arcs.loc["london>brum>van"]
    assert hgv["distance_km"] == pytest.approx(geo * 1.3, rel=1e-9)
    assert hgv["distance_km"] == pytest.approx(163 * 1.3, abs=1.5)
    assert hgv["trip_cost_gbp"] == pytest.approx(60 + 0.9 * geo * 1.3)
    assert van["trip_cost_gbp"] == pytest.approx(20 + 0.5 * geo * 1.3)
    assert (hgv["cost_gbp_per_t"], van["cost_gbp_per_t"]) == (5, 3)
    assert hgv["co2e_kg_per_t"] == pytest.approx(0.12 * geo * 1.3)
    assert (hgv["payload_t"], bool(hgv["integer_trips"])) == (24, True)
    assert (van["payload_t"], bool(van["integer_trips"])) == (1.5, False)
    assert (hgv["mode_kind"], hgv["origin_kind"], hgv["destination_kind"]) == (
        "road", "source", "plant")
    assert hgv["fixed_cost_gbp"] == 0 and hgv["transit_weeks"] == 0
    assert math.isnan(hgv["max_trips_per_week"])
    assert set(arcs["defined_by"]) == {"auto"}


# ----------------------------------------------------------------------------- auto road lanes

def test_auto_lanes_only_along_the_allowed_kind_pairs() -> None:
    kinds = ["source", "hub", "port", "plant", "outlet"]
    rows = [(f"{k}{n}", k, 52.0 + 0.1 * i + 0.03 * n, -1.0 - 0.05 * n)
            for i, k in enumerate(kinds) for n in (1, 2)]
    arcs = arcs_of(scenario(sites(*rows), nearest=10))
    got = set(zip(arcs["origin_kind"], arcs["destination_kind"], strict=True))
    assert got == ALLOWED
    # every allowed ordered pair of distinct sites is there, for each road mode
    expected = {(o[0], d[0]) for o in rows for d in rows
                if (o[1], d[1]) in ALLOWED and o[0] != d[0]}
    assert pairs(arcs, "hgv") == expected == pairs(arcs, "van")
    assert len(arcs) == 2 * len(expected)


def test_auto_lanes_never_between_landmasses() -> None:
    # Cairnryan and Belfast are ~60 km apart, across the sea
    rows = [("yard", "source", 54.9, -5.0, "great_britain"),
            ("gb_hub", "hub", 54.95, -4.9, "great_britain"),
            ("ni_yard", "source", 54.62, -5.9, "ireland"),
            ("ni_port", "port", 54.63, -5.89, "ireland"),
            ("ni_plant", "plant", 54.60, -5.93, "ireland"),
            ("gb_plant", "plant", 54.9, -4.95, "great_britain")]
    arcs = arcs_of(scenario(sites(*rows)))
    assert pairs(arcs) == {("yard", "gb_hub"), ("yard", "gb_plant"), ("gb_hub", "gb_plant"),
                           ("ni_yard", "ni_port"), ("ni_yard", "ni_plant"),
                           ("ni_port", "ni_plant")}


def test_auto_lanes_never_longer_than_max_road_km() -> None:
    # outlets due north of the source, 1 degree of latitude ~ 111 km
    rows = [("src", "source", 52.0, -1.0), ("plant", "plant", 52.05, -1.0)]
    rows += [(f"out{d}", "outlet", 52.0 + d / 10, -1.0) for d in (5, 10, 15, 20)]
    sc = scenario(sites(*rows), max_road_km=200, road_circuity=1.0, nearest=10)
    arcs = arcs_of(sc)
    assert pairs(arcs) == {("src", "plant"), ("src", "out5"), ("src", "out10"), ("src", "out15")}
    assert arcs["distance_km"].max() <= 200
    # circuity counts: at 1.5 x, the 111 km outlet is 167 km by road, the 167 km one is out
    arcs = arcs_of(scenario(sites(*rows), max_road_km=200, road_circuity=1.5, nearest=10))
    assert pairs(arcs) == {("src", "plant"), ("src", "out5"), ("src", "out10")}
    arcs = arcs_of(scenario(sites(*rows), max_road_km=150, road_circuity=1.5, nearest=10))
    assert pairs(arcs) == {("src", "plant"), ("src", "out5")}


def test_nearest_k_per_destination_kind_but_every_plant_kept() -> None:
    rows = [("src", "source", 52.0, -1.0), ("far_src", "source", 53.5, -1.0)]
    # at 0.1, 0.2, 0.3, 0.4 degrees north of src (far_src is nearer the last ones)
    rows += [(f"hub{i}", "hub", 52.0 + 0.1 * i, -1.0) for i in (4, 1, 3, 2)]
    rows += [(f"out{i}", "outlet", 52.0 + 0.1 * i, -1.02) for i in (1, 2, 3, 4)]
    rows += [(f"plant{i}", "plant", 52.0 + 0.1 * i, -1.01) for i in (1, 2, 3, 4)]
    arcs = arcs_of(scenario(sites(*rows), nearest=2))
    got = pairs(arcs)
    from_src = {d for o, d in got if o == "src"}
    assert from_src == {"hub1", "hub2", "out1", "out2", "plant1", "plant2", "plant3", "plant4"}
    from_far = {d for o, d in got if o == "far_src"}
    assert from_far == {"hub4", "hub3", "out4", "out3", "plant1", "plant2", "plant3", "plant4"}
    # hubs too keep their own 2 nearest outlets and all plants
    from_hub1 = {d for o, d in got if o == "hub1"}
    assert from_hub1 == {"out1", "out2", "plant1", "plant2", "plant3", "plant4"}
    assert pairs(arcs, "van") == got


def test_nearest_one() -> None:
    rows = [("src", "source", 52.0, -1.0), ("near", "outlet", 52.1, -1.0),
            ("far", "outlet", 52.5, -1.0), ("port", "port", 52.3, -1.0)]
    got = pairs(arcs_of(scenario(sites(*rows), nearest=1)))
    assert got == {("src", "near"), ("src", "port"), ("port", "near")}


def test_one_arc_per_road_mode_and_none_for_sea_or_rail() -> None:
    rows = [("src", "source", 52.0, -1.0), ("hub", "hub", 52.2, -1.1),
            ("plant", "plant", 52.4, -1.2)]
    arcs = arcs_of(scenario(sites(*rows)))
    assert set(arcs["mode"]) == {"hgv", "van"}
    per_pair = arcs.groupby(["origin", "destination"])["mode"].apply(sorted)
    assert all(m == ["hgv", "van"] for m in per_pair)
    assert arcs["arc"].is_unique
    sea_only = MODES.splitlines()[0] + "\n" + "\n".join(MODES.splitlines()[3:]) + "\n"
    assert arcs_of(scenario(sites(*rows), modes=sea_only)).empty


# ----------------------------------------------------------------------------- lanes.csv

ROWS = [("src", "source", *LONDON), ("plant", "plant", *BIRMINGHAM),
        ("port", "port", 53.4, -3.0), ("ni_port", "port", 54.62, -5.9, "ireland"),
        ("ni_plant", "plant", 54.60, -5.93, "ireland")]


def test_lane_replaces_the_auto_arc_with_the_same_key() -> None:
    lanes = LANES_HEADER + "src,plant,hgv,150,999,11,3,0,1\n"
    arcs = arcs_of(scenario(sites(*ROWS), lanes=lanes)).set_index("arc")
    assert arcs.index.is_unique
    lane = arcs.loc["src>plant>hgv"]
    assert lane["defined_by"] == "lanes.csv"
    assert (lane["distance_km"], lane["trip_cost_gbp"], lane["cost_gbp_per_t"]) == (150, 999, 11)
    assert (lane["max_trips_per_week"], lane["fixed_cost_gbp"], lane["transit_weeks"]) == (3, 0, 1)
    assert lane["co2e_kg_per_t"] == pytest.approx(0.12 * 150)
    # the other road mode on the same pair is still the auto arc
    van = arcs.loc["src>plant>van"]
    assert van["defined_by"] == "auto"
    assert van["distance_km"] == pytest.approx(geodesic_km(*LONDON, *BIRMINGHAM) * 1.25)


def test_blank_lane_cells_fall_back_to_the_mode() -> None:
    lanes = LANES_HEADER + "port,ni_port,ferry,200,,,,,\n"
    arcs = arcs_of(scenario(sites(*ROWS), lanes=lanes)).set_index("arc")
    ferry = arcs.loc["port>ni_port>ferry"]
    assert ferry["defined_by"] == "lanes.csv"
    assert ferry["trip_cost_gbp"] == pytest.approx(200 + 2.5 * 200)
    assert ferry["cost_gbp_per_t"] == 7
    assert ferry["co2e_kg_per_t"] == pytest.approx(0.05 * 200)
    assert (ferry["fixed_cost_gbp"], ferry["transit_weeks"]) == (0, 0)
    assert math.isnan(ferry["max_trips_per_week"])
    assert (ferry["mode_kind"], ferry["payload_t"]) == ("sea", 24)


def test_blank_lane_distance_is_geodesic_times_circuity() -> None:
    lanes = LANES_HEADER + "port,ni_port,ferry,,,,,,\nsrc,plant,hgv,,500,,,,\n"
    arcs = arcs_of(scenario(sites(*ROWS), lanes=lanes, road_circuity=1.4)).set_index("arc")
    sea = float(geodesic_km(53.4, -3.0, 54.62, -5.9)) * 1.4
    assert arcs.at["port>ni_port>ferry", "distance_km"] == pytest.approx(sea)
    assert arcs.at["port>ni_port>ferry", "trip_cost_gbp"] == pytest.approx(200 + 2.5 * sea)
    road = float(geodesic_km(*LONDON, *BIRMINGHAM)) * 1.4
    assert arcs.at["src>plant>hgv", "distance_km"] == pytest.approx(road)
    assert arcs.at["src>plant>hgv", "trip_cost_gbp"] == 500
    assert arcs.at["src>plant>hgv", "defined_by"] == "lanes.csv"


def test_lane_that_auto_lanes_would_not_make_is_added() -> None:
    # plant -> port is no auto kind pair, and a sea crossing is never auto
    lanes = LANES_HEADER + "plant,port,hgv,,,,,,\nport,ni_port,ferry,100,,,,,\n"
    arcs = arcs_of(scenario(sites(*ROWS), lanes=lanes))
    assert {"plant>port>hgv", "port>ni_port>ferry"} <= set(arcs["arc"])
    assert set(arcs.loc[arcs["defined_by"] == "lanes.csv", "arc"]) == {
        "plant>port>hgv", "port>ni_port>ferry"}


def test_auto_road_lanes_off_gives_only_the_lanes() -> None:
    lanes = LANES_HEADER + "src,plant,hgv,,,,,,\nport,ni_port,ferry,100,,,,,\n"
    sc = scenario(sites(*ROWS), lanes=lanes, auto_road_lanes=False)
    arcs = arcs_of(sc)
    assert sorted(arcs["arc"]) == ["port>ni_port>ferry", "src>plant>hgv"]
    assert set(arcs["defined_by"]) == {"lanes.csv"}
    assert arcs_of(scenario(sites(*ROWS), auto_road_lanes=False)).empty


def test_arcs_as_lines_for_gis() -> None:
    net = build_network(scenario(sites(*ROWS)))
    gdf = net.arcs_gdf()
    assert len(gdf) == len(net.arcs) and gdf.crs.to_epsg() == 4326
    first = gdf.iloc[0]
    xy = net.sites.set_index("site_id")
    assert first.geometry.coords[0] == (xy.at[first["origin"], "lon"],
                                        xy.at[first["origin"], "lat"])
    assert first.geometry.coords[-1] == (xy.at[first["destination"], "lon"],
                                         xy.at[first["destination"], "lat"])


# ----------------------------------------------------------------------------- the sample

@pytest.fixture(scope="module")
def sample_net() -> tuple[Scenario, pd.DataFrame]:
    sc = load_scenario(SAMPLE)
    return sc, build_network(sc).arcs


def test_sample_every_irish_sea_crossing_is_a_lane(sample_net) -> None:
    sc, arcs = sample_net
    land = sc.sites.set_index("site_id")["landmass"]
    crossing = arcs[land.loc[arcs["origin"]].to_numpy() != land.loc[arcs["destination"]].to_numpy()]
    assert len(crossing) > 0
    assert set(crossing["defined_by"]) == {"lanes.csv"}
    assert "road" not in set(crossing["mode_kind"])
    lanes = sc.lanes
    lane_crossings = lanes[land.loc[lanes["origin"]].to_numpy()
                           != land.loc[lanes["destination"]].to_numpy()]
    assert set(crossing["arc"]) == {f"{o}>{d}>{m}" for o, d, m in zip(
        lane_crossings["origin"], lane_crossings["destination"], lane_crossings["mode"],
        strict=True)}
    road = arcs[arcs["mode_kind"] == "road"]
    assert (land.loc[road["origin"]].to_numpy() == land.loc[road["destination"]].to_numpy()).all()


def test_sample_auto_arcs_follow_the_rules(sample_net) -> None:
    sc, arcs = sample_net
    auto = arcs[arcs["defined_by"] == "auto"]
    assert len(auto) > 0
    assert set(zip(auto["origin_kind"], auto["destination_kind"], strict=True)) <= ALLOWED
    assert auto["distance_km"].max() <= sc.config.network.max_road_km
    assert set(auto["mode_kind"]) == {"road"}
    road = sc.modes[sc.modes["kind"] == "road"]
    serves = {kind: {m for m, frm in zip(road["mode"], road["auto_lanes_from"], strict=True)
                     if kind in origin_kinds(frm)} for kind in ("source", "hub", "port")}
    per_pair = auto.groupby(["origin", "origin_kind", "destination"])["mode"].apply(set)
    assert all(modes == serves[kind] for (_o, kind, _d), modes in per_pair.items())
    assert (auto.loc[auto["mode"] == "hgv", "origin_kind"] != "source").all()
    k = sc.config.network.nearest
    per_kind = auto[auto["destination_kind"] != "plant"].groupby(
        ["origin", "destination_kind", "mode"]).size()
    assert per_kind.max() <= k
    assert arcs["arc"].is_unique
    assert np.isfinite(arcs[["distance_km", "trip_cost_gbp", "cost_gbp_per_t",
                             "co2e_kg_per_t"]].to_numpy()).all()


def test_sample_lanes_override_their_auto_arcs(sample_net) -> None:
    sc, arcs = sample_net
    keyed = arcs.set_index("arc")
    for r in sc.lanes.itertuples():
        arc = keyed.loc[f"{r.origin}>{r.destination}>{r.mode}"]
        assert arc["defined_by"] == "lanes.csv"
        if not pd.isna(r.distance_km):
            assert arc["distance_km"] == r.distance_km


def test_auto_lanes_from_limits_the_origins_of_a_mode() -> None:
    """A trunk HGV (auto_lanes_from = "hub port") gets no auto arc from a source."""
    sites = ("site_id,name,kind,lat,lon,landmass\n"
             "src,S,source,52.0,-1.0,gb\nhub,H,hub,52.2,-1.5,gb\nplant,P,plant,52.0,-2.0,gb\n")
    modes = ("mode,kind,payload_t,cost_gbp_per_km,trip_fixed_gbp,handling_gbp_per_t,"
             "co2e_kg_per_tkm,integer_trips,auto_lanes_from\n"
             "hgv,road,24,1,0,0,0,true,hub port\npallet,road,1,1,0,0,0,false,\n")
    sc = build(config(**{"network.auto_road_lanes": True}), sites=sites, modes=modes, lanes=None)
    arcs = set(build_network(sc).arcs["arc"])
    assert arcs == {"src>hub>pallet", "src>plant>pallet", "hub>plant>pallet", "hub>plant>hgv"}
