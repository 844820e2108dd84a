"""How much of a model a provably safe lane pruning would remove (analysis; nothing is dropped).

    python benchmarks/pruning.py benchmarks/instances/n500-f8-w12-s1

The rule measured: a tonne of feedstock f sold from source i at outlet o (a
direct road arc, implied trips) can always be sold at another outlet o' the
source also reaches in the same week instead, without raising the cost and
without breaking a rule, when

* o' buys f with no weekly limit on the outlets.csv row that prices it,
* the net value there is at least as high: price(o', f) - cost per t of i->o'
  >= price(o, f) - cost per t of i->o, where cost per t = lane cost + trip
  cost / payload + carbon price x kg CO2e per t / 1000 (the leakage penalty of
  f and the leakage cap count both sales the same way).

So every x[i->o, f, t] it names is zero in some optimal plan and could be left
out. The script counts those columns (and their share of the model); it does
not change the model.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np


def dominated(sc, net, data) -> tuple[int, int]:
    """(x columns the rule removes, all x columns)."""
    from feedstock.models.sets import outlet_prices

    x = data.flows
    n = data.trips.set_index(["arc", "period"])
    prices = outlet_prices(sc).set_index(["site_id", "feedstock_id"])
    limits = sc.outlets.set_index(["site_id", "feedstock_id"])["max_t_per_week"]
    out = x[(x["destination_kind"] == "outlet") & (x["origin_kind"] == "source")].copy()
    if out.empty:
        return 0, len(x)
    implied = n["implied"].reindex(list(zip(out["arc"], out["period"], strict=True)))
    out = out[implied.fillna(False).to_numpy(bool)]  # the rule is for implied trips
    trip = n["trip_cost_gbp"].reindex(list(zip(out["arc"], out["period"], strict=True))) \
        .to_numpy() / n["payload_t"].reindex(list(zip(out["arc"], out["period"],
                                                     strict=True))).to_numpy()
    carbon = data.carbon_price / 1000.0 * out["co2e_kg_per_t"].to_numpy()
    key = list(zip(out["destination"], out["feedstock_id"], strict=True))
    price = prices["price_gbp_per_t"].reindex(key).to_numpy()
    row = prices["row_key"].reindex(key).to_numpy()
    limit = np.array([limits.get((o, r), np.nan) for (o, _), r in zip(key, row, strict=True)])
    out["net_gbp_per_t"] = price - out["cost_gbp_per_t"].to_numpy() - trip - carbon
    out["unlimited"] = np.isnan(limit)
    drop = 0
    for _, g in out.groupby(["origin", "feedstock_id", "period", "arrival"]):
        best_free = g.loc[g["unlimited"], "net_gbp_per_t"]
        if best_free.empty:
            continue
        top = best_free.max()
        free_best_dest = g.loc[g["unlimited"] & (g["net_gbp_per_t"] == top), "destination"]
        keep_one = free_best_dest.iloc[0]
        drop += int(((g["net_gbp_per_t"] <= top) & (g["destination"] != keep_one)).sum())
    return drop, len(x)


def main(argv: list[str] | None = None) -> int:
    from feedstock.optimizer.scenario import load_scenario
    from feedstock.optimizer.solve.pipeline import prepare

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenarios", nargs="+")
    args = ap.parse_args(argv)
    for folder in args.scenarios:
        sc = load_scenario(folder)
        prepared = prepare(sc)
        data = prepared.data
        drop, total = dominated(sc, prepared.network, data)
        outlet = int((data.flows["destination_kind"] == "outlet").sum())
        print(f"{sc.name}: {total:,} x columns, {outlet:,} into outlets; the dominance rule "
              f"removes {drop:,} ({drop / total:.1%} of x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
