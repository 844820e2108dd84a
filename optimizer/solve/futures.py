r"""The two-stage stochastic program over futures: the extensive form in one Pyomo model.

Each future :math:`\omega` is the strategic model of its own scenario (the one
pipeline's :func:`~feedstock.optimizer.solve.pipeline.prepare` and
:func:`~feedstock.optimizer.solve.pipeline.build`, every constraint family
unchanged), a block of one model. Builds decided in years up to
``commit_until`` are the first stage: one value in every future,

.. math:: w^{\omega}_{k@y} = w^{\omega_0}_{k@y} \qquad \forall \omega,\ y \le
          \text{commit\_until} \qquad \text{(nonanticipativity)}

and the objective is the expected discounted cost :math:`\sum_\omega \pi_\omega
C_\omega`. Later builds and every flow are the future's own. HiGHS solves the
whole; each future's plan becomes a :class:`Result` the independent checker
re-checks like any plan.

``fixed`` turns the same code into the evaluation of a given first stage (EEV,
the regret table): the first-stage builds are fixed, each future then stands
alone (:func:`evaluate`).

A future whose options differ (a future that changes a lead time may have an
option-year that buys nothing inside the horizon, so no variable) is linked only
where it has the variable: a build that is never online costs nothing there.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TextIO

import pyomo.environ as pyo

from feedstock.models.build import BuiltModel
from feedstock.models.sets import ModelData
from feedstock.optimizer.base.errors import InfeasibleError
from feedstock.optimizer.results.result import Result, gap_of, make_result
from feedstock.optimizer.scenario import Scenario
from feedstock.optimizer.solve.pipeline import build, prepare, solved_values, solver_options
from feedstock.optimizer.solve.progress import progress_for
from feedstock.optimizer.solve.runners import runner_for
from feedstock.optimizer.solve.status import plan_status, raise_if_no_plan
from feedstock.optimizer.solve.warmstart import PreviousPlan, shifted_start

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FutureCase:
    """One future to solve: its name, probability and (strategic) scenario."""

    name: str
    probability: float
    scenario: Scenario


@dataclass(frozen=True, eq=False)
class Extensive:
    r"""A solved stochastic program (or a fixed first stage evaluated in its futures).

    ``objective_gbp``: the expected discounted cost :math:`\sum_\omega \pi_\omega
    C_\omega`; ``bound_gbp`` HiGHS's proven bound on it; ``results`` each
    future's plan; ``first_stage`` the shared builds (w key -> 0/1).
    """

    status: str
    objective_gbp: float
    bound_gbp: float
    gap: float
    seconds: float
    size: Mapping[str, int]
    results: Mapping[str, Result]
    first_stage: Mapping[str, float]

    @property
    def cost_gbp(self) -> dict[str, float]:
        """Each future's discounted cost, GBP."""
        return {name: r.objective_gbp for name, r in self.results.items()}


def future_model(sc: Scenario) -> BuiltModel:
    """The strategic Pyomo model of one future's scenario (objective ``total_cost``)."""
    return build(prepare(sc, strategic=True))


def first_stage_keys(data: ModelData, commit_until: int) -> list[str]:
    """The builds (``w`` keys) decided in years up to ``commit_until``: the first stage."""
    ex = data.expansions
    return [k for k, y in zip(ex["key"], ex["decided"], strict=True) if int(y) <= commit_until]


def solve_extensive(cases: Sequence[FutureCase], commit_until: int, *,
                    fixed: Mapping[str, float] | None = None, time_limit: float | None = None,
                    gap: float | None = None, threads: int | None = None,
                    progress: bool | TextIO | None = None,
                    start: Sequence[Result] | None = None,
                    floors: Sequence[float] | None = None) -> Extensive:
    """The extensive form of ``cases`` (one model, first stage shared), solved by HiGHS.

    ``fixed``: first-stage builds (key -> 0/1) to hold; keys of the first stage
    it does not name are held at 0. ``start``: one plan per future that share
    a first stage (e.g. a first stage held in every future): their discrete
    values are offered to HiGHS as a MIP start (it fixes them and solves the LP
    for the rest). The start changes how soon HiGHS holds a good plan, never
    its bound: the gap is HiGHS's own. ``floors``: a proven lower bound on each
    future's cost alone (its perfect-foresight solve's bound), added as the
    valid inequality ``C_ω >= floor_ω`` (row ``future_floor[ω]``): every plan
    of future ω costs at least its optimum alone, so no plan is cut off, and
    HiGHS's bound starts from ``Σ π_ω floor_ω`` instead of the much weaker LP
    relaxation of the joined model (build decisions with economies of scale).
    The bound reported is never below ``Σ π_ω floor_ω`` either (HiGHS stopped by
    its time limit before its root LP on 50 futures reports a far weaker one).

    Raises :class:`InfeasibleError` when no one
    first stage works in every future (or ``fixed`` does not work in one),
    :class:`NoPlanError` when no plan is found in time; solver options come
    from the first future's scenario.toml, as for ``solve``.
    """
    if not cases:
        raise ValueError("no futures to solve")
    total = sum(c.probability for c in cases)
    if abs(total - 1.0) > 1e-9 and fixed is None:
        raise ValueError(f"the futures' probabilities add to {total}, not 1")
    opts = solver_options(cases[0].scenario, time_limit=time_limit, gap=gap, threads=threads)
    began = time.perf_counter()
    prepared = [prepare(c.scenario, strategic=True) for c in cases]
    models = [build(p) for p in prepared]
    ef, keys = _join(cases, models, commit_until, fixed)
    if floors is not None:
        ef.FUTURES = pyo.RangeSet(0, len(models) - 1)
        ef.future_floor = pyo.Constraint(ef.FUTURES, rule=lambda _m, i: (
            models[i].model.total_cost.expr >= float(floors[i]))
            if math.isfinite(floors[i]) else pyo.Constraint.Skip)
    build_seconds = time.perf_counter() - began
    size = {k: sum(b.size[k] for b in models) for k in models[0].size}
    size["nonanticipativity_rows"] = len(ef.nonanticipativity)
    runner = runner_for(opts)
    extra: dict = {} if start is None else {"start": {"vars": _start_values(models, start)}}
    with progress_for(progress) as shown:
        if shown is not None:
            extra["progress"] = shown
        outcome = runner.solve_mip(ef, **extra)
    if outcome.warm_start is not None:
        log.info("extensive form: MIP start %s", "accepted" if outcome.warm_start["accepted"]
                 else "not accepted")
    status = plan_status(outcome)
    if status in ("infeasible", "infeasible_or_unbounded"):
        raise InfeasibleError(_no_shared_plan(cases, commit_until, fixed))
    raise_if_no_plan(status, outcome, opts, size)
    solver = {"name": outcome.solver, "termination": outcome.detail, **opts.__dict__,
              "model": "built", "extensive_form": True, "futures": len(cases)}
    results = {}
    for case, p, b in zip(cases, prepared, models, strict=True):
        values = solved_values(b.model, b.data)
        own = float(pyo.value(b.model.total_cost.expr))
        r = make_result(p.scenario, b, values, {}, status=status, objective=own, bound=None,
                        seconds={"build": build_seconds, "solve": outcome.seconds, "duals": 0.0},
                        solver=solver,
                        notes=(f"future {case.name} (probability {case.probability:g}): its "
                               "plan in the stochastic program; the gap is the program's",))
        results[case.name] = dataclasses.replace(r, gap=gap_of(outcome.objective,
                                                                outcome.bound), status=status)
    first = models[0]
    shared = {k: round(float(first.model.w[k].value or 0.0)) for k in keys.get(0, [])}
    for i, b in enumerate(models[1:], start=1):
        shared.update({k: round(float(b.model.w[k].value or 0.0)) for k in keys.get(i, [])
                       if k not in shared})
    bound = outcome.bound if outcome.bound is not None else outcome.objective
    if floors is not None and all(math.isfinite(f) for f in floors):
        # every plan of the program costs at least each future's proven optimum alone,
        # weighted: HiGHS's bound can be weaker when it stops before its root LP is done
        bound = max(bound, sum(c.probability * f for c, f in zip(cases, floors, strict=True)))
    return Extensive(status=status, objective_gbp=float(outcome.objective),
                     bound_gbp=float(bound), gap=gap_of(outcome.objective, bound),
                     seconds=time.perf_counter() - began, size=size, results=results,
                     first_stage=shared)


def evaluate(case: FutureCase, first_stage: Mapping[str, float], commit_until: int, *,
             time_limit: float | None = None, gap: float | None = None,
             threads: int | None = None) -> Extensive | None:
    """The first stage ``first_stage`` held in one future: its best recourse (None: none).

    A first stage that leaves the future without a plan (infeasible) gives None:
    the regret table shows it as no plan rather than stopping the run.
    """
    one = FutureCase(case.name, 1.0, case.scenario)
    try:
        return solve_extensive([one], commit_until, fixed=first_stage, time_limit=time_limit,
                               gap=gap, threads=threads, progress=False)
    except InfeasibleError:
        log.warning("future %s: the first stage given leaves it without a plan", case.name)
        return None


def _start_values(models: Sequence[BuiltModel], plans: Sequence[Result]) -> list[tuple]:
    """(variable, value) of every discrete variable of each block, from its future's plan."""
    out = []
    for b, r in zip(models, plans, strict=True):
        prev = PreviousPlan(lane_weeks=r.lane_weeks, decisions=r.decisions, plants=r.plants,
                            source="a first stage held in every future")
        for name, values in shifted_start(prev, b.data).values.items():
            var = getattr(b.model, name)
            out += [(var[k], v) for k, v in values.items() if k in var]
    return out


def _no_shared_plan(cases: Sequence[FutureCase], commit_until: int,
                    fixed: Mapping[str, float] | None) -> str:
    """Why an extensive form has no plan, in a planner's words."""
    names = ", ".join(c.name for c in cases)
    if fixed is not None:
        built = ", ".join(k for k, v in fixed.items() if v > 0.5) or "no builds"
        return f"Future {names}: with the first-stage builds held ({built}) no plan is possible."
    return (f"No first-stage build plan works in every future ({names}) at once: the builds "
            f"decided up to {commit_until} must be the same in all of them. Solve each future "
            "alone (feedstock strategy --override ...) to see which one has no plan.")


def _join(cases: Sequence[FutureCase], models: Sequence[BuiltModel], commit_until: int,
          fixed: Mapping[str, float] | None) -> tuple[pyo.ConcreteModel, dict[int, list[str]]]:
    """One model: each future a block, their objectives weighted, first stage linked or held."""
    ef = pyo.ConcreteModel(name="extensive form")
    keys: dict[int, list[str]] = {}
    for i, b in enumerate(models):
        b.model.total_cost.deactivate()
        ef.add_component(f"future_{i}", b.model)
        keys[i] = first_stage_keys(b.data, commit_until)
        if fixed is not None:
            for k in keys[i]:
                b.model.w[k].fix(float(fixed.get(k, 0.0)))
    ef.expected_cost = pyo.Objective(expr=pyo.quicksum(
        c.probability * b.model.total_cost.expr for c, b in zip(cases, models, strict=True)),
        sense=pyo.minimize)
    owner: dict[str, int] = {}
    links = []
    for i, ks in keys.items():
        for k in ks:
            if k in owner:
                links.append((k, i))
            else:
                owner[k] = i
    ef.NONANT = pyo.Set(initialize=[(k, i) for k, i in links], dimen=2, ordered=True)
    ef.nonanticipativity = pyo.Constraint(ef.NONANT, rule=lambda _m, k, i: (
        models[i].model.w[k] == models[owner[k]].model.w[k]))
    return ef, keys


__all__ = ["Extensive", "FutureCase", "evaluate", "first_stage_keys", "future_model",
           "solve_extensive"]
