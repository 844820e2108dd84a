"""Shared fixtures: every plan a test solves is re-checked by the independent checker."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedstock import Scenario
from feedstock.optimizer.results.result import Result

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "uk-2026"


def solve_checked(sc: Scenario, **kwargs) -> Result:
    """Solve and assert the plan passes the independent pandas checker."""
    from feedstock.optimizer.checker import check_plan
    from feedstock.optimizer.solve.pipeline import solve

    result = solve(sc, **kwargs)
    violations = check_plan(sc, result)
    assert not violations, "plan checker found:\n" + "\n".join(map(str, violations))
    return result


@pytest.fixture
def solved():
    """``solved(scenario, **solve_kwargs)`` -> checked Result."""
    return solve_checked


def pytest_collection_modifyitems(items):
    """Tier by folder: tests/unit -> unit, tests/solver -> solver, tests/e2e -> e2e."""
    for item in items:
        parts = Path(str(item.fspath)).parts
        for tier in ("unit", "solver", "e2e"):
            if tier in parts and not any(m.name == tier for m in item.iter_markers()):
                item.add_marker(getattr(pytest.mark, tier))
