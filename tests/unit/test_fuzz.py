"""Hostile input (issue 3 item 4): mutated copies of the sample never crash ``validate``.

Every case must end valid (exit 0), invalid with every problem located (exit 2) or
with a pre-solve diagnosis (exit 3) -- never a traceback, never exit 1. The long run
is ``python -m tests.fuzz.run --iterations 2000 [--build]``; here a fixed,
derandomized sample of the same mutations keeps CI fast, then one regression test
per bug the fuzzer found, each named after the mutation that found it.
"""

from __future__ import annotations

import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedstock import Problem, ScenarioError, load_scenario
from tests.fuzz.check import check_case
from tests.fuzz.mutations import MUTATIONS, apply, copy_sample, names, read_rows, write_rows


def _explain(done: list[str], failures: list[str], output: str) -> str:
    return "\n".join(["mutations:", *done, "failures:", *failures, "output:", output])


@settings(max_examples=40, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(kinds=st.lists(st.sampled_from(names()), min_size=1, max_size=3),
       rnd=st.randoms(use_true_random=False))
def test_mutated_sample_is_valid_or_precisely_invalid(kinds: list[str],
                                                     rnd: random.Random) -> None:
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        folder = copy_sample(Path(tmp) / "scenario")
        done = apply(folder, kinds, rnd)
        result = check_case(folder)
        assert not result.failures, _explain(done, result.failures, result.output)


@pytest.mark.parametrize("kind", names())
def test_each_mutation_alone_then_build(kind: str, tmp_path: Path) -> None:
    """Every mutation at least once; a case that stays valid also builds its model."""
    folder = copy_sample(tmp_path / "scenario")
    done = apply(folder, [kind], random.Random(kind))
    result = check_case(folder, build=True)
    assert not result.failures, _explain(done, result.failures, result.output)


def test_mutations_are_registered_with_docstrings() -> None:
    assert len(MUTATIONS) >= 25
    for m in MUTATIONS.values():
        assert m.func.__doc__, f"{m.name} needs a one-line docstring"


# ----------------------------------------------------------------------------- regressions

@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return copy_sample(tmp_path / "uk-2026")


def set_cell(path: Path, row: int, column: str, value: str) -> None:
    rows = read_rows(path)
    assert rows is not None
    rows[row - 1][rows[0].index(column)] = value
    write_rows(path, rows)


def set_toml(folder: Path, old: str, new: str) -> None:
    path = folder / "scenario.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def only_problem(folder: Path) -> Problem:
    with pytest.raises(ScenarioError) as info:
        load_scenario(folder)
    found = info.value.problems
    assert len(found) == 1, "\n".join(map(str, found))
    return found[0]


def assert_cli_exits_2(folder: Path) -> None:
    result = check_case(folder)
    assert result.exit_code == 2 and not result.failures, result.output + "\n".join(
        result.failures)


def test_start_week_near_year_9999(sample: Path) -> None:
    """bad_week on start_week ('9999-W52'): was OverflowError, exit 1."""
    set_toml(sample, 'start_week = "2026-W48"', 'start_week = "9999-W52"')
    p = only_problem(sample)
    assert (p.file, p.row, p.column, p.value) == ("scenario.toml", None, "weeks", "12")
    assert "past the year 9999" in p.rule and "9999-W52" in p.rule
    assert_cli_exits_2(sample)


@pytest.mark.parametrize(("value", "rule"), [("inf", "must be a finite number"),
                                             ("nan", "must be a finite number"),
                                             ("1_000", "must be a number")])
def test_non_finite_attribute_used_by_a_plant_spec(sample: Path, value: str, rule: str) -> None:
    """special_number / text_in_number in feedstocks.csv coating_share: the column read as
    text, the spec check accepted float('inf'), and building the model raised TypeError
    (exit 1)."""
    set_cell(sample / "feedstocks.csv", 2, "coating_share", value)
    p = only_problem(sample)
    assert (p.file, p.row, p.column, p.value) == ("feedstocks.csv", 2, "coating_share", value)
    assert p.rule.startswith(rule) and "plant_specs.csv row" in p.rule
    assert_cli_exits_2(sample)


@pytest.mark.parametrize(("file", "row", "column", "value", "shown", "words"), [
    ("plants.csv", 2, "capacity_t_per_week", "1e300", "1e+300", ["<= 1e9"]),
    ("supply.csv", 2, "tonnes", "1e20", "1e+20", ["<= 1e9"]),
    ("sites.csv", 2, "storage_t", "1e10", "1e+10", ["<= 1e9", "blank for unlimited"]),
    ("hubs.csv", 2, "capacity_t_per_week", "1e12", "1e+12", ["<= 1e9", "blank"]),
    ("modes.csv", 2, "payload_t", "1e300", "1e+300", ["<= 1e9"]),
    ("outlets.csv", 2, "price_gbp_per_t", "-1e10", "-1e+10", ["[-1e9, 1e9]"]),
    ("plant_specs.csv", 2, "max", "1e20", "1e+20", ["[-1e9, 1e9]"]),
    ("feedstocks.csv", 2, "coating_share", "1e300", "1e+300", ["[-1e9, 1e9]",
                                                              "plant_specs.csv row"]),
])
def test_huge_numbers_are_rejected(sample: Path, file: str, row: int, column: str, value: str,
                                   shown: str, words: list[str]) -> None:
    """special_number (1e300, 1e20): accepted before; the solver's arithmetic breaks."""
    set_cell(sample / file, row, column, value)
    p = only_problem(sample)
    assert (p.file, p.row, p.column, p.value) == (file, row, column, shown)
    assert all(w in p.rule for w in words), p.rule


def test_inf_still_means_unlimited_where_blank_does(sample: Path) -> None:
    set_cell(sample / "hubs.csv", 2, "capacity_t_per_week", "inf")
    set_cell(sample / "sites.csv", 2, "storage_t", "1e9")
    load_scenario(sample)


@pytest.mark.parametrize(("old", "new", "key", "words"), [
    ("leakage_penalty_gbp_per_t = 1500", "leakage_penalty_gbp_per_t = 1e300",
     "policy.leakage_penalty_gbp_per_t", ["<= 1e9"]),
    ("threads = 0", "threads = 2147483648", "solver.threads", ["2147483647"]),
    ("threads = 0", "seed = 10000000000000000000000000000", "solver.seed", ["2147483647"]),
])
def test_toml_extreme_values(sample: Path, old: str, new: str, key: str,
                             words: list[str]) -> None:
    """toml_extreme_value: a seed or thread count HiGHS cannot take was accepted (and then
    silently ignored by the solver), and penalties of 1e300 too."""
    set_toml(sample, old, new)
    p = only_problem(sample)
    assert (p.file, p.column) == ("scenario.toml", key)
    assert all(w in p.rule for w in words), p.rule


def test_toml_bool_shown_as_written(sample: Path) -> None:
    set_toml(sample, "weeks = 12", "weeks = true")
    assert only_problem(sample).value == "true"


def test_stray_sites_geojson_is_one_problem(sample: Path) -> None:
    """stray_file sites.geojson: also said 'sites.csv: required table is missing'."""
    (sample / "sites.geojson").write_text('{"type": "FeatureCollection", "features": [')
    p = only_problem(sample)
    assert p.file == "sites.geojson" and "twice" in p.rule


@pytest.mark.parametrize("sep", [";", "\t"])
def test_semicolon_separated_file_is_one_problem(sample: Path, sep: str) -> None:
    """semicolon_separated: one problem per column and row before, none saying why."""
    rows = read_rows(sample / "hubs.csv")
    write_rows(sample / "hubs.csv", rows, delimiter=sep)
    p = only_problem(sample)
    assert (p.file, p.row, p.column) == ("hubs.csv", None, None)
    assert repr(sep) in p.rule and "comma" in p.rule


def test_yield_basis_values_are_shares(sample: Path) -> None:
    """A yield basis is tonnes of product per tonne of feed: in [0, 1]."""
    set_cell(sample / "plants.csv", 4, "yield_basis", "coating_share")
    set_cell(sample / "feedstocks.csv", 3, "coating_share", "-0.5")
    p = only_problem(sample)
    assert (p.file, p.row, p.column, p.value) == ("feedstocks.csv", 3, "coating_share", "-0.5")
    assert "[0, 1]" in p.rule and "yield_basis in plants.csv row 4" in p.rule
