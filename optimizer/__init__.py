"""Planning solver for the UK's rare-earth magnet recycling chain.

Pipeline: files -> :func:`load_scenario` (validated, frozen) -> network (arcs)
-> Pyomo model (``models``) -> :func:`solve` -> :class:`Result` (tables, KPIs).
"""

from optimizer.errors import (
    FeedstockError,
    InfeasibleError,
    NoPlanError,
    Problem,
    ScenarioError,
    UnboundedError,
)
from optimizer.scenario import Scenario, from_tables, load_scenario

__all__ = [
    "FeedstockError",
    "InfeasibleError",
    "NoPlanError",
    "Problem",
    "Scenario",
    "ScenarioError",
    "UnboundedError",
    "from_tables",
    "load_scenario",
]
