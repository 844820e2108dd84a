"""Scenario files -> validated, frozen :class:`Scenario` (DATA.md)."""

from optimizer.scenario.config import ScenarioConfig
from optimizer.scenario.load import from_tables, load_scenario
from optimizer.scenario.scenario import Scenario

__all__ = ["Scenario", "ScenarioConfig", "from_tables", "load_scenario"]
