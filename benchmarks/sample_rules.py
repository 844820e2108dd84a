"""Does every rule family matter in the sample? Relax each one and re-solve.

    python benchmarks/sample_rules.py [--time-limit 60]

For each constraint family of docs/model.md, prints where it binds in the base plan
(from the result tables) and how the objective moves when the rule is relaxed
(a what-if scenario built with Scenario.replace; the base is never changed).
Takes one solve per family (minutes); asserts nothing.
"""

from __future__ import annotations

import argparse
import math

from feedstock import load_scenario
from feedstock.data import sample_scenario
from feedstock.optimizer.results.binding import binding_rules
from feedstock.optimizer.solve.pipeline import solve


def relaxations(sc):
    """(family, what is relaxed, what-if scenario)."""
    sites, modes, lanes, hubs = sc.table("sites"), sc.modes, sc.lanes, sc.hubs
    plants, outlets = sc.plants, sc.outlets
    return [
        (
            "storage_limit",
            "every storage_t unlimited",
            sc.replace(sites=sites.assign(storage_t=math.inf)),
        ),
        (
            "trip_payload",
            "trips continuous (no whole vehicles)",
            sc.replace(modes=modes.assign(integer_trips=False)),
        ),
        (
            "lane_slots",
            "no ferry slot limits",
            sc.replace(lanes=lanes.assign(max_trips_per_week=math.nan)),
        ),
        (
            "hub_capacity",
            "hubs uncapacitated",
            sc.replace(hubs=hubs.assign(capacity_t_per_week=math.inf)),
        ),
        (
            "plant_capacity",
            "+1 t/week at every plant",
            sc.replace(plants=plants.assign(capacity_t_per_week=plants["capacity_t_per_week"] + 1)),
        ),
        ("min_run", "no minimum runs", sc.replace(plants=plants.assign(min_weekly_t=0.0))),
        ("feed_blend", "no plant specs", sc.replace(plant_specs=sc.plant_specs.iloc[0:0])),
        ("custody", "every site cleared", sc.replace(sites=sites.assign(cleared=True))),
        ("leakage_cap", "max_leakage_share = 1", sc.replace({"policy.max_leakage_share": 1.0})),
        ("offtake", "no offtake commitments", sc.replace(offtake=sc.table("offtake").iloc[0:0])),
        (
            "outlet_limit",
            "no outlet limits",
            sc.replace(outlets=outlets.assign(max_t_per_week=math.inf)),
        ),
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scenario", default=str(sample_scenario()))
    ap.add_argument("--time-limit", type=float, default=None)
    ap.add_argument("--gap", type=float, default=None, help="MIP gap (default: scenario's)")
    args = ap.parse_args()
    sc = load_scenario(args.scenario)
    base = solve(sc, time_limit=args.time_limit, gap=args.gap)
    binding = binding_rules(sc, base)
    print(f"base: {base.status}, objective £{base.objective_gbp:,.0f}, gap {base.gap:.3%}")
    print(
        f"{'family':<15} {'binds in base plan':<55} {'relaxed':<38} {'objective change (GBP)':>22}"
    )
    for family, what, whatif in relaxations(sc):
        rows = binding[binding["rule"].str.startswith(family)]
        where = ", ".join(
            dict.fromkeys(f"{w} {k}" for w, k in zip(rows["where"], rows["week"], strict=True))
        )
        where = (where[:52] + "...") if len(where) > 55 else where or "-"
        r = solve(whatif, time_limit=args.time_limit, gap=args.gap)
        delta = r.objective_gbp - base.objective_gbp
        print(f"{family:<15} {where:<55} {what:<38} {delta:>22,.0f}  ({r.status}, gap {r.gap:.2%})")


if __name__ == "__main__":
    main()
