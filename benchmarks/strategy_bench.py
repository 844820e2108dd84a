"""How long a strategic solve takes, and how it grows with years and sources.

    python benchmarks/strategy_bench.py [--seeds 5] [--years 5 9 20] \
        [--sources 50 200 500] [--source-seeds 3] [--gap 0.005] [--time-limit 600]

Three series, each printed as one line per solve and a summary (median, min, max):

* **sample**: ``data/uk-2035`` (9 years) to ``--gap`` under ``--seeds`` HiGHS seeds
  (solve time swings with the seed; one seed would be one lucky draw);
* **years**: the sample with ``strategy.years`` = each of ``--years`` (the forecast
  and prices carry their last index), each under the same seeds;
* **sources**: national instances of ``benchmarks/generate.py`` (``--sources`` N,
  ``--source-seeds`` generated seeds each) with the sample's strategic inputs laid
  over them (``[strategy]``, forecast.csv, prices.csv, expansions.csv and the
  plants and sites they name), 9 years.

Times are wall seconds of ``plan_strategy`` (load excluded): model build and the
HiGHS solve, as ``feedstock strategy`` runs them. It asserts nothing.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate

from feedstock import load_scenario
from feedstock.data import sample_scenario
from feedstock.optimizer.scenario.raw import toml_text
from feedstock.optimizer.strategy import plan_strategy

SAMPLE = sample_scenario("uk-2035")
LAID_OVER = ("forecast", "prices", "expansions", "plants", "plant_products", "plant_specs",
             "hubs", "lanes")


def timed(sc, *, seed: int, gap: float, time_limit: float) -> dict:
    """One strategic solve: seconds, status, gap, objective and model size."""
    sc = sc.replace({"solver.seed": seed})
    t0 = time.perf_counter()
    s = plan_strategy(sc, gap=gap, time_limit=time_limit, progress=False)
    r = s.result
    return {"seconds": time.perf_counter() - t0, "build_s": r.build_seconds,
            "solve_s": r.solve_seconds, "status": r.status, "gap": r.gap,
            "objective_gbp": r.objective_gbp, "variables": r.model_size["variables"],
            "integer": r.model_size["integer_variables"],
            "rows": r.model_size["constraints"],
            "builds": "; ".join(f"{b.site_id}/{b.option}@{b.decided_year}"
                                for b in s.builds.itertuples())}


def line(label: str, row: dict) -> None:
    print(f"  {label:<28} {row['seconds']:7.1f} s (build {row['build_s']:.1f}, solve "
          f"{row['solve_s']:.1f}) {row['status']:<10} gap {row['gap']:.3%} "
          f"obj £{row['objective_gbp']:,.0f}  {row['variables']:,} vars "
          f"({row['integer']:,} int), {row['rows']:,} rows  [{row['builds']}]", flush=True)


def summary(label: str, rows: list[dict]) -> None:
    t = [r["seconds"] for r in rows]
    print(f"{label}: median {statistics.median(t):.1f} s, min {min(t):.1f} s, "
          f"max {max(t):.1f} s over {len(t)} solves", flush=True)


def strategic_national(sources: int, seed: int, folder: Path) -> Path:
    """A generated national instance with the sample's strategic inputs laid over it."""
    out = generate(folder / f"n{sources}-s{seed}", sources=sources, seed=seed)
    for name in LAID_OVER:
        if (SAMPLE / f"{name}.csv").is_file():
            shutil.copy(SAMPLE / f"{name}.csv", out / f"{name}.csv")
    sites = pd.read_csv(out / "sites.csv")
    sample_sites = pd.read_csv(SAMPLE / "sites.csv")
    extra = sample_sites[(sample_sites["kind"] != "source")
                         & ~sample_sites["site_id"].isin(sites["site_id"])]
    pd.concat([sites, extra], ignore_index=True).to_csv(out / "sites.csv", index=False)
    cfg = tomllib.loads((out / "scenario.toml").read_text())
    sample_cfg = tomllib.loads((SAMPLE / "scenario.toml").read_text())
    cfg["strategy"] = sample_cfg["strategy"]
    (out / "scenario.toml").write_text(toml_text(cfg))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=5, help="HiGHS seeds per sample solve")
    ap.add_argument("--years", type=int, nargs="*", default=[5, 9, 20])
    ap.add_argument("--sources", type=int, nargs="*", default=[50, 200, 500])
    ap.add_argument("--source-seeds", type=int, default=3)
    ap.add_argument("--gap", type=float, default=0.005)
    ap.add_argument("--time-limit", type=float, default=600.0)
    args = ap.parse_args()
    solve = {"gap": args.gap, "time_limit": args.time_limit}
    base = load_scenario(SAMPLE)
    print(f"sample {base.name}: {base.config.strategy.years} years, gap {args.gap:.1%}",
          flush=True)
    for years in args.years:
        sc = base.replace({"strategy.years": years})
        rows = []
        for seed in range(1, args.seeds + 1):
            rows.append(timed(sc, seed=seed, **solve))
            line(f"{years} years, seed {seed}", rows[-1])
        summary(f"{years} years", rows)
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sources:
            rows = []
            for seed in range(1, args.source_seeds + 1):
                sc = load_scenario(strategic_national(n, seed, Path(tmp)))
                rows.append(timed(sc, seed=seed, **solve))
                line(f"{n} sources, generated seed {seed}", rows[-1])
            summary(f"{n} sources ({base.config.strategy.years} years)", rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
