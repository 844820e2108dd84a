"""Strategic planning: what to build, where and when, over years (``feedstock strategy``).

``plan_strategy(scenario)`` solves the ``[strategy]`` years through the one
pipeline and returns a :class:`StrategyResult`; ``write_strategy`` writes its
files (builds.csv, capacity.csv, ..., measures.json, commitments.csv,
strategy.png, report.html).
"""

from feedstock.optimizer.strategy.plan import StrategyResult, plan_strategy
from feedstock.optimizer.strategy.write import write_strategy

__all__ = ["StrategyResult", "plan_strategy", "write_strategy"]
