"""The files a planner opens: GeoJSON layers, map.png, map.html, plan.xlsx, report.html.

One small chain solved by hand: 5 t of ``mag`` and 3 t of ``wind`` at ``src``
go by truck to Birkenhead, by ferry to Belfast and by truck to the plant
(£1,000 a tonne of product, yield 1); ``src2`` has no lane to a plant, only to
an export outlet paying £500/t, so its 4 t leak. Every lane takes one trip
(£100) plus £2/t handling, so the lanes cost 100 + 2 x tonnes: 116, 116, 116
and 108.
"""

from __future__ import annotations

import base64
import json
import re

import geopandas as gpd
import numpy as np
import pytest
from click.testing import CliRunner
from matplotlib import image
from openpyxl import load_workbook

from feedstock import solve
from feedstock.cli.main import main
from feedstock.optimizer.outputs.maps.static import LEAK_COLOUR, SEA_COLOUR, WIDTH_PX
from feedstock.optimizer.outputs.writers import PICTURES, write_outputs
from tests.builders import CONFIG, build, write_folder

pytestmark = pytest.mark.solver

MAP = {
    "sites": """site_id,name,kind,lat,lon,landmass,cleared,storage_t,holding_gbp_per_t_week
src,Yard - Birmingham,source,52.49,-1.86,great_britain,false,,0
src2,Yard - Norwich,source,52.62,1.31,great_britain,false,,0
birkenhead,Birkenhead ferry terminal,port,53.40,-3.01,great_britain,false,,0
belfast_port,Belfast ferry terminals,port,54.62,-5.90,ireland,false,,0
plant,Recycling plant - Belfast,plant,54.60,-5.93,ireland,false,,0
felixstowe,Export buyer - Felixstowe,outlet,51.95,1.32,great_britain,false,,0
""",
    "modes": """mode,kind,payload_t,cost_gbp_per_km,trip_fixed_gbp,handling_gbp_per_t,co2e_kg_per_tkm,integer_trips
truck,road,10,0,100,2,0.1,true
ferry,sea,10,0,100,2,0.05,true
""",
    "feedstocks": """feedstock_id,name,sector,restricted,magnet_share,reo_share
mag,Magnets,vehicle,false,1.0,0.3
wind,Wind magnets,wind,false,1.0,0.3
""",
    "supply": """site_id,feedstock_id,week,tonnes
src,mag,2026-W48,5
src,wind,2026-W48,3
src2,mag,2026-W48,4
""",
    "plants": """site_id,process,capacity_t_per_week,cost_gbp_per_t,product,yield_basis,yield,product_value_gbp_per_t,min_weekly_t
plant,long_loop,100,0,reo,magnet_share,1.0,1000,0
""",
    "lanes": """origin,destination,mode,distance_km
src,birkenhead,truck,150
birkenhead,belfast_port,ferry,270
belfast_port,plant,truck,3
src2,felixstowe,truck,60
""",
    "outlets": """site_id,feedstock_id,price_gbp_per_t,max_t_per_week
felixstowe,*,500,
""",
}


@pytest.fixture(scope="module")
def scenario():
    return build(CONFIG, **MAP)


@pytest.fixture(scope="module")
def solved(scenario):
    result = solve(scenario)
    assert result.kpi_values["leaked_t"] == pytest.approx(4.0)
    return result


@pytest.fixture(scope="module")
def out(scenario, solved, tmp_path_factory):
    folder = tmp_path_factory.mktemp("out")
    write_outputs(solved, folder)
    return folder


def test_flows_geojson_has_one_line_per_lane_with_the_hand_worked_numbers(out):
    lanes = gpd.read_file(out / "flows.geojson")
    assert lanes.crs.to_epsg() == 4326
    assert set(lanes.geom_type) == {"LineString"}
    by = lanes.set_index(["origin", "destination", "mode"])
    assert sorted(by.index) == sorted([("src", "birkenhead", "truck"),
                                       ("birkenhead", "belfast_port", "ferry"),
                                       ("belfast_port", "plant", "truck"),
                                       ("src2", "felixstowe", "truck")])
    ferry = by.loc[("birkenhead", "belfast_port", "ferry")]
    assert ferry["tonnes_t"] == pytest.approx(8.0) and ferry["trips"] == 1
    assert ferry["mag_t"] == pytest.approx(5.0) and ferry["wind_t"] == pytest.approx(3.0)
    assert ferry["cost_gbp"] == pytest.approx(116.0)
    assert ferry["co2e_kg"] == pytest.approx(8.0 * 270 * 0.05)
    assert ferry["mode_kind"] == "sea" and not ferry["to_outlet"]
    leak = by.loc[("src2", "felixstowe", "truck")]
    assert bool(leak["to_outlet"]) and leak["cost_gbp"] == pytest.approx(108.0)
    assert leak["wind_t"] == 0 and leak["feedstocks"] == "mag 4.0 t"
    start = lanes.loc[lanes["origin"] == "src", "geometry"].iloc[0].coords[0]
    assert start == pytest.approx((-1.86, 52.49))  # lon, lat of src


def test_sites_geojson_says_what_each_site_handled(out):
    sites = gpd.read_file(out / "sites.geojson").set_index("site_id")
    assert sites.crs.to_epsg() == 4326 and len(sites) == 6
    assert set(sites.geom_type) == {"Point"}
    assert sites.loc["plant", "throughput_t"] == pytest.approx(8.0)
    assert sites.loc["plant", "utilisation_mean"] == pytest.approx(0.08)
    assert sites.loc["felixstowe", "exported_t"] == pytest.approx(4.0)
    assert sites.loc["birkenhead", "throughput_t"] == pytest.approx(8.0)
    assert sites.loc["src", "shipped_t"] == pytest.approx(8.0)
    assert sites["capacity_t_per_week"].isna().sum() == 5  # null, not 0, where none applies


def teal(img: np.ndarray) -> int:
    """Pixels of the sea-crossing colour (blended with what lies under the line)."""
    r, g, b = img[..., 0], img[..., 1], img[..., 2]
    return int(((g > r + 0.3) & (b > r + 0.3)).sum())


def red(img: np.ndarray) -> int:
    """Pixels of the leakage colour."""
    r, g, b = img[..., 0], img[..., 1], img[..., 2]
    return int(((r > g + 0.3) & (r > b + 0.3)).sum())


def test_pixel_classes_match_the_colours_drawn():
    assert teal(np.array([[[int(SEA_COLOUR[i:i + 2], 16) / 255 for i in (1, 3, 5)]]])) == 1
    assert red(np.array([[[int(LEAK_COLOUR[i:i + 2], 16) / 255 for i in (1, 3, 5)]]])) == 1


def test_map_png_is_1600_px_wide_not_blank_and_draws_crossings_and_leakage(out):
    img = image.imread(out / "map.png")
    assert img.shape[1] == WIDTH_PX and img.shape[0] > 1000
    assert img[..., :3].var() > 0.005  # not a blank canvas
    # the 8 t crossing is ~12 px wide and ~300 px long; port markers alone are < 400 px
    assert teal(img) > 1500
    assert red(img) > 600  # the 4 t export lane (~9 px x 110 px) and the outlet


def _page_data(page: str) -> dict:
    return json.loads(re.search(r"const DATA = (\{.*?\});\n", page, re.S).group(1))


def test_map_html_holds_the_layers_inline_and_needs_no_network(out):
    page = (out / "map.html").read_text(encoding="utf-8")
    data = _page_data(page)
    assert len(data["flows"]["features"]) == 4 and len(data["sites"]["features"]) == 6
    assert data["outline"]["features"]  # the coastline, so the map shows without tiles
    for name in ("Road lanes", "Sea crossings", "Exports to outlets (leakage)", "L.map("):
        assert name in page
    assert "window.L" in page  # Leaflet itself is inlined
    assert not re.search(r"<script[^>]*\bsrc=|<link[^>]*\bhref=|<img[^>]*\bsrc=", page)


def test_plan_xlsx_has_a_summary_and_a_sheet_per_table(out, solved):
    wb = load_workbook(out / "plan.xlsx")
    assert wb.sheetnames == ["Summary", "flows", "lane_weeks", "plants", "plant_feed",
                             "plant_output", "stock", "leakage", "decisions", "marginal_values",
                             "arcs", "binding"]
    summary = {r[0]: r[1] for r in wb["Summary"].iter_rows(min_row=2, values_only=True)}
    result = solved
    assert summary["objective"] == pytest.approx(result.objective_gbp)
    assert summary["leaked_t"] == pytest.approx(4.0)
    assert summary["cost_transport_gbp"] == pytest.approx(result.cost_lines_gbp["transport"])
    flows = wb["flows"]
    header = [c.value for c in flows[1]]
    assert header == list(result.flows.drop(columns="period").columns)
    assert flows.freeze_panes == "A2" and flows.max_row == 1 + len(result.flows)
    assert flows.column_dimensions["A"].width >= len("origin")
    tonnes = header.index("tonnes_t") + 1
    assert flows.cell(2, tonnes).number_format == "#,##0.000"


def test_report_html_is_one_self_contained_page(out):
    page = (out / "report.html").read_text(encoding="utf-8")
    for heading in ("Cost breakdown", "Leakage by sector", "Plant utilisation by week", "Map"):
        assert f"<h2>{heading}</h2>" in page
    images = re.findall(r"src=['\"]data:image/png;base64,([A-Za-z0-9+/=]+)['\"]", page)
    assert len(images) == 4
    assert all(base64.b64decode(i)[:8] == b"\x89PNG\r\n\x1a\n" for i in images)
    assert "4.0 t" in page  # exported (leakage)
    assert not re.search(r"<link[^>]*\bhref=|<img[^>]*\bsrc=['\"]https?:", page)
    assert "<script" not in page


def test_no_maps_skips_the_pictures_and_removes_stale_ones(tmp_path):
    folder = write_folder(tmp_path / "sc", CONFIG, **MAP)
    out = tmp_path / "out"
    runner = CliRunner()
    res = runner.invoke(main, ["solve", str(folder), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert all((out / p).is_file() for p in (*PICTURES, "plan.xlsx", "flows.geojson"))
    res = runner.invoke(main, ["solve", str(folder), "--out", str(out), "--no-maps"])
    assert res.exit_code == 0, res.output
    assert not any((out / p).exists() for p in PICTURES)  # an old map would mislead
    assert (out / "plan.xlsx").is_file() and (out / "flows.geojson").is_file()
    assert "map.png" not in res.output


def test_a_plan_that_moves_nothing_still_writes_every_file(tmp_path):
    """No lane is worth a trip (the product is worth nothing): empty layers, a map anyway."""
    plants = MAP["plants"].replace(",1000,0", ",0,0")
    sc = build(CONFIG, **{**MAP, "plants": plants, "outlets": None})
    result = solve(sc)
    assert result.lane_weeks.empty
    write_outputs(result, tmp_path)
    assert len(gpd.read_file(tmp_path / "flows.geojson")) == 0
    assert image.imread(tmp_path / "map.png").shape[1] == WIDTH_PX
    assert _page_data((tmp_path / "map.html").read_text(encoding="utf-8"))["flows"][
        "features"] == []


def test_plan_week_writes_the_pictures_unless_no_maps_even_from_a_workbook(tmp_path):
    """The weekly folder gets the same files; a workbook scenario is one manifest entry."""
    from feedstock.optimizer.scenario import convert
    from tests.builders import WEEKLY_STOCK, write_weekly

    folder = write_weekly(tmp_path / "sc")
    book = tmp_path / "sc.xlsx"
    convert(folder, book)
    (tmp_path / "stock.csv").write_text(WEEKLY_STOCK)
    runner = CliRunner()
    runs = tmp_path / "runs"
    res = runner.invoke(main, ["plan-week", str(book), "--week", "2026-W48", "--stock",
                               str(tmp_path / "stock.csv"), "--runs-dir", str(runs), "--quiet"])
    assert res.exit_code == 0, res.output
    assert all((runs / "2026-W48" / p).is_file() for p in (*PICTURES, "plan.xlsx"))
    manifest = json.loads((runs / "2026-W48" / "manifest.json").read_text())
    assert "scenario/sc.xlsx" in json.dumps(manifest)
    res = runner.invoke(main, ["plan-week", str(book), "--week", "2026-W49", "--runs-dir",
                               str(runs), "--no-maps", "--quiet"])
    assert res.exit_code == 0, res.output
    assert not any((runs / "2026-W49" / p).exists() for p in PICTURES)
    assert (runs / "2026-W49" / "flows.geojson").is_file()
