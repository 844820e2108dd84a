"""``plan_strategy``: what to build, where and when, over the ``[strategy]`` years.

One future (this module): the deterministic build-over-time model, solved
through the one pipeline (:func:`feedstock.optimizer.solve.pipeline.solve` with
``strategic=True``): every constraint family of the weekly model with the
period a year (or quarter), plus the build decisions of
``feedstock.models.build_choice``. The result is a :class:`StrategyResult`:
the solved :class:`Result` (whose tables the independent checker re-checks) and
the per-year tables a planner reads.

>>> from feedstock import load_scenario, plan_strategy
>>> s = plan_strategy(load_scenario("data/uk-2035"))
>>> s.builds[["site_id", "option", "decided_year", "online_from"]]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TextIO

import pandas as pd

from feedstock.optimizer.results.result import Result
from feedstock.optimizer.scenario import Scenario
from feedstock.optimizer.solve.pipeline import solve
from feedstock.optimizer.strategy import tables

REFERENCE = "base"  # the one future's name while futures.toml is not given


@dataclass(frozen=True, eq=False)
class StrategyResult:
    """A strategic plan: the solved Result and its tidy per-year tables (units in column names)."""

    result: Result
    builds: pd.DataFrame
    capacity: pd.DataFrame
    flows_by_year: pd.DataFrame
    leakage_by_year: pd.DataFrame
    cost_by_year: pd.DataFrame
    commitments: pd.DataFrame
    measures: dict[str, Any] = field(default_factory=dict)

    @property
    def scenario(self) -> Scenario:
        """The scenario as the strategic run read it (continuous trips, transit inside a year)."""
        assert self.result.source is not None
        return self.result.source

    @property
    def years(self) -> list[int]:
        """The calendar years of the horizon."""
        s = self.scenario.config.strategy
        return list(range(s.first_year, s.last_year + 1))

    @property
    def objective_gbp(self) -> float:
        """Discounted cost over the horizon, GBP (negative: the chain earns)."""
        return self.result.objective_gbp


def plan_strategy(sc: Scenario, *, time_limit: float | None = None, gap: float | None = None,
                  threads: int | None = None, progress: bool | TextIO | None = None
                  ) -> StrategyResult:
    """Solve the strategic model of ``sc`` (it needs ``[strategy]`` in scenario.toml).

    Raises as :func:`feedstock.solve` does: :class:`InfeasibleError` with the
    elastic diagnosis, :class:`NoPlanError`, ... never a plan that is not one.
    """
    if sc.config.strategy is None:
        raise ValueError(f"{sc.name}: scenario.toml has no [strategy] table, so there are no "
                         "years to plan (docs/scenario-format.md, Strategic planning)")
    r = solve(sc, time_limit=time_limit, gap=gap, threads=threads, progress=progress,
              strategic=True)
    src = r.source
    assert src is not None
    builds = tables.builds(src, r)
    return StrategyResult(
        result=r, builds=builds, capacity=tables.capacity(src, r),
        flows_by_year=tables.flows_by_year(src, r),
        leakage_by_year=tables.leakage_by_year(src, r),
        cost_by_year=tables.cost_by_year(src, r), commitments=tables.commitments(src, r),
        measures=measures(src, r, builds))


def measures(sc: Scenario, r: Result, builds: pd.DataFrame) -> dict[str, Any]:
    """measures.json: RP, EEV, VSS, WS, EVPI of docs/results.md for one future.

    With one future (probability 1) the stochastic program is the deterministic
    model: RP = EEV = WS = its cost, so VSS = EVPI = 0 exactly, by definition.
    """
    s = sc.config.strategy
    commit = s.commit_until if s.commit_until is not None else s.first_year
    first = builds[builds["decided_year"] <= commit]
    cost = float(r.objective_gbp)
    return {
        "status": r.status, "gap": float(r.gap), "bound_gbp": float(r.bound_gbp),
        "rp_gbp": cost, "eev_gbp": cost, "vss_gbp": 0.0, "ws_gbp": cost, "evpi_gbp": 0.0,
        "futures": {REFERENCE: {"probability": 1.0, "cost_gbp": cost}},
        "reference": REFERENCE, "commit_until": commit,
        "first_stage": [{"option": o, "site_id": site, "year": int(y)} for site, o, y in
                        zip(first["site_id"], first["option"], first["decided_year"],
                            strict=True)],
        "discount_rate": s.discount_rate, "years": [s.first_year, s.last_year],
    }
