"""Persistent re-solve against cold build + solve, variant by variant.

    python benchmarks/persistent.py [--scenario DIR] [--weeks N] [--time-limit S] [--gap G]
                                    [--param KEY=V1,V2,...] [--no-solve]

Solves the same variants twice: cold (``feedstock.solve``: network, sets, Pyomo
build, hand-off to HiGHS, MIP, duals) and on one :class:`feedstock.Resolver`
(its first variant builds the model with mutable parameters; each later one
writes its numbers into that model and re-solves on the same HiGHS instance).
Prints per variant the seconds of preparing the model (build, or update of the
numbers), of loading it into HiGHS (hand-off, or pushing the changed numbers),
of HiGHS's search, of the dual LP and in all, with the objectives side by side.
Default variants: the leakage penalty at 1000..5000 GBP/t. ``--no-solve`` times
only what a re-solve saves, for models too large to solve here: sets + Pyomo build
+ hand-off to HiGHS, against sets + update of the numbers + push of them into the
same HiGHS instance. Asserts nothing.
"""

from __future__ import annotations

import argparse
import time

from feedstock import Resolver, Scenario, solve
from feedstock.data import sample_scenario
from feedstock.optimizer.base.errors import SolveError
from feedstock.optimizer.studies.sweep import grid_from_params, variants

DEFAULT = ["policy.leakage_penalty_gbp_per_t=1000,2000,3000,4000,5000"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default=str(sample_scenario()))
    ap.add_argument("--weeks", type=int, default=None, help="horizon override (weeks)")
    ap.add_argument("--time-limit", type=float, default=300.0)
    ap.add_argument("--gap", type=float, default=None)
    ap.add_argument("--param", action="append", default=None,
                    help="KEY=V1,V2,... as for feedstock sweep (repeatable)")
    ap.add_argument("--no-solve", action="store_true",
                    help="time building and loading only (no MIP search)")
    args = ap.parse_args()
    base = Scenario.load(args.scenario)
    if args.weeks:
        base = base.with_overrides({"weeks": args.weeks})
    todo = variants(grid_from_params(args.param or DEFAULT))
    if args.no_solve:
        _build_and_load(base, todo)
        return
    opts = {"time_limit": args.time_limit, "gap": args.gap, "threads": 1}
    rs = Resolver()
    totals = {"cold": 0.0, "persistent": 0.0}
    size = {"variables": 0, "integer_variables": 0, "constraints": 0}
    print(f"{'variant':<44} {'run':<10} {'prepare':>8} {'load':>7} {'HiGHS':>7} {'duals':>6} "
          f"{'total s':>8} {'status':<10} {'objective GBP':>15} model")
    for v in todo:
        label = ", ".join(f"{k}={x}" for k, x in v.items())
        sc = base.with_overrides(v)
        for run, fn in (("cold", lambda s: solve(s, **opts)),
                        ("persistent", lambda s: rs.solve(s, **opts))):
            start = time.perf_counter()
            try:
                r = fn(sc)
            except SolveError as exc:
                wall = time.perf_counter() - start
                totals[run] += wall
                print(f"{label[:44]:<44} {run:<10} no plan after {wall:.1f} s: {exc.status}")
                continue
            wall = time.perf_counter() - start
            totals[run] += wall
            load = r.solver.get("load_seconds") or 0.0
            print(f"{label[:44]:<44} {run:<10} {r.build_seconds:8.2f} {load:7.2f} "
                  f"{r.solve_seconds - load:7.2f} {r.dual_seconds:6.2f} {wall:8.2f} "
                  f"{r.status:<10} {r.objective_gbp:15,.0f} {r.solver['model']}", flush=True)
            size = r.model_size
    print(f"\n{len(todo)} variants on {size['variables']:,} variables "
          f"({size['integer_variables']:,} integer), {size['constraints']:,} constraints: "
          f"cold {totals['cold']:.1f} s, persistent {totals['persistent']:.1f} s "
          f"(built {rs.built}, re-used {rs.reused})")


def _build_and_load(base: Scenario, todo: list[dict]) -> None:
    """Seconds of a cold build + hand-off, and of an update + push, per variant."""
    from pyomo.contrib.solver.common.factory import SolverFactory

    from feedstock.models.build import update_model
    from feedstock.optimizer.solve.pipeline import build, prepare

    def timed(fn, *args, **kwargs):
        start = time.perf_counter()
        out = fn(*args, **kwargs)
        return out, time.perf_counter() - start

    prepared, t_sets = timed(prepare, base)
    built, t_build = timed(build, prepared, mutable=True)
    solver = SolverFactory("highs")
    _, t_load = timed(solver.set_instance, built.model)
    size = built.size
    print(f"{size['variables']:,} variables ({size['integer_variables']:,} integer), "
          f"{size['constraints']:,} constraints; first (mutable) build: sets {t_sets:.2f} s, "
          f"build {t_build:.2f} s, hand-off {t_load:.2f} s")
    print(f"{'variant':<44} {'run':<10} {'sets':>6} {'model':>7} {'load':>7} {'total s':>8}")
    for v in todo:
        label = ", ".join(f"{k}={x}" for k, x in v.items())
        sc = base.with_overrides(v)
        prepared, t_sets = timed(prepare, sc)
        cold, t_build = timed(build, prepared)
        _, t_load = timed(SolverFactory("highs").set_instance, cold.model)
        print(f"{label[:44]:<44} {'cold':<10} {t_sets:6.2f} {t_build:7.2f} {t_load:7.2f} "
              f"{t_sets + t_build + t_load:8.2f}")
        same, t_update = timed(update_model, built, sc, prepared.network, prepared.data)
        if same is None:
            print(f"{label[:44]:<44} structure differs: a re-solve would build anew")
            continue
        _, t_push = timed(solver.update)
        print(f"{label[:44]:<44} {'persistent':<10} {t_sets:6.2f} {t_update:7.2f} "
              f"{t_push:7.2f} {t_sets + t_update + t_push:8.2f}")


if __name__ == "__main__":
    main()
