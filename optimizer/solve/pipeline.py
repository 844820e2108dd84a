"""Plan a scenario: build, solve, and return a Result — or raise a typed error.

A solve that did not produce a plan is never returned as one: infeasible and
unbounded models and time limits without a plan each raise their own error.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

import pyomo.environ as pyo

from feedstock.models import build_model
from feedstock.models.sets import ModelData, build_sets
from feedstock.models.trips import implied_trips
from feedstock.optimizer.solve.diagnose import diagnose as run_diagnosis
from feedstock.optimizer.base.errors import InfeasibleError, NoPlanError, SolveError, UnboundedError
from feedstock.optimizer.network import build_network
from feedstock.optimizer.checks.numerics import numerics_warnings
from feedstock.optimizer.checks.prechecks import run_prechecks
from feedstock.optimizer.solve.progress import progress_for
from feedstock.optimizer.results.result import Result, gap_of, make_result
from feedstock.optimizer.solve.runners import HighsRunner, Outcome, SolverOptions, runner_for
from feedstock.optimizer.scenario import Scenario
from feedstock.optimizer.solve.warmstart import Start

if TYPE_CHECKING:
    from feedstock.optimizer.solve.cache import Resolver

log = logging.getLogger(__name__)

RELAX_TRIPS = {"modes.integer_trips[*]": False}  # `solve --relax-trips`: continuous trips
LP_START_VARIABLES = 250_000  # auto lp_start from here (measured: slower at 128k, faster at 484k)
OPTIMAL_GAP = 1e-6  # a converged solve with a smaller gap is called optimal
INFEASIBLE = "No plan meets every rule at once (the solver proved it)."


def solver_options(sc: Scenario, *, time_limit: float | None = None, gap: float | None = None,
                   threads: int | None = None) -> SolverOptions:
    """scenario.toml [solver] with any run-time overrides applied."""
    cfg = sc.config.solver
    return SolverOptions(name=cfg.name,
                         time_limit_s=cfg.time_limit_s if time_limit is None else time_limit,
                         mip_rel_gap=cfg.mip_rel_gap if gap is None else gap,
                         threads=cfg.threads if threads is None else threads, seed=cfg.seed)


def solve(sc: Scenario, *, time_limit: float | None = None, gap: float | None = None,
          threads: int | None = None, tee: bool = False, cuts: bool = True,
          diagnose: bool = True,
          warm_start: Callable[[ModelData], Start] | None = None,
          resolver: Resolver | None = None,
          progress: bool | TextIO | None = None, lp_start: bool | None = None) -> Result:
    """Plan the scenario; return a Result with a plan, or raise a typed :class:`SolveError`.

    The result's ``status`` says how good the plan is proven to be:

    * ``optimal``: the solver converged with (practically) no gap;
    * ``within_gap``: it converged because the gap fell below ``mip_rel_gap``;
    * ``feasible``: it stopped (time limit) holding a plan; ``gap`` says how far
      from the bound.

    The named pre-solve checks (``feedstock.optimizer.checks.prechecks``) run first: if one
    proves no plan exists, :class:`InfeasibleError` is raised with their
    findings and no solver is started. Infeasible -> :class:`InfeasibleError`
    carrying the elastic diagnosis (``diagnose=False`` skips it), unbounded ->
    :class:`UnboundedError`, no plan in time -> :class:`NoPlanError`.
    ``cuts=False`` leaves out the valid inequalities of ``feedstock.models.cuts`` (same
    optimum, weaker LP), to check that. ``warm_start`` makes a MIP start from
    the model's index sets (``feedstock.optimizer.solve.warmstart.shifted_start``); the result's
    ``solver["warm_start"]`` says whether HiGHS accepted it. ``resolver``
    (``feedstock.optimizer.solve.cache.Resolver``) re-solves on the model and HiGHS
    instance of its last solve when only numbers changed; the result's
    ``solver["model"]`` says ``reused`` or ``built``. ``progress`` shows the MIP's
    incumbent, bound and gap on one line once it has run a few seconds
    (``feedstock.optimizer.solve.progress``): ``None`` only when stderr is a terminal, ``False``
    never, ``True`` on stderr, a stream on that stream; it does not change the plan.
    ``lp_start`` (HiGHS, no ``warm_start``) offers the rounded LP relaxation as
    a complete MIP start (``feedstock.optimizer.solve.mipstart``): a first plan after two LPs.
    ``None`` (the default) turns it on for models of at least
    :data:`LP_START_VARIABLES` variables, where HiGHS's own first plan comes
    late (benchmarks/RESULTS.md: minutes at 2,000 sources); on smaller ones it
    costs more than it saves.
    """
    opts = solver_options(sc, time_limit=time_limit, gap=gap, threads=threads)
    start = time.perf_counter()
    net = build_network(sc)
    data = build_sets(sc, net)
    checks = run_prechecks(sc, net, data)
    if checks.errors:
        raise InfeasibleError("No plan is possible with these data.", diagnosis=checks)
    if resolver is None:
        built, reused = build_model(sc, net, cuts=cuts, data=data), False
    else:
        built, reused = resolver.model(sc, net, data)
    build_seconds = time.perf_counter() - start
    notes = (*(f.message for f in checks.warnings), *numerics_warnings(built.model))
    for note in notes:
        log.warning(note)
    runner = runner_for(opts, tee) if resolver is None else resolver.runner(opts)
    mip_start = warm_start(built.data) if warm_start is not None else None
    if mip_start is not None:
        log.info("offering a MIP start: %d values from %s (%d matched)", mip_start.count,
                 mip_start.source, mip_start.matched)
    extra: dict = {} if mip_start is None else {"start": mip_start.values}
    lp_info, start_seconds = None, 0.0
    if lp_start is None:
        lp_start = built.size["variables"] >= LP_START_VARIABLES
    if lp_start and mip_start is None and isinstance(runner, HighsRunner):
        began = time.perf_counter()
        lp_values, lp_info = _lp_start(runner, built, reused)
        extra.update(unchanged=True, **({"start": lp_values} if lp_values else {}))
        # the time limit holds for the whole solve: the MIP gets what the start left
        start_seconds = time.perf_counter() - began
        runner.opts = dataclasses.replace(opts, time_limit_s=max(
            1.0, opts.time_limit_s - start_seconds))
    with progress_for(progress) as shown:
        if shown is not None:  # passed only when shown: runner stand-ins take (model) alone
            extra["progress"] = shown
        if reused and built.changed is not None and "unchanged" not in extra:
            extra["changed"] = built.changed  # push only what the re-numbering changed
        try:
            outcome = runner.solve_mip(built.model, **extra)
        finally:
            runner.opts = opts  # the dual LP's budget comes from the whole limit
    if outcome.warm_start is not None:
        log.info("MIP start %s by %s", "accepted" if outcome.warm_start["accepted"]
                 else "not accepted", outcome.solver)
    status = plan_status(outcome)
    if status in ("infeasible", "infeasible_or_unbounded") and diagnose:
        log.warning("no plan meets every rule; diagnosing with the elastic copy")
        found = run_diagnosis(sc, net, opts)  # the pre-check warnings may explain it too
        raise InfeasibleError(INFEASIBLE, diagnosis=dataclasses.replace(
            found, findings=found.findings + checks.warnings))
    _raise_if_no_plan(status, outcome, opts, built.size, start_seconds, lp_info)
    values = _values(built.model, built.data)
    start = time.perf_counter()
    duals = runner.marginal_duals(built.model)
    dual_seconds = time.perf_counter() - start
    return make_result(sc, built, values, duals, status=status,
                       objective=outcome.objective, bound=outcome.bound,
                       seconds={"build": build_seconds, "solve": start_seconds + outcome.seconds,
                                "duals": dual_seconds},
                       solver={"name": outcome.solver, "termination": outcome.detail,
                               **opts.__dict__, "model": "reused" if reused else "built",
                               "first_plan_seconds": outcome.first_plan_seconds,
                               "load_seconds": outcome.load_seconds,
                               "warm_start": _start_record(mip_start, lp_info, outcome)},
                       notes=notes)


def _lp_start(runner: HighsRunner, built, reused: bool) -> tuple[dict | None, dict]:
    """The rounded LP relaxation on the runner's HiGHS (pushing a re-numbering first)."""
    from feedstock.optimizer.solve.mipstart import relax_and_round

    if reused:
        runner.push(built.model, built.changed)
    return relax_and_round(built, runner)


def _start_record(mip_start: Start | None, lp_info: dict | None, outcome: Outcome) -> dict | None:
    """What the result says about a MIP start: where from, and whether HiGHS took it."""
    if mip_start is not None:
        return {**(outcome.warm_start or {}), "source": mip_start.source,
                "matched": mip_start.matched}
    if lp_info is not None:
        return {**(outcome.warm_start or {"offered": False}), "source": "lp_relaxation",
                **lp_info}
    return None


def _start_words(lp_info: dict | None, seconds: float) -> str:
    """How the LP-relaxation start went, for the no-plan message ('' when none was tried)."""
    if lp_info is None:
        return ""
    if "lp_objective_gbp" not in lp_info:
        return (f" (of which {seconds:.1f} s handing the model over and an LP-relaxation "
                "start that did not finish within a third of the limit)")
    offered = "a complete plan" if lp_info.get("complete") else "rounded trips to complete"
    return f" (of which {seconds:.1f} s on an LP-relaxation start: {offered} offered)"


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


def _raise_if_no_plan(status: str, outcome: Outcome, opts: SolverOptions,
                      size: dict[str, int], start_seconds: float = 0.0,
                      lp_info: dict | None = None) -> None:
    if status in ("optimal", "within_gap", "feasible"):
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
            f"{_start_words(lp_info, start_seconds)}. Give the solver "
            "more time (--time-limit) or a looser gap (--gap); the data may also make plans "
            "hard to find (very tight capacities).")
    raise SolveError(f"The solver stopped without a plan: {outcome.detail}")


def _values(m: pyo.ConcreteModel, data: ModelData) -> dict[str, dict]:
    """Solved values of every variable, by variable name and index (implied trips too)."""
    out = {}
    for name in ("x", "n", "y", "z", "w", "s", "q", "u", "e"):
        var = getattr(m, name)
        out[name] = {k: (0.0 if v.value is None else float(v.value)) for k, v in var.items()}
    out["n"].update(implied_trips(data, out["x"]))  # no variable: load / payload
    out["cost_lines"] = {k: float(pyo.value(m.cost[k])) for k in m.LINES}
    return out
