"""Scenario files (a folder of CSVs or one .xlsx workbook) -> a validated, frozen Scenario.

Inside, from the bottom: ``tables`` and ``config`` (what a cell and a key may
hold), ``rules`` (rules across tables), ``raw`` (cells as read), ``load`` and
``excel`` (the readers, one validator), ``overrides`` (what-if keys),
``scenario`` (the frozen Scenario), ``conversion`` (folder <-> workbook).
"""

from feedstock.optimizer.scenario.config import ScenarioConfig
from feedstock.optimizer.scenario.conversion import (
           Conversion,
           convert,
           write_folder,
           write_workbook,
)
from feedstock.optimizer.scenario.scenario import Scenario, from_tables, load_scenario

__all__ = ["Conversion", "Scenario", "ScenarioConfig", "convert", "from_tables", "load_scenario",
           "write_folder", "write_workbook"]
