"""Plan a scenario: build, solve, and return a Result — or raise a typed error.

A solve that did not produce a plan is never returned as one: infeasible and
unbounded models and time limits without a plan each raise their own error.
"""

from __future__ import annotations

import logging
import time

import pyomo.environ as pyo

from models import build_model
from optimizer.errors import InfeasibleError, NoPlanError, SolveError, UnboundedError
from optimizer.network import build_network
from optimizer.result import Result, gap_of, make_result
from optimizer.runners import Outcome, SolverOptions, runner_for
from optimizer.scenario import Scenario

log = logging.getLogger(__name__)

OPTIMAL_GAP = 1e-6  # a converged solve with a smaller gap is called optimal


def solver_options(sc: Scenario, *, time_limit: float | None = None, gap: float | None = None,
                   threads: int | None = None) -> SolverOptions:
    """scenario.toml [solver] with any run-time overrides applied."""
    cfg = sc.config.solver
    return SolverOptions(name=cfg.name,
                         time_limit_s=cfg.time_limit_s if time_limit is None else time_limit,
                         mip_rel_gap=cfg.mip_rel_gap if gap is None else gap,
                         threads=cfg.threads if threads is None else threads, seed=cfg.seed)


def solve(sc: Scenario, *, time_limit: float | None = None, gap: float | None = None,
          threads: int | None = None, tee: bool = False, cuts: bool = True) -> Result:
    """Plan the scenario; return a Result with a plan, or raise a typed :class:`SolveError`.

    The result's ``status`` says how good the plan is proven to be:

    * ``optimal``: the solver converged with (practically) no gap;
    * ``within_gap``: it converged because the gap fell below ``mip_rel_gap``;
    * ``feasible``: it stopped (time limit) holding a plan; ``gap`` says how far
      from the bound.

    Infeasible -> :class:`InfeasibleError`, unbounded -> :class:`UnboundedError`,
    no plan in time -> :class:`NoPlanError`. ``cuts=False`` leaves out the
    valid inequalities of ``models.cuts`` (same optimum, weaker LP), to check that.
    """
    opts = solver_options(sc, time_limit=time_limit, gap=gap, threads=threads)
    start = time.perf_counter()
    built = build_model(sc, build_network(sc), cuts=cuts)
    build_seconds = time.perf_counter() - start
    runner = runner_for(opts, tee)
    outcome = runner.solve_mip(built.model)
    status = plan_status(outcome)
    _raise_if_no_plan(status, outcome, opts)
    values = _values(built.model)
    start = time.perf_counter()
    duals = runner.marginal_duals(built.model)
    dual_seconds = time.perf_counter() - start
    return make_result(sc, built, values, duals, status=status,
                       objective=outcome.objective, bound=outcome.bound,
                       seconds={"build": build_seconds, "solve": outcome.seconds,
                                "duals": dual_seconds},
                       solver={"name": outcome.solver, "termination": outcome.detail,
                               **opts.__dict__})


def plan_status(outcome: Outcome) -> str:
    """One status word from what the solver said and whether it holds a plan."""
    if outcome.termination in ("infeasible", "unbounded", "infeasible_or_unbounded"):
        return outcome.termination
    if not outcome.has_plan:
        return "time_limit" if outcome.termination == "time_limit" else "error"
    if outcome.termination != "converged":
        return "feasible"
    gap = gap_of(outcome.objective, outcome.bound if outcome.bound is not None
                 else outcome.objective)
    return "optimal" if gap <= OPTIMAL_GAP else "within_gap"


def _raise_if_no_plan(status: str, outcome: Outcome, opts: SolverOptions) -> None:
    if status in ("optimal", "within_gap", "feasible"):
        return
    if status in ("infeasible", "infeasible_or_unbounded"):
        raise InfeasibleError(
            "No plan meets every rule at once (the solver proved it). Common causes: a "
            "leakage cap or offtake commitment that plant capacity cannot absorb, blend rules "
            "no reachable feed meets, storage too small for the stock that must wait, or too "
            "few lane slots for what must be moved.")
    if status == "unbounded":
        raise UnboundedError(
            "The cost can fall without limit: some activity earns money with no capacity "
            "bound (check for a negative net cost with unlimited capacity).")
    if status == "time_limit":
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
