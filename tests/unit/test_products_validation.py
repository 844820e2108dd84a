"""plant_products.csv, element shares and [policy.elements]: each broken rule, one precise problem.

Starts from the small valid scenario of test_validation.py, with Belfast's single
product moved to plant_products.csv (NdPr and Dy oxide) and element shares added.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from feedstock import ScenarioError, load_scenario
from tests.unit.test_validation import MINI, add_column, add_row, set_cell

pytestmark = pytest.mark.unit

PRODUCTS = ("site_id,product,yield_basis,yield,value_gbp_per_t\n"
            "belfast,ndpr_oxide,nd_share+pr_share,1.118,42100\n"
            "belfast,dy_oxide,dy_share,1.09,195000\n")


@pytest.fixture
def case(tmp_path: Path) -> Path:
    folder = tmp_path / "mini"
    folder.mkdir()
    for name, text in MINI.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "plant_products.csv").write_text(PRODUCTS, encoding="utf-8")
    plants = folder / "plants.csv"
    for col in ("product", "yield_basis", "yield", "product_value_gbp_per_t"):
        set_cell(plants, 3, col, "")
    # rows: 2 ev, 3 def; dy_share (t per t feed) is already a column
    add_column(folder / "feedstocks.csv", "nd_share", ["0.17", "0.12"])
    add_column(folder / "feedstocks.csv", "pr_share", ["0.05", "0.04"])
    (folder / "offtake.csv").write_text("product,week,min_t\nndpr_oxide,all,0.1\n")
    return folder


def problems(folder: Path):
    with pytest.raises(ScenarioError) as err:
        load_scenario(folder)
    return err.value.problems


def only(folder: Path):
    found = problems(folder)
    assert len(found) == 1, found
    return found[0]


def test_the_case_is_valid_and_belfast_makes_two_products(case):
    sc = load_scenario(case)
    made = sc.plant_products
    assert made[made["site_id"] == "belfast"]["product"].tolist() == ["ndpr_oxide", "dy_oxide"]
    assert made[made["site_id"] == "tyseley"]["product"].tolist() == ["ndfeb_powder"]
    assert sc.elements == {"nd": "nd_share", "pr": "pr_share", "dy": "dy_share"}


def test_a_product_of_an_unknown_plant(case):
    add_row(case / "plant_products.csv", site_id="nowhere", product="x", yield_basis="nd_share",
            **{"yield": "1", "value_gbp_per_t": "1"})
    p = only(case)
    assert (p.file, p.row, p.column, p.value) == ("plant_products.csv", 4, "site_id", "nowhere")
    assert "unknown site" in p.rule


def test_a_product_named_twice_for_one_plant(case):
    add_row(case / "plant_products.csv", site_id="belfast", product="dy_oxide",
            yield_basis="dy_share", **{"yield": "1", "value_gbp_per_t": "1"})
    p = only(case)
    assert (p.file, p.row) == ("plant_products.csv", 4) and "duplicate" in p.rule


@pytest.mark.parametrize("basis", ["nd_share+gold_share", "gold_share"])
def test_a_basis_naming_a_missing_column(case, basis):
    set_cell(case / "plant_products.csv", 2, "yield_basis", basis)
    p = only(case)
    assert (p.file, p.row, p.column, p.value) == ("plant_products.csv", 2, "yield_basis", basis)
    assert "gold_share is not a numeric feedstocks.csv column" in p.rule


def test_a_basis_naming_a_text_column(case):
    add_column(case / "feedstocks.csv", "grade", ["N42", "N45"])
    set_cell(case / "plant_products.csv", 3, "yield_basis", "grade")
    found = problems(case)
    assert [(p.file, p.row, p.column) for p in found] == [("feedstocks.csv", 2, "grade"),
                                                          ("feedstocks.csv", 3, "grade")]


def test_an_element_share_outside_0_1(case):
    set_cell(case / "feedstocks.csv", 2, "nd_share", "1.7")
    found = problems(case)
    assert ("feedstocks.csv", 2, "nd_share", "1.7") in [(p.file, p.row, p.column, p.value)
                                                        for p in found]
    assert any("[0, 1]" in p.rule for p in found)


def test_element_shares_adding_up_to_more_than_1(case):
    set_cell(case / "feedstocks.csv", 3, "nd_share", "0.6")
    set_cell(case / "feedstocks.csv", 3, "pr_share", "0.5")
    p = only(case)
    assert (p.file, p.row, p.column) == ("feedstocks.csv", 3, "nd_share+pr_share+dy_share")
    assert "more than 1" in p.rule


def test_shares_that_make_more_oxide_than_reo_share_are_a_warning(case):
    set_cell(case / "feedstocks.csv", 2, "nd_share", "0.3")  # 0.3 x 1.166 > 0.33 alone
    sc = load_scenario(case)
    assert any("row 2" in n and "ev" in n and "reo_share 0.33" in n for n in sc.notes)


def test_a_plant_with_products_in_both_places(case):
    set_cell(case / "plants.csv", 3, "product", "reo")
    p = only(case)
    assert (p.file, p.row, p.column, p.value) == ("plants.csv", 3, "product", "reo")
    assert "must be blank" in p.rule and "plant_products.csv" in p.rule


def test_a_plant_with_no_product_anywhere(case):
    (case / "plant_products.csv").write_text(PRODUCTS.splitlines()[0] + "\n")
    (case / "offtake.csv").write_text("product,week,min_t\n")
    found = problems(case)
    assert {(p.file, p.row, p.column) for p in found} == {
        ("plants.csv", 3, c) for c in ("product", "yield_basis", "yield",
                                       "product_value_gbp_per_t")}
    assert all("must not be blank" in p.rule for p in found)


def test_an_offtake_of_a_product_no_plant_makes(case):
    (case / "offtake.csv").write_text("product,week,min_t\ntb_oxide,all,1\n")
    p = only(case)
    assert (p.file, p.column, p.value) == ("offtake.csv", "product", "tb_oxide")


def test_an_element_policy_without_the_share_column(case):
    toml = case / "scenario.toml"
    toml.write_text(toml.read_text() + "\n[policy.elements.tb]\nleakage_penalty_gbp_per_kg = 5\n")
    p = only(case)
    assert (p.file, p.column) == ("scenario.toml", "policy.elements.tb")
    assert "tb_share" in p.rule


def test_an_unknown_element(case):
    toml = case / "scenario.toml"
    toml.write_text(toml.read_text() + "\n[policy.elements.xx]\nleakage_penalty_gbp_per_kg = 5\n")
    p = only(case)
    assert p.file == "scenario.toml" and "unknown element xx" in p.rule


def test_a_yield_above_2_in_plant_products(case):
    set_cell(case / "plant_products.csv", 2, "yield", "2.5")
    p = only(case)
    assert (p.file, p.row, p.column, p.value) == ("plant_products.csv", 2, "yield", "2.5")
    assert "[0, 2]" in p.rule



def test_a_text_element_share_under_a_policy_is_one_problem(case):
    """Found by the fuzzer: a text cell in a priced element column crashed the blank check."""
    set_cell(case / "feedstocks.csv", 2, "nd_share", "lots")
    toml = case / "scenario.toml"
    toml.write_text(toml.read_text() + "\n[policy.elements.nd]\nleakage_penalty_gbp_per_kg = 1\n")
    found = problems(case)  # the cell, once per rule that reads it (element share, yield basis)
    assert {(p.file, p.row, p.column, p.value) for p in found} == {
        ("feedstocks.csv", 2, "nd_share", "lots")}
    assert any("must be a number: an element share" in p.rule for p in found)


def test_a_blank_element_share_under_a_policy_is_refused(case):
    set_cell(case / "feedstocks.csv", 3, "nd_share", "")
    toml = case / "scenario.toml"
    toml.write_text(toml.read_text() + "\n[policy.elements.nd]\nmax_leakage_kg = 10\n")
    found = problems(case)
    assert {(p.file, p.row, p.column) for p in found} == {("feedstocks.csv", 3, "nd_share")}
    assert any("must not be blank: [policy.elements.nd]" in p.rule for p in found)
