"""A fast first plan: the LP relaxation, trips rounded up, what it uses opened.

On a large instance HiGHS can search a long time before its first plan, and a
planner (or a time limit) wants one early. The relaxation already says where
material should go; rounding every trip count up (``n = ceil(n_LP)``) keeps
every payload row satisfied, and opening every lane contract, hub and
expansion the relaxation uses (``y, z, w = 1`` where positive) keeps their
linking rows satisfied; a plant runs (``u = 1``) where the relaxation feeds it.
One more LP with those values fixed, warm-started from the relaxation's basis,
gives the tonnes: a complete plan, handed to HiGHS as its MIP start, so the
search begins with an incumbent and its first plan costs two LPs. When that
LP has no solution (a rounded-up run below a plant's minimum, say), only the
rounded trips and openings are offered and HiGHS completes them (a sub-MIP).

The start never changes the optimum, only how soon a plan exists; a start
HiGHS cannot complete is ignored (the outcome says whether it was accepted).
The relaxation runs on the persistent HiGHS instance the MIP then uses, so the
model is handed over once.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from feedstock.models._util import keys
from feedstock.models.build import BuiltModel
from feedstock.models.variables import X_KEY
from feedstock.optimizer.solve.highs_columns import integers_relaxed
from feedstock.optimizer.solve.runners import HighsRunner, _scheduler_for

log = logging.getLogger(__name__)

ROUNDED = ("n",)  # integer counts, rounded up
OPENED = ("y", "z", "w")  # binaries opened where the relaxation uses them
EPS = 1e-6


def relax_and_round(built: BuiltModel, runner: HighsRunner, *,
                    budget_s: float | None = None) -> tuple[dict | None, dict]:
    """The rounded relaxation of ``built`` as a MIP start, and what it took.

    Hands the model to ``runner``'s HiGHS (if it does not hold it already) and
    rounds there (:func:`rounded_plan`), within ``budget_s`` (a third of the
    time limit by default). ``start`` is a complete plan (every column:
    ``{"columns": ...}``) when the completing LP solved, else the rounded trips
    and openings alone (HiGHS completes them with a sub-MIP), or None when the
    relaxation did not solve. ``info``: ``handoff_s``, ``lp_s``, ``round_s``,
    ``lp_objective_gbp``, ``start_objective_gbp``, ``complete``.
    """
    m = built.model
    t0 = time.perf_counter()
    runner.load(m)
    handoff = time.perf_counter() - t0
    budget = budget_s if budget_s is not None else max(1.0, runner.opts.time_limit_s / 3)
    _scheduler_for(runner.opts.threads)  # HiGHS starts its thread pool on the first run
    highs = runner.solver._solver_model  # Pyomo exposes no API for integrality
    if runner.opts.threads:
        highs.setOptionValue("threads", runner.opts.threads)
    found = rounded_plan(built, highs, runner.solver._pyomo_var_to_solver_var_map, budget)
    info = {"handoff_s": handoff, **found.info}
    if found.plan is not None:
        return {"columns": found.plan}, info
    if found.rounded is None:
        return None, info
    start: dict[str, dict] = {}  # the rounded trips and openings; HiGHS finds the rest
    for (name, key), value in found.rounded.items():
        if name != "u":
            start.setdefault(name, {})[key] = value
    log.info("rounded plan not feasible as it stands (a minimum run?): offering %d trips "
             "and openings for HiGHS to complete", sum(len(v) for v in start.values()))
    return start, info


@dataclass(frozen=True)
class Rounded:
    """What :func:`rounded_plan` found.

    ``plan``: a complete plan by HiGHS column (None: the completing LP failed);
    ``relaxation``: the LP relaxation's column values (None: it did not solve);
    ``rounded``: the rounded discrete values by (variable name, index);
    ``info``: seconds and objectives (``lp_s``, ``round_s``, ``lp_objective_gbp``,
    ``start_objective_gbp``, ``trimmed_objective_gbp``, ``complete``, ``integers``);
    ``basis``: the completing LP's optimal basis (every integer fixed): a warm
    start for the fixed-integer LP of marginal values once the MIP is solved.
    """

    plan: np.ndarray | None
    relaxation: np.ndarray | None
    rounded: dict | None
    info: dict
    basis: Any = None


def rounded_plan(built: BuiltModel, highs: Any, column: dict, budget: float) -> Rounded:
    """The LP relaxation of the model ``highs`` holds, rounded and completed.

    ``highs`` holds ``built``'s model with columns numbered by ``column``
    (Pyomo variable id -> column): the runner's own instance, or a copy of it
    (the portfolio's helper, :mod:`feedstock.optimizer.solve.portfolio`). Solves
    the relaxation, rounds, completes the plan with one more LP (the rounded
    values fixed, every continuous column free, warm-started from the
    relaxation's basis: a few pivots) and trims it (:func:`trim`). Integrality
    and bounds are restored before returning.
    """
    m = built.model
    ints = [(name, k, v) for name in (*ROUNDED, *OPENED, "u")
            for k, v in getattr(m, name).items() if not v.is_continuous()]
    cols = np.array([column[id(v)] for _, _, v in ints], dtype=np.int32)
    info: dict[str, Any] = {"integers": len(ints)}
    t1 = time.perf_counter()
    plan = rounded = basis = None
    with integers_relaxed(highs, cols) as (lower, upper):
        values = _run_lp(highs, budget, solver="ipm")
        info["lp_s"] = time.perf_counter() - t1
        if values is None:
            log.info("LP relaxation for a MIP start did not solve: no start")
            return Rounded(None, None, None, info)
        info["lp_objective_gbp"] = float(highs.getInfo().objective_function_value)
        t2 = time.perf_counter()
        rounded = np.array([_round(name, float(values[c]), lo, hi) for (name, _, _), c, lo, hi
                            in zip(ints, cols, lower, upper, strict=True)])
        highs.changeColsBounds(len(cols), cols, rounded, rounded)
        plan = _run_lp(highs, max(0.5, budget - (time.perf_counter() - t1)))
        info["round_s"] = time.perf_counter() - t2
        if plan is not None:
            info["start_objective_gbp"] = float(highs.getInfo().objective_function_value)
            basis = highs.getBasis()
    by_name = {(name, key): float(r) for (name, key, _), r in zip(ints, rounded, strict=True)}
    info["complete"] = plan is not None
    if plan is None:
        return Rounded(None, values, by_name, info)
    plan = trim(built, column, plan)
    lp = highs.getLp()  # a copy of the whole model: only once there is a plan to price
    cost = np.asarray(lp.col_cost_, dtype=float)
    info["trimmed_objective_gbp"] = float(cost @ plan + lp.offset_)
    log.info("LP relaxation %.1f s, rounded plan %.1f s: objective %.0f (LP bound %.0f)",
             info["lp_s"], info["round_s"], info["trimmed_objective_gbp"],
             info["lp_objective_gbp"])
    return Rounded(plan, values, by_name, info, basis)


def _round(name: str, value: float, lo: float, hi: float) -> float:
    """Trips up to whole vehicles; a yes/no decision yes where the relaxation uses it."""
    r = math.ceil(value - EPS) if name in ROUNDED else float(value > EPS)
    return float(min(max(r, lo), hi))


def _run_lp(highs: Any, budget: float, solver: str = "choose") -> np.ndarray | None:
    """Solve the LP HiGHS holds within ``budget`` s; its column values, or None.

    The relaxation runs interior point then crossover (a vertex, which rounds
    better than an interior point): 7 s against 20 s for dual simplex on the
    500-source benchmark (measured). The rounded LP starts from that basis.
    """
    import highspy

    # HiGHS holds an LP to its clock summed over every run on the instance
    highs.setOptionValue("time_limit", highs.getRunTime() + budget)
    highs.setOptionValue("solver", solver)
    highs.setOptionValue("run_crossover", "on")
    highs.setOptionValue("presolve", "choose")
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return np.asarray(highs.getSolution().col_value, dtype=float)


def trim(built: BuiltModel, column: dict, plan: np.ndarray) -> np.ndarray:
    """Trips cut back to what the plan's tonnes need; decisions nothing uses closed.

    The completing LP keeps every rounded-up trip, even where it moved the
    tonnes elsewhere. ``n = ceil(load / payload)`` still carries the load; a
    contract with no trips and a hub with no intake (arrivals in transit
    count) can close; a plant-week with no feed stops running (expansions are
    left as rounded). Every row stays satisfied and the cost only falls.
    """
    m, d = built.model, built.data
    plan = plan.copy()
    x_col = {k: column[id(v)] for k, v in m.x.items()}
    load: dict[tuple, float] = {}
    for a, f, t in m.x:
        load[a, t] = load.get((a, t), 0.0) + max(plan[x_col[a, f, t]], 0.0)
    payload = dict(zip(zip(d.trips["arc"], d.trips["period"], strict=True), d.trips["payload_t"],
                       strict=True))
    used_arcs: set = set()
    for (a, t), v in m.n.items():
        c = column[id(v)]
        need = load.get((a, t), 0.0) / payload[a, t]
        trips = math.ceil(need - 1e-9) if not v.is_continuous() else need
        plan[c] = min(plan[c], max(trips, v.lb or 0.0))
        if plan[c] > EPS:
            used_arcs.add(a)
    for a, v in m.y.items():
        if a not in used_arcs and (v.lb or 0.0) == 0.0:
            plan[column[id(v)]] = 0.0
    intake: dict = d.arriving.groupby("site_id")["tonnes"].sum().to_dict()
    for dest, key in zip(d.flows["destination"], keys(d.flows, X_KEY), strict=True):
        intake[dest] = intake.get(dest, 0.0) + max(plan[x_col[key]], 0.0)
    for h, v in m.z.items():
        if intake.get(h, 0.0) <= EPS and (v.lb or 0.0) == 0.0:
            plan[column[id(v)]] = 0.0
    feed: dict = {}
    for (p, _f, t), v in m.q.items():
        feed[p, t] = feed.get((p, t), 0.0) + max(plan[column[id(v)]], 0.0)
    for (p, t), v in m.u.items():
        if feed.get((p, t), 0.0) <= EPS and (v.lb or 0.0) == 0.0:
            plan[column[id(v)]] = 0.0
    return plan
