"""``plan_strategy``: what to build, where and when, over the ``[strategy]`` years.

One future: the deterministic build-over-time model, solved
through the one pipeline (:func:`feedstock.optimizer.solve.pipeline.solve` with
``strategic=True``): every constraint family of the weekly model with the
period a year (or quarter), plus the build decisions of
``feedstock.models.build_choice``. The result is a :class:`StrategyResult`:
the solved :class:`Result` (whose tables the independent checker re-checks) and
the per-year tables a planner reads. Several futures (futures.toml): the
two-stage stochastic program and its measures (:mod:`.hedge`).

>>> from feedstock import load_scenario, plan_strategy
>>> s = plan_strategy(load_scenario("data/uk-2035"))
>>> s.builds[["site_id", "option", "decided_year", "online_from"]]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from feedstock.optimizer.base.errors import InfeasibleError
from feedstock.optimizer.results.result import Result
from feedstock.optimizer.scenario import Scenario
from feedstock.optimizer.scenario.futures import FILE as FUTURES
from feedstock.optimizer.scenario.futures import Futures, read_futures
from feedstock.optimizer.solve.futures import evaluate
from feedstock.optimizer.solve.pipeline import solve, solver_options
from feedstock.optimizer.strategy import tables
from feedstock.optimizer.strategy.hedge import REGRET_COLUMNS, Hedge, cases_of, hedge
from feedstock.optimizer.strategy.hedge import measures as hedge_measures

REFERENCE = "base"  # the one future's name while futures.toml is not given


@dataclass(frozen=True, eq=False)
class StrategyResult:
    """A strategic plan: the solved plans and their tidy per-year tables (units in column names).

    ``result``: the reference future's plan (with one future, the plan). With
    futures, ``results`` holds every future's plan in the stochastic program
    (one first stage, recourse per future), every table has a ``future``
    column, ``regret`` is the regret table and ``hedge`` keeps the solves (WS,
    RP) behind ``measures``.
    """

    result: Result
    builds: pd.DataFrame
    capacity: pd.DataFrame
    flows_by_year: pd.DataFrame
    leakage_by_year: pd.DataFrame
    cost_by_year: pd.DataFrame
    commitments: pd.DataFrame
    measures: dict[str, Any] = field(default_factory=dict)
    results: Mapping[str, Result] = field(default_factory=dict)
    regret: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REGRET_COLUMNS))
    hedge: Hedge | None = None

    @property
    def scenario(self) -> Scenario:
        """The scenario as the strategic run read it (continuous trips, transit inside a year)."""
        assert self.result.source is not None
        return self.result.source

    @property
    def years(self) -> list[int]:
        """The calendar years of the horizon."""
        s = self.scenario.config.strategy
        return list(range(s.first_year, s.last_year + 1))

    @property
    def objective_gbp(self) -> float:
        """Expected discounted cost over the futures (one future: its cost), GBP."""
        return float(self.measures.get("rp_gbp", self.result.objective_gbp))

    @property
    def futures(self) -> list[str]:
        """The futures' names (one future: ``base``)."""
        return list(self.results) or [REFERENCE]


def plan_strategy(sc: Scenario, *, futures: Futures | str | Path | None = "auto",
                  time_limit: float | None = None, gap: float | None = None,
                  threads: int | None = None, progress: bool | TextIO | None = None,
                  workers: int = 1, ranks: int | None = None) -> StrategyResult:
    """Solve the strategic model of ``sc`` (it needs ``[strategy]`` in scenario.toml).

    ``futures``: ``"auto"`` reads futures.toml beside the scenario when there is
    one; a path reads that file; a :class:`Futures` is used as given; ``None``
    (or no file) plans for one future, the scenario itself. With more than one
    future the plan is the two-stage stochastic program's (builds up to
    ``commit_until`` shared, the rest per future) and ``measures`` holds RP,
    EEV, VSS, WS, EVPI and the regret table
    (:mod:`feedstock.optimizer.strategy.hedge`); ``workers`` processes run its
    solves side by side (the answer does not depend on it). ``ranks``: the
    stochastic program by progressive hedging on that many MPI ranks instead
    (mpi-sppy, :mod:`.ph`; for many futures): its first stage, RP's bounds and
    gap, and the reference future's plan with that first stage; EEV, WS and the
    regret table are not computed on that path.

    Raises as :func:`feedstock.solve` does: :class:`InfeasibleError` with the
    elastic diagnosis, :class:`NoPlanError`, ... never a plan that is not one.
    """
    if sc.config.strategy is None:
        raise ValueError(f"{sc.name}: scenario.toml has no [strategy] table, so there are no "
                         "years to plan (docs/scenario-format.md, Strategic planning)")
    chosen = futures_of(sc, futures)
    if chosen is not None and len(chosen) == 1:  # one future: the deterministic model of it
        only = chosen.futures[0]
        sc = sc.with_overrides(dict(only.overrides)) if only.overrides else sc
    if chosen is None or len(chosen) == 1:
        r = solve(sc, time_limit=time_limit, gap=gap, threads=threads, progress=progress,
                  strategic=True)
        return _one(r)
    if ranks is not None:
        return _by_ph(sc, chosen, ranks=ranks, time_limit=time_limit, gap=gap, threads=threads)
    h = hedge(sc, chosen, time_limit=time_limit, gap=gap, threads=threads, progress=progress,
              workers=workers)
    return _hedged(h)


def _by_ph(sc: Scenario, futures: Futures, *, ranks: int, time_limit: float | None,
           gap: float | None, threads: int | None) -> StrategyResult:
    """Progressive hedging's first stage, bounds and gap; the reference future's plan."""
    from feedstock.optimizer.scenario.overrides import parse
    from feedstock.optimizer.strategy.ph import solve_ph

    if sc.source == "<memory>":
        raise ValueError("progressive hedging loads the scenario on every MPI rank: give a "
                         "scenario folder, not one made in memory")
    opts = solver_options(sc, time_limit=time_limit, gap=gap, threads=threads)
    base = {f"{o.where} {o.op}": o.value for o in parse([x["override"] for x in sc.overrides])}
    s = sc.config.strategy
    commit = s.first_stage_until
    out = solve_ph(sc.source, futures, ranks=ranks, commit_until=commit, gap=opts.mip_rel_gap,
                   time_limit=opts.time_limit_s, base_overrides=base)
    first = {f"{b['site_id']}/{b['option']}@{b['year']}": 1.0 for b in out["first_stage"]}
    ref = next(c for c in cases_of(sc, futures) if c.name == futures.reference.name)
    held = evaluate(ref, first, commit, time_limit=time_limit, gap=gap, threads=threads)
    if held is None:
        raise InfeasibleError(f"progressive hedging's first stage ({', '.join(first)}) leaves "
                              f"the reference future {ref.name!r} without a plan")
    one = _one(held.results[ref.name])
    m = {**one.measures, "status": "within_gap" if out["gap"] <= opts.mip_rel_gap else
         "feasible", "gap": out["gap"], "bound_gbp": out["outer_bound_gbp"],
         "rp_gbp": out["inner_bound_gbp"], "eev_gbp": None, "vss_gbp": None, "ws_gbp": None,
         "evpi_gbp": None, "vss_range_gbp": None, "evpi_range_gbp": None,
         "futures": {f.name: {"probability": f.probability, "cost_gbp": None, "ws_gbp": None,
                              "own_first_stage": []} for f in futures.futures},
         "reference": ref.name, "first_stage": out["first_stage"],
         "regret_gbp": {}, "most_regretted": {"plan_of": None, "expected_regret_gbp": None},
         "progressive_hedging": {k: out[k] for k in ("iterations", "seconds", "ranks",
                                                     "inner_bound_gbp", "outer_bound_gbp")},
         "note": "progressive hedging (mpi-sppy): RP's bounds and first stage; EEV, WS and "
                 "the regret table need the extensive form (run without --ranks)"}
    return dataclasses.replace(one, measures=m)


def futures_of(sc: Scenario, futures: Futures | str | Path | None) -> Futures | None:
    """The futures ``plan_strategy`` plans for (None: the scenario alone)."""
    if futures is None or isinstance(futures, Futures):
        return futures
    if isinstance(futures, str) and futures == "auto":
        path = Path(sc.source) / FUTURES if sc.source != "<memory>" else None
        if path is None or not path.is_file():
            return None
        return read_futures(path, sc)
    return read_futures(futures, sc)


def _one(r: Result) -> StrategyResult:
    """One future: the deterministic plan, VSS = EVPI = 0 by definition."""
    src = r.source
    assert src is not None
    builds = tables.builds(src, r)
    return StrategyResult(
        result=r, builds=builds, capacity=tables.capacity(src, r),
        flows_by_year=tables.flows_by_year(src, r),
        leakage_by_year=tables.leakage_by_year(src, r),
        cost_by_year=tables.cost_by_year(src, r), commitments=tables.commitments(src, r),
        measures=measures(src, r, builds), regret=_one_regret(src, r, builds))


def _one_regret(sc: Scenario, r: Result, builds: pd.DataFrame) -> pd.DataFrame:
    """One future's regret table: its own plan in its own future, no regret."""
    s = sc.config.strategy
    commit = s.first_stage_until
    first = builds[builds["decided_year"] <= commit]
    plan = " + ".join(sorted(f"{a}/{b}@{y}" for a, b, y in zip(
        first["site_id"], first["option"], first["decided_year"], strict=True))) or "nothing"
    return pd.DataFrame([{"plan_of": REFERENCE, "first_stage": plan, "future": REFERENCE,
                          "probability": 1.0, "cost_gbp": r.objective_gbp,
                          "bound_gbp": r.bound_gbp, "ws_gbp": r.objective_gbp,
                          "regret_gbp": 0.0, "status": r.status}], columns=REGRET_COLUMNS)


def _hedged(h: Hedge) -> StrategyResult:
    """Futures: every table per future (a ``future`` column); commitments = the first stage."""
    results = dict(h.rp.results)
    made = {name: (r.source, r) for name, r in results.items()}

    def each(fn) -> pd.DataFrame:
        return pd.concat([fn(src, r).assign(future=name) for name, (src, r) in made.items()],
                         ignore_index=True).pipe(lambda d: d[["future", *d.columns[:-1]]])

    ref = results[h.reference]
    src = ref.source
    assert src is not None
    builds = each(tables.builds)
    first = builds[(builds["future"] == h.reference)
                   & (builds["decided_year"] <= h.commit_until)]
    s = src.config.strategy
    return StrategyResult(
        result=ref, builds=builds, capacity=each(tables.capacity),
        flows_by_year=each(tables.flows_by_year), leakage_by_year=each(tables.leakage_by_year),
        cost_by_year=each(tables.cost_by_year),
        commitments=tables.commitments_of(first),
        measures=hedge_measures(h, (s.first_year, s.last_year), s.discount_rate,
                                _first_stage_list(first)),
        results=results, regret=h.regret, hedge=h)


def _first_stage_list(first: pd.DataFrame) -> list[dict]:
    return [{"option": o, "site_id": site, "year": int(y)} for site, o, y in
            zip(first["site_id"], first["option"], first["decided_year"], strict=True)]


def measures(sc: Scenario, r: Result, builds: pd.DataFrame) -> dict[str, Any]:
    """measures.json: RP, EEV, VSS, WS, EVPI of docs/results.md for one future.

    With one future (probability 1) the stochastic program is the deterministic
    model: RP = EEV = WS = its cost, so VSS = EVPI = 0 exactly, by definition.
    """
    s = sc.config.strategy
    commit = s.first_stage_until
    first = builds[builds["decided_year"] <= commit]
    cost = float(r.objective_gbp)
    return {
        "status": r.status, "gap": float(r.gap), "bound_gbp": float(r.bound_gbp),
        "rp_gbp": cost, "eev_gbp": cost, "vss_gbp": 0.0, "ws_gbp": cost, "evpi_gbp": 0.0,
        "vss_range_gbp": [0.0, 0.0], "evpi_range_gbp": [0.0, 0.0],
        "futures": {REFERENCE: {"probability": 1.0, "cost_gbp": cost, "ws_gbp": cost,
                                "own_first_stage": sorted(
                                    f"{a}/{b}@{y}" for a, b, y in zip(
                                        first["site_id"], first["option"],
                                        first["decided_year"], strict=True))}},
        "reference": REFERENCE, "commit_until": commit,
        "first_stage": _first_stage_list(first),
        "regret_gbp": {REFERENCE: {REFERENCE: 0.0}},
        "most_regretted": {"plan_of": REFERENCE, "expected_regret_gbp": 0.0},
        "discount_rate": s.discount_rate, "years": [s.first_year, s.last_year], "note": None,
    }
