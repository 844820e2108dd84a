"""Time the bundled sample: network + model build, HiGHS solve, dual re-solve.

    python benchmarks/sample_bench.py [--runs 3] [--scenario data/uk-2026]

Prints one line per run and the median; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import statistics
import time

from feedstock import load_scenario
from feedstock.data import sample_scenario
from feedstock.optimizer.solve.pipeline import solve


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--scenario", default=str(sample_scenario()))
    args = ap.parse_args()
    t0 = time.perf_counter()
    sc = load_scenario(args.scenario)
    load_s = time.perf_counter() - t0
    print(f"scenario {sc.name}: load + validate {load_s:.2f} s")
    rows = []
    for k in range(args.runs):
        t0 = time.perf_counter()
        r = solve(sc)
        total = time.perf_counter() - t0
        size = r.model_size
        rows.append((r.build_seconds, r.solve_seconds, total))
        print(f"run {k + 1}: build {r.build_seconds:.2f} s, solve {r.solve_seconds:.2f} s, "
              f"total {total:.2f} s (incl. dual re-solve and tables), {r.status}, "
              f"gap {r.gap:.4%}, objective £{r.objective_gbp:,.0f}; "
              f"{size['variables']:,} vars ({size['integer_variables']:,} integer), "
              f"{size['constraints']:,} rows")
    med = [statistics.median(c) for c in zip(*rows, strict=True)]
    print(f"median: build {med[0]:.2f} s, solve {med[1]:.2f} s, total {med[2]:.2f} s")


if __name__ == "__main__":
    main()
