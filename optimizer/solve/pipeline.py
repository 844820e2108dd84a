"""The one pipeline: scenario -> network -> index sets -> checks -> model -> HiGHS -> Result.

Every caller goes through these stages, in this order, and only here:
``feedstock solve`` and ``validate``, sweeps and the Pareto frontier (its
least-leakage point too), weekly runs and the :class:`Resolver`. No other
module builds a network, index sets or a model (docs/architecture.md).

* :func:`prepare` -- network, index sets and the named pre-solve checks;
* :func:`check` -- the checks alone (``feedstock validate``);
* :func:`build` -- the Pyomo model of a prepared scenario;
* :func:`solve` -- all of it, then HiGHS, the status, the marginal values and
  the :class:`Result`; or a typed error (``feedstock.optimizer.solve.status``);
* :func:`least_leakage_t` -- the same model with ``min sum e`` as objective;
* :class:`Resolver` -- :func:`solve` on kept models that change only numbers.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import functools
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

import pandas as pd
import pyomo.environ as pyo

from feedstock.models._util import linear_value
from feedstock.models.build import BuiltModel, build_model, update_model
from feedstock.models.numbers import model_numbers, structure
from feedstock.models.objective import use_leakage_objective
from feedstock.models.sets import ModelData, build_sets
from feedstock.models.trips import implied_trips
from feedstock.models.variables import VARIABLES
from feedstock.optimizer.base import heap
from feedstock.optimizer.base.errors import InfeasibleError
from feedstock.optimizer.base.findings import Diagnosis
from feedstock.optimizer.checks.numerics import (
    log_warnings,
    numerics_warnings,
    spread_warnings,
    warnings_of,
)
from feedstock.optimizer.checks.prechecks import run_prechecks
from feedstock.optimizer.network import Network, build_network
from feedstock.optimizer.results.result import Result, make_result
from feedstock.optimizer.scenario import Scenario
from feedstock.optimizer.solve.diagnose import diagnose as run_diagnosis
from feedstock.optimizer.solve.highs_copy import HighsCopy, highs_copy
from feedstock.optimizer.solve.mipstart import LpStart, relax_and_round, settle, within_gap
from feedstock.optimizer.solve.portfolio import helper_for
from feedstock.optimizer.solve.portfolio import wanted as portfolio_wanted
from feedstock.optimizer.solve.progress import progress_for
from feedstock.optimizer.solve.runners import (
    ClassicRunner,
    HighsRunner,
    Outcome,
    SolverOptions,
    has_integers,
    runner_for,
)
from feedstock.optimizer.solve.second_core import beside
from feedstock.optimizer.solve.status import INFEASIBLE, plan_status, raise_if_no_plan
from feedstock.optimizer.solve.warmstart import Start

log = logging.getLogger(__name__)

RELAX_TRIPS = {"modes.integer_trips[*]": False}  # `solve --relax-trips`: continuous trips
# auto lp_start (serial, and no helper) from here: measured slower at 128k, faster at
# 484k, the one start measured to reach 1 % there (246-336 s); within 120 s neither it
# nor the helper finds a plan at 484k (benchmarks/RESULTS.md)
LP_START_VARIABLES = 250_000
NOT_POSSIBLE = "No plan is possible with these data."


@dataclass(frozen=True, eq=False)
class Prepared:
    """A scenario with its network, index sets and pre-solve checks: ready to build."""

    scenario: Scenario
    network: Network
    data: ModelData
    checks: Diagnosis


def solver_options(sc: Scenario, *, time_limit: float | None = None, gap: float | None = None,
                   threads: int | None = None) -> SolverOptions:
    """scenario.toml [solver] with any run-time overrides applied."""
    cfg = sc.config.solver
    return SolverOptions(name=cfg.name,
                         time_limit_s=cfg.time_limit_s if time_limit is None else time_limit,
                         mip_rel_gap=cfg.mip_rel_gap if gap is None else gap,
                         threads=cfg.threads if threads is None else threads, seed=cfg.seed)


def prepare(sc: Scenario, *, elastic: bool = False, network: Network | None = None,
            strategic: bool = False) -> Prepared:
    """Network, index sets and (for the weekly planning model) the named pre-solve checks.

    ``elastic`` prepares the diagnosis copy (``feedstock.models.elastic``): its
    index sets allow custody breaches and slots beyond the timetable, and it is
    not checked (it exists to explain a failed check or solve). ``network``:
    the scenario's network if already built (the diagnosis re-uses the plan's).
    A weekly run takes commitments.csv as decided (:meth:`Scenario.committed`).
    ``strategic`` plans the ``[strategy]`` years (:func:`strategic_scenario`);
    the pre-solve checks are weekly rules and are not run on it (an infeasible
    strategic model is explained by the elastic copy).
    """
    sc = strategic_scenario(sc) if strategic else sc.committed()
    net = build_network(sc) if network is None else network
    data = build_sets(sc, net, elastic=elastic, strategic=strategic)
    checks = (Diagnosis(method="pre-solve checks", findings=()) if elastic or strategic
              else run_prechecks(sc, net, data))
    return Prepared(sc, net, data, checks)


def strategic_scenario(sc: Scenario) -> Scenario:
    """The scenario as a strategic run reads it: trips continuous, transit inside a period.

    At a year's scale a trip is a rate, not a vehicle to count, and a ferry's
    week of transit is inside the year (docs/model.md, strategic planning).
    """
    if sc.config.strategy is None:
        raise ValueError(f"{sc.name}: no [strategy] in scenario.toml: a weekly scenario")
    lanes = sc.lanes
    already = not sc.modes["integer_trips"].astype(bool).any() and (
        lanes.empty or bool((lanes["transit_weeks"] == 0).all()))
    # already strategic (a future's scenario is made so once): no second validation
    out = sc if already else sc.replace(modes=sc.modes.assign(integer_trips=False),
                                        lanes=lanes.assign(transit_weeks=0) if len(lanes)
                                        else lanes)
    notes = [n for n in out.notes if "(weekly runs never build it)" not in n]
    if len(sc.table("commitments")):
        notes.append("commitments.csv: for weekly runs; a strategic run decides its builds "
                     "itself")
    return dataclasses.replace(out, notes=tuple(notes), overrides=sc.overrides)


def check(sc: Scenario) -> Diagnosis:
    """The named pre-solve checks of a loaded scenario, without building a model."""
    return prepare(sc).checks


def build(prepared: Prepared, *, cuts: bool = True, mutable: bool = False) -> BuiltModel:
    """The Pyomo model of a prepared scenario (``mutable``: numbers in Params, see Resolver)."""
    return build_model(prepared.scenario, prepared.network, prepared.data, cuts=cuts,
                       mutable=mutable)


@heap.lasting()  # no cyclic collection over the model while it is solved
def solve(sc: Scenario, *, time_limit: float | None = None, gap: float | None = None,
          threads: int | None = None, tee: bool = False, cuts: bool = True,
          diagnose: bool = True,
          warm_start: Callable[[ModelData], Start] | None = None,
          resolver: Resolver | None = None,
          progress: bool | TextIO | None = None, lp_start: bool | None = None,
          strategic: bool = False) -> Result:
    """Plan the scenario; return a Result with a plan, or raise a typed :class:`SolveError`.

    The result's ``status`` says how good the plan is proven to be:

    * ``optimal``: the solver converged with (practically) no gap;
    * ``within_gap``: it converged because the gap fell below ``mip_rel_gap``;
    * ``feasible``: it stopped (time limit) holding a plan; ``gap`` says how far
      from the bound.

    The named pre-solve checks run first: if one proves no plan exists,
    :class:`InfeasibleError` is raised with their findings and no solver is
    started. Infeasible -> :class:`InfeasibleError` carrying the elastic
    diagnosis (``diagnose=False`` skips it), unbounded -> :class:`UnboundedError`,
    no plan in time -> :class:`NoPlanError`. ``cuts=False`` leaves out the valid
    inequalities of ``feedstock.models.cuts`` (same optimum, weaker LP), to check
    that. ``warm_start`` makes a MIP start from the model's index sets
    (``feedstock.optimizer.solve.warmstart.shifted_start``); the result's
    ``solver["warm_start"]`` says whether HiGHS accepted it. ``resolver``
    re-solves on the model and HiGHS instance of its last solve when only
    numbers changed; the result's ``solver["model"]`` says ``reused`` or
    ``built``. ``progress`` shows the MIP's incumbent, bound and gap on one line
    once it has run a few seconds (``feedstock.optimizer.solve.progress``):
    ``None`` only when stderr is a terminal, ``False`` never, ``True`` on stderr,
    a stream on that stream; it does not change the plan. ``lp_start`` (HiGHS,
    no ``warm_start``) offers the rounded LP relaxation as a complete MIP start
    (``feedstock.optimizer.solve.mipstart``): a first plan after two LPs, and an
    answer of its own: within the gap of the relaxation's optimum no search
    runs, and a search that stops without a better plan reports it
    (:func:`~feedstock.optimizer.solve.mipstart.settle`).
    ``None`` (the default) turns it on for models of at least
    :data:`LP_START_VARIABLES` variables, where HiGHS's own first plan comes
    late (benchmarks/RESULTS.md: minutes at 2,000 sources) and the second
    core's helper hands its LP plan over too late; on smaller ones the helper
    does better. ``strategic`` plans the ``[strategy]`` years
    (:func:`prepare`): the result's tables are per year (or quarter).
    """
    opts = solver_options(sc, time_limit=time_limit, gap=gap, threads=threads)
    start = time.perf_counter()
    prepared = _checked(sc, strategic)
    if resolver is None:
        built, reused = build(prepared, cuts=cuts), False
    else:
        built, reused = resolver.model(prepared)
    build_seconds = time.perf_counter() - start
    runner = runner_for(opts, tee) if resolver is None else resolver.runner(opts)
    if lp_start is None:  # from LP_START_VARIABLES the serial start, also instead of the
        # helper (measured to 1 % there; the helper's relaxation blocks the search as long)
        lp_start = built.size["variables"] >= LP_START_VARIABLES
    # one core: --threads 1, other solvers (whose model writers are Python too) and
    # strategic solves (which may share the cores with the futures' solves, as the helper)
    one_core = opts.threads == 1 or strategic or not isinstance(runner, HighsRunner)
    # the LP start's own copy (highs_copy), cold builds only: a persistent build keeps
    # zero coefficients (mutable Params), which a linear form drops with their columns
    copy = highs_copy(built.model, log_to_console=tee) if (
        lp_start and warm_start is None and not reused and not one_core
        and built.signature is None) else None
    if copy is not None and copy.unmapped:  # the start looks every variable up by column
        copy = None
    on_copy = copy is not None  # then Pyomo's hand-over runs beside the relaxation (timed)
    heap.settle()  # built: the collector's passes from here skip the model
    for note in (found := [f.message for f in prepared.checks.warnings]):
        log.warning(note)
    load_seconds, handed, scaling = _hand_over_and_check(runner, built, reused, copy,
                                                         1 if one_core else opts.threads)
    try:
        mip_start = warm_start(built.data) if warm_start is not None else None
        if mip_start is not None:
            log.info("offering a MIP start: %d values from %s (%d matched)", mip_start.count,
                     mip_start.source, mip_start.matched)
        extra: dict = {} if mip_start is None else {"start": mip_start.values}
        if load_seconds is not None:
            extra["unchanged"] = True  # HiGHS holds the model with today's numbers
        lp, lp_info, start_seconds = None, None, 0.0
        # the second core's helper (portfolio) serves weekly MIPs; a strategic solve may
        # already share the cores with others (the futures' solves run side by side)
        if mip_start is None and not lp_start and not strategic and isinstance(
                runner, HighsRunner) and portfolio_wanted(opts.threads, has_integers(built.model)):
            extra["helper"] = functools.partial(helper_for, built)
        elif lp_start and mip_start is None and isinstance(runner, HighsRunner):
            began = time.perf_counter()
            lp = relax_and_round(built, runner, copy=copy, ready=handed)
            copy = None  # the copy's memory back before the search
            lp_info = lp.info
            extra.update({"start": lp.start} if lp.start else {})
            # the time limit holds for the whole solve: the MIP gets what the start left
            start_seconds = time.perf_counter() - began
            runner.opts = dataclasses.replace(opts, time_limit_s=max(
                1.0, opts.time_limit_s - start_seconds))
        with progress_for(progress) as shown:
            if shown is not None:  # passed only when shown: runner stand-ins take (model) alone
                extra["progress"] = shown
            if reused and built.changed is not None and "unchanged" not in extra:
                extra["changed"] = built.changed  # push only what the re-numbering changed
            handed.result()  # the runner holds the model (what its hand-over raised, raises)
            try:
                outcome = _search(runner, built.model, extra, lp, opts.mip_rel_gap,
                                  left=opts.time_limit_s - start_seconds)
            finally:
                runner.opts = opts  # the dual LP's budget comes from the whole limit
    finally:  # nothing walks the model once the solve has moved on (or raised)
        concurrent.futures.wait([handed, scaling])
    beside_seconds = handed.result() if on_copy else None
    notes = (*found, *warnings_of(scaling))
    if outcome.warm_start is not None:
        taken = outcome.warm_start.get("accepted")
        log.info("MIP start %s by %s", "is the answer, not bettered" if outcome.warm_start.get(
            "answer") else "accepted" if taken else "not accepted", outcome.solver)
    status = plan_status(outcome)
    _explain_infeasible(status, prepared, opts, diagnose)
    raise_if_no_plan(status, outcome, opts, built.size, start_seconds, lp_info)
    values = solved_values(built.model, built.data)
    start = time.perf_counter()
    # marginal values get what the search left of the limit (the limit holds for the solve)
    duals = runner.marginal_duals(
        built.model, opts.time_limit_s - start_seconds - outcome.seconds,
        cold_seconds=(lp_info or {}).get("lp_s"))
    dual_seconds = time.perf_counter() - start
    return make_result(prepared.scenario, built, values, duals, status=status,
                       objective=outcome.objective, bound=outcome.bound,
                       # building HiGHS's copy of the model is building the model
                       seconds={"build": build_seconds + (load_seconds or 0.0),
                                "solve": start_seconds + outcome.seconds,
                                "duals": dual_seconds},
                       solver={"name": outcome.solver, "termination": outcome.detail,
                               **opts.__dict__, "model": "reused" if reused else "built",
                               "first_plan_seconds": outcome.first_plan_seconds,
                               "load_seconds": outcome.load_seconds if load_seconds is None
                               else load_seconds, "handover_beside_seconds": beside_seconds,
                               "warm_start": _start_record(mip_start, lp_info, outcome),
                               "portfolio": outcome.portfolio,
                               "dual_lp": getattr(runner, "dual_lp", None)},
                       notes=notes)


@heap.lasting()
def least_leakage_t(sc: Scenario, *, time_limit: float | None = None,
                    gap: float | None = None, threads: int | None = None,
                    diagnose: bool = True, element: str | None = None) -> float:
    r"""The least leakage any plan of ``sc`` can have: same rules, :math:`\min \sum e`.

    In t, or with ``element`` (a symbol of ``sc.elements``) in kg of that element.
    The frontier's :math:`L_{min}` (``feedstock.optimizer.studies.pareto``). The
    same stages and errors as :func:`solve`; the amount is read from the plan
    (at the MIP gap), not from the solver's objective.
    """
    opts = solver_options(sc, time_limit=time_limit, gap=gap, threads=threads)
    prepared = _checked(sc)
    sold = prepared.data.sales["feedstock_id"]
    if sold.empty or (element is not None
                      and not (prepared.data.element_kg[element].reindex(sold) > 0).any()):
        return 0.0  # nothing can leak (of that element)
    built = build(prepared)
    heap.settle()
    use_leakage_objective(built.model, prepared.data, element)
    outcome = runner_for(opts).solve_mip(built.model)
    status = plan_status(outcome)
    _explain_infeasible(status, prepared, opts, diagnose)
    raise_if_no_plan(status, outcome, opts, built.size)
    m = built.model
    weight = (prepared.data.element_kg[element] if element is not None
              else pd.Series(1.0, index=prepared.data.element_kg.index))
    return max(sum(float(weight.at[k[1]]) * float(pyo.value(m.e[k])) for k in m.E), 0.0)


def _checked(sc: Scenario, strategic: bool = False) -> Prepared:
    """:func:`prepare`, raising :class:`InfeasibleError` when a check proves no plan exists."""
    prepared = prepare(sc, strategic=strategic)
    if prepared.checks.errors:
        raise InfeasibleError(NOT_POSSIBLE, diagnosis=prepared.checks)
    return prepared


def _explain_infeasible(status: str, prepared: Prepared, opts: SolverOptions,
                        diagnose: bool) -> None:
    """On an infeasible status, raise with the elastic diagnosis (and the checks' warnings)."""
    if status not in ("infeasible", "infeasible_or_unbounded") or not diagnose:
        return
    log.warning("no plan meets every rule; diagnosing with the elastic copy")
    sc = prepared.scenario
    elastic = build(prepare(sc, elastic=True, network=prepared.network,
                            strategic=prepared.data.inputs.horizon.strategic))
    found = run_diagnosis(sc, elastic, opts)
    raise InfeasibleError(INFEASIBLE, diagnosis=dataclasses.replace(
        found, findings=found.findings + prepared.checks.warnings))


def _hand_over_and_check(runner: HighsRunner | ClassicRunner, built: BuiltModel,
                         reused: bool, copy: HighsCopy | None, threads: int
                         ) -> tuple[float | None, concurrent.futures.Future,
                                    concurrent.futures.Future]:
    """Hand HiGHS the model and start the scaling check: seconds taken, and both as futures.

    With the LP start's ``copy`` (:mod:`~feedstock.optimizer.solve.highs_copy`)
    the runner's own hand-over (Pyomo's persistent interface, 17.6 s at 2,000
    sources) runs beside the relaxation on that copy (second_core), and the
    scaling check reads the copy's numbers (no walk). Otherwise the hand-over
    is done now and the check walks every row (6.6 s at 2,000 sources) beside
    HiGHS's solve, or first with ``threads`` 1. Its warnings are logged as soon
    as known. While the check or the hand-over runs nothing here may change the
    model (fixing variables, new components) or call Pyomo's
    generate_standard_repn (module state) -- the two never run at once: the LP
    start and the search work on HiGHS, and the dual LP comes after the wait
    in :func:`solve`. ``handed`` is done when the runner holds the model.
    Pyomo's hand-over redirects the whole process's stdout and stderr while it
    runs (``capture_output``, into the solver's log, which is off then): a line
    any thread writes meanwhile is lost (measured). So the warnings are logged
    before it starts, and the LP start waits for it before it logs. (A Ctrl-C
    while the solve waits for it in its ``finally`` leaves it to finish, up to
    ~20 s at 2,000 sources, before the process exits.)
    """
    if copy is not None:
        scaling = beside(spread_warnings, copy.ranges, threads=1)
        scaling.add_done_callback(log_warnings)
        return copy.seconds, beside(_hand_over, runner, built, reused, threads=threads), scaling
    handed = beside(_hand_over, runner, built, reused, threads=1)
    scaling = beside(numerics_warnings, built.model, threads=threads)
    scaling.add_done_callback(log_warnings)
    return handed.result(), handed, scaling


def _hand_over(runner: HighsRunner | ClassicRunner, built: BuiltModel, reused: bool
               ) -> float | None:
    """Give HiGHS the model now (or push a re-numbering to the one it holds); seconds taken.

    Done before the solve, once, so that the LP start and the portfolio's copy
    find the model there. None for another solver: it is handed the model when
    it solves. (The scaling check still walks Pyomo's rows: HiGHS drops matrix
    entries below 1e-9 on loading, the very numbers that check looks for.)
    """
    if not isinstance(runner, HighsRunner):
        return None
    began = time.perf_counter()
    if reused:
        runner.push(built.model, built.changed)
    else:
        runner.load(built.model)
    return time.perf_counter() - began



def _search(runner: HighsRunner | ClassicRunner, m: pyo.ConcreteModel, extra: dict,
            lp: LpStart | None, gap: float, left: float = math.inf) -> Outcome:
    """HiGHS's search, raced by the LP start's plan and bound when there is one.

    A rounded relaxation already within ``gap`` of the relaxation's optimum
    needs no search (the bound is proven: HiGHS solved that LP to optimality);
    nor is one started with less time ``left`` than the relaxation took (its
    presolve and root LP need at least that, and HiGHS's presolve does not
    stop on time: 125-135 s at 2,000 sources, measured). Otherwise the search
    runs with it as its start and the better plan wins
    (:func:`~feedstock.optimizer.solve.mipstart.settle`).
    """
    if lp is None:
        return runner.solve_mip(m, **extra)
    why = "no search needed" if within_gap(lp, gap) else (
        f"no search: {left:.0f} s left, less than the relaxation took"
        if lp.objective is not None and left < lp.info.get("lp_s", 0.0) else None)
    if why is not None:
        log.info("the rounded LP relaxation is the answer: %s", why)
        skipped = Outcome("time_limit", False, None, None, 0.0, why, f"highs {runner.version}")
        return settle(skipped, lp, runner, m, gap)
    return settle(runner.solve_mip(m, **extra), lp, runner, m, gap)


def _start_record(mip_start: Start | None, lp_info: dict | None, outcome: Outcome) -> dict | None:
    """What the result says about a MIP start: where from, and whether HiGHS took it."""
    if mip_start is not None:
        return {**(outcome.warm_start or {}), "source": mip_start.source,
                "matched": mip_start.matched}
    if lp_info is not None:
        return {**(outcome.warm_start or {"offered": False}), "source": "lp_relaxation",
                **lp_info}
    return None


def solved_values(m: pyo.ConcreteModel, data: ModelData) -> dict[str, dict]:
    """Solved values of every variable, by variable name and index (implied trips too)."""
    out = {}
    for name in VARIABLES:
        var = getattr(m, name)
        out[name] = {k: (0.0 if v.value is None else float(v.value)) for k, v in var.items()}
    out["n"].update(implied_trips(data, out["x"]))  # no variable: load / payload
    out["cost_lines"] = {k: linear_value(m.cost[k].expr) for k in m.LINES}
    return out


@dataclass
class _Kept:
    """One model the Resolver keeps, with the HiGHS runner that holds it."""

    built: BuiltModel
    runner: HighsRunner | None = None


class Resolver:
    """Solves scenario after scenario, re-using a model when only numbers change.

    Building the Pyomo model and handing it to HiGHS take seconds per 100k
    variables: a large share of a variant's time when the MIP search is short
    (benchmarks/persistent.py). A Resolver keeps the models of its last solves,
    built with mutable parameters (``feedstock.models.numbers``), each with the
    persistent HiGHS interface that holds it. For the next scenario it compares
    structures (``feedstock.models.numbers.structure``): when only numbers differ
    from a kept model's -- capacities, costs, prices, penalties, supply that
    keeps the same lanes busy -- it writes the new numbers and bounds into that
    model and re-solves; when the structure differs (a new site or lane, supply
    where there was none, a feedstock newly banned, another horizon) it builds
    the model again. Either way the plan is the one a cold :func:`solve` would
    find for that scenario (tests compare). Before each re-solve HiGHS forgets
    the last plan and basis, so a variant's search does not depend on which
    variants ran before it::

        from feedstock import Resolver, Scenario, sample_scenario
        base = Scenario.load(sample_scenario())
        rs = Resolver()
        for penalty in (0, 1000, 3000):
            r = rs.solve(base.with_overrides({"policy.leakage_penalty_gbp_per_t": penalty}))
            print(penalty, r.objective_gbp, r.solver["model"])  # built, reused, reused

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
        """:func:`solve` of ``sc`` on this Resolver's models and solvers."""
        return solve(sc, time_limit=time_limit, gap=gap, threads=threads, tee=self.tee,
                     cuts=self.cuts, diagnose=diagnose, resolver=self)

    def model(self, prepared: Prepared) -> tuple[BuiltModel, bool]:
        """The model of a prepared scenario: a kept one re-numbered (True) or built (False)."""
        sc, data = prepared.scenario, prepared.data
        numbers = model_numbers(data, cuts=self.cuts)
        signature = structure(data, numbers)
        for i, kept in enumerate(self._kept):
            if kept.built.signature != signature:
                continue
            updated = update_model(kept.built, sc, prepared.network, data, cuts=self.cuts,
                                   numbers=numbers)
            if updated is not None:
                kept.built = updated
                self._kept.append(self._kept.pop(i))
                self.reused += 1
                return updated, True
        if self._kept:
            log.info("no kept model has this scenario's structure: building anew")
        built = build(prepared, cuts=self.cuts, mutable=True)
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
