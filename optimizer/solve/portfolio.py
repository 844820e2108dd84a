"""The second core: a helper that hands the running HiGHS search better plans.

HiGHS's MIP search runs on one thread. While it searches, a helper thread works
on a copy of the same HiGHS model (``Highs.passModel``: the same columns, so a
plan is one vector both understand) and proposes plans:

1. **the rounded LP relaxation** (:func:`~feedstock.optimizer.solve.mipstart.rounded_plan`),
   from :data:`POLISH_VARIABLES` variables polished
   (:func:`~feedstock.optimizer.solve.mipstart.polish`: a small MIP on the
   integers the relaxation left fractional and the columns near them): a
   complete plan after two LPs (and that MIP), which on some instances HiGHS
   takes minutes to match (benchmarks/RESULTS.md);
2. **improvements of the search's incumbent**, alternating two neighbourhoods,
   each a small MIP that HiGHS solves on the copy: *trip re-optimisation*
   first (every yes/no decision fixed as the incumbent has it, the trip
   counts of the lanes it uses free), then *RINS* (every integer on which the
   incumbent and the relaxation agree is fixed).

Each plan reaches the search through HiGHS's user-solution callback
(``cbMipUserSolution``): HiGHS checks it and keeps it if it is better. The plan
the run returns is therefore always HiGHS's own incumbent (never worse than any
plan it saw), and the gap is HiGHS's proven bound against it.

**When.** HiGHS (1.16) asks for a user solution after setup, just before the
root LP, after every round of cuts at the root, and before each dive of the
tree search. On national instances the root's cut rounds can take the whole
time limit (measured: n200 seed 8 spent 120 s in 18 rounds at node 0 with a
plan 1.26 % from its bound; HiGHS's own sub-MIP found a 0.89 % plan only when
the clock stopped the rounds), so checkpoints are counted in calls, not
nodes: the k-th is the ``SCHEDULE[k]``-th call (2, 3, 5, 9, ...: the LP plan
before the root LP, then improvements spaced ever wider). A plan within the
gap offered during the rounds ends the search at the next round: HiGHS stops
the root as soon as its bound meets the incumbent's gap.

**Deterministic.** Those calls are the same on every run of the same input
and seed. At checkpoint k the search waits for the helper's k-th plan
(started at checkpoint k-1 from the incumbent then), offers it, and hands the
helper its incumbent for plan k+1.
The helper's MIPs are limited by nodes, not seconds. So for a given input,
seed and thread count the search sees the same plans at the same points, and
the answer is the same (a time limit, as ever, stops wherever the clock says).
``threads = 1`` turns the helper off (:func:`wanted`).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from feedstock.models.build import BuiltModel
from feedstock.optimizer.solve.mipstart import OPENED, ROUNDED, polish, rounded_plan, trim
from feedstock.optimizer.solve.neighbourhood import good_enough

log = logging.getLogger(__name__)

# the user-solution calls that are checkpoints: the 2nd (just before the root LP: the
# helper has HiGHS's presolve, trivial heuristics and feasibility jump to compute its LP
# plan in), then one improvement at each; the gaps double, so a helper slower than
# HiGHS's cut rounds holds the search up less and less
SCHEDULE = (2, 3, 5, 9, 17, 33, 65, 129)
# work limits of each improving MIP: nodes and improving plans, never seconds (a clock
# would make the answer depend on the machine's load); small, since the search waits
SUB_NODES = 100
SUB_IMPROVEMENTS = 3
# from here the first plan is polished (mipstart.polish: a small MIP around what the
# relaxation left fractional) before it is offered; the search waits for it at the
# first checkpoint. Chosen on ten seeds a size, same day, same code but this rule:
# n500 (~128,000 variables) worst 71.0 s -> 56.5 s, median 50.1 -> 49.1 s; n200 (no
# gain: median 17.1 / 17.3 s, worst 25.4 / 28.5 s); the sample (worse: median 6.7 ->
# 11.3 s, the wait for the polish). benchmarks/RESULTS.md
POLISH_VARIABLES = 100_000
MIN_FIXED = 0.5  # RINS only when the incumbent and the relaxation agree on at least half
TOL = 1e-6


def wanted(threads: int, has_integers: bool) -> bool:
    """Whether a solve runs the helper: a MIP, and more than one thread allowed."""
    return has_integers and threads != 1


def helper_for(built: BuiltModel, highs: Any, column: dict, opts: Any) -> Portfolio:
    """The helper for one run of ``opts`` (the runner's :class:`SolverOptions`)."""
    return Portfolio(built, highs, column, time_limit=opts.time_limit_s, seed=opts.seed,
                     gap=opts.mip_rel_gap)


@dataclass
class Record:
    """What the helper did: for the result's ``solver["portfolio"]``."""

    plans: list[dict] = field(default_factory=list)  # one per task: kind, objective, seconds
    offered: int = 0
    accepted: int = 0
    waited_s: float = 0.0
    copy_s: float = 0.0
    checkpoints: int = 0  # reached so far: the next one's number

    def as_dict(self) -> dict:
        """The record as JSON-ready numbers."""
        return {"plans": self.plans, "offered": self.offered, "accepted": self.accepted,
                "waited_s": round(self.waited_s, 3), "copy_s": round(self.copy_s, 3),
                "checkpoints": self.checkpoints}


class Portfolio:
    """Runs the helper beside one HiGHS MIP run: ``with Portfolio(built, highs, column):``.

    ``highs`` is the HiGHS instance about to search (holding ``built``'s model,
    columns numbered by ``column``); ``time_limit`` bounds any wait for the helper;
    ``gap`` is the search's relative gap target (0: improvements run to their limits).
    """

    def __init__(self, built: BuiltModel, highs: Any, column: dict, *, time_limit: float,
                 seed: int = 0, gap: float = 0.0, schedule: tuple[int, ...] = SCHEDULE,
                 sub_nodes: int = SUB_NODES):
        import highspy

        began = time.perf_counter()
        self.built, self.main, self.column = built, highs, column
        self.deadline = time.perf_counter() + time_limit
        self.schedule, self.sub_nodes = schedule, sub_nodes
        self.copy = highspy.Highs()
        self.copy.setOptionValue("output_flag", False)
        self.copy.passModel(highs.getModel())
        self.gap = gap  # the search's relative gap target
        for name, value in (("random_seed", seed), ("mip_max_nodes", sub_nodes),
                            ("mip_max_improving_sols", SUB_IMPROVEMENTS), ("mip_rel_gap", 1e-4)):
            self.copy.setOptionValue(name, value)
        lp = self.copy.getLp()
        self.cost = np.asarray(lp.col_cost_, dtype=float)
        self.offset = float(lp.offset_)
        self.lower = np.asarray(lp.col_lower_, dtype=float)
        self.upper = np.asarray(lp.col_upper_, dtype=float)
        self.integer_cols = self._columns((*ROUNDED, *OPENED, "u"))
        self.decision_cols = self._columns((*OPENED, "u"))
        self.trip_cols = self._columns(ROUNDED)
        self.record = Record(copy_s=time.perf_counter() - began)
        self.relaxation: np.ndarray | None = None
        self.lp_bound = -np.inf  # the relaxation's objective, once task 0 has solved it
        self.basis: Any = None  # the rounded plan's LP basis: warm-starts the dual LP
        self.incumbent: tuple[float, np.ndarray] | None = None  # the search's, as last told
        self.tasks: queue.Queue = queue.Queue()
        self.results: dict[int, tuple[float, np.ndarray] | None] = {}
        self.ready = threading.Condition()
        self.stop = threading.Event()
        self.calls = 0  # user-solution callbacks so far
        self.offer: float | None = None  # objective of the plan offered at the last checkpoint
        self.thread = threading.Thread(target=self._work, name="feedstock-portfolio",
                                       daemon=True)

    def _columns(self, names: tuple[str, ...]) -> np.ndarray:
        m = self.built.model
        return np.array(sorted(self.column[id(v)] for name in names
                               for v in getattr(m, name).values() if not v.is_continuous()),
                        dtype=np.int32)

    # --- the search's side (HiGHS's thread, inside its callbacks) ------------------------

    def __enter__(self) -> Portfolio:
        self.copy.cbMipInterrupt.subscribe(self._interrupt)
        self.copy.cbSimplexInterrupt.subscribe(self._interrupt)
        self.copy.cbIpmInterrupt.subscribe(self._interrupt)
        self.main.cbMipUserSolution.subscribe(self._checkpoint)
        self.main.cbMipImprovingSolution.subscribe(self._improved)
        self.tasks.put((0, None))
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.tasks.put(None)
        self.main.cbMipUserSolution.unsubscribe(self._checkpoint)
        self.main.cbMipImprovingSolution.unsubscribe(self._improved)
        self.thread.join()
        if self.offer is not None:  # offered at the last checkpoint: the search's final plan
            import highspy

            info = self.main.getInfo()
            self._judge(float(info.objective_function_value)
                        if info.primal_solution_status == highspy.kSolutionStatusFeasible
                        else np.inf)

    def _improved(self, e: Any) -> None:
        self._judge(float(e.data_out.objective_function_value))
        self.incumbent = (float(e.data_out.objective_function_value),
                          np.array(e.data_out.mip_solution, dtype=float))

    def _judge(self, primal: float) -> None:
        """Whether the search took the plan offered last: its primal bound is that good now.

        HiGHS keeps a user solution without calling the improving-solution callback,
        so this is read from the primal bound at the next callback (or at the end).
        """
        if self.offer is not None and not _better(self.offer, primal):
            self.record.accepted += 1
        self.offer = None

    def _checkpoint(self, e: Any) -> None:
        """At the k-th checkpoint: offer plan k, hand the helper the incumbent for k+1."""
        self._judge(float(e.data_out.mip_primal_bound))
        self.calls += 1
        k = self.record.checkpoints  # the checkpoint this call may be
        if k >= len(self.schedule) or self.calls < self.schedule[k]:
            return
        self.record.checkpoints += 1
        found = self._wait(k)
        if found is not None and _better(found[0], float(e.data_out.mip_primal_bound)):
            e.data_in.setSolution(found[1])
            self.record.offered += 1
            self.offer = found[0]
            self._consider(found)  # the next improvement starts from the better plan
        if k + 1 < len(self.schedule) and self.incumbent is not None:
            self.tasks.put((k + 1, (*self.incumbent,
                                    self._good_enough(float(e.data_out.mip_dual_bound)))))

    def _consider(self, found: tuple[float, np.ndarray]) -> None:
        if self.incumbent is None or found[0] < self.incumbent[0]:
            self.incumbent = found

    def _wait(self, k: int) -> tuple[float, np.ndarray] | None:
        began = time.perf_counter()
        with self.ready:
            self.ready.wait_for(lambda: k in self.results or self.stop.is_set(),
                                timeout=max(0.0, self.deadline - time.perf_counter()))
        self.record.waited_s += time.perf_counter() - began
        return self.results.get(k)

    # --- the helper's side (its own thread and HiGHS copy) -----------------------------

    def _interrupt(self, e: Any) -> None:
        if self.stop.is_set():
            e.interrupt()

    def _work(self) -> None:
        while (task := self.tasks.get()) is not None:
            k, start = task
            began = time.perf_counter()
            try:
                if start is not None:  # the relaxation's bound may be the better of the two
                    start = (*start[:2], max(start[2], self._good_enough(self.lp_bound)))
                found = self._lp_plan() if k == 0 else self._improve(k, *start)
            except Exception as exc:  # the helper must never break the search it serves
                log.warning("the second core's helper failed on task %d: %s", k, exc)
                log.debug("helper failure", exc_info=True)
                found = None
            kind = "lp_round" if k == 0 else self._neighbourhood(k, start[1])[0]
            self.record.plans.append({"task": k, "kind": kind, "seconds": round(
                time.perf_counter() - began, 3), "objective_gbp": found and found[0]})
            with self.ready:
                self.results[k] = found
                self.ready.notify_all()

    def _lp_plan(self) -> tuple[float, np.ndarray] | None:
        budget = max(1.0, self.deadline - time.perf_counter())
        got = rounded_plan(self.built, self.copy, self.column, budget)
        self.relaxation, self.basis = got.relaxation, got.basis
        self.lp_bound = float(got.info.get("lp_objective_gbp", -np.inf))  # a bound on the MIP
        if got.plan is None:
            return None
        if self.built.size["variables"] >= POLISH_VARIABLES:
            got = polish(self.built, self.copy, self.column, got, self.gap, self.deadline)
        return self._objective(got.plan), got.plan

    def _good_enough(self, bound: float) -> float:
        """The objective at which a plan meets the search's gap against ``bound`` (its bound now).

        An improving MIP stops there (HiGHS's ``objective_target``): the search,
        handed that plan, stops too. -inf while the search has no finite bound.
        """
        return good_enough(bound, self.gap)

    def _improve(self, k: int, objective: float, plan: np.ndarray, target: float = -np.inf
                 ) -> tuple[float, np.ndarray] | None:
        """A small MIP around ``plan``: trips re-optimised on odd tasks, RINS on even ones.

        It stops at its work limits or as soon as it has a plan at ``target``
        (:meth:`_good_enough`): no need to polish past the gap the search asks for.
        """
        import highspy

        fix = self._neighbourhood(k, plan)[1]
        if not len(fix):
            return None
        values = np.round(plan[fix])
        self.copy.changeColsBounds(len(fix), fix, values, values)
        try:
            self.copy.setOptionValue("time_limit", max(1.0, self.deadline - time.perf_counter()))
            self.copy.setOptionValue("objective_bound", objective)
            self.copy.setOptionValue("solver", "choose")  # a failed relaxation left "ipm"
            self.copy.setOptionValue("objective_target", max(target, -highspy.kHighsInf))
            self.copy.setSolution(len(plan), np.arange(len(plan), dtype=np.int32), plan)
            self.copy.run()
            ok = self.copy.getModelStatus() in (highspy.HighsModelStatus.kOptimal,
                                                highspy.HighsModelStatus.kSolutionLimit,
                                                highspy.HighsModelStatus.kObjectiveTarget,
                                                highspy.HighsModelStatus.kTimeLimit,
                                                highspy.HighsModelStatus.kInterrupt)
            feasible = self.copy.getInfo().primal_solution_status == \
                highspy.kSolutionStatusFeasible  # 1 would be an infeasible point
            if not ok or not feasible:
                return None
            # trips nothing rides on and openings nothing uses closed (a sub-MIP stops
            # at its gap and may keep them): the plan only gets cheaper
            better = trim(self.built, self.column,
                           np.asarray(self.copy.getSolution().col_value, dtype=float))
        finally:
            self.copy.changeColsBounds(len(fix), fix, self.lower[fix], self.upper[fix])
            self.copy.setOptionValue("objective_bound", highspy.kHighsInf)
            self.copy.setOptionValue("objective_target", -highspy.kHighsInf)
        found = self._objective(better)
        return (found, better) if _better(found, objective) else None

    def _neighbourhood(self, k: int, plan: np.ndarray) -> tuple[str, np.ndarray]:
        """Which columns task ``k`` fixes around ``plan``: RINS on even tasks if enough agree.

        The trips first: on n500 seeds 1 and 2 RINS took over 90 s (the search
        waiting for it) where the trip re-optimisation found the plan that ended
        the search in 30-36 s; on n200 seed 8 both found one, trips in 5.6 s
        against RINS's 28 s (measured with the machine shared).
        """
        fix = self._rins(plan) if k % 2 == 0 else None
        return ("rins", fix) if fix is not None else ("trips", self._lanes_used(plan))

    def _rins(self, plan: np.ndarray) -> np.ndarray | None:
        """The integers on which the plan and the relaxation agree (None: too few)."""
        if self.relaxation is None:
            return None
        cols = self.integer_cols
        agree = cols[np.abs(plan[cols] - self.relaxation[cols]) <= TOL]
        return agree if len(agree) >= MIN_FIXED * len(cols) else None

    def _lanes_used(self, plan: np.ndarray) -> np.ndarray:
        """Every yes/no as the plan has it, and no trip where it sends none: its trips free."""
        trips = self.trip_cols[np.abs(plan[self.trip_cols]) <= TOL]
        return np.union1d(self.decision_cols, trips).astype(np.int32)

    def _objective(self, plan: np.ndarray) -> float:
        return float(self.cost @ plan + self.offset)


def _better(objective: float, than: float) -> bool:
    """``objective`` lower than ``than`` by more than a relative tolerance (any < inf)."""
    if not np.isfinite(than):
        return np.isfinite(objective)
    return objective < than - TOL * max(1.0, abs(than))
