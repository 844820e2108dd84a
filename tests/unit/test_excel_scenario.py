"""A scenario as one .xlsx workbook: the same scenario as its folder, problems that name
the sheet, the Excel row and the column, and ``feedstock convert`` both ways."""

from __future__ import annotations

import datetime as dt
import math
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from feedstock import Scenario, ScenarioError, load_scenario
from feedstock.cli.convert import convert as convert_command
from feedstock.optimizer.scenario import convert, write_folder, write_workbook
from feedstock.optimizer.scenario.excel import cell_text, key_path, key_text, read_workbook
from tests.builders import build
from tests.builders import write_folder as write_tiny

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "uk-2026"
TABLES = ["sites", "modes", "feedstocks", "supply", "inventory", "in_transit", "plants",
          "plant_products", "lanes",
          "hubs", "plant_specs", "expansions", "outlets", "offtake", "forecast", "prices",
          "commitments"]


@pytest.fixture(scope="module")
def reference() -> Scenario:
    return load_scenario(SAMPLE)


@pytest.fixture(scope="module")
def sample_xlsx(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("xlsx") / "uk.xlsx"
    write_workbook(SAMPLE, path)
    return path


@pytest.fixture
def book(sample_xlsx: Path, tmp_path: Path) -> Path:
    """A copy of the sample's workbook to break."""
    return Path(shutil.copy(sample_xlsx, tmp_path / "scenario.xlsx"))


def assert_same(got: Scenario, want: Scenario) -> None:
    assert got.config == want.config
    assert set(got.tables) == set(want.tables)
    for name in want.tables:
        pd.testing.assert_frame_equal(got.tables[name], want.tables[name], check_exact=True,
                                      obj=name)


def edit(path: Path, sheet: str, **cells) -> None:
    """Set cells of one sheet by Excel address (``D5=-3``) and save."""
    wb = openpyxl.load_workbook(path)
    for address, value in cells.items():
        wb[sheet][address] = value
    wb.save(path)


def config_row(path: Path, key: str) -> int:
    ws = openpyxl.load_workbook(path)["scenario"]
    return next(r[0].row for r in ws.iter_rows(min_row=2) if r[0].value == key)


def problems(path: Path, **kwargs) -> list:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, **kwargs)
    return info.value.problems


# ----------------------------------------------------------------------------- round trips

def test_sample_as_workbook_is_the_same_scenario(sample_xlsx, reference) -> None:
    sc = load_scenario(sample_xlsx)
    assert_same(sc, reference)
    assert sorted(sc.tables) == sorted(TABLES)
    assert Scenario.load(sample_xlsx).config == reference.config


def test_workbook_to_folder_to_workbook_is_exact(sample_xlsx, reference, tmp_path) -> None:
    folder = tmp_path / "back"
    write_folder(sample_xlsx, folder)
    assert_same(load_scenario(folder), reference)
    assert not (folder / "SOURCES.md").exists()  # not a table: not in the workbook
    again = tmp_path / "again.xlsx"
    write_workbook(folder, again)
    first, second = openpyxl.load_workbook(sample_xlsx), openpyxl.load_workbook(again)
    assert first.sheetnames == second.sheetnames
    for name in first.sheetnames:
        a = list(first[name].iter_rows(values_only=True))
        b = list(second[name].iter_rows(values_only=True))
        assert a == b, name


def test_workbook_layout(sample_xlsx) -> None:
    wb = openpyxl.load_workbook(sample_xlsx)
    assert wb.sheetnames == ["scenario", *[t for t in TABLES
                                          if t not in ("in_transit", "forecast", "prices", "commitments")]]
    supply = wb["supply"]
    assert supply.freeze_panes == "A2"
    assert [c.value for c in supply[1]] == ["site_id", "feedstock_id", "week", "tonnes"]
    assert supply["A1"].font.b
    assert all(supply.column_dimensions[c].width >= 8 for c in "ABCD")
    row = [c.value for c in supply[2]]
    assert isinstance(row[3], int | float) and isinstance(row[2], str)  # weeks stay text
    sites = wb["sites"]
    header = [c.value for c in sites[1]]
    cells = dict(zip(header, (c.value for c in sites[2]), strict=True))
    assert isinstance(cells["lat"], float) and isinstance(cells["cleared"], bool)
    assert cells["storage_t"] is None  # blank (unlimited) stays blank
    scenario = {r[0]: r[1] for r in wb["scenario"].iter_rows(min_row=2, values_only=True)}
    assert scenario["weeks"] == 12 and scenario["network.auto_road_lanes"] is True
    assert scenario["policy.sectors.wind.leakage_penalty_gbp_per_t"] == 2500
    assert scenario["description"].startswith("Sample scenario")  # multi-line, kept whole


def test_scenario_object_to_workbook(reference, tmp_path) -> None:
    """A Scenario (here a what-if) is written from its validated tables."""
    what_if = reference.with_overrides({"policy.max_leakage_share": 0.1,
                                        "outlets.max_t_per_week[*]": 0})
    path = tmp_path / "what-if.xlsx"
    write_workbook(what_if, path)
    assert_same(load_scenario(path), what_if)


def test_tiny_scenario_with_awkward_cells_round_trips(tmp_path) -> None:
    sites = ("site_id,name,kind,lat,lon,landmass,cleared,storage_t,holding_gbp_per_t_week\n"
             "src,=Source,source,52.1,-1.0,007,yes,inf,0.30000000000000004\n"
             "plant,\"Plant, line 2\",plant,52.0,-2.0,007,0,1e-7,\n")
    folder = write_tiny(tmp_path / "tiny", sites=sites)
    want = load_scenario(folder)
    path = tmp_path / "tiny.xlsx"
    convert(folder, path)
    assert_same(load_scenario(path), want)
    ws = openpyxl.load_workbook(path)["sites"]
    assert ws["B2"].value == "=Source" and ws["B2"].data_type == "s"  # text, not a formula
    assert ws["F2"].value == "007"  # an id-like text stays text
    assert ws["I2"].value == 0.30000000000000004  # a 17-digit double, exact
    assert ws["H2"].value == "inf"  # unlimited written as it was given
    back = tmp_path / "back"
    convert(path, back)
    assert_same(load_scenario(back), want)


def test_cells_as_excel_stores_them(tmp_path) -> None:
    """Integers stored as 3.0, booleans, text with spaces: read as a CSV would hold them."""
    folder = write_tiny(tmp_path / "tiny")
    want = load_scenario(folder)
    path = tmp_path / "tiny.xlsx"
    convert(folder, path)
    edit(path, "supply", D2=5.0, A2="  src ")
    edit(path, "modes", H2="TRUE", C2=10.0)
    edit(path, "lanes", D2=100.0)
    assert_same(load_scenario(path), want)


@pytest.mark.parametrize(("value", "text"), [
    (None, ""), (3, "3"), (3.0, "3"), (0.1, "0.1"), (1e-7, "1e-07"), (2.5e20, "2.5e+20"),
    (True, "true"), (False, "false"), (" a ", " a "),
    (dt.datetime(2026, 11, 23), "2026-11-23"), (dt.datetime(2026, 11, 23, 9, 30),
                                                "2026-11-23T09:30:00")])
def test_cell_text(value, text) -> None:
    assert cell_text(value) == text


def test_numbers_survive_the_workbook_exactly(tmp_path) -> None:
    values = [0.1, 0.30000000000000004, 1 / 3, 2**-40, 123456.789, 1e9, 5e-324, math.pi]
    supply = "site_id,feedstock_id,week,tonnes\n" + "".join(
        f"src,mag,{2026 + k // 50}-W{k % 50 + 1:02d},{v!r}\n" for k, v in enumerate(values))
    sc = build(supply=supply)
    path = tmp_path / "n.xlsx"
    write_workbook(sc, path)
    got = load_scenario(path).table("supply")["tonnes"].tolist()
    assert got == values


@pytest.mark.parametrize("parts", [["network", "road_circuity"],
                                   ["policy", "sectors", "wind farm", "x"],
                                   ["policy", "sectors", "a.b", "x"], ["a", " b", "c"]])
def test_dotted_keys_round_trip(parts) -> None:
    assert key_path(key_text(parts)) == parts


# ----------------------------------------------------------------------------- problems

@pytest.mark.parametrize(("value", "rule"), [("-3", "must be >= 0"), (-3, "must be >= 0"),
                                             ("abc", "must be a number")])
def test_bad_cell_names_sheet_row_and_column(book, value, rule) -> None:
    edit(book, "supply", D5=value)
    [p] = problems(book)
    assert (p.file, p.row, p.column, p.value, p.rule) == ("scenario.xlsx[supply]", 5, "tonnes",
                                                          str(value), rule)
    assert str(p) == f"scenario.xlsx[supply], row 5, column tonnes = '{value}': {rule}"


def test_several_problems_in_different_sheets(book) -> None:
    weeks_row = config_row(book, "weeks")
    edit(book, "supply", D5="abc", C7=dt.datetime(2026, 11, 23))
    edit(book, "sites", D3=200)
    edit(book, "scenario", **{f"B{weeks_row}": 0})
    found = {(p.file, p.row, p.column, p.value) for p in problems(book)}
    assert found == {("scenario.xlsx[supply]", 5, "tonnes", "abc"),
                     ("scenario.xlsx[supply]", 7, "week", "2026-11-23"),
                     ("scenario.xlsx[sites]", 3, "lat", "200"),
                     ("scenario.xlsx[scenario]", weeks_row, "weeks", "0")}
    keyed = next(p for p in problems(book) if p.column == "weeks")
    assert str(keyed).startswith(f"scenario.xlsx[scenario], row {weeks_row}, key weeks = '0'")


def test_cross_table_problem_names_the_sheet(book) -> None:
    edit(book, "supply", A5="nowhere")
    [p] = problems(book)
    assert (p.file, p.row, p.column, p.value) == ("scenario.xlsx[supply]", 5, "site_id",
                                                  "nowhere")


def test_missing_required_sheet(book) -> None:
    wb = openpyxl.load_workbook(book)
    del wb["supply"]
    wb.save(book)
    [p] = problems(book)
    assert (p.file, p.row, p.column) == ("scenario.xlsx", None, None)
    assert str(p) == "scenario.xlsx: required sheet 'supply' is missing"


def test_missing_sheet_is_reported_like_a_missing_file(book) -> None:
    """Rules that need the table still run, naming the sheets (as for a folder)."""
    wb = openpyxl.load_workbook(book)
    del wb["plants"]
    wb.save(book)
    found = problems(book)
    assert [p.rule for p in found if p.row is None] == ["required sheet 'plants' is missing"]
    assert all(p.file.startswith("scenario.xlsx") for p in found)


def test_missing_scenario_sheet(book) -> None:
    wb = openpyxl.load_workbook(book)
    del wb["scenario"]
    wb.save(book)
    [p] = problems(book)
    assert p.file == "scenario.xlsx" and "'scenario'" in p.rule and "missing" in p.rule


def test_empty_and_headless_sheets(book) -> None:
    wb = openpyxl.load_workbook(book)
    del wb["modes"]
    wb.create_sheet("modes")
    wb["scenario"].delete_rows(1)  # the key/value header row
    wb.save(book)
    found = {(p.file, p.rule.split(":")[0]) for p in problems(book)}
    assert ("scenario.xlsx[modes]", "sheet is empty") in found
    assert any(f == "scenario.xlsx[scenario]" and "key and value" in r for f, r in found)


def test_unknown_sheet_is_noted(book, reference) -> None:
    wb = openpyxl.load_workbook(book)
    wb.create_sheet("notes")["A1"] = "my working"
    wb["supply"].title = "tmp"  # openpyxl renames "supply" -> "Supply" to "Supply1"
    wb["tmp"].title = "Supply"
    wb.save(book)
    sc = load_scenario(book)
    assert "scenario.xlsx[notes]: not a scenario sheet; ignored" in sc.notes
    assert_same(sc, reference)  # "Supply" is the supply sheet


def test_config_sheet_rules(book) -> None:
    wb = openpyxl.load_workbook(book)
    ws = wb["scenario"]
    nearest = config_row(book, "network.nearest")
    ws[f"B{nearest}"] = None  # blank value: the default (4)
    ws.append(["policy.max_leakage_t", 20])
    ws.append(["weeks", 3])  # twice
    ws.append(["network.road_circuity.x", 1])  # under a key that has a value
    ws.append([None, 5])  # a value with no key
    wb.save(book)
    found = {(p.row, p.column, p.rule) for p in problems(book)}
    assert found == {(ws.max_row - 2, "weeks", f"key appears twice (first on row "
                      f"{config_row(book, 'weeks')})"),
                     (ws.max_row - 1, "network.road_circuity.x",
                      f"network.road_circuity has a value on row "
                      f"{config_row(book, 'network.road_circuity')}: it cannot also hold keys"),
                     (ws.max_row, None, "key is blank")}
    wb = openpyxl.load_workbook(book)
    wb["scenario"].delete_rows(ws.max_row - 2, 3)
    wb.save(book)
    sc = load_scenario(book)
    assert sc.config.network.nearest == 4 and sc.config.policy.max_leakage_t == 20


@pytest.mark.parametrize(("name", "content", "rule"), [
    ("scenario.xlsx", b"not a zip", "not readable as an .xlsx workbook"),
    ("scenario.xlsx", None, "workbook does not exist"),
    ("scenario.csv", b"a,b\n", "is a file, not a scenario folder or an .xlsx workbook")])
def test_not_a_workbook_is_one_problem(tmp_path, name, content, rule) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    [p] = problems(path)
    assert rule in p.rule and p.row is None


def test_config_and_files_keywords(book, tmp_path) -> None:
    """plan-week's call: another start week, the stock from a stock-take CSV."""
    stock = tmp_path / "stock.csv"
    stock.write_text("site_id,feedstock_id,tonnes\nemr_liverpool,ice_small_motor_magnets,7\n")
    sc = load_scenario(book, config={"start_week": "2026-W50"}, files={"inventory": stock,
                                                                       "in_transit": None})
    assert sc.weeks[0] == "2026-W50"
    assert sc.inventory["tonnes"].tolist() == [7.0]
    [p] = problems(book, config={"start_week": "2026-W99"})  # not the sheet's row: not its value
    assert p.file == "scenario.xlsx[scenario]" and p.row is None and p.column == "start_week"
    stock.write_text("site_id,feedstock_id,tonnes\nemr_liverpool,ice_small_motor_magnets,-1\n")
    edit(book, "inventory", C2="abc")  # not read: the stock-take replaces the sheet
    [p] = problems(book, files={"inventory": stock})
    assert (p.file, p.row, p.column) == (str(stock), 2, "tonnes")


# ----------------------------------------------------------------------------- the command

def test_convert_command_both_ways(tmp_path, reference) -> None:
    runner = CliRunner()
    path = tmp_path / "uk.xlsx"
    res = runner.invoke(convert_command, [str(SAMPLE), str(path)])
    assert res.exit_code == 0, res.output
    assert "Checked: it reads back as the same scenario" in res.output
    left_out = next(line for line in res.output.splitlines() if line.startswith("Not in"))
    for extra in ("SOURCES.md", "make_supply.py", "overrides/", "stock-takes/"):
        assert extra in left_out
    folder = tmp_path / "uk"
    res = runner.invoke(convert_command, [str(path), str(folder)])
    assert res.exit_code == 0, res.output
    assert "scenario.toml (21 keys)" in res.output and "supply.csv (1188 rows)" in res.output
    assert "plant_products.csv (6 rows)" in res.output
    assert_same(load_scenario(folder), reference)


def test_convert_refuses_to_overwrite(tmp_path, sample_xlsx) -> None:
    runner = CliRunner()
    target = tmp_path / "uk.xlsx"
    target.write_bytes(b"precious")
    res = runner.invoke(convert_command, [str(SAMPLE), str(target)])
    assert res.exit_code == 2 and "--force" in res.output
    assert target.read_bytes() == b"precious"
    assert runner.invoke(convert_command, [str(SAMPLE), str(target), "--force"]).exit_code == 0
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "hubs.csv").write_text("stale\n")
    (folder / "README.txt").write_text("mine\n")
    res = runner.invoke(convert_command, [str(sample_xlsx), str(folder)])
    assert res.exit_code == 2 and "not empty" in res.output
    assert (folder / "hubs.csv").read_text() == "stale\n"
    res = runner.invoke(convert_command, [str(sample_xlsx), str(folder), "--force"])
    assert res.exit_code == 0, res.output
    assert (folder / "README.txt").read_text() == "mine\n"  # not a scenario file: kept
    assert (folder / "hubs.csv").read_text().startswith("site_id")


def test_convert_force_removes_stale_tables(tmp_path) -> None:
    folder = write_tiny(tmp_path / "tiny")
    path = tmp_path / "tiny.xlsx"
    convert(folder, path)
    target = write_tiny(tmp_path / "target", hubs="site_id,capacity_t_per_week\n")
    result = convert(path, target, force=True)
    assert not (target / "hubs.csv").exists()
    assert any("Removed" in r and "hubs.csv" in r for r in result.remarks)


def test_convert_invalid_source_lists_problems(book, tmp_path) -> None:
    edit(book, "supply", D5=-3)
    res = CliRunner().invoke(convert_command, [str(book), str(tmp_path / "out")])
    assert res.exit_code == 2
    assert "scenario.xlsx[supply], row 5, column tonnes = '-3': must be >= 0" in res.output
    assert not (tmp_path / "out").exists()


def test_convert_is_a_feedstock_command() -> None:
    from feedstock.cli.main import main

    assert main.commands["convert"] is convert_command


def test_convert_needs_one_folder_and_one_workbook(tmp_path, sample_xlsx) -> None:
    runner = CliRunner()
    res = runner.invoke(convert_command, [str(SAMPLE), str(tmp_path / "copy")])
    assert res.exit_code == 2 and "one must be a scenario folder" in res.output
    res = runner.invoke(convert_command, [str(sample_xlsx), str(tmp_path / "copy.xlsx")])
    assert res.exit_code == 2


def test_read_workbook_skips_tables(sample_xlsx) -> None:
    raw = read_workbook(sample_xlsx, skip={"supply"})
    assert "supply" not in raw.tables and raw.tables["sites"] is not None
    assert raw.config_rows["weeks"] == config_row(sample_xlsx, "weeks")
