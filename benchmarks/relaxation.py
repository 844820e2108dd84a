"""Ways to solve the LP start's relaxation, timed on one instance.

    python benchmarks/relaxation.py benchmarks/instances/n2000-f8-w12-s1 [--keep 3]

At 2,000 sources the relaxation (interior point, one thread) is two thirds of the
command's wall clock, so every way HiGHS offers to solve it faster was timed
here, on the model exactly as the LP start holds it (``highs_copy``):

* ``ipx``: interior point then crossover, by the LP start's own call
  (``neighbourhood.run_lp``, which every route goes through);
* ``ipx_loose``: the same, stopped at a relative gap of 1e-3
  (``ipm_optimality_tolerance`` and ``start_crossover_tolerance`` together: IPX
  stops only when both hold), then crossover to an optimal vertex;
* ``hipo``: HiGHS's parallel interior point on both threads; it needs the
  ``highspy-extras`` wheel built for the same HiGHS release as ``highspy`` (with
  none, or a mismatched one, HiGHS refuses ``solver = "hipo"``, logging
  "unavailable: amd, blas, metis, rcm": the route is then skipped);
* ``support``: the LP with every flow column the optimum leaves at zero fixed at
  zero, i.e. what a column-generation scheme would solve if it guessed the
  optimum's columns at once. A lower limit for any such scheme, not a method;
* ``cheapest``: a column-generation attempt. Only the ``--keep`` cheapest flow
  columns of each (origin, feedstock, week) are free; the restricted LP is solved
  by interior point; columns with a negative reduced cost are freed and the LP
  re-solved by simplex from its basis, until none is left (the full LP's optimum)
  or ``--cap`` seconds have passed.

Every route that finishes must reach the same objective (printed). Prints seconds
per route; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

import numpy as np

EPS = 1e-9
ROUTES = ("ipx", "ipx_loose", "hipo", "support", "cheapest")


def relax(h, solver: str, budget: float, **options) -> tuple[float, str, float]:
    """The relaxation by the LP start's own call, ``neighbourhood.run_lp`` (its crossover,
    presolve and clock), with ``solver`` and ``options``: (seconds, status, objective).

    Raises ``ValueError`` on an option HiGHS refuses (a misspelt name, or a
    solver this build lacks), so no route silently runs another algorithm.
    """
    import highspy

    from feedstock.optimizer.solve.neighbourhood import run_lp

    for key, value in {"solve_relaxation": True, "output_flag": False, "solver": solver,
                       **options}.items():
        if h.setOptionValue(key, value) == highspy.HighsStatus.kError:
            raise ValueError(f"HiGHS refused the option {key} = {value!r}")
    began = time.perf_counter()
    run_lp(h, budget, solver=solver)
    return (time.perf_counter() - began, h.modelStatusToString(h.getModelStatus()),
            float(h.getInfo().objective_function_value))


def hipo_missing() -> str:
    """Why HiPO cannot run here ("" when it can).

    HiPO needs the ``highspy-extras`` wheel built for the same HiGHS; without it
    (or with a mismatched one) HiGHS refuses ``solver = "hipo"`` and would run
    its default instead, so ask HiGHS itself rather than compare versions.
    """
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    if h.setOptionValue("solver", "hipo") == highspy.HighsStatus.kError:
        return "this HiGHS cannot run HiPO (it needs a matching highspy-extras)"
    return ""


def fresh_copy(m):
    """A new HiGHS instance holding the model, as the LP start's copy."""
    from feedstock.optimizer.solve.highs_copy import highs_copy

    copy = highs_copy(m)
    if copy is None:
        raise SystemExit("the model has a fixed variable (the LP start makes no copy)")
    return copy


def flow_columns(built, column: dict[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """HiGHS column of every flow ``x`` and the number of its (origin, feedstock, week)."""
    flows = built.data.flows
    cols = np.array([column[id(built.model.x[k])] for k in
                     zip(flows["arc"], flows["feedstock_id"], flows["period"], strict=True)])
    group = flows.groupby(["origin", "feedstock_id", "period"], sort=False).ngroup().to_numpy()
    return cols, group


def fix_at_zero(h, cols: np.ndarray) -> None:
    cols = np.asarray(cols, dtype=np.int32)
    h.changeColsBounds(len(cols), cols, np.zeros(len(cols)), np.zeros(len(cols)))


@dataclass(frozen=True)
class Outcome:
    """One route's run: seconds, HiGHS's model status, the objective, what else it did."""

    seconds: float
    status: str
    objective: float
    detail: str = ""


def cheapest(h, cols, group, keep: int, cap: float) -> Outcome:
    """Column generation from the ``keep`` cheapest flow columns of each group.

    Status "Optimal" only once no freed-from-zero column prices out: then the
    restricted LP's optimum is the full LP's (every left-out column's reduced
    cost is non-negative at its bound of zero).
    """
    lp = h.getLp()
    cost = np.asarray(lp.col_cost_)[cols]
    upper = np.asarray(lp.col_upper_)
    order = np.lexsort((cost, group))
    starts = np.flatnonzero(np.r_[True, group[order][1:] != group[order][:-1]])
    rank = np.empty(len(cols), int)
    rank[order] = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    out = np.zeros(h.getNumCol(), bool)
    out[cols[rank >= keep]] = True
    fix_at_zero(h, np.flatnonzero(out))
    began = time.perf_counter()
    seconds, status, objective = relax(h, "ipm", cap)
    steps = [f"restricted LP {seconds:.1f} s ({(~out[cols]).sum():,} of {len(cols):,} flows "
             f"free), {status}"]
    while status == "Optimal":
        reduced = np.asarray(h.getSolution().col_dual)
        add = np.flatnonzero(out & (reduced < -1e-7)).astype(np.int32)
        if not len(add):
            return Outcome(time.perf_counter() - began, status, objective, "; ".join(steps))
        left = cap - (time.perf_counter() - began)
        if left <= 0:
            break
        out[add] = False
        h.changeColsBounds(len(add), add, np.zeros(len(add)), upper[add])
        seconds, status, objective = relax(h, "simplex", left)  # from the basis
        steps.append(f"+{len(add):,} columns {seconds:.1f} s, {status}")
    return Outcome(time.perf_counter() - began, "not priced out" if status == "Optimal"
                   else status, objective, "; ".join(steps))


def run_routes(built, routes: list[str], *, keep: int = 3, cap: float = 300.0):
    """Each route's :class:`Outcome` (or the reason it was skipped), in ``routes``' order."""
    copy = fresh_copy(built.model)
    cols, group = flow_columns(built, copy.column)
    used = None
    for route in routes:
        h = copy.highs if route == "ipx" else fresh_copy(built.model).highs
        if route == "ipx":
            outcome = Outcome(*relax(h, "ipm", cap))
            used = np.asarray(h.getSolution().col_value)[cols] > EPS
        elif route == "ipx_loose":
            outcome = Outcome(*relax(h, "ipm", cap, ipm_optimality_tolerance=1e-3,
                                     start_crossover_tolerance=1e-3))
        elif route == "hipo":
            outcome = hipo_missing() or Outcome(*relax(h, "hipo", cap, threads=2))
        elif route == "support":
            if used is None:
                outcome = "needs the ipx route first"
            else:
                fix_at_zero(h, cols[~used])
                free = int((np.asarray(h.getLp().col_upper_)[cols] > 0).sum())
                outcome = Outcome(*relax(h, "ipm", cap),
                                  f"{free:,} of {len(cols):,} flows free")
        elif route == "cheapest":
            outcome = cheapest(h, cols, group, keep, cap)
        else:
            raise ValueError(f"unknown route {route!r}")
        yield route, outcome


def main(argv: list[str] | None = None) -> int:
    from importlib.metadata import version

    from feedstock.optimizer.scenario import load_scenario
    from feedstock.optimizer.solve.pipeline import build, prepare

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenario")
    ap.add_argument("--keep", type=int, default=3, help="cheapest flows per group kept")
    ap.add_argument("--cap", type=float, default=300.0,
                    help="seconds a route may take (column generation: all its LPs)")
    ap.add_argument("--routes", nargs="+", choices=ROUTES, default=list(ROUTES))
    args = ap.parse_args(argv)
    sc = load_scenario(args.scenario)
    built = build(prepare(sc))
    print(f"{sc.name}: {built.size['variables']:,} variables, "
          f"{len(built.data.flows):,} flows; highspy {version('highspy')}")
    for route, outcome in run_routes(built, args.routes, keep=args.keep, cap=args.cap):
        if isinstance(outcome, str):
            print(f"  {route:10s} skipped: {outcome}", flush=True)
        else:
            detail = f" ({outcome.detail})" if outcome.detail else ""
            print(f"  {route:10s} {outcome.seconds:6.1f} s  {outcome.status:15s} "
                  f"{outcome.objective:,.2f}{detail}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
