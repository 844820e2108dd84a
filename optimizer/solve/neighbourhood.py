"""Local LPs and MIPs around a plan: check it, mend it, improve it near where it is weak.

At 2,000 sources a whole-model LP or MIP costs a minute or more (the relaxation
71-98 s, HiGHS's MIP presolve 135 s: benchmarks/RESULTS.md), but the rounded
relaxation is wrong or weak in only a few places. Everything here fixes most
columns at the plan's values and lets HiGHS re-optimise only the columns near
those places: the rows a rounding broke (:func:`repaired`), the integers the
relaxation left fractional (:func:`polished`). HiGHS gets only the free columns
and the rows they are in, each row's bounds less what its fixed columns put
in it (:func:`restricted`): the same LP or MIP as the whole model with those
columns fixed, without handing HiGHS's presolve half a million fixed columns
to drop (2,000 sources, seed 1: the polish's MIP 3.6 s on the whole model,
measured). A row with no free column keeps its value, so it must hold at the
plan already; the callers check the result against the whole model again
(:func:`worst_violation`) before a plan is offered or reported.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

FEASIBLE = 1e-6  # t, trips or £: the most a reported rounded plan may break a row by
REPAIR_HOPS = 3  # the repair frees columns within this many rows of a broken row
# the polish frees the fractional integers and what lies within POLISH_HOPS rows of them
# through rows of at most POLISH_ROW_NONZEROS entries: a site's balance, a lane's trips,
# a plant's run; not a plant's intake (thousands of senders), which would free half
# the model (2,000 sources, seed 1: 4,576 columns free and 7.3 s to the sub-MIP's
# optimum, 0.65 % from the relaxation; through every row, 2 hops: 207,471 columns,
# no better plan in 20 s)
POLISH_HOPS = 3
POLISH_ROW_NONZEROS = 20
POLISH_NODES = 500  # a work limit, not a clock: the same plan on every run

Links = tuple[list[np.ndarray], list[np.ndarray]]  # (rows of each column, columns of each row)


def worst_violation(lp: Any, plan: np.ndarray, integer: np.ndarray | None = None) -> float:
    """How far ``plan`` breaks the worst row, column bound or integrality of ``lp``.

    The rounded plan is reported as an answer
    (:func:`~feedstock.optimizer.solve.mipstart.settle`) without HiGHS's own
    check of a MIP start, so it is checked here: row activities by the
    matrix (column- or row-wise, as HiGHS hands it out), every bound, every
    integer column whole. ``integer``: :func:`integer_mask` of ``lp``, if known
    (0.45 s at 2,000 sources: HiGHS hands out one Python object per column).
    """
    cols_lo, cols_hi = np.asarray(lp.col_lower_), np.asarray(lp.col_upper_)
    integer = integer_mask(lp) if integer is None else integer
    worst = [row_excess(lp, plan), cols_lo - plan, plan - cols_hi,
             np.abs(plan - np.round(plan))[integer]]
    return float(max((w.max() for w in worst if w.size), default=0.0))


def integer_mask(lp: Any) -> np.ndarray:
    """Which columns of ``lp`` (a HiGHS ``getLp()`` copy) are integer (an LP: none)."""
    if not len(lp.integrality_):
        return np.zeros(lp.num_col_, dtype=bool)
    return np.asarray(lp.integrality_, dtype=int) != 0


def repaired(highs: Any, values: np.ndarray, cols: np.ndarray, rounded: np.ndarray,
             budget: float, links: Links | None = None) -> np.ndarray | None:
    """The relaxation with its integers rounded, mended near the rows that breaks (None: failed).

    Rounding trips up and opening what is used keeps almost every row: on the
    2,000-source benchmark only 5 rows broke (minimum runs, by at most
    0.125 t). The completing LP re-optimises every tonne from a basis that no
    longer fits (25 s to minutes there); this LP frees only the columns within
    :data:`REPAIR_HOPS` rows of a broken row (the plant's feed, what reaches
    it, what else those senders ship: 6,257 of 484,443 columns) and fixes the
    rest at the relaxation's values: the rounding step 2.7 s there, measured.
    ``highs`` holds the integers fixed at ``rounded`` (its options are the
    LP's; it is left as it is). ``links``: :func:`incidence` of the model, if known.
    """
    lp = highs.getLp()
    plan = values.copy()
    plan[cols] = rounded
    broken = np.nonzero(row_excess(lp, plan) > FEASIBLE)[0]
    if broken.size == 0:
        return plan
    free = near(lp, broken, REPAIR_HOPS, links=links)
    free[cols] = False  # the integers stay as rounded
    sub = restricted(lp, free, plan)
    values = run_lp(instance_like(highs, sub), budget) if sub is not None else None
    mended = None
    if values is not None:
        mended = plan.copy()
        mended[free] = values
    log.info("rounded plan broke %d rows: repaired with %d of %d columns free (%s)",
             broken.size, int(free.sum()), lp.num_col_, "done" if mended is not None else
             "failed; the completing LP instead")
    return mended


def incidence(lp: Any) -> Links:
    """For each column the rows it is in, and for each row its columns (from HiGHS's matrix).

    A property of the matrix alone (0.9 s at 2,000 sources, measured): worked
    out once per LP start and shared by the repair and the polish (``links``).
    """
    col_of, row_of, _ = _entries(lp)

    def split(key: np.ndarray, other: np.ndarray, n: int) -> list[np.ndarray]:
        order = np.argsort(key, kind="stable")
        return np.split(other[order], np.cumsum(np.bincount(key, minlength=n))[:-1])

    return split(col_of, row_of, lp.num_col_), split(row_of, col_of, lp.num_row_)


def row_excess(lp: Any, plan: np.ndarray) -> np.ndarray:
    """How far each row of ``lp`` is outside its bounds at ``plan`` (0 where it holds)."""
    import highspy

    a = lp.a_matrix_
    start, index = np.asarray(a.start_), np.asarray(a.index_)
    value = np.asarray(a.value_, dtype=float)
    counts = np.diff(start)
    if a.format_ == highspy.MatrixFormat.kColwise:  # entry k: column j, row index[k]
        activity = np.bincount(index, weights=value * np.repeat(plan, counts),
                               minlength=lp.num_row_)
    else:  # row-wise: entry k is in row i, column index[k]
        rows = np.repeat(np.arange(lp.num_row_), counts)
        activity = np.bincount(rows, weights=value * plan[index], minlength=lp.num_row_)
    excess = np.maximum(np.asarray(lp.row_lower_) - activity,
                        activity - np.asarray(lp.row_upper_))
    return np.maximum(excess, 0.0)


def run_lp(highs: Any, budget: float, solver: str = "choose") -> np.ndarray | None:
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


def good_enough(bound: float, gap: float) -> float:
    """The objective (£) at which a plan meets relative ``gap`` against ``bound``, with 10 % spare.

    (objective - bound) <= gap |objective| with a tenth of the gap to spare: a
    MIP given it as its target stops there. -inf without a finite bound or gap.
    """
    if not np.isfinite(bound) or gap <= 0:
        return -np.inf
    g = 0.9 * gap
    return bound / (1 + g) if bound < 0 else bound / (1 - g)


def near(lp: Any, rows: np.ndarray | None, hops: int, longest: int | None = None,
         seeds: np.ndarray | None = None, links: Links | None = None) -> np.ndarray:
    """A mask: columns within ``hops`` rows of ``rows``, through rows of <= ``longest`` entries.

    ``seeds`` (columns) are free from the start and ``rows`` may be None: the
    rows they are in. Hop 1 frees every column in ``rows``, hop 2 every column
    in a row those columns are in, and so on. ``links``: :func:`incidence` of
    ``lp``, if known.
    """
    by_col, by_row = links if links is not None else incidence(lp)
    free = np.zeros(lp.num_col_, dtype=bool)
    if seeds is not None:
        free[seeds] = True
    if rows is None:
        rows = _rows_of(by_col, np.nonzero(free)[0])
    length = np.array([len(r) for r in by_row])
    for hop in range(hops):
        rows = rows[length[rows] <= longest] if longest is not None else rows
        if rows.size:
            free[np.concatenate([by_row[r] for r in rows])] = True
        if hop + 1 < hops:
            rows = _rows_of(by_col, np.nonzero(free)[0])
    return free


def _rows_of(by_col: list[np.ndarray], cols: np.ndarray) -> np.ndarray:
    """Every row any of ``cols`` is in."""
    if not cols.size:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.concatenate([by_col[c] for c in cols]))


def restricted(lp: Any, free: np.ndarray, plan: np.ndarray, ints: np.ndarray | None = None
               ) -> Any | None:
    """``lp`` with every column outside the mask ``free`` fixed at ``plan``, as a small HiGHS LP.

    Its columns are the free ones, in order; its rows the rows they are in,
    each row's bounds less what the fixed columns contribute at ``plan``; its
    objective's constant the fixed columns' cost (so its objective is the whole
    model's). ``ints``: the integer columns of ``lp`` (None: an LP). None when
    a row without a free column breaks at ``plan`` by more than
    :data:`FEASIBLE`: no value of the free columns can mend it.
    """
    import highspy

    col_of, row_of, value = _entries(lp)
    lower, upper = np.asarray(lp.row_lower_, dtype=float), np.asarray(lp.row_upper_, dtype=float)
    entry_free = free[col_of]
    fixed = ~entry_free  # what the fixed columns put in each row, summed alone (no cancelling)
    fixed_in = np.bincount(row_of[fixed], weights=value[fixed] * plan[col_of[fixed]],
                           minlength=lp.num_row_)
    rows = np.unique(row_of[entry_free])
    outside = np.ones(lp.num_row_, dtype=bool)
    outside[rows] = False
    if np.any(np.maximum(lower - fixed_in, fixed_in - upper)[outside] > FEASIBLE):
        return None
    cols = np.nonzero(free)[0]
    new_row = np.full(lp.num_row_, -1, dtype=np.int64)
    new_row[rows] = np.arange(rows.size)
    new_col = np.full(lp.num_col_, -1, dtype=np.int64)
    new_col[cols] = np.arange(cols.size)
    sub_col, sub_row = new_col[col_of[entry_free]], new_row[row_of[entry_free]]
    order = np.lexsort((sub_row, sub_col))
    cost = np.asarray(lp.col_cost_, dtype=float)
    sub = highspy.HighsLp()
    sub.num_col_, sub.num_row_ = int(cols.size), int(rows.size)
    sub.col_cost_ = cost[cols]
    sub.col_lower_ = np.asarray(lp.col_lower_, dtype=float)[cols]
    sub.col_upper_ = np.asarray(lp.col_upper_, dtype=float)[cols]
    sub.row_lower_, sub.row_upper_ = lower[rows] - fixed_in[rows], upper[rows] - fixed_in[rows]
    sub.offset_ = float(lp.offset_ + cost[~free] @ plan[~free])
    sub.sense_ = lp.sense_
    sub.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    sub.a_matrix_.start_ = np.searchsorted(sub_col[order], np.arange(cols.size + 1)).astype(
        np.int32)
    sub.a_matrix_.index_ = sub_row[order].astype(np.int32)
    sub.a_matrix_.value_ = value[entry_free][order]
    if ints is not None and np.isin(cols, ints).any():
        kinds = highspy.HighsVarType
        sub.integrality_ = [kinds.kInteger if k else kinds.kContinuous
                            for k in np.isin(cols, ints)]
    return sub


def _entries(lp: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Column, row and value of every matrix entry of ``lp`` (column- or row-wise)."""
    import highspy

    a = lp.a_matrix_
    start, index = np.asarray(a.start_), np.asarray(a.index_)
    major = np.repeat(np.arange(len(start) - 1), np.diff(start))
    colwise = a.format_ == highspy.MatrixFormat.kColwise
    col_of, row_of = (major, index) if colwise else (index, major)
    return col_of, row_of, np.asarray(a.value_, dtype=float)


def instance_like(highs: Any, lp: Any) -> Any:
    """A new HiGHS instance holding ``lp``, with ``highs``'s options (its thread count too).

    Its log is off whatever ``highs``'s is (stdout may be ``--json``). Its
    ``time_limit`` is ``highs``'s, a point on *that* instance's clock (HiGHS
    sums an LP's runs): the caller sets its own (``run_lp`` does).
    """
    import highspy

    sub = highspy.Highs()
    if sub.passOptions(highs.getOptions()) != highspy.HighsStatus.kOk:
        sub.setOptionValue("threads", highs.getOptionValue("threads")[1])
    sub.setOptionValue("output_flag", False)
    sub.passModel(lp)
    return sub


def polished(highs: Any, lp: Any, plan: np.ndarray, relaxation: np.ndarray, ints: np.ndarray,
             target: float, deadline: float, links: Links | None = None) -> np.ndarray | None:
    """A better plan near ``plan`` from a small MIP on what the relaxation left fractional.

    Rounding every fractional trip up costs whole vehicles (2,000 sources,
    seed 1: 96 trip counts, £25,970 of the £30,506 between the rounded plan and
    the relaxation). The integers among ``ints`` that the ``relaxation`` has
    fractional are freed, with the columns near them (:data:`POLISH_HOPS`,
    :data:`POLISH_ROW_NONZEROS`): so tonnes can wait a week for a fuller truck,
    or go by another lane from the same site. Everything else is fixed at
    ``plan`` (a plan that holds, and the MIP's start). HiGHS solves that MIP
    (nodes :data:`POLISH_NODES`) and stops at ``target`` (£: a plan that good
    meets the run's gap) or at ``deadline`` (``time.perf_counter()``). Returns
    HiGHS's best plan, integers made exactly whole (it may be the start
    itself: the caller compares costs), or None when HiGHS holds none or no
    time is left. ``highs`` holds the MIP (``lp``: a copy of it; ``links``: its
    :func:`incidence`, if known): its options are the small MIP's, but for the
    polish's own; it is left as it is.
    """
    import highspy

    fractional = ints[np.abs(relaxation[ints] - np.round(relaxation[ints])) > FEASIBLE]
    if not fractional.size:
        return None
    free = near(lp, None, POLISH_HOPS, POLISH_ROW_NONZEROS, seeds=fractional, links=links)
    free[np.setdiff1d(ints, fractional)] = False  # whole in the relaxation: kept as planned
    seconds = deadline - time.perf_counter()  # a MIP's limit runs from its start (HiGHS 1.16)
    if seconds < 1.0:
        return None
    sub = restricted(lp, free, plan, ints)
    if sub is None:  # (a plan that holds leaves no row to mend: never None)
        return None
    mip = instance_like(highs, sub)
    for name, value in {"mip_max_nodes": POLISH_NODES, "solver": "choose", "output_flag": False,
                        "objective_target": max(target, -highspy.kHighsInf),
                        "time_limit": seconds}.items():
        mip.setOptionValue(name, value)
    mip.setSolution(sub.num_col_, np.arange(sub.num_col_, dtype=np.int32), plan[free])
    mip.run()
    better = None
    if mip.getInfo().primal_solution_status == highspy.kSolutionStatusFeasible:
        better = plan.copy()
        better[free] = np.asarray(mip.getSolution().col_value, dtype=float)
    status = mip.modelStatusToString(mip.getModelStatus())
    log.info("polish: %d fractional integers, %d of %d columns free, %s", fractional.size,
             int(free.sum()), lp.num_col_, status)
    if better is not None:  # HiGHS's integers are whole to its tolerance; the check is exact
        better[ints] = np.round(better[ints])
    return better
