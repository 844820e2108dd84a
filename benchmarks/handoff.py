"""Three ways to hand a built Pyomo model to HiGHS, timed on one instance.

    python benchmarks/handoff.py benchmarks/instances/n500-f8-w12-s1 [--runs 3]

* ``persistent``: Pyomo's persistent HiGHS interface, ``set_instance`` (what
  ``feedstock.optimizer.solve.runners.HighsRunner`` uses: it keeps the variable map, so
  re-solves, duals, starts and callbacks work on the same instance);
* ``lp_writer``: Pyomo writes an LP file, HiGHS reads it (``readModel``);
* ``standard_form``: Pyomo's ``LinearStandardFormCompiler`` (mixed form) gives
  the sparse matrix, passed to HiGHS with ``passModel``;
* ``linear_forms``: Pyomo's ``LinearRepnVisitor`` row by row, numbered as the
  persistent interface numbers them (``feedstock.optimizer.solve.highs_copy``:
  the LP start's own copy, no scipy).

Each route ends with HiGHS holding the model; the LP relaxation's objective
is solved once per route to check that all three hold the same model. Prints
seconds per route (median over ``--runs``); asserts nothing about time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def persistent(m):
    from pyomo.contrib.solver.common.factory import SolverFactory

    solver = SolverFactory("highs", treat_fixed_vars_as_params=False)
    solver.set_instance(m)
    return solver._solver_model


def lp_writer(m):
    import highspy

    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "model.lp")
        m.write(path, io_options={"symbolic_solver_labels": False})
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.readModel(path)
    return h


def standard_form(m):
    import highspy
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    info = LinearStandardFormCompiler().write(m, mixed_form=True)
    a = info.A.tocsr()
    sense = np.array([r[1] for r in info.rows])
    rhs = np.asarray(info.rhs, float)
    inf = highspy.kHighsInf
    lower = np.where(sense >= 0, np.where(sense == 0, rhs, -inf), rhs)
    upper = np.where(sense <= 0, np.where(sense == 0, rhs, inf), rhs)
    cols = info.columns
    col_lo = np.array([-inf if v.lb is None else v.lb for v in cols], float)
    col_hi = np.array([inf if v.ub is None else v.ub for v in cols], float)
    integrality = np.array([0 if v.is_continuous() else 1 for v in cols], np.int32)
    cost = np.asarray(info.c.todense()).ravel() if info.c.shape[0] else np.zeros(len(cols))
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(cols), a.shape[0]
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, col_lo, col_hi
    lp.row_lower_, lp.row_upper_ = lower, upper
    lp.offset_ = float(info.c_offset[0]) if len(info.c_offset) else 0.0
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = a.indptr, a.indices, a.data
    lp.integrality_ = [highspy.HighsVarType(int(k)) for k in integrality]
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    return h


def linear_forms(m):
    from feedstock.optimizer.solve.highs_copy import highs_copy

    copy = highs_copy(m)
    if copy is None:
        raise SystemExit("linear_forms: the model has a fixed variable (no copy is made)")
    return copy.highs


ROUTES = {"persistent": persistent, "lp_writer": lp_writer, "standard_form": standard_form,
          "linear_forms": linear_forms}


def lp_objective(h) -> float:
    """The LP relaxation's optimum of the model HiGHS holds (integrality off)."""
    h.setOptionValue("output_flag", False)
    h.setOptionValue("solve_relaxation", True)
    h.run()
    return float(h.getInfo().objective_function_value)


def main(argv: list[str] | None = None) -> int:
    from feedstock.optimizer.scenario import load_scenario
    from feedstock.optimizer.solve.pipeline import build, prepare

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenario")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-check", action="store_true", help="skip the LP relaxation check")
    args = ap.parse_args(argv)
    sc = load_scenario(args.scenario)
    built = build(prepare(sc))
    print(f"{sc.name}: {built.size['variables']:,} variables, "
          f"{built.size['constraints']:,} constraints (build {built.seconds:.2f} s)")
    for name, route in ROUTES.items():
        seconds = []
        for _ in range(args.runs):
            t = time.perf_counter()
            h = route(built.model)
            seconds.append(time.perf_counter() - t)
        check = "" if args.no_check else f", LP relaxation {lp_objective(h):,.2f}"
        print(f"  {name:14s} median {statistics.median(seconds):6.2f} s "
              f"(runs: {', '.join(f'{s:.2f}' for s in seconds)}){check}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
