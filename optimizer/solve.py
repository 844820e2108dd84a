"""Build the model, hand it to HiGHS, and turn the outcome into a Result or a typed error.

HiGHS is driven through Pyomo's persistent interface (``pyomo.contrib.solver``,
name ``highs``): the same solver object re-solves the fixed-integer LP that
gives marginal values, without rebuilding anything. Other Pyomo solver names go
through the classic ``SolverFactory``.
"""

from __future__ import annotations

import io
import logging
import math
import sys
import time
from dataclasses import dataclass
from typing import Any

import pyomo.environ as pyo

from models import BuiltModel, build_model
from optimizer.errors import (
    InfeasibleError,
    NoPlanError,
    SolveError,
    SolverUnavailableError,
    UnboundedError,
)
from optimizer.network import build_network
from optimizer.result import Result, make_result
from optimizer.scenario import Scenario

log = logging.getLogger(__name__)

INTEGER_VARS = ("n", "y", "z", "w", "u")


@dataclass(frozen=True)
class SolverOptions:
    """What the solver is asked to do (from scenario.toml, overridable per run)."""

    name: str
    time_limit_s: float
    mip_rel_gap: float
    threads: int
    seed: int

    @classmethod
    def from_scenario(cls, sc: Scenario, *, time_limit: float | None = None,
                      gap: float | None = None, threads: int | None = None) -> SolverOptions:
        """Scenario options with any run-time overrides applied."""
        cfg = sc.config.solver
        return cls(name=cfg.name,
                   time_limit_s=cfg.time_limit_s if time_limit is None else time_limit,
                   mip_rel_gap=cfg.mip_rel_gap if gap is None else gap,
                   threads=cfg.threads if threads is None else threads, seed=cfg.seed)


@dataclass(frozen=True)
class Outcome:
    """What the solver reported, before any table is made."""

    status: str  # optimal | feasible | infeasible | unbounded | time_limit | error
    objective: float | None
    bound: float | None
    seconds: float
    detail: str
    solver: str


def solve(sc: Scenario, *, time_limit: float | None = None, gap: float | None = None,
          threads: int | None = None, tee: bool = False, cuts: bool = True) -> Result:
    """Plan the scenario; return a Result with a plan, or raise a typed :class:`SolveError`.

    ``status`` of the result is ``optimal`` (proved within the gap) or
    ``feasible`` (stopped, e.g. at the time limit, with a plan whose gap the
    result states). Infeasible -> :class:`InfeasibleError`, unbounded ->
    :class:`UnboundedError`, no plan in time -> :class:`NoPlanError`.
    ``cuts=False`` leaves out the valid inequalities of ``models.cuts`` (same
    optimum, weaker LP): for checking exactly that.
    """
    opts = SolverOptions.from_scenario(sc, time_limit=time_limit, gap=gap, threads=threads)
    start = time.perf_counter()
    built = build_model(sc, build_network(sc), cuts=cuts)
    build_seconds = time.perf_counter() - start
    runner = _runner(opts, tee)
    outcome = runner.solve_mip(built.model)
    _raise_if_no_plan(outcome, opts)
    values = _values(built.model)
    marginals = runner.marginal_duals(built.model)
    return make_result(sc, built, values, marginals, status=outcome.status,
                       objective=outcome.objective, bound=outcome.bound,
                       build_seconds=build_seconds, solve_seconds=outcome.seconds,
                       solver={"name": outcome.solver, **opts.__dict__})


def _raise_if_no_plan(outcome: Outcome, opts: SolverOptions) -> None:
    if outcome.status in ("optimal", "feasible"):
        return
    if outcome.status == "infeasible":
        raise InfeasibleError(
            "No plan meets every rule at once (the solver proved it). Common causes: a "
            "leakage cap or offtake commitment that plant capacity cannot absorb, blend rules "
            "no reachable feed meets, storage too small for the stock that must wait, or too "
            "few ferry slots for what must cross to Belfast.")
    if outcome.status == "unbounded":
        raise UnboundedError(
            "The cost can fall without limit: some activity earns money with no capacity "
            "bound (check for a negative net cost with unlimited capacity).")
    if outcome.status == "time_limit":
        raise NoPlanError(
            f"No plan found within the time limit of {opts.time_limit_s:g} s "
            f"({outcome.detail}). Give the solver more time (--time-limit) or a looser gap.")
    raise SolveError(f"The solver stopped without a plan: {outcome.detail}")


def _values(m: pyo.ConcreteModel) -> dict[str, dict]:
    """Solved values of every variable, by variable name and index."""
    out = {}
    for name in ("x", "n", "y", "z", "w", "s", "q", "u", "e"):
        var = getattr(m, name)
        out[name] = {k: (0.0 if v.value is None else float(v.value)) for k, v in var.items()}
    out["cost_lines"] = {k: float(pyo.value(m.cost[k])) for k in m.LINES}
    return out


# ---------------------------------------------------------------- runners

def _runner(opts: SolverOptions, tee: bool) -> _HighsRunner | _LegacyRunner:
    if opts.name.lower() == "highs":
        return _HighsRunner(opts, tee)
    return _LegacyRunner(opts, tee)


class _HighsRunner:
    """HiGHS through Pyomo's persistent interface."""

    def __init__(self, opts: SolverOptions, tee: bool):
        from pyomo.contrib.solver.common.factory import SolverFactory

        self.opts = opts
        # Fixed variables as bounds, not parameters: fixing every integer for the
        # dual re-solve then changes column bounds instead of rebuilding each row.
        self.solver = SolverFactory("highs", treat_fixed_vars_as_params=False)
        self.highs_seconds = 0.0
        if not self.solver.available():
            raise SolverUnavailableError("HiGHS is not available: pip install highspy")
        self.tee = tee
        self.version = ".".join(map(str, self.solver.version()))

    def _config(self, **extra: Any) -> dict[str, Any]:
        options = {"random_seed": self.opts.seed, "mip_rel_gap": self.opts.mip_rel_gap}
        options.update(extra)
        # HiGHS's clock runs on across re-solves of the same model: the limit counts
        # from the time it has already used.
        cfg: dict[str, Any] = {
            "load_solutions": False, "raise_exception_on_nonoptimal_result": False,
            "time_limit": self.highs_seconds + self.opts.time_limit_s, "solver_options": options,
            "tee": [_LogStream()] + ([sys.stderr] if self.tee else []),
        }
        if self.opts.threads:
            cfg["threads"] = self.opts.threads
        return cfg

    def solve_mip(self, m: pyo.ConcreteModel) -> Outcome:
        """Solve the MIP; load the incumbent if there is one."""
        from pyomo.contrib.solver.common.results import SolutionStatus

        start = time.perf_counter()
        res = self._run(m)
        status = self._status(res)
        if status == "infeasible_or_unbounded":
            res = self._run(m, presolve="off")
            status = self._status(res)
        seconds = time.perf_counter() - start
        if res.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible):
            res.solution_loader.load_vars()
        return Outcome(status=status, objective=res.incumbent_objective,
                       bound=res.objective_bound, seconds=seconds,
                       detail=str(res.termination_condition.name),
                       solver=f"highs {self.version}")

    def _run(self, m: pyo.ConcreteModel, **extra: Any) -> Any:
        res = self.solver.solve(m, **self._config(**extra))
        self.highs_seconds = float(res.timing_info.highs_time)
        return res

    def _status(self, res: Any) -> str:
        from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition

        tc = res.termination_condition
        has_plan = res.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible)
        if tc == TerminationCondition.convergenceCriteriaSatisfied and has_plan:
            return "optimal"
        if tc == TerminationCondition.provenInfeasible:
            return "infeasible"
        if tc == TerminationCondition.unbounded:
            return "unbounded"
        if tc == TerminationCondition.infeasibleOrUnbounded:
            return "infeasible_or_unbounded"
        if has_plan:
            return "feasible"
        if tc in (TerminationCondition.maxTimeLimit, TerminationCondition.iterationLimit):
            return "time_limit"
        return "error"

    def marginal_duals(self, m: pyo.ConcreteModel) -> dict[str, dict]:
        """Duals of capacity rows from the LP with every integer fixed at its value."""
        from pyomo.contrib.solver.common.results import TerminationCondition

        fix_integers(m)
        # Interior point + crossover: presolve removes the fixed columns, whereas
        # simplex would start from the MIP's root basis and crawl.
        res = self._run(m, solver="ipm", run_crossover="on")
        if res.termination_condition != TerminationCondition.convergenceCriteriaSatisfied:
            log.warning("fixed-integer LP did not solve (%s): no marginal values",
                        res.termination_condition.name)
            return {}
        rows = [c for name in ("plant_capacity", "trip_payload")
                for c in getattr(m, name).values()]
        duals = res.solution_loader.get_duals(rows)
        return {name: {k: float(duals[c]) for k, c in getattr(m, name).items()}
                for name in ("plant_capacity", "trip_payload")}


class _LegacyRunner:
    """Any other Pyomo solver, through the classic SolverFactory."""

    def __init__(self, opts: SolverOptions, tee: bool):
        self.opts = opts
        self.solver = pyo.SolverFactory(opts.name)
        if self.solver is None or not self.solver.available(exception_flag=False):
            raise SolverUnavailableError(
                f"solver {opts.name!r} is not available to Pyomo; use name = \"highs\"")
        self.tee = tee

    def solve_mip(self, m: pyo.ConcreteModel) -> Outcome:
        """Solve the MIP with the classic interface."""
        from pyomo.opt import SolverStatus
        from pyomo.opt import TerminationCondition as TC

        start = time.perf_counter()
        res = self.solver.solve(m, tee=self.tee, load_solutions=False,
                                timelimit=self.opts.time_limit_s)
        seconds = time.perf_counter() - start
        tc = res.solver.termination_condition
        has_plan = len(res.solution) > 0 and res.solver.status != SolverStatus.aborted
        if has_plan:
            m.solutions.load_from(res)
        status = ("optimal" if tc == TC.optimal else "infeasible" if tc == TC.infeasible
                  else "unbounded" if tc == TC.unbounded else "feasible" if has_plan
                  else "time_limit" if tc == TC.maxTimeLimit else "error")
        obj = pyo.value(m.total_cost) if has_plan else None
        bound = res.problem.lower_bound if res.problem.lower_bound is not None else obj
        if bound is not None and not math.isfinite(float(bound)):
            bound = obj
        return Outcome(status, obj, bound, seconds, str(tc), self.opts.name)

    def marginal_duals(self, m: pyo.ConcreteModel) -> dict[str, dict]:
        """Duals from the fixed-integer LP, if this solver reports them."""
        fix_integers(m)
        m.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
        try:
            self.solver.solve(m, tee=self.tee)
        except Exception as exc:  # a solver without duals must not lose the plan
            log.warning("no marginal values from %s: %s", self.opts.name, exc)
            return {}
        return {name: {k: float(m.dual.get(c, 0.0)) for k, c in getattr(m, name).items()}
                for name in ("plant_capacity", "trip_payload")}


def fix_integers(m: pyo.ConcreteModel) -> None:
    """Fix every integer and binary variable at its rounded value and make it continuous."""
    for name in INTEGER_VARS:
        for v in getattr(m, name).values():
            if v.is_continuous():
                continue
            value = round(v.value or 0.0)
            v.domain = pyo.Reals
            v.fix(value)


class _LogStream(io.TextIOBase):
    """Sends the solver's log to this module's logger at DEBUG level, line by line."""

    def write(self, text: str) -> int:
        for line in text.splitlines():
            if line.strip():
                log.debug("highs: %s", line)
        return len(text)


def solve_built(built: BuiltModel, opts: SolverOptions) -> Outcome:
    """Solve an already built model (benchmarks measure build and solve apart)."""
    return _runner(opts, tee=False).solve_mip(built.model)
