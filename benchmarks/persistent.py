"""Persistent re-solve against cold build + solve, variant by variant.

    python benchmarks/persistent.py [--scenario DIR] [--weeks N] [--time-limit S] [--gap G]
                                    [--param KEY=V1,V2,...]

Solves the same variants twice: cold (``optimizer.solve``: network, sets, Pyomo
build, hand-off to HiGHS, MIP, duals) and on one :class:`optimizer.Resolver`
(its first variant builds the model with mutable parameters; each later one
writes its numbers into that model and re-solves on the same HiGHS instance).
Prints per variant the seconds of preparing the model (build, or update of the
numbers), of loading it into HiGHS (hand-off, or pushing the changed numbers),
of HiGHS's search, of the dual LP and in all, with the objectives side by side.
Default variants: the leakage penalty at 1000..5000 GBP/t. Asserts nothing.
"""

from __future__ import annotations

import argparse
import time

from optimizer import Resolver, Scenario, solve
from optimizer.paths import sample_scenario
from optimizer.studies.sweep import grid_from_params, variants

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
    args = ap.parse_args()
    base = Scenario.load(args.scenario)
    if args.weeks:
        base = base.with_overrides({"weeks": args.weeks})
    todo = variants(grid_from_params(args.param or DEFAULT))
    opts = {"time_limit": args.time_limit, "gap": args.gap, "threads": 1}
    rs = Resolver()
    totals = {"cold": 0.0, "persistent": 0.0}
    print(f"{'variant':<44} {'run':<10} {'prepare':>8} {'load':>7} {'HiGHS':>7} {'duals':>6} "
          f"{'total s':>8} {'status':<10} {'objective GBP':>15} model")
    for v in todo:
        label = ", ".join(f"{k}={x}" for k, x in v.items())
        sc = base.with_overrides(v)
        for run, fn in (("cold", lambda s: solve(s, **opts)),
                        ("persistent", lambda s: rs.solve(s, **opts))):
            start = time.perf_counter()
            r = fn(sc)
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


if __name__ == "__main__":
    main()
