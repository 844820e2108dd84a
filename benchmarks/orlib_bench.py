"""OR-Library capacitated facility location: time the pipeline, compare with published optima.

    python benchmarks/orlib_bench.py [--instances DIR] [--time-limit S]

For each instance listed in DIR/README.md with a file present, prints the
scenario time (parse + tables + validation), the model build time (Pyomo, as
the Result reports it), the solver time, the wall time of the whole solve()
call (network, build, MIP, fixed-integer LP for duals, result tables), the
objective, the published optimum and the relative error. Figures only:
nothing here asserts anything about time.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.orlib: a test helper

from feedstock.optimizer.solve.pipeline import solve
from tests.orlib import read_cap, read_published, to_scenario

DEFAULT_DIR = Path(__file__).resolve().parents[1] / "tests" / "data" / "orlib"
HEADER = (f"{'instance':<9} {'m x n':>7} {'scenario_s':>10} {'build_s':>8} {'solve_s':>8} "
          f"{'wall_s':>7} {'status':>8} {'objective':>15} {'published':>15} {'rel_error':>10}")


def run(path: Path, optimum: float, time_limit: float | None) -> str:
    """Solve one instance and format its row of the table."""
    start = time.perf_counter()
    inst = read_cap(path)
    sc = to_scenario(inst)
    scenario_s = time.perf_counter() - start
    start = time.perf_counter()
    result = solve(sc, time_limit=time_limit)
    wall_s = time.perf_counter() - start
    error = (result.objective_gbp - optimum) / optimum
    size = f"{inst.facilities}x{inst.customers}"
    return (f"{inst.name:<9} {size:>7} {scenario_s:>10.2f} {result.build_seconds:>8.2f} "
            f"{result.solve_seconds:>8.2f} {wall_s:>7.2f} {result.status:>8} "
            f"{result.objective_gbp:>15.3f} {optimum:>15.3f} {error:>10.1e}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=Path, default=DEFAULT_DIR,
                        help="folder with README.md and cap*.txt (default: %(default)s)")
    parser.add_argument("--time-limit", type=float, default=None,
                        help="solver time limit per instance, s (default: the scenario's)")
    args = parser.parse_args(argv)
    readme = args.instances / "README.md"
    if not readme.is_file():
        print(f"{readme}: not found (the published optima are read from it)", file=sys.stderr)
        return 1
    published = read_published(readme)
    names = [n for n in published if (args.instances / f"{n}.txt").is_file()]
    if not names:
        print(f"no instance listed in {readme} has a file in {args.instances}",
              file=sys.stderr)
        return 1
    print(HEADER)
    for name in names:
        print(run(args.instances / f"{name}.txt", published[name][2], args.time_limit),
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
