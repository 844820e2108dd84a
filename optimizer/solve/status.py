"""What a solver's outcome means for the planner: one status word, or a typed error.

A solve that did not produce a plan is never returned as one: infeasible and
unbounded models and time limits without a plan each raise their own error,
with what was tried, in the planner's words.
"""

from __future__ import annotations

from feedstock.optimizer.base.errors import (
    InfeasibleError,
    NoPlanError,
    SolveError,
    UnboundedError,
)
from feedstock.optimizer.results.result import gap_of
from feedstock.optimizer.solve.runners import Outcome, SolverOptions

OPTIMAL_GAP = 1e-6  # a converged solve with a smaller gap is called optimal
INFEASIBLE = "No plan meets every rule at once (the solver proved it)."
PLAN = ("optimal", "within_gap", "feasible")  # the statuses that come with a plan


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


def raise_if_no_plan(status: str, outcome: Outcome, opts: SolverOptions,
                     size: dict[str, int], start_seconds: float = 0.0,
                     lp_info: dict | None = None) -> None:
    """Nothing when ``status`` comes with a plan; else the typed error that says why not."""
    if status in PLAN:
        return
    if status in ("infeasible", "infeasible_or_unbounded"):
        raise InfeasibleError(INFEASIBLE)
    if status == "unbounded":
        raise UnboundedError(
            "The cost can fall without limit: some activity earns money with no bound on how "
            "much of it can happen. Likely cause: a negative net cost (a negative lane, hub or "
            "holding cost, or product value above processing cost) on something with unlimited "
            "capacity; every tonne is bounded by supply, so look for a cost that pays per trip "
            "or per week rather than per tonne.")
    if status == "time_limit":
        raise NoPlanError(
            f"No plan found within the time limit of {opts.time_limit_s:g} s "
            f"({outcome.detail}). Tried: {outcome.solver}, relative gap target "
            f"{opts.mip_rel_gap:g}, threads {opts.threads or 'default'}, seed {opts.seed}, on "
            f"{size['variables']:,} variables ({size['integer_variables']:,} integer) and "
            f"{size['constraints']:,} constraints for {start_seconds + outcome.seconds:.1f} s"
            f"{start_words(lp_info, start_seconds)}. Give the solver "
            "more time (--time-limit) or a looser gap (--gap); the data may also make plans "
            "hard to find (very tight capacities).")
    raise SolveError(f"The solver stopped without a plan: {outcome.detail}")


def start_words(lp_info: dict | None, seconds: float) -> str:
    """How the LP-relaxation start went, for the no-plan message ('' when none was tried)."""
    if lp_info is None:
        return ""
    if "lp_objective_gbp" not in lp_info:
        return (f" (of which {seconds:.1f} s handing the model over and an LP-relaxation "
                "start that did not finish within half the limit)")
    offered = "a complete plan" if lp_info.get("complete") else "rounded trips to complete"
    return f" (of which {seconds:.1f} s on an LP-relaxation start: {offered} offered)"
