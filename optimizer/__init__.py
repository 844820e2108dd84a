"""Planning solver for the UK's rare-earth magnet recycling chain.

Pipeline: files -> :func:`load_scenario` / :meth:`Scenario.load` (validated,
frozen) -> network (arcs) -> Pyomo model (``models``) -> :func:`solve` ->
:class:`Result` (tables, KPIs). What-if: ``scenario.with_overrides({...})`` and
:func:`compare` of several results; :class:`Resolver` re-solves variants that
change only numbers on one built model (persistent HiGHS).

>>> from optimizer import Scenario, solve, compare
>>> base = Scenario.load("data/uk-2026")
>>> ban = base.with_overrides({"policy.max_leakage_share": 0})
>>> compare({"base": solve(base), "ban": solve(ban)})
"""

from typing import Any

from optimizer.errors import (
    FeedstockError,
    InfeasibleError,
    NoPlanError,
    Problem,
    ScenarioError,
    UnboundedError,
)
from optimizer.scenario import Scenario, from_tables, load_scenario

# The solver side (Pyomo, HiGHS) loads on first use, so that reading and checking
# scenarios and plans (optimizer.checker) never imports it.
_LAZY = {"solve": "optimizer.solving", "compare": "optimizer.comparison",
         "Result": "optimizer.result", "Resolver": "optimizer.persistent"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'optimizer' has no attribute {name!r}")

__all__ = [
    "FeedstockError",
    "InfeasibleError",
    "NoPlanError",
    "Problem",
    "Resolver",
    "Result",
    "Scenario",
    "ScenarioError",
    "UnboundedError",
    "compare",
    "from_tables",
    "load_scenario",
    "solve",
]
