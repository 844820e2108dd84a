"""Planning solver for the UK's rare-earth magnet recycling chain.

One pipeline (``feedstock.optimizer.solve.pipeline``, docs/architecture.md):
files -> :func:`load_scenario` / :meth:`Scenario.load` (validated, frozen) ->
network -> index sets -> pre-solve checks -> Pyomo model (``feedstock.models``)
-> HiGHS -> :class:`Result` (tidy tables, KPIs). What-if:
``scenario.with_overrides({...})``, :func:`compare`, :func:`sweep`,
:func:`pareto`; :class:`Resolver` re-solves variants that change only numbers
on one built model; :func:`plan_week` is a scheduled weekly run; :func:`plan_strategy` plans the
``[strategy]`` years (what to build, where and when).

>>> from feedstock import Scenario, solve, compare
>>> base = Scenario.load(sample_scenario())
>>> ban = base.with_overrides({"policy.max_leakage_share": 0})
>>> compare({"base": solve(base), "ban": solve(ban)})

Reading and checking scenarios never imports Pyomo: the solver side loads on
first use of a name that needs it.
"""

from __future__ import annotations

import importlib
from typing import Any

from feedstock.data import sample_scenario
from feedstock.optimizer.base.errors import (
    FeedstockError,
    InfeasibleError,
    NoPlanError,
    Problem,
    ScenarioError,
    SolveError,
    UnboundedError,
)
from feedstock.optimizer.scenario import Scenario, from_tables, load_scenario

# name -> module that defines it, imported on first use (Pyomo, HiGHS, matplotlib)
_LAZY = {
    "solve": "feedstock.optimizer.solve.pipeline",
    "Resolver": "feedstock.optimizer.solve.pipeline",
    "Result": "feedstock.optimizer.results.result",
    "compare": "feedstock.optimizer.results.comparison",
    "write": "feedstock.optimizer.outputs.writers",
    "sweep": "feedstock.optimizer.studies.sweep",
    "SweepOptions": "feedstock.optimizer.studies.sweep",
    "pareto": "feedstock.optimizer.studies.pareto",
    "plan_week": "feedstock.optimizer.weekly.run",
    "WeekOptions": "feedstock.optimizer.weekly.run",
    "check_plan": "feedstock.optimizer.checker",
    "plan_strategy": "feedstock.optimizer.strategy",
    "StrategyResult": "feedstock.optimizer.strategy",
    "write_strategy": "feedstock.optimizer.strategy",
}
_RENAMED = {"write": "write_outputs"}  # public name -> the module's own name


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), _RENAMED.get(name, name))
        globals()[name] = value
        return value
    raise AttributeError(f"module 'feedstock' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "FeedstockError",
    "InfeasibleError",
    "NoPlanError",
    "Problem",
    "Resolver",
    "Result",
    "Scenario",
    "ScenarioError",
    "SolveError",
    "StrategyResult",
    "SweepOptions",
    "UnboundedError",
    "WeekOptions",
    "check_plan",
    "compare",
    "from_tables",
    "load_scenario",
    "pareto",
    "plan_strategy",
    "plan_week",
    "sample_scenario",
    "solve",
    "sweep",
    "write",
    "write_strategy",
]
