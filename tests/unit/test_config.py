"""scenario.toml (docs/scenario-format.md): strict keys with hints, types, ranges, weeks, syntax; what-ifs."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from feedstock import Problem, ScenarioError, load_scenario
from feedstock.optimizer.scenario import ScenarioConfig
from feedstock.optimizer.scenario.config import read_config, validate_config
from tests.builders import BASE, build, config, table

GOOD = """\
name = "tiny-base"
description = "free text"
start_week = "2026-W48"
weeks = 3

[network]
auto_road_lanes = false
road_circuity = 1.3
max_road_km = 700
nearest = 2

[policy]
leakage_penalty_gbp_per_t = 1500
max_leakage_share = 0.8
carbon_price_gbp_per_t_co2e = 80
terminal_stock_penalty_gbp_per_t = 400

[policy.sectors.vehicle]
leakage_penalty_gbp_per_t = 2500

[solver]
name = "highs"
time_limit_s = 60
mip_rel_gap = 0.01
threads = 2
"""

# Sites with finite storage: a table round-trip through Scenario.replace then does not
# depend on how a blank (unlimited) storage is carried (see test_replace_on_the_sample).
FINITE_SITES = """site_id,name,kind,lat,lon,landmass,cleared,storage_t,holding_gbp_per_t_week
src,Source,source,52.0,-1.0,gb,false,100,0
plant,Plant,plant,52.0,-2.0,gb,false,100,0
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The tiny builders scenario as files, with the GOOD scenario.toml."""
    for name, text in BASE.items():
        (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")
    (tmp_path / "scenario.toml").write_text(GOOD, encoding="utf-8")
    return tmp_path


def with_toml(folder: Path, text: str) -> Path:
    (folder / "scenario.toml").write_text(text, encoding="utf-8")
    return folder


def edit_toml(folder: Path, old: str, new: str) -> Path:
    path = folder / "scenario.toml"
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))
    return folder


@pytest.fixture
def toml_dir(tmp_path: Path) -> Path:
    """A folder with only the GOOD scenario.toml (fast: no tables to validate)."""
    (tmp_path / "scenario.toml").write_text(GOOD, encoding="utf-8")
    return tmp_path


def problems_of(folder: Path) -> list[Problem]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(folder)
    return info.value.problems


def toml_problems(folder: Path) -> list[Problem]:
    """What load_scenario reports about scenario.toml (the same two steps), tables aside."""
    raw, found = read_config(folder)
    if raw is not None:
        found = found + validate_config(raw)[1]
    return found


def single_problem(folder: Path) -> Problem:
    found = toml_problems(folder)
    assert len(found) == 1, "\n".join(map(str, found))
    assert found[0].file == "scenario.toml"
    return found[0]


# ----------------------------------------------------------------------------- a good file

def test_good_file_and_defaults(folder: Path) -> None:
    cfg = load_scenario(folder).config
    assert (cfg.name, cfg.start_week, cfg.weeks) == ("tiny-base", "2026-W48", 3)
    assert (cfg.network.road_circuity, cfg.network.max_road_km, cfg.network.nearest) == (
        1.3, 700, 2)
    assert cfg.policy.max_leakage_share == 0.8
    assert (cfg.solver.mip_rel_gap, cfg.solver.threads) == (0.01, 2)

    minimal = load_scenario(with_toml(folder, 'name = "m"\nstart_week = "2026-W48"\nweeks = 2\n'))
    cfg = minimal.config
    assert cfg.network.auto_road_lanes is True
    assert (cfg.network.road_circuity, cfg.network.max_road_km, cfg.network.nearest) == (
        1.25, 900, 4)
    assert cfg.policy.leakage_penalty_gbp_per_t == 1500
    assert cfg.policy.max_leakage_share == 1.0
    assert cfg.policy.carbon_price_gbp_per_t_co2e == 0
    assert cfg.policy.terminal_stock_penalty_gbp_per_t == 400
    assert cfg.policy.sectors == {}
    assert (cfg.solver.name, cfg.solver.time_limit_s, cfg.solver.threads) == ("highs", 120, 0)
    assert cfg.solver.mip_rel_gap == 0.005
    assert minimal.weeks == ("2026-W48", "2026-W49")


def test_horizon_crosses_iso_week_53(folder: Path) -> None:
    sc = load_scenario(edit_toml(folder, "weeks = 3", "weeks = 8"))
    assert sc.weeks[4:7] == ("2026-W52", "2026-W53", "2027-W01")
    assert sc.period("2027-W01") == 7


def test_sector_override(folder: Path) -> None:
    sc = load_scenario(folder)
    assert sc.config.policy.sectors["vehicle"].leakage_penalty_gbp_per_t == 2500
    assert sc.config.policy.leakage_penalty_gbp_per_t == 1500
    assert not any("sectors" in n for n in sc.notes)


def test_sector_override_for_an_unknown_sector_is_a_note(folder: Path) -> None:
    sc = load_scenario(edit_toml(folder, "[policy.sectors.vehicle]", "[policy.sectors.nuclear]"))
    assert any("policy.sectors.nuclear" in n for n in sc.notes), sc.notes


def test_sector_override_out_of_range(toml_dir: Path) -> None:
    p = single_problem(edit_toml(toml_dir, "= 2500", "= -5"))
    assert (p.column, p.value) == ("policy.sectors.vehicle.leakage_penalty_gbp_per_t", "-5")
    assert "greater than or equal to 0" in p.rule


# ----------------------------------------------------------------------------- unknown keys

@pytest.mark.parametrize(("old", "new", "key", "hint"), [
    ("max_road_km = 700", "max_road_kms = 700", "network.max_road_kms", "network.max_road_km"),
    ("time_limit_s = 60", "time_limit = 60", "solver.time_limit", "solver.time_limit_s"),
    ("max_leakage_share = 0.8", "max_leakage_shares = 0.8", "policy.max_leakage_shares",
     "policy.max_leakage_share"),
    ("leakage_penalty_gbp_per_t = 2500", "leakage_penalty_gbp = 2500",
     "policy.sectors.vehicle.leakage_penalty_gbp",
     "policy.sectors.vehicle.leakage_penalty_gbp_per_t"),
    ('description = "free text"', 'descripton = "free text"', "descripton", "description"),
    ("[network]", "[netwrok]", "netwrok", "network"),
])
def test_unknown_key_did_you_mean(toml_dir: Path, old: str, new: str, key: str, hint: str) -> None:
    found = toml_problems(edit_toml(toml_dir, old, new))
    unknown = [p for p in found if p.column == key]
    assert len(unknown) == 1, found
    p = unknown[0]
    assert (p.file, p.row) == ("scenario.toml", None)
    assert "unknown key" in p.rule and f"did you mean {hint}?" in p.rule, p.rule
    assert f"key {key}" in str(p)


def test_misspelt_required_key_is_unknown_and_missing(toml_dir: Path) -> None:
    found = toml_problems(edit_toml(toml_dir, "weeks = 3", "week = 3"))
    assert {(p.column, p.value) for p in found} == {("week", "3"), ("weeks", None)}
    by_key = {p.column: p.rule for p in found}
    assert "did you mean weeks?" in by_key["week"]
    assert by_key["weeks"] == "required key is missing"


def test_unknown_key_without_a_close_match_lists_the_known_keys(toml_dir: Path) -> None:
    p = single_problem(edit_toml(toml_dir, "threads = 2", "colour = 2"))
    assert p.column == "solver.colour"
    assert "did you mean" not in p.rule
    assert "known:" in p.rule and "threads" in p.rule and "mip_rel_gap" in p.rule


# ----------------------------------------------------------------------------- types and ranges

@pytest.mark.parametrize(("old", "new", "key", "value", "words"), [
    ("weeks = 3", 'weeks = "twelve"', "weeks", "twelve", "valid integer"),
    ("weeks = 3", "weeks = 2.5", "weeks", "2.5", "integer"),
    ("road_circuity = 1.3", 'road_circuity = "far"', "network.road_circuity", "far",
     "valid number"),
    ("auto_road_lanes = false", 'auto_road_lanes = "maybe"', "network.auto_road_lanes", "maybe",
     "valid boolean"),
    ('name = "highs"', "name = 7", "solver.name", "7", "valid string"),
    ("weeks = 3", "weeks = 0", "weeks", "0", "greater than or equal to 1"),
    ("mip_rel_gap = 0.01", "mip_rel_gap = 1.5", "solver.mip_rel_gap", "1.5", "less than 1"),
    ("threads = 2", "threads = -1", "solver.threads", "-1", "greater than or equal to 0"),
    ("time_limit_s = 60", "time_limit_s = 0", "solver.time_limit_s", "0", "greater than 0"),
    ("time_limit_s = 60", "time_limit_s = inf", "solver.time_limit_s", "inf", "finite"),
    ("road_circuity = 1.3", "road_circuity = 0.9", "network.road_circuity", "0.9",
     "greater than or equal to 1"),
    ("nearest = 2", "nearest = 0", "network.nearest", "0", "greater than or equal to 1"),
    ("max_road_km = 700", "max_road_km = -1", "network.max_road_km", "-1", "greater than 0"),
    ("max_leakage_share = 0.8", "max_leakage_share = 1.2", "policy.max_leakage_share", "1.2",
     "less than or equal to 1"),
    ("carbon_price_gbp_per_t_co2e = 80", "carbon_price_gbp_per_t_co2e = -80",
     "policy.carbon_price_gbp_per_t_co2e", "-80", "greater than or equal to 0"),
    ('name = "tiny-base"', 'name = ""', "name", "", "at least 1"),
])
def test_bad_value(toml_dir: Path, old: str, new: str, key: str, value: str, words: str) -> None:
    p = single_problem(edit_toml(toml_dir, old, new))
    assert (p.row, p.column, p.value) == (None, key, value), str(p)
    assert words in p.rule, p.rule


def test_boolean_is_not_a_week_count(toml_dir: Path) -> None:
    p = single_problem(edit_toml(toml_dir, "weeks = 3", "weeks = true"))
    assert p.column == "weeks"


@pytest.mark.parametrize(("week", "words"), [
    ("2026-W54", "week 54 does not exist in ISO year 2026"),
    ("2027-W53", "week 53 does not exist in ISO year 2027"),
    ("2026-48", "ISO week like"),
    ("W48-2026", "ISO week like"),
    ("2026-W00", "week 0 does not exist"),
])
def test_bad_start_week(toml_dir: Path, week: str, words: str) -> None:
    p = single_problem(edit_toml(toml_dir, '"2026-W48"', f'"{week}"'))
    assert (p.column, p.value) == ("start_week", week)
    assert words in p.rule, p.rule


@pytest.mark.parametrize("key", ["name", "start_week", "weeks"])
def test_missing_required_key(toml_dir: Path, key: str) -> None:
    line = next(ln for ln in GOOD.splitlines() if ln.startswith(f"{key} ="))
    p = single_problem(with_toml(toml_dir, GOOD.replace(line + "\n", "", 1)))
    assert (p.file, p.row, p.column, p.value) == ("scenario.toml", None, key, None)
    assert p.rule == "required key is missing"


def test_every_config_problem_and_every_table_problem_at_once(folder: Path) -> None:
    edit_toml(folder, "weeks = 3", "weeks = 0")
    edit_toml(folder, "threads = 2", "threads = -1")
    edit_toml(folder, "nearest = 2", "neerest = 2")
    (folder / "supply.csv").write_text("site_id,feedstock_id,week,tonnes\nsrc,mag,2026-W48,-5\n")
    found = problems_of(folder)
    assert {(p.file, p.column) for p in found} == {
        ("scenario.toml", "weeks"), ("scenario.toml", "solver.threads"),
        ("scenario.toml", "network.neerest"), ("supply.csv", "tonnes")}


@pytest.mark.parametrize(("old", "new"), [("nearest = 2", "neerest = 2"),
                                           ("weeks = 3", 'weeks = "x"'),
                                           ('name = "tiny-base"', "")])
def test_load_scenario_reports_the_config_problems(folder: Path, old: str, new: str) -> None:
    edit_toml(folder, old, new)
    assert problems_of(folder) == toml_problems(folder)


# ----------------------------------------------------------------------------- the file itself

def test_toml_syntax_error_names_the_line(folder: Path) -> None:
    found = problems_of(edit_toml(folder, "weeks = 3", "weeks = "))
    assert len(found) == 1, found
    p = found[0]
    assert p.file == "scenario.toml"
    assert p.column is None
    assert "TOML syntax error" in p.rule and "line 4" in p.rule, p.rule


def test_toml_syntax_error_row_is_the_line(toml_dir: Path) -> None:
    p = single_problem(edit_toml(toml_dir, "weeks = 3", "weeks = "))
    assert p.row == 4


def test_toml_duplicate_key_is_a_syntax_error(toml_dir: Path) -> None:
    p = single_problem(edit_toml(toml_dir, "weeks = 3", "weeks = 3\nweeks = 4"))
    assert "TOML syntax error" in p.rule


@pytest.mark.parametrize("content", [b"", b"  \n\n"])
def test_empty_file(folder: Path, content: bytes) -> None:
    (folder / "scenario.toml").write_bytes(content)
    found = problems_of(folder)
    assert len(found) == 1, found
    p = found[0]
    assert p.file == "scenario.toml"
    assert (p.row, p.column, p.value) == (None, None, None)
    assert "empty" in p.rule


def test_bom_is_accepted(folder: Path) -> None:
    (folder / "scenario.toml").write_bytes(b"\xef\xbb\xbf" + GOOD.encode())
    assert load_scenario(folder).name == "tiny-base"


# ----------------------------------------------------------------------------- frozen, what-if

def finite() -> object:
    return build(config(**{"policy.max_leakage_share": 0.8}), sites=FINITE_SITES)


def test_config_is_frozen() -> None:
    sc = finite()
    with pytest.raises(Exception, match="frozen"):
        sc.config.weeks = 5  # type: ignore[misc]
    with pytest.raises(Exception, match="frozen"):
        sc.config.policy.max_leakage_share = 0.1  # type: ignore[misc]
    assert sc.config.weeks == 1 and sc.config.policy.max_leakage_share == 0.8


def test_replace_returns_a_new_scenario_and_leaves_the_original() -> None:
    sc = finite()
    new = sc.replace({"policy.max_leakage_share": 0.3, "weeks": 2})
    assert new is not sc
    assert new.config.policy.max_leakage_share == 0.3 and new.horizon == 2
    assert sc.config.policy.max_leakage_share == 0.8 and sc.horizon == 1
    assert new.config.policy.leakage_penalty_gbp_per_t == sc.config.policy.leakage_penalty_gbp_per_t
    assert new.plants.equals(sc.plants) and new.sites.equals(sc.sites)


def test_replace_a_table() -> None:
    sc = finite()
    bigger = sc.replace(plants=sc.plants.assign(capacity_t_per_week=10.0))
    assert bigger.plants["capacity_t_per_week"].tolist() == [10.0]
    assert sc.plants["capacity_t_per_week"].tolist() == [100.0]


@pytest.mark.parametrize(("changes", "key", "words"), [
    ({"policy.max_leakage_share": 1.5}, "policy.max_leakage_share", "less than or equal to 1"),
    ({"weeks": 0}, "weeks", "greater than or equal to 1"),
    ({"start_week": "2026-W54"}, "start_week", "week 54"),
    ({"policy.max_leakage_shares": 0.3}, "policy.max_leakage_shares",
     "did you mean policy.max_leakage_share?"),
])
def test_replace_with_an_invalid_value_raises(changes: dict, key: str, words: str) -> None:
    sc = finite()
    with pytest.raises(ScenarioError) as info:
        sc.replace(changes)
    assert [(p.file, p.column) for p in info.value.problems] == [("scenario.toml", key)]
    assert words in info.value.problems[0].rule
    assert sc.config.policy.max_leakage_share == 0.8 and sc.config.weeks == 1


def test_replace_with_an_invalid_table_raises() -> None:
    sc = finite()
    with pytest.raises(ScenarioError) as info:
        sc.replace(plants=sc.plants.assign(capacity_t_per_week=-1.0))
    assert [(p.file, p.row, p.column, p.value) for p in info.value.problems] == [
        ("plants.csv", 2, "capacity_t_per_week", "-1")]
    with pytest.raises(KeyError):
        sc.replace(warehouses=table("a\n1\n"))


def test_replace_keeps_blank_defaults_of_its_own_tables() -> None:
    sc = build()  # the builders' sites leave storage_t blank: unlimited
    assert math.isinf(sc.sites["storage_t"].iloc[0])
    new = sc.replace({"policy.max_leakage_share": 0.3})
    assert math.isinf(new.sites["storage_t"].iloc[0])


def test_replace_on_the_sample() -> None:
    sample = Path(__file__).resolve().parents[2] / "data" / "uk-2026"
    sc = load_scenario(sample)
    new = sc.replace({"policy.max_leakage_share": 0.3})
    assert new.config.policy.max_leakage_share == 0.3
    assert sc.config.policy.max_leakage_share != 0.3
    assert new.sites["storage_t"].equals(sc.sites["storage_t"])


def test_scenario_config_is_the_public_model() -> None:
    cfg = ScenarioConfig(name="x", start_week="2026-W01", weeks=1)
    assert cfg.network.nearest == 4
