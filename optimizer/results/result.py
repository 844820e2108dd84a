"""One Result per solve: status, cost lines, tidy tables and KPIs (docs/results.md).

The Result is frozen and hands out copies of its tables: a caller can change a
table it was given, never the Result another caller reads. Writing it to files
is a later stage: ``feedstock.write(result, folder)``
(``feedstock.optimizer.outputs.writers``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from feedstock.models.build import BuiltModel
from feedstock.models.objective import COST_LINES
from feedstock.optimizer.results.kpis import kpis
from feedstock.optimizer.results.tables import build_tables
from feedstock.optimizer.scenario import Scenario


@dataclass(frozen=True, eq=False)
class Result:
    """A solved plan: ``optimal``, ``within_gap`` or ``feasible`` (see ``solve``)."""

    scenario: str
    status: str
    objective_gbp: float
    bound_gbp: float
    gap: float
    cost_lines_gbp: Mapping[str, float]
    kpi_values: Mapping[str, Any]
    _tables: Mapping[str, pd.DataFrame] = field(repr=False)
    build_seconds: float
    solve_seconds: float
    dual_seconds: float
    solver: Mapping[str, Any]
    model_size: Mapping[str, int]
    weeks: tuple[str, ...]
    notes: tuple[str, ...] = ()
    period_weeks: tuple[float, ...] = ()
    """Weeks in each period (``weeks`` are then years or quarters); empty: one week each."""
    source: Scenario | None = field(default=None, repr=False)
    """The scenario this plan is for (frozen); ``feedstock.write`` needs its sites and rules."""

    def __post_init__(self) -> None:
        for name in ("cost_lines_gbp", "kpi_values", "solver", "model_size"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))
        object.__setattr__(self, "_tables", MappingProxyType(
            {k: v.copy() for k, v in self._tables.items()}))

    def table(self, name: str) -> pd.DataFrame:
        """A copy of one result table (see docs/results.md)."""
        return self._tables[name].copy()

    def __getstate__(self) -> dict[str, Any]:
        """Picklable (worker processes, Dask): read-only views as plain dicts."""
        return {k: dict(v) if isinstance(v, MappingProxyType) else v
                for k, v in self.__dict__.items()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for k, v in state.items():
            object.__setattr__(self, k, v)
        self.__post_init__()

    @property
    def strategic(self) -> bool:
        """Whether the periods are years or quarters (a ``feedstock strategy`` plan)."""
        return any(w > 1 for w in self.period_weeks)

    def weeks_in(self, label: str) -> float:
        """Weeks in the period labelled ``label`` (1 in a weekly plan)."""
        if not self.period_weeks:
            return 1.0
        return self.period_weeks[self.weeks.index(label)]

    @property
    def kpis(self) -> pd.Series:
        """The KPIs of docs/model.md by name (a copy; some values are dicts by sector or week)."""
        return pd.Series(dict(self.kpi_values), name="kpi", dtype=object)

    @property
    def cost_lines(self) -> pd.Series:
        """The objective's lines, GBP (they add up to ``objective_gbp``)."""
        return pd.Series(dict(self.cost_lines_gbp), name="cost_gbp", dtype=float)

    @property
    def overrides(self) -> tuple[Mapping[str, str], ...]:
        """What-if overrides of the scenario this plan is for."""
        return () if self.source is None else tuple(self.source.overrides)

    @property
    def tables(self) -> Mapping[str, pd.DataFrame]:
        """Copies of every result table, by name."""
        return MappingProxyType({k: self.table(k) for k in self._tables})

    @property
    def flows(self) -> pd.DataFrame:
        """Tonnes per arc, feedstock and week, with the arc's trips."""
        return self.table("flows")

    @property
    def lane_weeks(self) -> pd.DataFrame:
        """Trips, tonnes and load factor per arc and week."""
        return self.table("lane_weeks")

    @property
    def plants(self) -> pd.DataFrame:
        """Feed, capacity, utilisation and output per plant and week."""
        return self.table("plants")

    @property
    def plant_feed(self) -> pd.DataFrame:
        """Feed and output per plant, feedstock and week."""
        return self.table("plant_feed")

    @property
    def plant_output(self) -> pd.DataFrame:
        """Tonnes (and value) of each product per plant, feedstock and week."""
        return self.table("plant_output")

    @property
    def stock(self) -> pd.DataFrame:
        """End-of-week stock per site and feedstock."""
        return self.table("stock")

    @property
    def leakage(self) -> pd.DataFrame:
        """Tonnes sold abroad per outlet, feedstock and week."""
        return self.table("leakage")

    @property
    def decisions(self) -> pd.DataFrame:
        """Lane contracts, hub openings and expansions: chosen or not."""
        return self.table("decisions")

    @property
    def marginal_values(self) -> pd.DataFrame:
        """GBP per extra t/week of plant and lane capacity, per week."""
        return self.table("marginal_values")

    @property
    def arcs(self) -> pd.DataFrame:
        """The network the plan was made on."""
        return self.table("arcs")

    def summary(self) -> dict[str, Any]:
        """Everything of the run that fits in summary.json."""
        return {
            "scenario": self.scenario,
            "status": self.status,
            "objective_gbp": round(self.objective_gbp, 2),
            "bound_gbp": round(self.bound_gbp, 2),
            "gap": round(self.gap, 6),
            "cost_lines_gbp": {k: round(v, 2) for k, v in self.cost_lines_gbp.items()},
            "kpis": _jsonable(self.kpi_values),
            "build_seconds": round(self.build_seconds, 3),
            "solve_seconds": round(self.solve_seconds, 3),
            "dual_seconds": round(self.dual_seconds, 3),
            "time_to_first_plan_s": _jsonable(self.solver.get("first_plan_seconds")),
            "weeks": [self.weeks[0], self.weeks[-1]],
            "solver": _jsonable(self.solver),
            "model_size": dict(self.model_size),
            "notes": list(self.notes),
            "overrides": [dict(o) for o in self.overrides],
        }


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.integer | np.bool_):
        return obj.item()
    if isinstance(obj, float | np.floating):
        return None if not np.isfinite(obj) else round(float(obj), 6)
    return obj


def gap_of(objective: float, bound: float) -> float:
    """Relative gap |objective - bound| / max(|objective|, 1)."""
    return abs(objective - bound) / max(abs(objective), 1.0)


def make_result(sc: Scenario, built: BuiltModel, values: dict[str, dict],
                duals: dict[str, dict], *, status: str, objective: float | None,
                bound: float | None, seconds: Mapping[str, float],
                solver: dict[str, Any], notes: tuple[str, ...] = ()) -> Result:
    """Assemble the Result from solved values (and fixed-integer LP duals)."""
    tables = build_tables(sc, built, values, duals)
    lines = {k: values["cost_lines"][k] for k in COST_LINES}
    obj = float(objective if objective is not None else sum(lines.values()))
    bnd = float(bound) if bound is not None and np.isfinite(bound) else obj
    return Result(
        scenario=sc.name, status=status, objective_gbp=obj, bound_gbp=bnd,
        gap=gap_of(obj, bnd), cost_lines_gbp=lines,
        kpi_values=kpis(sc, built.data, tables, sum(lines.values())), _tables=tables,
        build_seconds=seconds["build"], solve_seconds=seconds["solve"],
        dual_seconds=seconds["duals"], solver=solver, model_size=built.size,
        weeks=built.data.weeks, notes=(*sc.notes, *notes),
        period_weeks=tuple(built.data.period_weeks[t] for t in range(1, built.data.horizon + 1)),
        source=sc)
