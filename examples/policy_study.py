"""A policy study on the bundled UK sample.

What do an export ban, a higher leakage penalty, the Belfast Harbour commercial
plant and HyProMag's second shift buy us?

    python examples/policy_study.py [--workers 2] [--points 5] [--gap 0.005] [--out out/study]

Solves six variants of the sample in parallel (a sweep over a list of override
sets), prints them side by side (objective, tonnes, the cost lines that move,
the yes/no decisions), then draws the cost-leakage frontier (frontier.png).
Every number comes from a solve; nothing is assumed here but the variants.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from feedstock import Scenario
from feedstock.data import sample_scenario
from feedstock.optimizer.studies import SweepOptions, pareto, sweep

VARIANTS = {
    "base": {},
    "export ban": {"policy.max_leakage_share": 0},
    "penalty 3000": {"policy.leakage_penalty_gbp_per_t": 3000,
                     "policy.sectors.wind.leakage_penalty_gbp_per_t": 3000},
    "Belfast commercial built": {
        "expansions.decision[belfast_harbour/commercial_plant]": "build"},
    "Belfast commercial never": {
        "expansions.decision[belfast_harbour/commercial_plant]": "never"},
    "HyProMag second shift": {"expansions.decision[hypromag_tyseley/extra_shifts]": "build"},
}
SHOWN = ["status", "gap", "objective_gbp", "leaked_t", "processed_uk_t", "final_stock_t",
         "reo_recovered_t", "cost_leakage_penalty_gbp", "cost_export_revenue_gbp",
         "cost_processing_net_gbp", "cost_fixed_decisions_gbp", "cost_terminal_stock_gbp",
         "expansion[belfast_harbour/commercial_plant]", "expansion[hypromag_tyseley/extra_shifts]"]


def main() -> None:
    """Run the study: the variants side by side, then the frontier."""
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scenario", default=str(sample_scenario()))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--points", type=int, default=5, help="frontier points (0: no frontier)")
    ap.add_argument("--gap", type=float, default=None, help="MIP gap (default: scenario.toml)")
    ap.add_argument("--time-limit", type=float, default=None)
    ap.add_argument("--out", type=Path, default=Path("out/study"))
    args = ap.parse_args()
    base = Scenario.load(args.scenario)
    opts = SweepOptions(time_limit=args.time_limit, gap=args.gap)

    table = sweep(base, list(VARIANTS.values()), workers=args.workers, options=opts,
                  out=args.out / "variants")
    table.index = pd.Index(list(VARIANTS), name="scenario")
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)
    shown = table[[c for c in SHOWN if c in table.columns]]
    print("\nWhat-if variants of", base.name, f"({base.weeks[0]} .. {base.weeks[-1]})")
    print(shown.T.to_string(float_format=lambda v: f"{v:,.2f}"))
    for name, row in table[table["status"].isin(["infeasible", "time_limit", "unbounded"])
                           ].iterrows():
        print(f"\n{name}: no plan ({row['status']}). {row.get('message', '')} "
              f"See {args.out}/variants/v{list(VARIANTS).index(name) + 1:03d}/diagnosis.json")
    ban = table.loc["export ban", "objective_gbp"] - table.loc["base", "objective_gbp"]
    saved = table.loc["base", "leaked_t"] - table.loc["export ban", "leaked_t"]
    if saved > 0:
        print(f"\nThe export ban keeps {saved:.1f} t in the UK for £{ban:,.0f} more "
              f"(objective, penalties included): £{ban / saved:,.0f} per tonne kept.")
    args.out.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out / "variants.csv")

    if args.points >= 2:
        frontier = pareto(base, args.points, workers=args.workers, options=opts,
                          out=args.out / "frontier")
        frontier.write(args.out / "frontier", title=f"{base.name}: cost vs leakage")
        print("\nCost-leakage frontier (leakage penalty 0; epsilon-constraint):")
        print(frontier.table[["epsilon_t", "leaked_t", "cost_gbp", "label"]].to_string(
            float_format=lambda v: f"{v:,.1f}"))
        ends = frontier.table.iloc[[0, -1]]
        kept = ends["leaked_t"].iloc[-1] - ends["leaked_t"].iloc[0]
        if kept > 0:
            extra = ends["cost_gbp"].iloc[0] - ends["cost_gbp"].iloc[-1]
            print(f"\nWithout any penalty, keeping those {kept:.1f} t at home costs "
                  f"£{extra:,.0f}: £{extra / kept:,.0f} per tonne (the frontier's slope).")
        print(f"\nWrote {args.out}/variants.csv, {args.out}/frontier/frontier.png")


if __name__ == "__main__":
    main()
