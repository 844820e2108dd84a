"""Scenario files (a folder of CSVs or one .xlsx workbook) -> a validated, frozen Scenario."""

from optimizer.scenario.config import ScenarioConfig
from optimizer.scenario.excel import convert, write_workbook
from optimizer.scenario.load import Conversion, from_tables, load_scenario, write_folder
from optimizer.scenario.scenario import Scenario

__all__ = ["Conversion", "Scenario", "ScenarioConfig", "convert", "from_tables", "load_scenario",
           "write_folder", "write_workbook"]
