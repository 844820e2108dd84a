"""Solver runners: hand a built model to a solver and say plainly what came back.

HiGHS is driven through Pyomo's persistent interface (``pyomo.contrib.solver``,
name ``highs``): the same solver object re-solves the fixed-integer LP that gives
marginal values, without rebuilding anything. Any other Pyomo solver name goes
through the classic ``SolverFactory``. Both report a :class:`Outcome` whose
``termination`` is one of a few words, so the status logic lives in one place.
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
import sys
import time
from dataclasses import dataclass
from typing import Any

import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from feedstock.models.registry import dual_rows
from feedstock.optimizer.base.errors import SolverUnavailableError
from feedstock.optimizer.solve.highs_columns import integers_relaxed
from feedstock.optimizer.solve.highs_push import AUTO_UPDATES, ParamIndex, clear_pending
from feedstock.optimizer.solve.progress import SolveProgress, watch_highs

log = logging.getLogger(__name__)

INTEGER_VARS = ("n", "y", "z", "w", "u")
# the fixed-integer LP (marginal values) runs at least this long even when the
# search used the whole limit: warm-started it takes 0.1 s at 500 sources (measured)
DUAL_LP_FLOOR_S = 5.0
_RUN_DEFAULTS = {"solver": "choose", "presolve": "choose", "run_crossover": "on"}
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
    """What the solver reported, before any table is made.

    ``first_plan_seconds``: solver time until its first plan (None: none, or the
    solver does not say). ``load_seconds``: of ``seconds``, the hand-off of the
    model to the solver, or of the changed numbers on a persistent re-solve.
    ``warm_start``: what happened to a MIP start offered (None: none offered).
    """

    termination: str
    has_plan: bool
    objective: float | None
    bound: float | None
    seconds: float
    detail: str
    solver: str
    first_plan_seconds: float | None = None
    warm_start: dict | None = None
    load_seconds: float | None = None  # handing the model to the solver (or updating it)
    portfolio: dict | None = None  # what the second core's helper did (None: not run)


# HiGHS says these when it tries the discrete values of a MIP start (checked by a
# test, so that a HiGHS release that rewords them fails loudly, not silently)
START_TRIED = "user-supplied values of discrete variables"
START_LP_STATUS = "Model status"
START_FEASIBLE = "MIP start solution is feasible"


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

    _index: ParamIndex | None = None  # which HiGHS coefficients read which Params
    _basis: tuple | None = None  # (model, basis) of a fixed-integer LP: the dual LP's warm start
    # how the last marginal values were found: "warm", "cold", or "none: <why>"
    dual_lp: str | None = None

    def load(self, m: pyo.ConcreteModel) -> None:
        """Hand ``m`` to HiGHS now (if this runner does not hold it), before solve_mip.

        Used by the LP-relaxation start (``feedstock.optimizer.solve.mipstart``), which runs on the
        same HiGHS instance; ``solve_mip(m, unchanged=True)`` then pushes nothing.
        """
        if self.solver._model is not m:
            self._hand_over(m)

    def _hand_over(self, m: pyo.ConcreteModel) -> None:
        """The whole model to HiGHS: every number as it is now (nothing pending).

        Without garbage collection, as :func:`~feedstock.models.build.build_model`
        (its passes: 0.8 s of the 17.7 s hand-over at 2,000 sources, measured).
        """
        with PauseGC():
            self.solver.set_instance(m)
        self._index = None
        clear_pending(m)

    def push(self, m: pyo.ConcreteModel, changed: tuple | None) -> None:
        """Send HiGHS what a re-numbering changed in ``m`` (see ``highs_push``)."""
        if self._index is None or self._index.model is not m:
            self._index = ParamIndex(self.solver, m)
        self._index.push(changed)

    def solve_mip(self, m: pyo.ConcreteModel, start: dict[str, dict] | None = None,
                  progress: SolveProgress | None = None, unchanged: bool = False,
                  changed: tuple | None = None, helper: Any = None) -> Outcome:
        """Solve the MIP; load the incumbent if there is one.

        ``start`` offers values of discrete variables (by variable name and
        index) as a MIP start; the outcome says whether HiGHS accepted it.
        ``progress`` shows the search's incumbent, bound and gap while it runs
        (``feedstock.optimizer.solve.progress``); its line is ended when the MIP is.
        ``unchanged``: the caller promises that ``m`` has not changed since
        :meth:`load` (the LP-relaxation start), so nothing is pushed to HiGHS.
        ``changed``: on a re-solve, the Param entries re-numbered (:meth:`push`).
        ``helper``: ``helper(highs, column, opts)`` makes the second core's helper
        that runs beside the search (a context manager with ``record`` and
        ``basis``: :class:`feedstock.optimizer.solve.portfolio.Portfolio`); None:
        HiGHS alone.
        """
        begin = time.perf_counter()
        reused = self.solver._model is m
        loading = time.perf_counter()
        if reused:  # a persistent re-solve: push changed numbers and bounds now, then
            if not unchanged:
                self.push(m, changed)  # forget the last plan and basis, so that the search
            self.solver._solver_model.clearSolver()  # starts as from a cold build
        else:
            self._hand_over(m)
        load_seconds = time.perf_counter() - loading
        highs = self.solver._solver_model  # Pyomo exposes no API for callbacks or starts
        first: list[float] = []

        def first_plan(e: Any) -> None:
            # HiGHS (1.16, measured) counts a callback's running_time from the start of
            # this run, while getRunTime() sums every run on the instance (a re-solve)
            if not first:
                first.append(float(e.data_out.running_time))

        highs.cbMipImprovingSolution.subscribe(first_plan)
        offered = _offer_start(self.solver, m, start) if start else 0
        log_lines: list[str] = []
        race = self._portfolio(helper)
        try:
            with watch_highs(highs, progress), race:
                res = self._run(m, self.opts.time_limit_s, keep=log_lines,
                                updates="none" if reused else "all", mip=has_integers(m))
                term = self._termination(res)
                if term == "infeasible_or_unbounded":  # presolve could not tell which
                    res = self._run(m, self.opts.time_limit_s, mip=has_integers(m),
                                    presolve="off")
                    term = self._termination(res)
        finally:
            highs.cbMipImprovingSolution.unsubscribe(first_plan)
        if _empty(highs):  # nothing to decide (no supply, no option): the plan is "nothing"
            obj = float(pyo.value(_objective(m)))
            return Outcome("converged", True, obj, obj, time.perf_counter() - begin,
                           "empty model", f"highs {self.version}", load_seconds=load_seconds)
        plan = self._has_plan(res)
        if plan:
            res.solution_loader.load_vars()
        self._basis = (m, race.basis) if helper is not None and race.basis is not None else None
        warm = None if not start else {"offered": True, "values": offered,
                                       "accepted": start_accepted(log_lines)}
        return Outcome(term, plan, res.incumbent_objective, res.objective_bound,
                       time.perf_counter() - begin, res.termination_condition.name,
                       f"highs {self.version}",
                       first_plan_seconds=max(first[0], 0.0) if first else None,
                       warm_start=warm, load_seconds=load_seconds,
                       portfolio=race.record.as_dict() if helper is not None else None)

    def adopt(self, m: pyo.ConcreteModel, plan: Any, basis: Any = None) -> None:
        """Load a plan found beside the search (values by HiGHS column) into ``m``.

        ``basis``: that plan's LP basis, kept as the dual LP's warm start.
        """
        column = self.solver._pyomo_var_to_solver_var_map
        for v in m.component_data_objects(pyo.Var, descend_into=True):
            c = column.get(id(v))
            if c is not None:
                v.set_value(float(plan[c]), skip_validation=True)
        self._basis = None
        if basis is not None:
            self.keep_basis(m, basis)

    def keep_basis(self, m: pyo.ConcreteModel, basis: Any) -> None:
        """A fixed-integer LP basis of ``m`` (the rounded plan's): the dual LP's warm start."""
        self._basis = (m, basis) if basis is not None else None

    def _portfolio(self, helper: Any) -> Any:
        """The helper beside this run (a do-nothing context without one)."""
        if helper is None:
            return contextlib.nullcontext()
        _scheduler_for(self.opts.threads)
        return helper(self.solver._solver_model, self.solver._pyomo_var_to_solver_var_map,
                      self.opts)

    def marginal_duals(self, m: pyo.ConcreteModel, seconds: float | None = None,
                       cold_seconds: float | None = None) -> dict[str, dict]:
        """Duals of capacity rows from the LP with every integer fixed at its value.

        With the portfolio's basis (the rounded plan's LP, the same rows and
        columns with integers fixed at nearby values) dual simplex starts from
        it on HiGHS directly: a few pivots (0.1 s against 14 s cold on the
        500-source benchmark, measured). Otherwise, or should that fail for a
        reason other than time, interior point from scratch through Pyomo. The
        LP gets ``seconds`` (what the time limit left; at least
        :data:`DUAL_LP_FLOOR_S`): marginal values are a by-product and must not
        hold a plan past the limit (65 s spent for none at 2,000 sources).
        ``cold_seconds``: how long an LP of this model took from scratch (the
        LP start's relaxation); with less time than that none is started.
        """
        budget = _dual_budget(self.opts, seconds)
        if self._basis is not None and self._basis[0] is m:
            duals = self._warm_duals(m, self._basis[1], budget)
            if isinstance(duals, dict):
                self.dual_lp = "warm"
                return duals
            if duals == "time_limit":  # from scratch needs longer still
                self.dual_lp = "none: time limit"
                log.warning("fixed-integer LP out of time (%.0f s): no marginal values", budget)
                return {}
        if cold_seconds is not None and budget < cold_seconds:
            self.dual_lp = "none: time limit"
            log.warning("no marginal values: %.0f s left of the time limit, the LP from "
                        "scratch took %.0f s", budget, cold_seconds)
            return {}
        self.dual_lp = "cold"
        fixed = fix_integers(m)
        # Interior point + crossover: presolve removes the fixed columns, whereas
        # simplex would restart from the MIP's root basis and crawl.
        try:
            res = self._run(m, budget, updates="vars", solver="ipm", run_crossover="on")
        finally:
            release(fixed)  # the model is a MIP again (a persistent re-solve needs it)
        if self._termination(res) != "converged":
            self.dual_lp = f"none: {self._termination(res).replace('_', ' ')}"
            log.warning("fixed-integer LP did not solve (%s): no marginal values",
                        res.termination_condition.name)
            return {}
        rows = [c for name in dual_rows() for c in getattr(m, name).values()]
        duals = res.solution_loader.get_duals(rows)
        return {name: {k: float(duals[c]) for k, c in getattr(m, name).items()}
                for name in dual_rows()}

    def _warm_duals(self, m: pyo.ConcreteModel, basis: Any,
                    seconds: float) -> dict[str, dict] | str:
        """The fixed-integer LP by dual simplex from ``basis``, on HiGHS directly.

        Returns the duals, or why not: ``"time_limit"`` or HiGHS's model status.
        """
        import highspy
        import numpy as np

        highs = self.solver._solver_model
        column = self.solver._pyomo_var_to_solver_var_map
        ints = [v for name in INTEGER_VARS for v in getattr(m, name).values()
                if not v.is_continuous()]
        cols = np.array([column[id(v)] for v in ints], dtype=np.int32)
        values = np.array([round(v.value or 0.0) for v in ints], dtype=float)
        try:
            with integers_relaxed(highs, cols, fixed_at=values):
                highs.setBasis(basis)
                for name, value in (("solver", "simplex"), ("presolve", "off"),
                                    ("time_limit", highs.getRunTime() + seconds)):
                    highs.setOptionValue(name, value)
                highs.run()
                status = highs.getModelStatus()
                if status != highspy.HighsModelStatus.kOptimal:
                    log.info("warm-started dual LP: %s", status)
                    return ("time_limit" if status == highspy.HighsModelStatus.kTimeLimit
                            else str(status))
                row_dual = np.asarray(highs.getSolution().row_dual, dtype=float)
        finally:
            highs.setOptionValue("presolve", "choose")
            highs.setOptionValue("solver", "choose")
        rows = self.solver._pyomo_con_to_solver_con_map
        return {name: {k: float(row_dual[rows[c]]) for k, c in getattr(m, name).items()}
                for name in dual_rows()}

    def _run(self, m: pyo.ConcreteModel, seconds: float, keep: list[str] | None = None,
             updates: str = "all", mip: bool = False, **extra: Any) -> Any:
        """One HiGHS run of at most ``seconds``.

        HiGHS (1.16, measured) holds a MIP to ``time_limit`` from the start of
        the run, but an LP to its clock summed over every run on the model: an
        LP re-solve gets its limit added to that clock, a MIP (``mip``) does not.

        ``updates``: what Pyomo's update before the run looks at -- ``all``; ``vars``
        (only bounds, fixing and domains changed: the dual LP); ``none`` (the model
        was just updated). Its full update re-sends every mutable coefficient, which
        takes time on a large persistent model and would drop a MIP start already
        offered.
        """
        # HiGHS keeps options between runs: restate the defaults a re-solve may have changed
        options = {"random_seed": self.opts.seed, "mip_rel_gap": self.opts.mip_rel_gap,
                   **_RUN_DEFAULTS, **extra}
        clock = self.solver._solver_model.getRunTime() \
            if self.solver._model is m and not mip else 0.0
        cfg: dict[str, Any] = {
            "load_solutions": False, "raise_exception_on_nonoptimal_result": False,
            "time_limit": clock + seconds, "solver_options": options,
            "tee": [_LogStream(keep)] + ([sys.stderr] if self.tee else []),
        }
        if self.opts.threads:
            cfg["threads"] = self.opts.threads
        if updates != "all":
            cfg["auto_updates"] = {**dict.fromkeys(AUTO_UPDATES, False),
                                   "update_vars": updates == "vars"}
        _scheduler_for(self.opts.threads)
        return self.solver.solve(m, **cfg)

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

    def solve_mip(self, m: pyo.ConcreteModel, start: dict[str, dict] | None = None,
                  progress: SolveProgress | None = None, unchanged: bool = False,
                  changed: tuple | None = None) -> Outcome:
        """Solve the MIP with the classic interface (a MIP start is not passed on).

        ``progress`` is not shown: the classic interface has no callbacks to feed it;
        ``unchanged`` and ``changed`` do not apply (every solve sends the whole model).
        """
        from pyomo.opt import SolverStatus
        from pyomo.opt import TerminationCondition as TC

        if start:
            log.warning("MIP starts are offered to HiGHS only; %s solves from scratch",
                        self.opts.name)

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
                       self.opts.name,
                       warm_start={"offered": False, "values": 0, "accepted": False}
                       if start else None)

    def marginal_duals(self, m: pyo.ConcreteModel, seconds: float | None = None,
                       cold_seconds: float | None = None) -> dict[str, dict]:
        """Duals from the fixed-integer LP, if this solver reports them, in ``seconds``."""
        from pyomo.opt import TerminationCondition as TC

        fixed = fix_integers(m)
        m.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
        try:
            res = self.solver.solve(m, tee=self.tee, timelimit=_dual_budget(self.opts, seconds))
        except Exception as exc:  # a solver without duals must not lose the plan
            log.warning("no marginal values from %s: %s", self.opts.name, exc)
            return {}
        finally:
            release(fixed)
        if res.solver.termination_condition != TC.optimal or len(m.dual) == 0:
            log.warning("no marginal values from %s (%s)", self.opts.name,
                        res.solver.termination_condition)
            return {}
        return {name: {k: float(m.dual[c]) for k, c in getattr(m, name).items() if c in m.dual}
                for name in dual_rows()}


def _dual_budget(opts: SolverOptions, seconds: float | None) -> float:
    """Seconds for the fixed-integer LP: what the limit left (the whole limit if not said).

    At least :data:`DUAL_LP_FLOOR_S`.
    """
    return max(DUAL_LP_FLOOR_S, opts.time_limit_s if seconds is None else seconds)


def fix_integers(m: pyo.ConcreteModel) -> list[tuple[Any, Any, bool]]:
    """Fix every integer and binary variable at its rounded value and make it continuous.

    Returns what :func:`release` needs to make them integer again: each
    variable, its domain and whether it was fixed before.
    """
    saved = []
    for name in INTEGER_VARS:
        for v in getattr(m, name).values():
            if v.is_continuous():
                continue
            saved.append((v, v.domain, v.fixed))
            value = round(v.value or 0.0)
            v.domain = pyo.Reals
            v.fix(value)
    return saved


def _empty(highs: Any) -> bool:
    """HiGHS was handed no row and no column: every variable is absent or fixed."""
    import highspy

    return highs.getModelStatus() == highspy.HighsModelStatus.kModelEmpty


def _objective(m: pyo.ConcreteModel) -> Any:
    return next(m.component_data_objects(pyo.Objective, active=True, descend_into=True))


def has_integers(m: pyo.ConcreteModel) -> bool:
    """Whether ``m`` (a plan's model, or a model of blocks) has a discrete variable left."""
    if not all(hasattr(m, name) for name in INTEGER_VARS):  # a model of blocks (futures)
        return any(not v.is_continuous()
                   for v in m.component_data_objects(pyo.Var, descend_into=True))
    return any(not v.is_continuous() for name in INTEGER_VARS
               for v in getattr(m, name).values())


def release(saved: list[tuple[Any, Any, bool]]) -> None:
    """Undo :func:`fix_integers` (the values stay as solved)."""
    for v, domain, was_fixed in saved:
        v.domain = domain
        if not was_fixed:
            v.unfix()


_SCHEDULER_THREADS: list[int] = []  # the thread setting HiGHS's scheduler was started with


def _scheduler_for(threads: int) -> None:
    """Restart HiGHS's process-wide thread scheduler when the thread setting changes.

    HiGHS starts one scheduler per process with the first run's ``threads`` and
    refuses a different value afterwards (the solve ends with status "unknown"),
    so a solve with ``threads=1`` after one with the default would fail.
    """
    import highspy

    if _SCHEDULER_THREADS and _SCHEDULER_THREADS[0] != threads:
        highspy.Highs.resetGlobalScheduler(True)
        _SCHEDULER_THREADS.clear()
    if not _SCHEDULER_THREADS:
        _SCHEDULER_THREADS.append(threads)


def _offer_start(solver: Any, m: pyo.ConcreteModel, start: dict) -> int:
    """Hand HiGHS the start's values of the model's discrete variables; how many were set.

    ``start["columns"]`` (``mipstart``) is a complete plan by HiGHS column;
    ``start["vars"]`` pairs of (Pyomo variable, value), for a model of blocks.
    """
    import numpy as np

    if "columns" in start:  # a complete plan, one value per HiGHS column
        values = np.asarray(start["columns"], dtype=float)
        solver._solver_model.setSolution(len(values), np.arange(len(values), dtype=np.int32),
                                         values)
        return len(values)
    cols, vals = [], []
    column = solver._pyomo_var_to_solver_var_map  # Pyomo var id -> HiGHS column
    for var, value in start.get("vars", ()):  # a model of blocks: the variables themselves
        if not var.is_continuous() and not var.fixed:
            cols.append(column[id(var)])
            vals.append(float(value))
    for name, values in ((k, v) for k, v in start.items() if k != "vars"):
        var = getattr(m, name)
        for key, value in values.items():
            if key in var and not var[key].is_continuous():
                cols.append(column[id(var[key])])
                vals.append(float(value))
    if cols:
        solver._solver_model.setSolution(len(cols), np.array(cols, dtype=np.int32),
                                         np.array(vals, dtype=float))
    return len(cols)


def start_accepted(lines: list[str]) -> bool:
    """Whether HiGHS's log says the LP of a MIP start's discrete values was solved.

    HiGHS fixes the start's integers, solves the LP for the rest and reports
    that LP's model status: ``Optimal`` means the start became a plan.
    """
    tried = False
    for line in lines:
        if START_FEASIBLE in line:  # a complete start, or a partial one HiGHS completed
            return True
        if START_TRIED in line:
            tried = True
        elif tried and line.strip().startswith(START_LP_STATUS):
            return line.split(":", 1)[-1].strip().lower() == "optimal"
    return False


class _LogStream(io.TextIOBase):
    """Sends the solver's log to this module's logger at DEBUG level, line by line."""

    def __init__(self, keep: list[str] | None = None):
        super().__init__()
        self.keep = keep

    def write(self, text: str) -> int:
        for line in text.splitlines():
            if line.strip():
                log.debug("highs: %s", line)
                if self.keep is not None:
                    self.keep.append(line)
        return len(text)
