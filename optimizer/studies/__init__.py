"""What-if studies over many variants of a scenario: sweeps and the cost-leakage frontier."""

from feedstock.optimizer.studies.pareto import Frontier, pareto
from feedstock.optimizer.studies.sweep import SweepOptions, grid_from_params, sweep, variants

__all__ = ["Frontier", "SweepOptions", "grid_from_params", "pareto", "sweep", "variants"]
