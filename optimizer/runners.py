"""Solver runners: hand a built model to a solver and say plainly what came back.

HiGHS is driven through Pyomo's persistent interface (``pyomo.contrib.solver``,
name ``highs``): the same solver object re-solves the fixed-integer LP that gives
marginal values, without rebuilding anything. Any other Pyomo solver name goes
through the classic ``SolverFactory``. Both report a :class:`Outcome` whose
``termination`` is one of a few words, so the status logic lives in one place.
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

from optimizer.errors import SolverUnavailableError

log = logging.getLogger(__name__)

INTEGER_VARS = ("n", "y", "z", "w", "u")
DUAL_ROWS = ("plant_capacity", "trip_payload", "lane_slots")
# termination words: converged | time_limit | infeasible | unbounded |
#                    infeasible_or_unbounded | error


@dataclass(frozen=True)
class SolverOptions:
    """What the solver is asked to do (scenario.toml [solver], overridable per run)."""

    name: str
    time_limit_s: float
    mip_rel_gap: float
    threads: int
    seed: int


@dataclass(frozen=True)
class Outcome:
    """What the solver reported, before any table is made."""

    termination: str
    has_plan: bool
    objective: float | None
    bound: float | None
    seconds: float
    detail: str
    solver: str


def runner_for(opts: SolverOptions, tee: bool = False) -> HighsRunner | ClassicRunner:
    """The runner for the configured solver name."""
    if opts.name.lower() == "highs":
        return HighsRunner(opts, tee)
    return ClassicRunner(opts, tee)


class HighsRunner:
    """HiGHS through Pyomo's persistent interface."""

    def __init__(self, opts: SolverOptions, tee: bool = False):
        from pyomo.contrib.solver.common.factory import SolverFactory

        self.opts = opts
        # Fixed variables as bounds, not parameters: fixing every integer for the
        # dual re-solve then changes column bounds instead of rebuilding each row.
        self.solver = SolverFactory("highs", treat_fixed_vars_as_params=False)
        if not self.solver.available():
            raise SolverUnavailableError("HiGHS is not available: pip install highspy")
        self.tee = tee
        self.version = ".".join(map(str, self.solver.version()))
        self.highs_seconds = 0.0  # HiGHS's own clock, which runs on across re-solves

    def solve_mip(self, m: pyo.ConcreteModel) -> Outcome:
        """Solve the MIP; load the incumbent if there is one."""
        start = time.perf_counter()
        res = self._run(m, self.opts.time_limit_s)
        term = self._termination(res)
        if term == "infeasible_or_unbounded":  # presolve could not tell which
            res = self._run(m, self.opts.time_limit_s, presolve="off")
            term = self._termination(res)
        plan = self._has_plan(res)
        if plan:
            res.solution_loader.load_vars()
        return Outcome(term, plan, res.incumbent_objective, res.objective_bound,
                       time.perf_counter() - start, res.termination_condition.name,
                       f"highs {self.version}")

    def marginal_duals(self, m: pyo.ConcreteModel) -> dict[str, dict]:
        """Duals of capacity rows from the LP with every integer fixed at its value."""
        fix_integers(m)
        # Interior point + crossover: presolve removes the fixed columns, whereas
        # simplex would restart from the MIP's root basis and crawl.
        budget = max(10.0, 0.25 * self.opts.time_limit_s)
        res = self._run(m, budget, solver="ipm", run_crossover="on")
        if self._termination(res) != "converged":
            log.warning("fixed-integer LP did not solve (%s): no marginal values",
                        res.termination_condition.name)
            return {}
        rows = [c for name in DUAL_ROWS for c in getattr(m, name).values()]
        duals = res.solution_loader.get_duals(rows)
        return {name: {k: float(duals[c]) for k, c in getattr(m, name).items()}
                for name in DUAL_ROWS}

    def _run(self, m: pyo.ConcreteModel, seconds: float, **extra: Any) -> Any:
        options = {"random_seed": self.opts.seed, "mip_rel_gap": self.opts.mip_rel_gap, **extra}
        cfg: dict[str, Any] = {
            "load_solutions": False, "raise_exception_on_nonoptimal_result": False,
            # HiGHS compares its limit with its clock since the model was loaded
            "time_limit": self.highs_seconds + seconds, "solver_options": options,
            "tee": [_LogStream()] + ([sys.stderr] if self.tee else []),
        }
        if self.opts.threads:
            cfg["threads"] = self.opts.threads
        res = self.solver.solve(m, **cfg)
        self.highs_seconds = float(res.timing_info.highs_time)
        return res

    @staticmethod
    def _has_plan(res: Any) -> bool:
        from pyomo.contrib.solver.common.results import SolutionStatus

        return res.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible)

    @staticmethod
    def _termination(res: Any) -> str:
        from pyomo.contrib.solver.common.results import TerminationCondition as TC

        words = {TC.convergenceCriteriaSatisfied: "converged", TC.maxTimeLimit: "time_limit",
                 TC.iterationLimit: "time_limit", TC.objectiveLimit: "time_limit",
                 TC.provenInfeasible: "infeasible", TC.locallyInfeasible: "infeasible",
                 TC.unbounded: "unbounded",
                 TC.infeasibleOrUnbounded: "infeasible_or_unbounded"}
        return words.get(res.termination_condition, "error")


# classic solver option names for the gap and threads, by solver
_CLASSIC_OPTIONS = {
    "appsi_highs": ("mip_rel_gap", "threads"), "cbc": ("ratioGap", "threads"),
    "glpk": ("mipgap", None), "gurobi": ("MIPGap", "Threads"), "cplex": ("mipgap", "threads"),
    "scip": ("limits/gap", "parallel/maxnthreads"), "xpress": ("miprelstop", "threads"),
}


class ClassicRunner:
    """Any other Pyomo solver, through the classic SolverFactory."""

    def __init__(self, opts: SolverOptions, tee: bool = False):
        self.opts = opts
        self.solver = pyo.SolverFactory(opts.name)
        if self.solver is None or not self.solver.available(exception_flag=False):
            raise SolverUnavailableError(
                f"solver {opts.name!r} is not available to Pyomo; use name = \"highs\"")
        self.tee = tee

    def _options(self) -> dict[str, Any]:
        gap_name, threads_name = _CLASSIC_OPTIONS.get(self.opts.name.lower(), (None, None))
        if gap_name is None:
            log.warning("do not know how to pass mip_rel_gap to %s; using its default",
                        self.opts.name)
        options: dict[str, Any] = {gap_name: self.opts.mip_rel_gap} if gap_name else {}
        if threads_name and self.opts.threads:
            options[threads_name] = self.opts.threads
        return options

    def solve_mip(self, m: pyo.ConcreteModel) -> Outcome:
        """Solve the MIP with the classic interface."""
        from pyomo.opt import SolverStatus
        from pyomo.opt import TerminationCondition as TC

        start = time.perf_counter()
        res = self.solver.solve(m, tee=self.tee, load_solutions=False,
                                timelimit=self.opts.time_limit_s, options=self._options())
        seconds = time.perf_counter() - start
        tc = res.solver.termination_condition
        plan = len(res.solution) > 0 and res.solver.status != SolverStatus.aborted
        if plan:
            m.solutions.load_from(res)
        words = {TC.optimal: "converged", TC.maxTimeLimit: "time_limit",
                 TC.maxIterations: "time_limit", TC.infeasible: "infeasible",
                 TC.unbounded: "unbounded", TC.infeasibleOrUnbounded: "infeasible_or_unbounded"}
        obj = pyo.value(m.total_cost) if plan else None
        bound = res.problem.lower_bound
        if bound is None or not math.isfinite(float(bound)):
            bound = obj if tc == TC.optimal else None
        return Outcome(words.get(tc, "error"), plan, obj, bound, seconds, str(tc),
                       self.opts.name)

    def marginal_duals(self, m: pyo.ConcreteModel) -> dict[str, dict]:
        """Duals from the fixed-integer LP, if this solver reports them."""
        from pyomo.opt import TerminationCondition as TC

        fix_integers(m)
        m.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
        try:
            res = self.solver.solve(m, tee=self.tee, timelimit=max(10.0, self.opts.time_limit_s))
        except Exception as exc:  # a solver without duals must not lose the plan
            log.warning("no marginal values from %s: %s", self.opts.name, exc)
            return {}
        if res.solver.termination_condition != TC.optimal or len(m.dual) == 0:
            log.warning("no marginal values from %s (%s)", self.opts.name,
                        res.solver.termination_condition)
            return {}
        return {name: {k: float(m.dual[c]) for k, c in getattr(m, name).items() if c in m.dual}
                for name in DUAL_ROWS}


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
