"""Persistent re-solve: many variants of a scenario on one built model and one HiGHS.

Building the Pyomo model and handing it to HiGHS is most of a solve's time on
a large scenario. A :class:`Resolver` keeps the model of its last solve, built
with mutable parameters (``models.numbers``), and the persistent HiGHS
interface that holds it. For the next scenario it compares structures
(``models.numbers.structure``): when only numbers differ -- capacities, costs,
prices, penalties, supply that keeps the same lanes busy -- it writes the new
numbers and bounds into the model and re-solves; when the structure differs
(a new site or lane, supply where there was none, a feedstock newly banned,
another horizon) it builds the model again. Either way the plan is the one
a cold :func:`optimizer.solve` would find for that scenario (tests compare).

Before each re-solve HiGHS forgets the last plan and basis, so a variant's
search does not depend on which variants ran before it::

    from optimizer import Resolver, Scenario
    base = Scenario.load("data/uk-2026")
    rs = Resolver()
    for penalty in (0, 1000, 3000):
        r = rs.solve(base.with_overrides({"policy.leakage_penalty_gbp_per_t": penalty}))
        print(penalty, r.objective_gbp, r.solver["model"])  # built, reused, reused
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from models.build import BuiltModel, build_model, update_model
from models.sets import ModelData
from optimizer.network import Network
from optimizer.runners import ClassicRunner, HighsRunner, SolverOptions, runner_for
from optimizer.scenario import Scenario

if TYPE_CHECKING:
    from optimizer.result import Result

log = logging.getLogger(__name__)


class Resolver:
    """Solves scenario after scenario, re-using the model when only numbers change.

    ``built`` and ``reused`` count how often it built a model and how often it
    re-numbered the last one. Not thread-safe: one Resolver per thread or process.
    """

    def __init__(self, *, cuts: bool = True, tee: bool = False):
        self.cuts = cuts
        self.tee = tee
        self.built = 0
        self.reused = 0
        self._model: BuiltModel | None = None
        self._runner: HighsRunner | None = None

    def solve(self, sc: Scenario, *, time_limit: float | None = None,
              gap: float | None = None, threads: int | None = None,
              diagnose: bool = True) -> Result:
        """:func:`optimizer.solving.solve` of ``sc`` on this Resolver's model and solver."""
        from optimizer.solving import solve

        return solve(sc, time_limit=time_limit, gap=gap, threads=threads, tee=self.tee,
                     cuts=self.cuts, diagnose=diagnose, resolver=self)

    def model(self, sc: Scenario, net: Network, data: ModelData) -> tuple[BuiltModel, bool]:
        """The model for ``sc``: the last one re-numbered (True) or a new build (False)."""
        if self._model is not None:
            updated = update_model(self._model, sc, net, data, cuts=self.cuts)
            if updated is not None:
                self._model = updated
                self.reused += 1
                return updated, True
            log.info("the scenario's structure differs from the last model's: building anew")
        self._model = build_model(sc, net, cuts=self.cuts, data=data, mutable=True)
        self.built += 1
        return self._model, False

    def runner(self, opts: SolverOptions) -> HighsRunner | ClassicRunner:
        """The persistent HiGHS runner (kept, with this solve's options); others are new."""
        if opts.name.lower() != "highs":
            return runner_for(opts, self.tee)
        if self._runner is None:
            self._runner = HighsRunner(opts, self.tee)
        self._runner.opts = opts
        return self._runner
