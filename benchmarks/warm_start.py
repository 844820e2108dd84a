"""Weekly chaining with and without the warm start: time to first plan and to the gap.

    python benchmarks/warm_start.py [--weeks 2026-W48 2026-W49 2026-W50] [--time-limit 600]

Plans the first week from the sample stock-take, then each later week twice from
the same previous run (same opening stock, same arrivals): once with last week's
plan offered as a MIP start, once without. Prints, per week and variant, the
solver's time to its first plan, the solve time, status, gap and objective.
Asserts nothing about time.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from feedstock.data import sample_scenario
from feedstock.optimizer.weekly import WeekOptions, plan_week


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default=str(sample_scenario()))
    ap.add_argument("--stock", default=None, help="default: SCENARIO/stock-takes/<first>.csv")
    ap.add_argument("--weeks", nargs="+", default=["2026-W48", "2026-W49", "2026-W50"])
    ap.add_argument("--time-limit", type=float, default=600.0)
    args = ap.parse_args()
    scenario = Path(args.scenario)
    stock = Path(args.stock) if args.stock else scenario / "stock-takes" / f"{args.weeks[0]}.csv"
    work = Path(tempfile.mkdtemp(prefix="warm-bench-"))
    try:
        runs = work / "runs"
        first = plan_week(scenario, args.weeks[0], runs_dir=runs, stock=stock,
                          options=WeekOptions(time_limit=args.time_limit))
        _print(args.weeks[0], "stock-take", first)
        for week in args.weeks[1:]:
            cold_runs = work / f"cold-{week}"
            shutil.copytree(runs, cold_runs)
            cold = plan_week(scenario, week, runs_dir=cold_runs, options=WeekOptions(
                time_limit=args.time_limit, warm_start=False))
            warm = plan_week(scenario, week, runs_dir=runs,
                             options=WeekOptions(time_limit=args.time_limit))
            _print(week, "cold", cold)
            _print(week, "warm", warm)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _print(week: str, variant: str, run) -> None:
    r = run.result
    if r is None:
        print(f"{week} {variant:<10} no plan: {run.status}")
        return
    ws = r.solver.get("warm_start") or {}
    accepted = "" if not ws else f", start {'accepted' if ws.get('accepted') else 'refused'}"
    print(f"{week} {variant:<10} first plan {r.solver['first_plan_seconds']:6.2f} s, "
          f"solve {r.solve_seconds:6.2f} s, {r.status}, gap {r.gap:.3%}, "
          f"objective £{r.objective_gbp:,.0f}{accepted}", flush=True)


if __name__ == "__main__":
    main()
