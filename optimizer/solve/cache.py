"""Persistent re-solve: many variants of a scenario on one built model and one HiGHS.

Building the Pyomo model and handing it to HiGHS take seconds per 100k
variables: a large share of a variant's time when the MIP search is short
(benchmarks/persistent.py). A :class:`Resolver` keeps the models of its last
solves, built with mutable parameters (``feedstock.models.numbers``), each with the
persistent HiGHS interface that holds it. For the next scenario it compares
structures (``feedstock.models.numbers.structure``): when only numbers differ from a kept
model's -- capacities, costs, prices, penalties, supply that keeps the same lanes
busy -- it writes the new numbers and bounds into that model and re-solves;
when the structure differs (a new site or lane, supply where there was none, a
feedstock newly banned, another horizon) it builds the model again. Either way the plan is the one
a cold :func:`feedstock.solve` would find for that scenario (tests compare).

Before each re-solve HiGHS forgets the last plan and basis, so a variant's
search does not depend on which variants ran before it::

    from feedstock import Resolver, Scenario
    base = Scenario.load("data/uk-2026")
    rs = Resolver()
    for penalty in (0, 1000, 3000):
        r = rs.solve(base.with_overrides({"policy.leakage_penalty_gbp_per_t": penalty}))
        print(penalty, r.objective_gbp, r.solver["model"])  # built, reused, reused
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from feedstock.models.build import BuiltModel, build_model, update_model
from feedstock.models.numbers import model_numbers, structure
from feedstock.models.sets import ModelData
from feedstock.optimizer.network import Network
from feedstock.optimizer.solve.runners import ClassicRunner, HighsRunner, SolverOptions, runner_for
from feedstock.optimizer.scenario import Scenario

if TYPE_CHECKING:
    from feedstock.optimizer.results.result import Result

log = logging.getLogger(__name__)


@dataclass
class _Kept:
    """One model the Resolver keeps, with the HiGHS runner that holds it."""

    built: BuiltModel
    runner: HighsRunner | None = None


class Resolver:
    """Solves scenario after scenario, re-using a model when only numbers change.

    It keeps the last ``keep`` models of different structures (each with its own
    HiGHS instance), so a sweep that alternates between a few structures (say,
    wind arisings x1 and x2, which change which lanes can fill a truck) still
    re-uses a model for every variant after the first of each structure.
    ``built`` and ``reused`` count how often it built a model and how often it
    re-numbered one. Not thread-safe: one Resolver per thread or process.
    """

    def __init__(self, *, cuts: bool = True, tee: bool = False, keep: int = 3):
        if keep < 1:
            raise ValueError(f"keep must be at least 1, got {keep}")
        self.cuts = cuts
        self.tee = tee
        self.keep = keep
        self.built = 0
        self.reused = 0
        self._kept: list[_Kept] = []  # most recently used last

    def solve(self, sc: Scenario, *, time_limit: float | None = None,
              gap: float | None = None, threads: int | None = None,
              diagnose: bool = True) -> Result:
        """:func:`feedstock.optimizer.solve.pipeline.solve` of ``sc`` on this Resolver's models and solvers."""
        from feedstock.optimizer.solve.pipeline import solve

        return solve(sc, time_limit=time_limit, gap=gap, threads=threads, tee=self.tee,
                     cuts=self.cuts, diagnose=diagnose, resolver=self)

    def model(self, sc: Scenario, net: Network, data: ModelData) -> tuple[BuiltModel, bool]:
        """The model for ``sc``: a kept one re-numbered (True) or a new build (False)."""
        numbers = model_numbers(data, sc.feedstocks, cuts=self.cuts)
        signature = structure(data, numbers)
        for i, kept in enumerate(self._kept):
            if kept.built.signature != signature:
                continue
            updated = update_model(kept.built, sc, net, data, cuts=self.cuts, numbers=numbers)
            if updated is not None:
                kept.built = updated
                self._kept.append(self._kept.pop(i))
                self.reused += 1
                return updated, True
        if self._kept:
            log.info("no kept model has this scenario's structure: building anew")
        built = build_model(sc, net, cuts=self.cuts, data=data, mutable=True)
        self._kept.append(_Kept(built))
        del self._kept[:-self.keep]
        self.built += 1
        return built, False

    def runner(self, opts: SolverOptions) -> HighsRunner | ClassicRunner:
        """The HiGHS runner of the model last returned (kept, with this solve's options).

        Another solver gets a new runner each time (no persistent interface).
        """
        if opts.name.lower() != "highs":
            return runner_for(opts, self.tee)
        current = self._kept[-1]
        if current.runner is None:
            current.runner = HighsRunner(opts, self.tee)
        current.runner.opts = opts
        return current.runner
