"""The numbers of a model and its structure (feedstock.models.numbers), without a solver."""

from __future__ import annotations

import pyomo.environ as pyo
import pytest

from feedstock.models.build import build_model, update_model
from feedstock.models.numbers import model_numbers, structure
from feedstock.models.sets import build_sets
from feedstock.optimizer.network import build_network
from tests.unit.test_checker import scenario


def _parts(sc):
    net = build_network(sc)
    return net, build_sets(sc, net)


def test_a_persistent_build_holds_every_number_in_a_mutable_param():
    sc = scenario()
    net, d = _parts(sc)
    built = build_model(sc, net, data=d, mutable=True)
    numbers = model_numbers(d)
    for name, table in numbers.items():
        param = getattr(built.model, f"p_{name}")
        assert param.mutable and {k: pyo.value(param[k]) for k in param} == table, name
    assert not list(build_model(sc, net, data=d).model.component_objects(pyo.Param))


def test_numbers_name_what_they_mean():
    sc = scenario()
    _, d = _parts(sc)
    num = model_numbers(d)
    assert num["plant_capacity_t"][("plant", 1)] == 5
    assert num["expansion_extra_t"] == {("plant", 2, "plant/ext"): 3}  # from W49 = week 2
    assert num["hub_closable_t"] == {("hub", 1): 8, ("hub", 2): 8}  # a fixed cost: may close
    assert num["outlet_max_t"] == {("out", "*", 1): 4, ("out", "*", 2): 4}  # x weeks of a period
    assert num["offtake_min_t"] == {("reo", "all"): 1}
    assert num["leakage_limit_t"] == {"all": pytest.approx(0.5 * 15)}  # 14 t supply + 1 t stock


def test_update_renumbers_the_same_model_when_only_numbers_change():
    sc = scenario()
    net, d = _parts(sc)
    built = build_model(sc, net, data=d, mutable=True)
    variant = sc.with_overrides({"plants.capacity_t_per_week[plant]": 2,
                                 "supply.tonnes[*] *=": 1.1})
    net2, d2 = _parts(variant)
    again = update_model(built, variant, net2, d2)
    assert again is not None and again.model is built.model and again.data is d2
    m = built.model
    assert pyo.value(m.p_plant_capacity_t["plant", 1]) == 2
    assert pyo.value(m.p_balance_rhs["src", "mag", 1]) == pytest.approx(-8.8)
    # bounds from the data follow too: the rail's (continuous) trips_max is 2.2 t / 20 t
    assert m.n["sec>plant>rail", 1].ub == pytest.approx(0.11)


def test_a_structural_change_or_a_cold_build_is_not_updated():
    sc = scenario()
    net, d = _parts(sc)
    built = build_model(sc, net, data=d, mutable=True)
    no_rust = sc.with_overrides({"supply.tonnes[feedstock_id=rust]": 0})
    assert update_model(built, no_rust, *_parts(no_rust)) is None
    cold = build_model(sc, net, data=d)
    assert update_model(cold, sc, net, d) is None
    assert structure(d, model_numbers(d)) == built.signature
