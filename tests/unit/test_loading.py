"""Loading a scenario folder: sites as GIS files, the frozen Scenario, horizon, attributes,
files as a planner's spreadsheet saves them, and in-memory tables."""

from __future__ import annotations

import dataclasses
import math
import re
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Polygon

from feedstock import Scenario, ScenarioError, from_tables, load_scenario
from tests.builders import CONFIG, FEEDSTOCKS, MODES, PLANTS, SITES, build, table
from tests.unit.test_validation import add_row, says, set_cell, single_problem

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "uk-2026"


@pytest.fixture(scope="module")
def reference() -> Scenario:
    return load_scenario(SAMPLE)


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return Path(shutil.copytree(SAMPLE, tmp_path / "uk-2026"))


def sites_gdf(folder: Path, typed: bool = False) -> gpd.GeoDataFrame:
    """sites.csv as a GeoDataFrame in British National Grid, without lat/lon columns."""
    df = pd.read_csv(folder / "sites.csv") if typed else pd.read_csv(
        folder / "sites.csv", dtype=str, keep_default_na=False)
    points = gpd.points_from_xy(df["lon"].astype(float), df["lat"].astype(float))
    gdf = gpd.GeoDataFrame(df.drop(columns=["lat", "lon"]), geometry=points, crs="EPSG:4326")
    return gdf.to_crs("EPSG:27700")


def as_geo_sites(folder: Path, name: str, gdf: gpd.GeoDataFrame, keep_csv: bool = False) -> None:
    gdf.to_file(folder / name)
    if not keep_csv:
        (folder / "sites.csv").unlink()


def set_horizon(folder: Path, start_week: str, weeks: int) -> None:
    """Point scenario.toml at a known horizon, whatever the sample says today."""
    path = folder / "scenario.toml"
    text = re.sub(r"(?m)^start_week = .*$", f'start_week = "{start_week}"', path.read_text())
    path.write_text(re.sub(r"(?m)^weeks = .*$", f"weeks = {weeks}", text))


def first(folder: Path, file: str, column: str) -> str:
    return pd.read_csv(folder / file, dtype=str)[column].iloc[0]


def problems_of(folder: Path) -> list:
    with pytest.raises(ScenarioError) as info:
        load_scenario(folder)
    return info.value.problems


# ----------------------------------------------------------------------------- GIS sites

def assert_same_sites(sc: Scenario, ref: Scenario) -> None:
    got, want = sc.sites, ref.sites
    assert list(got["site_id"]) == list(want["site_id"])
    assert (got["lat"] - want["lat"]).abs().max() < 1e-6
    assert (got["lon"] - want["lon"]).abs().max() < 1e-6
    for col in ("name", "kind", "landmass", "cleared", "storage_t", "holding_gbp_per_t_week"):
        pd.testing.assert_series_equal(got[col], want[col], obj=col)
    assert sc.sites.crs.to_epsg() == 4326


def test_sites_geojson_in_british_national_grid(sample: Path, reference: Scenario) -> None:
    gdf = sites_gdf(sample)
    assert gdf.geometry.x.min() > 0 and gdf.geometry.y.min() > 1000  # metres, not degrees
    as_geo_sites(sample, "sites.geojson", gdf)
    assert_same_sites(load_scenario(sample), reference)


def test_sites_gpkg_in_british_national_grid(sample: Path, reference: Scenario) -> None:
    as_geo_sites(sample, "sites.gpkg", sites_gdf(sample, typed=True))
    sc = load_scenario(sample)
    assert_same_sites(sc, reference)
    for name in reference.tables:
        if name != "sites":
            pd.testing.assert_frame_equal(sc.tables[name], reference.tables[name], obj=name)


def test_sites_twice_is_an_error(sample: Path) -> None:
    as_geo_sites(sample, "sites.geojson", sites_gdf(sample), keep_csv=True)
    found = problems_of(sample)
    twice = [p for p in found if "twice" in p.rule]
    assert len(twice) == 1, found
    assert twice[0].file == "sites.geojson" and twice[0].row is None
    assert "sites.csv" in twice[0].rule and "sites.geojson" in twice[0].rule


def test_no_sites_at_all(sample: Path) -> None:
    (sample / "sites.csv").unlink()
    found = [p for p in problems_of(sample) if p.file == "sites.csv"]
    assert len(found) == 1 and "missing" in found[0].rule
    assert "sites.geojson" in found[0].rule


@pytest.mark.parametrize("shape", [LineString([(400000, 300000), (410000, 310000)]),
                                   Polygon([(0, 0), (1000, 0), (0, 1000)])])
def test_non_point_geometry_names_the_feature(sample: Path, shape) -> None:
    gdf = sites_gdf(sample)
    gdf.loc[gdf.index[3], "geometry"] = shape  # the 4th feature, counting from 1
    as_geo_sites(sample, "sites.geojson", gdf)
    found = problems_of(sample)
    geo = [p for p in found if p.column == "geometry"]
    assert [(p.file, p.row, p.value) for p in geo] == [("sites.geojson", 4, shape.geom_type)]
    assert "point" in geo[0].rule and "feature" in geo[0].rule


def test_value_problem_in_geojson_names_the_geojson(sample: Path) -> None:
    gdf = sites_gdf(sample)
    gdf.loc[gdf.index[2], "storage_t"] = "-5"
    as_geo_sites(sample, "sites.geojson", gdf)
    found = problems_of(sample)
    assert [(p.file, p.row, p.column, p.value) for p in found] == [
        ("sites.geojson", 3, "storage_t", "-5")]


def test_value_problem_in_geojson_is_found(sample: Path) -> None:
    gdf = sites_gdf(sample)
    gdf.loc[gdf.index[2], "storage_t"] = "-5"
    as_geo_sites(sample, "sites.geojson", gdf)
    found = problems_of(sample)
    assert [(p.row, p.column, p.value) for p in found] == [(3, "storage_t", "-5")]
    assert ">= 0" in found[0].rule


def test_geojson_without_crs_is_wgs84(sample: Path, reference: Scenario) -> None:
    gdf = sites_gdf(sample).to_crs("EPSG:4326")
    as_geo_sites(sample, "sites.geojson", gdf)
    assert_same_sites(load_scenario(sample), reference)


# ----------------------------------------------------------------------------- frozen scenario

def test_scenario_is_frozen(reference: Scenario) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        reference.config = reference.config  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        reference.notes = ()  # type: ignore[misc]
    with pytest.raises(TypeError):
        reference.tables["plants"] = reference.plants  # type: ignore[index]


def test_mutating_a_returned_table_does_not_change_the_scenario() -> None:
    sc = load_scenario(SAMPLE)
    for name in ("plants", "sites", "supply", "feedstocks", "lanes", "expansions"):
        before = getattr(sc, name).copy()
        got = getattr(sc, name)
        got.iloc[0, 0] = "changed"
        got["extra"] = 1
        pd.testing.assert_frame_equal(getattr(sc, name), before, obj=name)
        table = sc.table(name)
        table.iloc[0, 0] = "changed again"
        pd.testing.assert_frame_equal(getattr(sc, name), before, obj=name)
    plants = sc.plants
    first = plants.loc[0, "capacity_t_per_week"]
    plants.loc[0, "capacity_t_per_week"] = 999.0
    plants["yield"] *= 0
    assert sc.plants.loc[0, "capacity_t_per_week"] == first
    assert sc.plants["yield"].notna().any() and (sc.plants["yield"].dropna() > 0).all()


def test_mutating_scenario_tables_in_place_does_not_change_the_scenario() -> None:
    sc = load_scenario(SAMPLE)
    first = sc.plants.loc[0, "capacity_t_per_week"]
    handed_out = sc.tables["plants"]
    handed_out.loc[0, "capacity_t_per_week"] = first + 1000
    assert sc.plants.loc[0, "capacity_t_per_week"] == first


# ----------------------------------------------------------------------------- horizon

def test_sample_supply_outside_the_horizon_is_ignored_and_counted(reference: Scenario) -> None:
    raw = reference.tables["supply"]
    inside = reference.supply
    outside = len(raw) - len(inside)
    assert outside > 0
    assert inside["period"].between(1, reference.horizon).all()
    assert set(inside["week"]) <= set(reference.weeks)
    assert f"supply.csv: {outside} row(s) outside" in " ".join(reference.notes)


def test_supply_outside_the_horizon(sample: Path) -> None:
    set_horizon(sample, "2026-W48", 2)
    site, feed = first(sample, "supply.csv", "site_id"), first(sample, "supply.csv", "feedstock_id")
    plant, product = first(sample, "plants.csv", "site_id"), first(sample, "offtake.csv", "product")
    rows = pd.DataFrame({"site_id": site, "feedstock_id": feed,
                         "week": ["2026-W47", "2026-W48", "2026-W49", "2026-W50"],
                         "tonnes": ["1", "2", "3", "4"]})
    rows.to_csv(sample / "supply.csv", index=False)
    (sample / "offtake.csv").write_text(
        f"product,week,min_t\n{product},2026-W49,1\n{product},2027-W10,1\n")
    (sample / "expansions.csv").write_text(
        "site_id,option,extra_capacity_t_per_week,fixed_cost_gbp,available_from_week\n"
        f"{plant},soon,1,10,2026-W49\n{plant},late,1,10,2026-W50\n")
    sc = load_scenario(sample)
    assert sc.supply[["week", "tonnes", "period"]].values.tolist() == [
        ["2026-W48", 2.0, 1], ["2026-W49", 3.0, 2]]
    assert len(sc.tables["supply"]) == 4
    notes = " ".join(sc.notes)
    assert "supply.csv: 2 row(s) outside 2026-W48..2026-W49 ignored" in notes
    assert "offtake.csv: 1 row(s) outside the horizon ignored" in notes
    assert sc.offtake["period"].tolist() == [2]
    # an expansion available after the horizon is never built, and the run says so
    late = [n for n in sc.notes if n.startswith("expansions.csv:")]
    assert len(late) == 1 and f"{plant}/late" in late[0] and "never built" in late[0]
    assert sc.expansions["first_period"].tolist() == [2, 3]


def test_no_note_when_all_supply_is_inside(sample: Path) -> None:
    set_horizon(sample, "2026-W48", 1)
    supply = pd.read_csv(sample / "supply.csv", dtype=str)
    supply[supply["week"] == "2026-W48"].to_csv(sample / "supply.csv", index=False)
    sc = load_scenario(sample)
    assert not any(n.startswith("supply.csv") for n in sc.notes)


# ----------------------------------------------------------------------------- attributes

def test_sample_attributes(reference: Scenario) -> None:
    attrs = reference.attributes
    assert {"magnet_share", "reo_share"} <= set(attrs)
    assert not {"feedstock_id", "name", "sector", "restricted"} & set(attrs)
    specs = set(reference.plant_specs["attribute"])
    assert specs <= set(attrs)


def test_unknown_numeric_feedstock_columns_become_attributes(sample: Path) -> None:
    path = sample / "feedstocks.csv"
    feeds = pd.read_csv(path, dtype=str, keep_default_na=False)
    n = len(feeds)
    feeds["ni_coating_share"] = ["0.01"] * n
    feeds["recycled_share"] = ["0.002"] + [""] * (n - 1)  # blank cells: still numeric
    feeds["supplier"] = ["Acme"] * n  # text: kept, but no attribute
    feeds["batch"] = ["12"] + ["unknown"] * (n - 1)  # mixed: text
    feeds.to_csv(path, index=False)
    sc = load_scenario(sample)
    assert {"ni_coating_share", "recycled_share"} <= set(sc.attributes)
    assert not {"supplier", "batch"} & set(sc.attributes)
    assert sc.feedstocks["ni_coating_share"].tolist() == [0.01] * n
    assert sc.feedstocks["supplier"].tolist() == ["Acme"] * n
    assert sc.feedstocks["recycled_share"].isna().sum() == n - 1


def test_new_attribute_usable_in_plant_specs(sample: Path) -> None:
    path = sample / "feedstocks.csv"
    feeds = pd.read_csv(path, dtype=str, keep_default_na=False)
    feeds["ni_coating_share"] = "0.01"
    feeds.to_csv(path, index=False)
    add_row(sample / "plant_specs.csv", site_id=first(sample, "plants.csv", "site_id"),
            attribute="ni_coating_share", max="0.02")
    sc = load_scenario(sample)
    assert "ni_coating_share" in set(sc.plant_specs["attribute"])


def test_unknown_columns_of_other_tables_are_kept(sample: Path) -> None:
    path = sample / "sites.csv"
    sites = pd.read_csv(path, dtype=str, keep_default_na=False)
    sites["operator"] = "EMR"
    sites.to_csv(path, index=False)
    sc = load_scenario(sample)
    assert (sc.sites["operator"] == "EMR").all()
    assert "operator" not in sc.attributes


# ----------------------------------------------------------------------------- other files

def test_stray_files_do_not_break_loading(sample: Path, reference: Scenario) -> None:
    (sample / "notes.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    (sample / "README.md").write_text("# my notes\n")
    (sample / "old_runs").mkdir()
    (sample / "old_runs" / "plan.csv").write_text("a,b\n1,2\n")
    (sample / ".~lock.sites.csv#").write_text("lock")
    sc = load_scenario(sample)
    assert "notes.xlsx: not a scenario file; ignored" in sc.notes
    assert not any("README" in n or "old_runs" in n or "lock" in n for n in sc.notes)
    assert len(sc.supply) == len(reference.supply)


def test_misnamed_scenario_file_is_noted_and_missing(sample: Path) -> None:
    (sample / "hubs.csv").rename(sample / "hub.csv")
    sc = load_scenario(sample)  # hubs.csv is optional: loads, but says so
    assert "hub.csv: not a scenario file; ignored" in sc.notes
    assert sc.hubs.empty


def test_folder_that_does_not_exist(tmp_path: Path) -> None:
    found = problems_of(tmp_path / "nope")
    assert len(found) == 1 and "does not exist" in found[0].rule


# ----------------------------------------------------------------------------- files as saved by a planner

def test_sample_bom_and_windows_line_endings_load(sample: Path) -> None:
    plain = load_scenario(SAMPLE)
    for path in sample.glob("*.csv"):
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
        path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    toml = sample / "scenario.toml"
    toml.write_bytes(b"\xef\xbb\xbf" + toml.read_bytes())
    sc = load_scenario(sample)
    for name in plain.tables:
        pd.testing.assert_frame_equal(sc.tables[name], plain.tables[name], obj=name)
    assert sc.config == plain.config


def test_sample_blank_line_keeps_spreadsheet_row_numbers(sample: Path) -> None:
    path = sample / "supply.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines.insert(3, "\n")  # a blank row 4; the old row 4 is now row 5
    lines.insert(5, ",,,\n")  # and an all-blank row 6
    path.write_text("".join(lines), encoding="utf-8")
    set_cell(path, 7, "tonnes", "-1")  # the 5th data row, shown as row 7
    p = single_problem(sample)
    assert (p.file, p.row, p.column, p.value) == ("supply.csv", 7, "tonnes", "-1")


def test_sample_lat_out_of_range(sample: Path) -> None:
    set_cell(sample / "sites.csv", 5, "lat", "95.2")
    p = single_problem(sample)
    assert (p.file, p.row, p.column, p.value) == ("sites.csv", 5, "lat", "95.2")
    assert says(p.rule, "[-90, 90]")


def test_sample_restricted_supply_at_uncleared_source(sample: Path) -> None:
    feeds = pd.read_csv(sample / "feedstocks.csv", dtype=str, keep_default_na=False)
    sites = pd.read_csv(sample / "sites.csv", dtype=str, keep_default_na=False)
    restricted = feeds.loc[feeds["restricted"].str.lower() == "true", "feedstock_id"].iloc[0]
    uncleared = sites.loc[(sites["kind"] == "source") & (sites["cleared"].str.lower() != "true"),
                          "site_id"].iloc[0]
    n = add_row(sample / "supply.csv", site_id=uncleared, feedstock_id=restricted,
                week="2026-W50", tonnes="1")
    p = single_problem(sample)
    assert (p.file, p.row, p.column, p.value) == ("supply.csv", n, "site_id", uncleared)
    assert says(p.rule, "restricted", restricted, "cleared")


def road_lane_across_landmasses(folder: Path) -> dict[str, str]:
    sites = pd.read_csv(folder / "sites.csv", dtype=str)
    modes = pd.read_csv(folder / "modes.csv", dtype=str)
    o = sites[sites["kind"].isin(["source", "hub", "port", "plant"])].iloc[0]
    d = sites[sites["kind"].isin(["hub", "port", "plant", "outlet"])
              & (sites["landmass"] != o["landmass"])].iloc[0]
    mode = modes.loc[modes["kind"] == "road", "mode"].iloc[0]
    return {"origin": o["site_id"], "destination": d["site_id"], "mode": mode}


def test_sample_many_problems_in_different_files_all_reported_at_once(sample: Path) -> None:
    set_cell(sample / "sites.csv", 3, "lat", "123")
    set_cell(sample / "supply.csv", 10, "tonnes", "-4")
    set_cell(sample / "supply.csv", 11, "site_id", "atlantis")
    set_cell(sample / "plants.csv", 4, "yield", "1.5")
    set_cell(sample / "modes.csv", 2, "payload_t", "heavy")
    lane = add_row(sample / "lanes.csv", **road_lane_across_landmasses(sample))
    set_cell(sample / "plant_specs.csv", 2, "attribute", "unobtainium_share")
    (sample / "offtake.csv").write_bytes(b"")
    set_horizon(sample, "2026-W48", 0)

    with pytest.raises(ScenarioError) as info:
        load_scenario(sample)
    got = {(p.file, p.row, p.column) for p in info.value.problems}
    assert got == {
        ("sites.csv", 3, "lat"),
        ("supply.csv", 10, "tonnes"),
        ("supply.csv", 11, "site_id"),
        ("plants.csv", 4, "yield"),
        ("modes.csv", 2, "payload_t"),
        ("lanes.csv", lane, "mode"),
        ("plant_specs.csv", 2, "attribute"),
        ("offtake.csv", None, None),
        ("scenario.toml", None, "weeks"),
    }, "\n".join(map(str, info.value.problems))
    text = str(info.value)
    assert "9 problems" in text and "nothing solved" in text
    assert "supply.csv, row 11, column site_id = 'atlantis'" in text


# ----------------------------------------------------------------------------- in-memory tables

def test_from_tables_reports_rows_as_a_csv_would() -> None:
    supply = table("""site_id,feedstock_id,week,tonnes
src,mag,2026-W48,5
src,mag,2026-W49,-5
""")
    with pytest.raises(ScenarioError) as info:
        build(supply=supply.to_csv(index=False))
    assert [(p.file, p.row, p.column, p.value) for p in info.value.problems] == [
        ("supply.csv", 3, "tonnes", "-5")]


def test_from_tables_typed_frames_go_through_the_same_rules() -> None:
    tables = {"sites": table(SITES), "modes": table(MODES), "feedstocks": table(FEEDSTOCKS),
              "plants": table(PLANTS)}
    tables["supply"] = pd.DataFrame({"site_id": ["src", "src"], "feedstock_id": ["mag", "mag"],
                                     "week": ["2026-W48", "2026-W49"],
                                     "tonnes": [float("nan"), math.inf]})
    with pytest.raises(ScenarioError) as info:
        from_tables(CONFIG, tables)
    got = [(p.file, p.row, p.column, p.value) for p in info.value.problems]
    assert got == [("supply.csv", 2, "tonnes", ""), ("supply.csv", 3, "tonnes", "inf")]
    assert says(info.value.problems[0].rule, "blank")
    assert says(info.value.problems[1].rule, "finite")


def test_from_tables_without_sites() -> None:
    with pytest.raises(ScenarioError) as info:
        from_tables(CONFIG, {"modes": table(MODES)})
    assert any(p.file == "sites.csv" and says(p.rule, "missing") for p in info.value.problems)
