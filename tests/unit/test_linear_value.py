"""``linear_value`` (feedstock.models._util): the cost lines' £, read fast, equal to Pyomo's."""

from __future__ import annotations

import random

import pyomo.environ as pyo
import pytest

from feedstock import load_scenario
from feedstock.models._util import linear_value
from feedstock.optimizer.solve import pipeline
from tests.conftest import SAMPLE


def test_the_samples_cost_lines_and_objective_match_pyomo():
    m = pipeline.build(pipeline.prepare(load_scenario(SAMPLE))).model
    rng = random.Random(7)
    for v in m.component_data_objects(pyo.Var):
        v.set_value(rng.uniform(0, 5), skip_validation=True)
    for k in m.LINES:
        assert linear_value(m.cost[k].expr) == pytest.approx(pyo.value(m.cost[k]), rel=1e-12)
    (objective,) = m.component_data_objects(pyo.Objective, active=True)
    assert linear_value(objective.expr) == pytest.approx(pyo.value(objective), rel=1e-12)


def test_sums_negations_a_variable_twice_and_what_is_not_linear():
    m = pyo.ConcreteModel()
    m.x = pyo.Var(initialize=2.0)
    m.y = pyo.Var(initialize=3.0)
    m.p = pyo.Param(initialize=4.0, mutable=True)
    m.e = pyo.Expression(expr=m.p * m.y)
    e = pyo.quicksum([2 * m.x, 3 * m.x, 5.0]) - (m.e + m.y) + m.x * m.y
    # 2*2 + 3*2 + 5 - (4*3 + 3) + 2*3 = 15 - 15 + 6
    assert linear_value(e) == 6.0 == pyo.value(e)
    m.y.set_value(None)
    with pytest.raises(ValueError):
        linear_value(3 * m.y)  # an unset variable: Pyomo's own error
