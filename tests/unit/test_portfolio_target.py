"""The objective an improving MIP aims at: a plan there meets the search's gap against its bound."""

from types import SimpleNamespace

import numpy as np
import pytest

from feedstock.optimizer.results.result import gap_of
from feedstock.optimizer.solve.portfolio import Portfolio


@pytest.mark.parametrize("bound", [-2_503_477.0, -100.0, 100.0, 2_000_000.0])
def test_a_plan_at_the_target_meets_the_gap_with_a_tenth_to_spare(bound):
    helper = SimpleNamespace(gap=0.01)
    target = Portfolio._good_enough(helper, bound)
    assert target > bound  # a plan costs at least the bound: the target is above it
    assert gap_of(target, bound) == pytest.approx(0.009)
    assert gap_of(target + 1e-6 * abs(target), bound) > 0.009  # a worse plan does not


def test_no_target_without_a_finite_bound_or_a_gap():
    assert Portfolio._good_enough(SimpleNamespace(gap=0.01), -np.inf) == -np.inf
    assert Portfolio._good_enough(SimpleNamespace(gap=0.0), -100.0) == -np.inf
