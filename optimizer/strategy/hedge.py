"""The hedged plan over futures, and what hedging and foresight are worth (RP, EEV, WS, regret).

From one set of futures (``futures.toml``):

* **WS**: each future solved alone (perfect foresight), through the one pipeline;
  its own first stage is what it builds by ``commit_until``;
* **RP**: the two-stage stochastic program (the extensive form of
  :mod:`feedstock.optimizer.solve.futures`): one first stage, recourse per future;
  offered the best own first stage with its recourse as a MIP start, and each
  future's proven WS bound as a valid floor on its cost (WS is solved to half
  the gap for that): the joined model's LP bound alone is weak;
* **the regret table**: each distinct own first stage held in every future
  (:func:`~feedstock.optimizer.solve.futures.evaluate`); a future's own plan in
  its own future is its WS solve (nothing re-solved); **EEV** is the reference
  future's row, probability-weighted.

``VSS = EEV - RP`` and ``EVPI = RP - WS``. Every solve stops at a gap, so each
is reported with the range the bounds allow: with incumbents ``u`` and proven
bounds ``l`` (``l <= true optimum <= u``),
``VSS in [EEV_l - RP_u, EEV_u - RP_l]`` and ``EVPI in [RP_l - WS_u, RP_u - WS_l]``.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any, TextIO

import pandas as pd

from feedstock.optimizer.base.errors import InfeasibleError
from feedstock.optimizer.results.result import Result
from feedstock.optimizer.scenario import Scenario
from feedstock.optimizer.scenario.futures import Futures
from feedstock.optimizer.solve.futures import Extensive, FutureCase, evaluate, solve_extensive
from feedstock.optimizer.solve.pipeline import solve, solver_options, strategic_scenario

log = logging.getLogger(__name__)

REGRET_COLUMNS = ["plan_of", "first_stage", "future", "probability", "cost_gbp", "bound_gbp",
                  "ws_gbp", "regret_gbp", "status"]
HEDGED = "hedged"  # the regret table's row for the stochastic program's first stage
MAX_REGRET_PLANS = 6  # own first stages held in every future (the regret table's rows)


@dataclass(frozen=True, eq=False)
class Hedge:
    """RP, WS and the regret table of one set of futures."""

    cases: tuple[FutureCase, ...]
    reference: str
    commit_until: int
    rp: Extensive
    ws: Mapping[str, Result]
    regret: pd.DataFrame

    @property
    def probability(self) -> dict[str, float]:
        """Each future's probability."""
        return {c.name: c.probability for c in self.cases}


def cases_of(sc: Scenario, futures: Futures) -> tuple[FutureCase, ...]:
    """Each future's scenario: the scenario with its overrides, read as a strategic run reads it.

    Made strategic once here, so that each of the future's solves does not validate it again.
    """
    return tuple(FutureCase(f.name, f.probability, strategic_scenario(
        sc.with_overrides(dict(f.overrides)) if f.overrides else sc)) for f in futures.futures)


def hedge(sc: Scenario, futures: Futures, *, time_limit: float | None = None,
          gap: float | None = None, threads: int | None = None,
          progress: bool | TextIO | None = None, workers: int = 1) -> Hedge:
    """Solve every future alone (WS), the stochastic program (RP), then the regret table.

    ``workers`` > 1 runs the solves in that many processes (``concurrent.futures``,
    spawned as ``feedstock sweep`` does): HiGHS's MIP search uses one thread, so
    on 2 cores the stochastic program and the futures alone run side by side.
    The answer does not depend on ``workers``: each solve is the same model with
    the same seed, whichever process runs it.
    """
    s = sc.config.strategy
    commit = s.first_stage_until
    cases = cases_of(sc, futures)
    kw = {"time_limit": time_limit, "gap": gap, "threads": threads}
    opts = solver_options(sc, time_limit=time_limit, gap=gap, threads=threads)
    # each future alone to half the gap: its proven bound then lifts the program's own
    tight = {**kw, "gap": opts.mip_rel_gap / 2}
    with _executor(workers) as pool:
        ws_jobs = {c.name: pool.submit(_alone, c, **tight) for c in cases}
        ws = {name: job.result() for name, job in ws_jobs.items()}
        log.info("each future alone (perfect foresight): done")
        own = {name: first_stage_of(r, commit) for name, r in ws.items()}
        plans = regret_plans(cases, own, futures.reference.name)
        jobs = {(plan, c.name): pool.submit(evaluate, c, dict.fromkeys(plan, 1.0), commit, **kw)
                for plan in plans for c in cases if own[c.name] != plan}
        held = {key: job.result() for key, job in jobs.items()}
    log.info("the stochastic program: %d futures, first stage up to %d", len(cases), commit)
    rp = solve_extensive(cases, commit, progress=progress, start=_best_start(cases, own, ws, held),
                         floors=[_proven_bound(ws[c.name]) for c in cases], **kw)
    regret = _regret(cases, ws, rp, own, held)
    return Hedge(cases, futures.reference.name, commit, rp, ws, regret)


def _proven_bound(r: Result) -> float:
    """A future's proven lower bound alone: HiGHS's (another solver may report none: -inf).

    A Result without a bound carries its objective as the bound, which is no proof
    unless HiGHS said so; the floor must never cut off a plan.
    """
    return r.bound_gbp if str(r.solver.get("name", "")).startswith("highs") else -math.inf


def regret_plans(cases: tuple[FutureCase, ...], own: Mapping[str, frozenset],
                 reference: str) -> list[frozenset]:
    """The own first stages held in every future: the reference's, then the likeliest.

    Each costs a solve per future, so with many sampled futures (each may plan
    its own first stage) at most :data:`MAX_REGRET_PLANS` are held: the
    reference's (EEV needs it) and those chosen by the most probability.
    """
    weight: dict[frozenset, float] = {}
    for c in cases:
        weight[own[c.name]] = weight.get(own[c.name], 0.0) + c.probability
    ranked = sorted(weight, key=lambda p: -weight[p])
    ref = own[reference]
    return [ref, *[p for p in ranked if p != ref]][:MAX_REGRET_PLANS]


def _best_start(cases: tuple[FutureCase, ...], own: Mapping[str, frozenset],
                ws: Mapping[str, Result], held: Mapping[tuple, Extensive | None]
                ) -> list[Result] | None:
    """The plans, one per future, of the own first stage with the least expected cost.

    Every future's own first stage has been held in every other future: the best
    of them, with its recourse in each future, is a plan of the stochastic
    program, offered to HiGHS as its MIP start (None: none works in every future).
    """
    best, best_cost = None, math.inf
    for plan in dict.fromkeys(own.values()):
        if any(own[c.name] != plan and (plan, c.name) not in held for c in cases):
            continue  # not held in every future (regret_plans)
        plans = [ws[c.name] if own[c.name] == plan else (
            held[plan, c.name].results[c.name] if held[plan, c.name] is not None else None)
            for c in cases]
        if any(p is None for p in plans):
            continue
        cost = sum(c.probability * p.objective_gbp for c, p in zip(cases, plans, strict=True))
        if cost < best_cost:
            best, best_cost = plans, cost
    return best


class _Inline:
    """``submit`` runs the call now: the executor of ``workers = 1`` (no processes)."""

    def __enter__(self) -> _Inline:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    @staticmethod
    def submit(fn: Callable, *args: Any, **kwargs: Any) -> Future:
        done: Future = Future()
        try:
            done.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # raised where .result() is read, as in a pool
            done.set_exception(exc)
        return done


def _executor(workers: int) -> _Inline | ProcessPoolExecutor:
    # spawn: a forked child would inherit the parent's HiGHS and logging threads' locks
    return _Inline() if workers <= 1 else ProcessPoolExecutor(
        max_workers=workers, mp_context=get_context("spawn"))


def _alone(c: FutureCase, **kw) -> Result:
    """One future solved alone; an infeasible future is named in the error."""
    try:
        return solve(c.scenario, strategic=True, **kw)
    except InfeasibleError as exc:
        raise InfeasibleError(f"Future {c.name!r}: {exc.message}", exc.diagnosis) from None


def first_stage_of(r: Result, commit_until: int) -> frozenset[str]:
    """The builds (``site/option@year``) a plan decides in years up to ``commit_until``."""
    d = r.decisions
    d = d[(d["decision"] == "expansion") & d["chosen"].astype(bool)]
    return frozenset(k for k in d["id"] if int(str(k).rsplit("@", 1)[1]) <= commit_until)


def best_known(cases: tuple[FutureCase, ...], ws: Mapping[str, Result], rp: Extensive,
               held: Mapping[tuple, Extensive | None]) -> dict[str, float]:
    """Each future's best plan found by any solve: its WS incumbent, or better.

    Every plan of a future (its own, a first stage held in it, its part of the
    stochastic program) is a plan of that future alone, so the least of them is
    the tightest known upper bound on its perfect-foresight optimum (the solves
    stop at a gap: another solve may have found a better plan than its own).
    """
    best = {c.name: min(ws[c.name].objective_gbp, rp.results[c.name].objective_gbp)
            for c in cases}
    for (_plan, name), e in held.items():
        if e is not None:
            best[name] = min(best[name], e.objective_gbp)
    return best


def _regret(cases: tuple[FutureCase, ...], ws: Mapping[str, Result], rp: Extensive,
            own: Mapping[str, frozenset], held: Mapping[tuple, Extensive | None]
            ) -> pd.DataFrame:
    """Each future's own first stage (and the hedged one) in every future.

    A future's own first stage in its own future is its WS solve; ``held`` has
    the others (None: that first stage leaves the future without a plan).
    Regret is against the future's best known plan (:func:`best_known`), so it
    is never negative.
    """
    best = best_known(cases, ws, rp, held)
    hedged = frozenset(k for k, v in rp.first_stage.items() if v > 0.5)
    rows = [_row(HEDGED, hedged, c, (rp.results[c.name].objective_gbp, math.nan, rp.status),
                 best) for c in cases]  # the hedged plan's recourse is the program's own
    for plan_of in (c.name for c in cases):
        plan = own[plan_of]
        if any(own[c.name] != plan and (plan, c.name) not in held for c in cases):
            continue  # this first stage was not held in every future (regret_plans)
        for c in cases:
            if own[c.name] == plan:
                w = ws[c.name]
                got = (w.objective_gbp, w.bound_gbp, w.status)
            else:
                e = held[plan, c.name]
                got = (e.objective_gbp, e.bound_gbp, e.status) if e is not None else \
                    (math.inf, math.inf, "infeasible")
            rows.append(_row(plan_of, plan, c, got, best))
    return pd.DataFrame(rows, columns=REGRET_COLUMNS)


def _row(plan_of: str, plan: frozenset, c: FutureCase, got: tuple[float, float, str],
         best: Mapping[str, float]) -> dict:
    cost, bound, status = got
    return {"plan_of": plan_of, "first_stage": " + ".join(sorted(plan)) or "nothing",
            "future": c.name, "probability": c.probability, "cost_gbp": cost,
            "bound_gbp": bound, "ws_gbp": best[c.name], "regret_gbp": cost - best[c.name],
            "status": status}


def measures(h: Hedge, years: tuple[int, int], discount_rate: float,
             first_stage: list[dict]) -> dict:
    """measures.json: RP, EEV, VSS, WS, EVPI (with the ranges the gaps allow) and the regret."""
    p = h.probability
    rp_u, rp_l = h.rp.objective_gbp, h.rp.bound_gbp
    best = h.regret.groupby("future", sort=False)["ws_gbp"].first()
    ws_u = sum(p[n] * float(best[n]) for n in h.ws)  # the best plan known of each future
    ws_l = sum(p[n] * r.bound_gbp for n, r in h.ws.items())
    table = h.regret[h.regret["plan_of"] != HEDGED]
    ref = table[table["plan_of"] == h.reference]
    eev_u = float((ref["probability"] * ref["cost_gbp"]).sum())
    eev_l = float((ref["probability"] * ref["bound_gbp"].fillna(ref["cost_gbp"])).sum())
    expected = table.assign(w=table["probability"] * table["regret_gbp"]) \
        .groupby("plan_of", sort=False)["w"].sum()
    worst = expected.idxmax()
    finite = math.isfinite(eev_u)
    return {
        "status": h.rp.status, "gap": h.rp.gap, "bound_gbp": rp_l,
        "rp_gbp": rp_u, "eev_gbp": eev_u if finite else None,
        "vss_gbp": eev_u - rp_u if finite else None, "ws_gbp": ws_u, "evpi_gbp": rp_u - ws_u,
        "vss_range_gbp": [eev_l - rp_u, eev_u - rp_l] if finite else None,
        "evpi_range_gbp": [rp_l - ws_u, rp_u - ws_l],
        "futures": {c.name: {"probability": c.probability,
                             "cost_gbp": h.rp.results[c.name].objective_gbp,
                             "ws_gbp": float(best[c.name]),
                             "own_first_stage": sorted(first_stage_of(h.ws[c.name],
                                                                       h.commit_until))}
                    for c in h.cases},
        "reference": h.reference, "commit_until": h.commit_until, "first_stage": first_stage,
        "regret_gbp": {plan: {f: (None if not math.isfinite(v) else v) for f, v in zip(
            g["future"], g["regret_gbp"], strict=True)} for plan, g in
            table.groupby("plan_of", sort=False)},
        "most_regretted": {"plan_of": worst, "expected_regret_gbp": float(expected[worst])
                           if math.isfinite(expected[worst]) else None},
        "discount_rate": discount_rate, "years": list(years),
        "note": None if finite else (f"the reference future's ({h.reference}) own first stage "
                                     "leaves some future without a plan: EEV and VSS are "
                                     "unbounded"),
    }
