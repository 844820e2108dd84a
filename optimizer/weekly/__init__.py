"""Unattended weekly planning: chain one week's run to the next, never half-write a folder.

``plan_week(scenario_dir, "2026-W49", runs_dir="runs")`` plans the horizon
starting that week from the previous week's run (or a stock-take) and
publishes ``runs/2026-W49/`` whole; see :mod:`feedstock.optimizer.weekly.run`.
"""

from feedstock.optimizer.weekly.run import WeekOptions, WeekRun, plan_week

__all__ = ["WeekOptions", "WeekRun", "plan_week"]
