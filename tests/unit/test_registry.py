"""The family registry is the one list of constraint families: what iterates it sees them all."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

from feedstock.models.numbers import model_numbers
from feedstock.models.registry import (
    FAMILIES,
    Family,
    binding_labels,
    dual_rows,
    elastic_rows,
    families,
)
from feedstock.optimizer.results.binding import RULES
from feedstock.optimizer.solve import pipeline
from feedstock.optimizer.solve.diagnose import _Words
from tests.builders import build

pytestmark = pytest.mark.unit

# docs/model.md's names: renaming a row breaks scripts that read constraints by name
STABLE_ROWS = {"balance", "storage_limit", "trip_payload", "lane_slots", "lane_contract",
               "hub_capacity", "plant_capacity", "min_run_lower", "min_run_upper",
               "feed_blend_min", "feed_blend_max", "leakage_cap", "element_leakage_cap", "offtake",
               "outlet_limit", "build_choice",
               "custody", "trip_payload_cut", "trip_feedstock_cut"}


def _rows_of(m: pyo.ConcreteModel) -> set[str]:
    return {c.local_name for c in m.component_objects(pyo.Constraint, descend_into=True)}


def test_a_built_model_has_exactly_the_rows_the_registry_declares():
    built = pipeline.build(pipeline.prepare(build()))
    assert _rows_of(built.model) == {r for f in FAMILIES for r in f.rows} == STABLE_ROWS


def test_without_cuts_the_cut_families_are_left_out():
    built = pipeline.build(pipeline.prepare(build()), cuts=False)
    cut_rows = {r for f in FAMILIES if f.cut for r in f.rows}
    assert cut_rows and not _rows_of(built.model) & cut_rows
    assert all(not f.cut for f in families(cuts=False))


def test_family_names_are_unique_and_rows_belong_to_one_family():
    names = [f.name for f in FAMILIES]
    rows = [r for f in FAMILIES for r in f.rows]
    assert len(set(names)) == len(names) and len(set(rows)) == len(rows)


def test_every_elastic_row_has_words_in_the_diagnosis():
    missing = [r for r in elastic_rows() if not hasattr(_Words, r.removeprefix("feed_"))]
    assert not missing


def test_every_binding_label_is_read_from_the_tables():
    assert set(binding_labels()) == set(RULES)


def test_marginal_values_are_reported_for_capacity_rows():
    assert set(dual_rows()) == {"plant_capacity", "trip_payload", "lane_slots"}


def test_numbers_come_from_every_family_that_has_them():
    prepared = pipeline.prepare(build())
    tables = model_numbers(prepared.data)
    for family in FAMILIES:
        if family.numbers is not None:
            assert set(family.numbers(prepared.data)) <= set(tables), family.name


def test_a_record_refuses_rows_it_does_not_make():
    with pytest.raises(ValueError, match="not its rows"):
        Family("x", lambda m, d, n: None, None, rows=("a",), duals=("b",))


def test_the_checkers_element_list_is_the_scenarios():
    """The checker may not import the scenario code, so it keeps its own list: the same one."""
    from feedstock.optimizer.checker._plan import _ELEMENTS
    from feedstock.optimizer.scenario.elements import ELEMENTS

    assert tuple(_ELEMENTS) == tuple(ELEMENTS)


def test_single_product_coefficients_are_unchanged():
    """Net cost per t fed of a plants.csv product is cost - value x yield x basis, to the bit."""
    from feedstock.models.numbers import model_numbers

    sc = build()  # plant: cost 0, reo at £1,000/t, yield 1.0 on reo_share 0.3
    data = pipeline.prepare(sc).data
    net = model_numbers(data)["processing_net_gbp_per_t"]
    assert set(net.values()) == {0.0 - 1000.0 * (1.0 * 0.3)}
