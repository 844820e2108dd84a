"""Validation of scenario files (docs/scenario-format.md "Errors"): one broken rule at a time.

Each case starts from a small, valid scenario folder written as the CSV files a
planner edits (``MINI``, rows numbered in the comments as a spreadsheet shows
them, header = row 1), breaks one cell or adds one row, and checks that the single
reported problem names the file, row, column, bad value and what is wrong.
Cases on a copy of the bundled sample (BOM, blank lines, many problems at once)
are in test_loading.py.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import pytest

from feedstock import Problem, ScenarioError, load_scenario

# ----------------------------------------------------------------------------- a small scenario

MINI: dict[str, str] = {
    "scenario.toml": """\
name = "mini"
start_week = "2026-W48"
weeks = 4
""",
    # rows: 2 src, 3 sec, 4 hub, 5 cairnryan, 6 belfast_port, 7 tyseley, 8 belfast, 9 felixstowe
    "sites.csv": """\
site_id,name,kind,lat,lon,landmass,cleared,storage_t,holding_gbp_per_t_week
src,Yard,source,52.49,-1.86,great_britain,false,,3
sec,Depot,source,52.15,-1.47,great_britain,true,4,10
hub,Hub,hub,53.40,-2.56,great_britain,false,50,2
cairnryan,Cairnryan,port,54.98,-5.02,great_britain,false,6,8
belfast_port,Belfast port,port,54.62,-5.90,ireland,true,20,8
tyseley,Short-loop plant,plant,52.46,-1.84,great_britain,false,20,2
belfast,Long-loop plant,plant,54.60,-5.93,ireland,true,15,3
felixstowe,Export buyer,outlet,51.96,1.32,great_britain,false,,
""",
    "modes.csv": """\
mode,kind,payload_t,cost_gbp_per_km,trip_fixed_gbp,handling_gbp_per_t,co2e_kg_per_tkm,integer_trips
hgv,road,24,0.93,60,5,0.126,true
ferry,sea,24,2.5,200,5,0.051,true
""",
    # rows: 2 ev, 3 def (restricted)
    "feedstocks.csv": """\
feedstock_id,name,sector,restricted,magnet_share,reo_share,dy_share,oxidised
ev,EV magnets,vehicle,false,0.95,0.33,0.05,0
def,Defence magnets,defence,true,0.7,0.24,0.06,0
""",
    "supply.csv": """\
site_id,feedstock_id,week,tonnes
src,ev,2026-W48,1
src,ev,2026-W49,2
sec,def,2026-W48,0.5
""",
    "inventory.csv": """\
site_id,feedstock_id,tonnes
hub,ev,1
sec,def,1
""",
    # rows: 2 tyseley, 3 belfast
    "plants.csv": """\
site_id,process,capacity_t_per_week,cost_gbp_per_t,product,yield_basis,yield,product_value_gbp_per_t,min_weekly_t
tyseley,short_loop,2,4000,ndfeb_powder,magnet_share,0.9,18000,
belfast,long_loop,1,6000,reo,reo_share,0.95,42000,
""",
    "lanes.csv": """\
origin,destination,mode,distance_km,trip_cost_gbp,cost_gbp_per_t,max_trips_per_week,fixed_cost_gbp,transit_weeks
cairnryan,belfast_port,ferry,80,450,,4,,0
""",
    "hubs.csv": """\
site_id,capacity_t_per_week,handling_gbp_per_t,fixed_cost_gbp
hub,10,20,0
""",
    "plant_specs.csv": """\
site_id,attribute,min,max
tyseley,oxidised,,0
tyseley,dy_share,,0.06
""",
    "expansions.csv": """\
site_id,option,extra_capacity_t_per_week,fixed_cost_gbp,available_from_week
belfast,commercial,20,1000000,2026-W50
""",
    "outlets.csv": """\
site_id,feedstock_id,price_gbp_per_t,max_t_per_week
felixstowe,*,5000,
felixstowe,ev,9000,2
""",
    "offtake.csv": """\
product,week,min_t
reo,all,1
""",
}


@pytest.fixture
def mini(tmp_path: Path) -> Path:
    folder = tmp_path / "mini"
    folder.mkdir()
    for name, text in MINI.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


# ----------------------------------------------------------------------------- CSV editing helpers

def read_rows(path: Path) -> list[list[str]]:
    """All lines of a CSV as lists of cells; list index + 1 = spreadsheet row."""
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.reader(f))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def set_cell(path: Path, row: int, column: str, value: str) -> None:
    """Set one cell by spreadsheet row (row 1 = header) and column name."""
    rows = read_rows(path)
    rows[row - 1][rows[0].index(column)] = value
    write_rows(path, rows)


def add_row(path: Path, **values: str) -> int:
    """Append a row (missing columns blank); return its spreadsheet row number."""
    rows = read_rows(path)
    assert set(values) <= set(rows[0]), f"not columns of {path.name}: {set(values) - set(rows[0])}"
    rows.append([str(values.get(c, "")) for c in rows[0]])
    write_rows(path, rows)
    return len(rows)


def rename_column(path: Path, old: str, new: str) -> None:
    rows = read_rows(path)
    rows[0][rows[0].index(old)] = new
    write_rows(path, rows)


def add_column(path: Path, name: str, values: list[str]) -> None:
    rows = read_rows(path)
    assert len(values) == len(rows) - 1
    body = [[*r, v] for r, v in zip(rows[1:], values, strict=True)]
    write_rows(path, [[*rows[0], name], *body])


def drop_column(path: Path, column: str) -> None:
    rows = read_rows(path)
    col = rows[0].index(column)
    write_rows(path, [[c for k, c in enumerate(r) if k != col] for r in rows])


def problems_of(folder: Path) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(folder)
    assert info.value.problems, "a ScenarioError must list its problems"
    return info.value.problems


def single_problem(folder: Path) -> Problem:
    found = problems_of(folder)
    assert len(found) == 1, "expected exactly one problem, got:\n" + "\n".join(map(str, found))
    return found[0]


def says(rule: str, *words: str) -> bool:
    return all(w.lower() in rule.lower() for w in words)


# ----------------------------------------------------------------------------- the baselines

def test_mini_scenario_is_valid(mini: Path) -> None:
    sc = load_scenario(mini)
    assert len(sc.tables["sites"]) == 8
    assert sc.attributes == ["magnet_share", "reo_share", "dy_share", "oxidised"]


# ------------------------------------------------------------------------ one edit, one problem

Edit = Callable[[Path], None]


def cell(file: str, row: int, column: str, value: str) -> Edit:
    """Set one cell of ``file``."""
    def run(folder: Path) -> None:
        set_cell(folder / file, row, column, value)
    return run


def row(file: str, **values: str) -> Edit:
    """Append one row to ``file``."""
    def run(folder: Path) -> None:
        add_row(folder / file, **values)
    return run


def edits(*steps: Edit) -> Edit:
    def run(folder: Path) -> None:
        for step in steps:
            step(folder)
    return run


PLANT_ROW = {"process": "long_loop", "capacity_t_per_week": "1", "cost_gbp_per_t": "1",
             "product": "reo", "yield_basis": "reo_share", "yield": "0.9",
             "product_value_gbp_per_t": "1"}

CASES = [
    # --- cell types
    ("blank required cell", cell("sites.csv", 3, "lat", ""),
     ("sites.csv", 3, "lat", ""), ["blank"]),
    ("not a number", cell("supply.csv", 3, "tonnes", "two"),
     ("supply.csv", 3, "tonnes", "two"), ["number"]),
    ("thousands separator is not a number", cell("hubs.csv", 2, "capacity_t_per_week", "1_000"),
     ("hubs.csv", 2, "capacity_t_per_week", "1_000"), ["number"]),
    ("inf", cell("plants.csv", 2, "cost_gbp_per_t", "inf"),
     ("plants.csv", 2, "cost_gbp_per_t", "inf"), ["finite"]),
    ("nan", cell("modes.csv", 2, "payload_t", "nan"),
     ("modes.csv", 2, "payload_t", "nan"), ["finite"]),
    ("not a bool", cell("sites.csv", 2, "cleared", "maybe"),
     ("sites.csv", 2, "cleared", "maybe"), ["true or false"]),
    ("not a whole number", cell("lanes.csv", 2, "transit_weeks", "0.5"),
     ("lanes.csv", 2, "transit_weeks", "0.5"), ["whole number"]),
    # --- value rules
    ("negative tonnes", cell("supply.csv", 2, "tonnes", "-1"),
     ("supply.csv", 2, "tonnes", "-1"), [">= 0"]),
    ("negative capacity", cell("plants.csv", 3, "capacity_t_per_week", "-2"),
     ("plants.csv", 3, "capacity_t_per_week", "-2"), [">= 0"]),
    ("negative storage", cell("sites.csv", 4, "storage_t", "-5"),
     ("sites.csv", 4, "storage_t", "-5"), [">= 0"]),
    ("zero payload", cell("modes.csv", 2, "payload_t", "0"),
     ("modes.csv", 2, "payload_t", "0"), ["> 0"]),
    ("negative offtake", cell("offtake.csv", 2, "min_t", "-1"),
     ("offtake.csv", 2, "min_t", "-1"), [">= 0"]),
    ("negative outlet limit", cell("outlets.csv", 3, "max_t_per_week", "-1"),
     ("outlets.csv", 3, "max_t_per_week", "-1"), [">= 0"]),
    ("lat above 90", cell("sites.csv", 5, "lat", "91"),
     ("sites.csv", 5, "lat", "91"), ["[-90, 90]"]),
    ("lon out of range", cell("sites.csv", 6, "lon", "181"),
     ("sites.csv", 6, "lon", "181"), ["[-180, 180]"]),
    ("bad site_id pattern", row("sites.csv", site_id="Old Yard", name="x", kind="source",
                                lat="52", lon="-1", landmass="great_britain"),
     ("sites.csv", 10, "site_id", "Old Yard"), ["[a-z0-9_-]+"]),
    ("unknown site kind", row("sites.csv", site_id="depot", name="x", kind="depot",
                              lat="52", lon="-1", landmass="great_britain"),
     ("sites.csv", 10, "kind", "depot"), ["one of", "source", "outlet"]),
    ("unknown mode kind", row("modes.csv", mode="air", kind="air", payload_t="1",
                              cost_gbp_per_km="1", trip_fixed_gbp="1", handling_gbp_per_t="1",
                              co2e_kg_per_tkm="1"),
     ("modes.csv", 4, "kind", "air"), ["one of", "road", "sea", "rail"]),
    ("unknown process", cell("plants.csv", 2, "process", "medium_loop"),
     ("plants.csv", 2, "process", "medium_loop"), ["one of", "long_loop", "short_loop"]),
    ("yield above 1", cell("plants.csv", 2, "yield", "1.2"),
     ("plants.csv", 2, "yield", "1.2"), ["[0, 1]"]),
    ("transit_weeks 2", cell("lanes.csv", 2, "transit_weeks", "2"),
     ("lanes.csv", 2, "transit_weeks", "2"), ["0 or 1"]),
    ("lane distance 0", cell("lanes.csv", 2, "distance_km", "0"),
     ("lanes.csv", 2, "distance_km", "0"), ["> 0"]),
    ("magnet_share 0", edits(cell("feedstocks.csv", 2, "magnet_share", "0"),
                             cell("feedstocks.csv", 2, "reo_share", "0")),
     ("feedstocks.csv", 2, "magnet_share", "0"), ["(0, 1]"]),
    ("reo_share > magnet_share", cell("feedstocks.csv", 3, "reo_share", "0.8"),
     ("feedstocks.csv", 3, "reo_share", "0.8"), ["magnet_share", "0.7"]),
    # --- weeks
    ("week 54", cell("supply.csv", 3, "week", "2026-W54"),
     ("supply.csv", 3, "week", "2026-W54"), ["54", "2026"]),
    ("week 53 of a 52-week year", cell("expansions.csv", 2, "available_from_week", "2027-W53"),
     ("expansions.csv", 2, "available_from_week", "2027-W53"), ["53", "2027"]),
    ("week without W", cell("supply.csv", 2, "week", "2026-49"),
     ("supply.csv", 2, "week", "2026-49"), ["ISO week", "2026-W49"]),
    ("offtake week neither ISO nor all", cell("offtake.csv", 2, "week", "always"),
     ("offtake.csv", 2, "week", "always"), ["ISO week"]),
    # --- duplicates name the first row
    ("duplicate site_id", row("sites.csv", site_id="hub", name="x", kind="hub", lat="52",
                              lon="-1", landmass="great_britain"),
     ("sites.csv", 10, "site_id", "hub"), ["duplicate", "row 4"]),
    ("duplicate feedstock_id", row("feedstocks.csv", feedstock_id="ev", sector="vehicle",
                                   magnet_share="0.9", reo_share="0.3", dy_share="0",
                                   oxidised="0"),
     ("feedstocks.csv", 4, "feedstock_id", "ev"), ["duplicate", "row 2"]),
    ("duplicate mode", row("modes.csv", mode="ferry", kind="sea", payload_t="1",
                           cost_gbp_per_km="1", trip_fixed_gbp="1", handling_gbp_per_t="1",
                           co2e_kg_per_tkm="1"),
     ("modes.csv", 4, "mode", "ferry"), ["duplicate", "row 3"]),
    ("duplicate plant", row("plants.csv", site_id="belfast", **PLANT_ROW),
     ("plants.csv", 4, "site_id", "belfast"), ["duplicate", "row 3"]),
    ("duplicate supply site+feedstock+week",
     row("supply.csv", site_id="src", feedstock_id="ev", week="2026-W49", tonnes="3"),
     ("supply.csv", 5, "site_id,feedstock_id,week", "src/ev/2026-W49"), ["duplicate", "row 3"]),
    ("duplicate lane origin+destination+mode",
     row("lanes.csv", origin="cairnryan", destination="belfast_port", mode="ferry",
         distance_km="90"),
     ("lanes.csv", 3, "origin,destination,mode", "cairnryan/belfast_port/ferry"),
     ["duplicate", "row 2"]),
    # --- references, in every table that has them
    ("supply: unknown site", cell("supply.csv", 2, "site_id", "nowhere"),
     ("supply.csv", 2, "site_id", "nowhere"), ["unknown site"]),
    ("supply: unknown feedstock", cell("supply.csv", 3, "feedstock_id", "unobtainium"),
     ("supply.csv", 3, "feedstock_id", "unobtainium"), ["unknown feedstock"]),
    ("inventory: unknown site", cell("inventory.csv", 2, "site_id", "nowhere"),
     ("inventory.csv", 2, "site_id", "nowhere"), ["unknown site"]),
    ("inventory: unknown feedstock", cell("inventory.csv", 2, "feedstock_id", "unobtainium"),
     ("inventory.csv", 2, "feedstock_id", "unobtainium"), ["unknown feedstock"]),
    ("plants: unknown site", row("plants.csv", site_id="nowhere", **PLANT_ROW),
     ("plants.csv", 4, "site_id", "nowhere"), ["unknown site"]),
    ("lanes: unknown origin", cell("lanes.csv", 2, "origin", "nowhere"),
     ("lanes.csv", 2, "origin", "nowhere"), ["unknown site"]),
    ("lanes: unknown destination", cell("lanes.csv", 2, "destination", "nowhere"),
     ("lanes.csv", 2, "destination", "nowhere"), ["unknown site"]),
    ("lanes: unknown mode", cell("lanes.csv", 2, "mode", "hovercraft"),
     ("lanes.csv", 2, "mode", "hovercraft"), ["unknown mode"]),
    ("hubs: unknown site", cell("hubs.csv", 2, "site_id", "nowhere"),
     ("hubs.csv", 2, "site_id", "nowhere"), ["unknown site"]),
    ("plant_specs: unknown plant", cell("plant_specs.csv", 3, "site_id", "nowhere"),
     ("plant_specs.csv", 3, "site_id", "nowhere"), ["unknown site"]),
    ("expansions: unknown site", cell("expansions.csv", 2, "site_id", "nowhere"),
     ("expansions.csv", 2, "site_id", "nowhere"), ["unknown site"]),
    ("expansions: site that is no plant", cell("expansions.csv", 2, "site_id", "hub"),
     ("expansions.csv", 2, "site_id", "hub"), ["plant"]),
    ("outlets: unknown site", cell("outlets.csv", 3, "site_id", "nowhere"),
     ("outlets.csv", 3, "site_id", "nowhere"), ["unknown site"]),
    ("outlets: unknown feedstock", cell("outlets.csv", 3, "feedstock_id", "unobtainium"),
     ("outlets.csv", 3, "feedstock_id", "unobtainium"), ["unknown feedstock"]),
    ("offtake: product no plant makes", cell("offtake.csv", 2, "product", "gold"),
     ("offtake.csv", 2, "product", "gold"), ["product", "no plant"]),
    # --- kinds of sites
    ("supply at a hub", cell("supply.csv", 2, "site_id", "hub"),
     ("supply.csv", 2, "site_id", "hub"), ["hub", "must be of kind source"]),
    ("inventory at an outlet", cell("inventory.csv", 2, "site_id", "felixstowe"),
     ("inventory.csv", 2, "site_id", "felixstowe"), ["outlet", "must be"]),
    ("hubs.csv site not a hub", cell("hubs.csv", 2, "site_id", "cairnryan"),
     ("hubs.csv", 2, "site_id", "cairnryan"), ["port", "must be of kind hub"]),
    ("plants.csv site not a plant", row("plants.csv", site_id="src", **PLANT_ROW),
     ("plants.csv", 4, "site_id", "src"), ["source", "must be of kind plant"]),
    ("plant site without a plants.csv row",
     row("sites.csv", site_id="new_plant", name="x", kind="plant", lat="53", lon="-1",
         landmass="great_britain"),
     ("sites.csv", 10, "site_id", "new_plant"), ["no row in plants.csv"]),
    ("outlets.csv site not an outlet", cell("outlets.csv", 3, "site_id", "hub"),
     ("outlets.csv", 3, "site_id", "hub"), ["hub", "must be of kind outlet"]),
    # --- chain of custody
    ("restricted supply at an uncleared site", cell("supply.csv", 4, "site_id", "src"),
     ("supply.csv", 4, "site_id", "src"), ["restricted", "def", "cleared"]),
    ("restricted stock at an uncleared site", cell("inventory.csv", 3, "site_id", "hub"),
     ("inventory.csv", 3, "site_id", "hub"), ["restricted", "def", "cleared"]),
    ("outlet price for restricted feedstock", cell("outlets.csv", 3, "feedstock_id", "def"),
     ("outlets.csv", 3, "feedstock_id", "def"), ["restricted", "outlet"]),
    # --- lanes
    ("road lane across landmasses", cell("lanes.csv", 2, "mode", "hgv"),
     ("lanes.csv", 2, "mode", "hgv"), ["road", "great_britain", "ireland", "landmass"]),
    ("lane origin == destination",
     row("lanes.csv", origin="hub", destination="hub", mode="hgv"),
     ("lanes.csv", 3, "destination", "hub"), ["differ from origin"]),
    ("lane starting at an outlet",
     row("lanes.csv", origin="felixstowe", destination="tyseley", mode="hgv"),
     ("lanes.csv", 3, "origin", "felixstowe"), ["outlet", "must be"]),
    ("lane ending at a source", row("lanes.csv", origin="hub", destination="src", mode="hgv"),
     ("lanes.csv", 3, "destination", "src"), ["source", "must be"]),
    # --- plant specs and yield bases
    ("plant_specs attribute no feedstock has", cell("plant_specs.csv", 3, "attribute", "ni_share"),
     ("plant_specs.csv", 3, "attribute", "ni_share"), ["no feedstock", "attribute"]),
    ("plant_specs attribute is a text column", cell("plant_specs.csv", 3, "attribute", "sector"),
     ("plant_specs.csv", 3, "attribute", "sector"), ["no feedstock", "attribute"]),
    ("plant_specs min > max", edits(cell("plant_specs.csv", 3, "min", "0.1"),
                                    cell("plant_specs.csv", 3, "max", "0.05")),
     ("plant_specs.csv", 3, "min", "0.1"), ["max", "0.05"]),
    ("plant_specs min and max blank", cell("plant_specs.csv", 2, "max", ""),
     ("plant_specs.csv", 2, "min", ""), ["both blank"]),
    ("spec attribute blank for a feedstock", cell("feedstocks.csv", 3, "dy_share", ""),
     ("feedstocks.csv", 3, "dy_share", ""), ["blank", "plant_specs.csv row 3"]),
    ("yield_basis attribute blank for a feedstock",
     edits(lambda folder: add_column(folder / "feedstocks.csv", "oxide_yield", ["0.3", ""]),
           cell("plants.csv", 3, "yield_basis", "oxide_yield")),
     ("feedstocks.csv", 3, "oxide_yield", ""), ["blank", "yield_basis", "plants.csv row 3"]),
    ("yield_basis no feedstock column", cell("plants.csv", 3, "yield_basis", "gold_share"),
     ("plants.csv", 3, "yield_basis", "gold_share"), ["feedstocks.csv column"]),
    # --- shape
    ("row with more values than the header",
     lambda folder: (folder / "hubs.csv").write_text(
         "site_id,capacity_t_per_week,handling_gbp_per_t,fixed_cost_gbp\nhub,10,20,0,extra\n"),
     ("hubs.csv", 2, None, "extra"), ["5 values", "4 columns"]),
]


@pytest.mark.parametrize(("edit", "where", "words"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_one_broken_rule_gives_one_precise_problem(mini: Path, edit: Edit, where: tuple,
                                                   words: list[str]) -> None:
    edit(mini)
    p = single_problem(mini)
    assert (p.file, p.row, p.column, p.value) == where, str(p)
    assert says(p.rule, *words), str(p)
    assert p.rule in str(p) and p.file in str(p)


# ----------------------------------------------------------------------------- files and columns

@pytest.mark.parametrize("file", ["sites.csv", "modes.csv", "feedstocks.csv", "supply.csv",
                                  "plants.csv", "scenario.toml"])
def test_missing_required_file(mini: Path, file: str) -> None:
    (mini / file).unlink()
    found = problems_of(mini)
    mine = [p for p in found if p.file == file]
    assert len(mine) == 1, found
    assert (mine[0].row, mine[0].column) == (None, None)
    assert says(mine[0].rule, "missing")


def test_offtake_week_rule_mentions_all(mini: Path) -> None:
    set_cell(mini / "offtake.csv", 2, "week", "always")
    assert "'all'" in single_problem(mini).rule


def test_offtake_week_all_in_any_case(mini: Path) -> None:
    set_cell(mini / "offtake.csv", 2, "week", "ALL")
    assert load_scenario(mini).offtake["period"].tolist() == [0]


def test_missing_optional_files_are_fine(mini: Path) -> None:
    for file in ("inventory.csv", "lanes.csv", "hubs.csv", "plant_specs.csv", "expansions.csv",
                 "outlets.csv", "offtake.csv"):
        (mini / file).unlink()
    sc = load_scenario(mini)
    assert sc.lanes.empty and sc.hubs.empty and sc.outlets.empty


@pytest.mark.parametrize("file", ["plants.csv", "hubs.csv"])
def test_empty_file(mini: Path, file: str) -> None:
    (mini / file).write_bytes(b"")
    found = problems_of(mini)
    mine = [p for p in found if p.file == file]
    assert len(mine) == 1, found
    assert (mine[0].row, mine[0].column, mine[0].value) == (None, None, None)
    assert says(mine[0].rule, "empty")


def test_header_only_file_is_an_empty_table(mini: Path) -> None:
    (mini / "offtake.csv").write_text("product,week,min_t\n")
    assert load_scenario(mini).offtake.empty


def test_missing_required_column(mini: Path) -> None:
    drop_column(mini / "sites.csv", "landmass")
    found = problems_of(mini)
    col = [p for p in found if p.row == 1]
    assert [(p.file, p.column) for p in col] == [("sites.csv", "landmass")], found
    assert says(col[0].rule, "required column", "missing")
    assert "misspelt" not in col[0].rule


def test_missing_required_column_is_reported_once(mini: Path) -> None:
    drop_column(mini / "supply.csv", "tonnes")
    assert [(p.file, p.row, p.column) for p in problems_of(mini)] == [("supply.csv", 1, "tonnes")]


def test_misspelt_required_column_hint(mini: Path) -> None:
    rename_column(mini / "plants.csv", "capacity_t_per_week", "capacity_t_per_wk")
    found = problems_of(mini)
    col = [p for p in found if p.column == "capacity_t_per_week" and p.row == 1]
    assert len(col) == 1, found
    assert col[0].file == "plants.csv"
    assert says(col[0].rule, "missing", "capacity_t_per_wk", "misspelt")


def test_misspelt_optional_column_is_an_error(mini: Path) -> None:
    """A misspelt optional column would silently take its default: refused, not warned."""
    rename_column(mini / "sites.csv", "storage_t", "storage_tt")
    found = problems_of(mini)
    assert [(p.file, p.row, p.column) for p in found] == [("sites.csv", 1, "storage_tt")]
    assert says(found[0].rule, "misspelling", "storage_t")


def test_misspelt_custody_column_cannot_turn_custody_off(mini: Path) -> None:
    rename_column(mini / "feedstocks.csv", "restricted", "restrictd")
    found = problems_of(mini)
    assert [(p.file, p.column) for p in found] == [("feedstocks.csv", "restrictd")]


def test_text_attribute_used_by_a_spec_names_each_bad_cell(mini: Path) -> None:
    path = mini / "feedstocks.csv"
    rows = path.read_text().splitlines()
    rows[0] += ",grade"
    rows[1:] = [r + (",abc" if k == 0 else ",0.5") for k, r in enumerate(rows[1:])]
    path.write_text("\n".join(rows) + "\n")
    (mini / "plant_specs.csv").write_text("site_id,attribute,min,max\ntyseley,grade,,0.6\n")
    found = problems_of(mini)
    assert [(p.file, p.row, p.column, p.value) for p in found] == [
        ("feedstocks.csv", 2, "grade", "abc")]
    assert says(found[0].rule, "must be a number", "plant_specs.csv row 2")


def test_column_named_twice(mini: Path) -> None:
    path = mini / "hubs.csv"
    path.write_text("site_id,capacity_t_per_week,handling_gbp_per_t,handling_gbp_per_t\n"
                    "hub,10,20,0\n")
    found = problems_of(mini)
    assert [(p.file, p.row, p.column) for p in found] == [("hubs.csv", 1, "handling_gbp_per_t")]
    assert says(found[0].rule, "twice")


def test_not_utf8(mini: Path) -> None:
    path = mini / "sites.csv"
    path.write_bytes(path.read_bytes().replace(b"Yard", "Yärd".encode("latin-1")))
    found = problems_of(mini)
    assert [(p.file, p.row) for p in found] == [("sites.csv", 2)], found
    assert says(found[0].rule, "UTF-8")


def test_quoted_line_break_keeps_spreadsheet_row_numbers(mini: Path) -> None:
    set_cell(mini / "sites.csv", 2, "name", "Yard\nNorth gate")
    set_cell(mini / "sites.csv", 3, "lat", "95")
    p = single_problem(mini)
    assert (p.file, p.row, p.column, p.value) == ("sites.csv", 3, "lat", "95")


def test_missing_column_does_not_cascade_into_other_files(mini: Path) -> None:
    """A misspelt `kind` header is one problem, not a false 'wrong kind' in every table."""
    rename_column(mini / "sites.csv", "kind", "knd")
    found = problems_of(mini)
    assert [(p.file, p.row, p.column) for p in found] == [("sites.csv", 1, "kind")]
    assert says(found[0].rule, "missing", "knd")
