"""How long the stochastic program takes, and how it grows with the number of futures.

    python benchmarks/futures_bench.py [--counts 5 10 20] [--seeds 1 2] [--workers 2]
        [--ph] [--ranks 2] [--gap 0.005] [--time-limit 600] [--no-sample]

Two series on ``data/uk-2035``:

* **sample**: its five futures (futures.toml), under each ``--seeds`` as HiGHS's
  seed (solve time swings with the seed);
* **sampled**: ``--counts`` N futures drawn from futures.toml's ``[sampling]``
  (``--seeds`` as the draw's seed), each solved as ``feedstock strategy --sample N``.

Each line: wall seconds of ``plan_strategy`` (every future alone, the first stages
held, the extensive form), the extensive form's own seconds, its size, status and
gap, the first stage. With ``--ph`` the same futures also go to progressive hedging
on ``--ranks`` MPI ranks (mpi-sppy): seconds, iterations, its gap, and how its
inner bound compares with the extensive form's plan. It asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from feedstock import load_scenario
from feedstock.data import sample_scenario
from feedstock.optimizer.scenario.futures import read_futures, sample_futures
from feedstock.optimizer.strategy import plan_strategy


def one(label: str, sc, futures, args, seed: int) -> float:
    """Solve once, print one line, return the wall seconds."""
    run = sc.replace({"solver.seed": seed}) if label.startswith("sample") else sc
    began = time.perf_counter()
    s = plan_strategy(run, futures=futures, gap=args.gap, time_limit=args.time_limit,
                      workers=args.workers, progress=False)
    wall = time.perf_counter() - began
    m, rp = s.measures, s.hedge.rp
    first = "; ".join(f"{b['site_id']}/{b['option']}@{b['year']}" for b in m["first_stage"])
    print(f"  {label:<28} {wall:7.1f} s (EF {rp.seconds:6.1f} s) {m['status']:<10} "
          f"gap {100 * m['gap']:.3f}%  RP £{m['rp_gbp']:,.0f}  VSS £{m['vss_gbp'] or 0:,.0f}"
          f"  EVPI £{m['evpi_gbp']:,.0f}  {rp.size['variables']:,} vars "
          f"({rp.size['integer_variables']} int)  [{first}]", flush=True)
    if args.ph:
        ph(label, futures, args, m["rp_gbp"])
    return wall


def ph(label: str, futures, args, rp_gbp: float) -> None:
    """The same futures by progressive hedging (mpi-sppy) on ``--ranks`` ranks."""
    from feedstock.optimizer.strategy.ph import solve_ph

    out = solve_ph(str(args.scenario), futures, ranks=args.ranks, gap=args.ph_gap,
                   time_limit=args.time_limit)
    inner = out["inner_bound_gbp"]
    print(f"  {'':<28} PH on {args.ranks} ranks: {out['seconds']:.1f} s, "
          f"{out['iterations']} iterations, gap {100 * out['gap']:.2f}%, inner £{inner:,.0f} "
          f"({100 * (inner - rp_gbp) / abs(rp_gbp):+.3f}% against the extensive form)",
          flush=True)


def summary(label: str, times: list[float]) -> None:
    print(f"{label}: median {statistics.median(times):.1f} s, min {min(times):.1f} s, "
          f"max {max(times):.1f} s over {len(times)} runs", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scenario", type=Path, default=Path(sample_scenario("uk-2035")))
    ap.add_argument("--counts", type=int, nargs="*", default=[5, 10, 20])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--gap", type=float, default=0.005)
    ap.add_argument("--time-limit", type=float, default=600.0)
    ap.add_argument("--ph", action="store_true", help="also progressive hedging (mpi-sppy)")
    ap.add_argument("--ranks", type=int, default=2)
    ap.add_argument("--ph-gap", type=float, default=0.01)
    ap.add_argument("--no-sample", action="store_true", help="skip the five-future series")
    args = ap.parse_args()
    sc = load_scenario(args.scenario)
    base = read_futures(args.scenario / "futures.toml", sc)
    print(f"{sc.name}: {len(base)} futures in futures.toml, gap {100 * args.gap:g}%, "
          f"{args.workers} workers", flush=True)
    if not args.no_sample:
        summary("sample futures", [one(f"sample, HiGHS seed {s}", sc, base, args, s)
                                   for s in args.seeds])
    for n in args.counts:
        times = [one(f"{n} sampled, draw seed {s}", sc, sample_futures(base, n, s, sc), args, s)
                 for s in args.seeds]
        summary(f"{n} sampled futures", times)


if __name__ == "__main__":
    main()
