"""Scaling warnings: measured on the built model, silent on the sample, loud when spread > 1e9."""

from __future__ import annotations

import pyomo.environ as pyo

from feedstock import load_scenario
from feedstock.optimizer.checks.numerics import coefficient_ranges, numerics_warnings
from feedstock.optimizer.solve import pipeline
from tests.builders import near_zero_blend
from tests.conftest import SAMPLE


def test_ranges_of_a_hand_built_model():
    m = pyo.ConcreteModel()
    m.x = pyo.Var(bounds=(0, 50))
    m.y = pyo.Var(bounds=(0, None))
    m.c = pyo.Constraint(expr=2 * m.x + 1e-10 * m.y <= 1e3)
    m.o = pyo.Objective(expr=3 * m.x + 4e5 * m.y)
    ranges = {r.kind: (r.smallest, r.largest) for r in coefficient_ranges(m)}
    assert ranges == {"matrix": (1e-10, 2.0), "rhs": (1e3, 1e3), "objective": (3.0, 4e5),
                      "bounds": (50.0, 50.0)}
    (warning,) = numerics_warnings(m)
    assert "matrix magnitudes range from 1e-10 to 2" in warning


def test_the_sample_is_well_scaled_and_its_big_ms_come_from_the_data():
    sc = load_scenario(SAMPLE)
    built = pipeline.build(pipeline.prepare(sc))
    assert numerics_warnings(built.model) == []
    matrix = next(r for r in coefficient_ranges(built.model) if r.kind == "matrix")
    # largest matrix entry: a payload, a trip bound or a plant's cap_max — never a 1e9 constant
    assert matrix.largest <= 1e3


def test_a_near_zero_blend_coefficient_is_reported():
    """A feedstock 1e-12 above a blend bound makes a 1e-12 coefficient next to payload 10."""
    built = pipeline.build(pipeline.prepare(near_zero_blend()))
    warnings = numerics_warnings(built.model)
    assert warnings and "Badly scaled model: matrix" in warnings[0]
