"""Rules on what plants take in and make: capacity, minimum run, blends, offtake."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from feedstock.optimizer.checker._plan import ROUNDING, Plan, Violation, num


def _weekly_feed(p: Plan) -> pd.DataFrame:
    return p.feed.groupby(["site_id", "period"])["feed_t"].agg(t="sum", rows="count")


def check_plant_capacity(p: Plan) -> list[Violation]:
    """Rule 6: feed per plant-week <= base + chosen expansions available by then."""
    out = []
    feed = _weekly_feed(p)
    for (plant, t), r in feed.iterrows():
        cap = p.capacity(plant, t) * p.weeks_in(t)
        if r["t"] > cap + p.slack(cap, r["rows"]):
            out.append(Violation("plant_capacity", f"{plant} {p.wk(t)}",
                                 f"feed {num(r['t'])} t > capacity {num(cap)} t "
                                 f"({num(p.weeks_in(t))} week(s))"))
    for r in p.plants_table.itertuples(index=False):
        where = f"{r.site_id} {p.wk(r.period)}"
        cap = p.capacity(r.site_id, r.period)
        if not math.isclose(r.capacity_t_per_week, cap, rel_tol=1e-9, abs_tol=ROUNDING):
            out.append(Violation("plant_capacity", where,
                                 f"plants table says capacity {num(r.capacity_t_per_week)} "
                                 f"t/week, base + chosen expansions give {num(cap)}"))
        fed = float(feed["t"].get((r.site_id, r.period), 0.0))
        if abs(r.feed_t - fed) > p.slack(fed, 2):
            out.append(Violation("plant_capacity", where,
                                 f"plants table says feed {num(r.feed_t)} t, plant_feed sums "
                                 f"to {num(fed)} t"))
    exp = p.expansions  # expansions.csv decision build / never, over every build of an option
    for (site, option), builds in exp.groupby(["site_id", "option"], sort=False):
        forced = str(builds["decision"].iloc[0] or "choose")
        if forced == "choose" or builds["first_period"].min() > p.horizon:
            continue
        built = any(p.chosen("expansion", k, site, option) for k in builds["key"])
        if built != (forced == "build"):
            out.append(Violation("plant_capacity", f"{site}/{option}",
                                 f"expansions.csv says {forced}, the plan "
                                 f"{'builds' if built else 'does not build'} it"))
    return out


def check_min_run(p: Plan) -> list[Violation]:
    """Rule 7: a plant with min_weekly_t > 0 is fed 0 or at least that much."""
    out = []
    need = p.sc.plants.set_index("site_id")["min_weekly_t"].fillna(0.0)
    feed = _weekly_feed(p)
    for (plant, t), r in feed.iterrows():
        low = float(need.get(plant, 0.0)) * p.weeks_in(t)
        if low > 0 and ROUNDING * r["rows"] < r["t"] < low - p.slack(low, r["rows"]):
            out.append(Violation("min_run", f"{plant} {p.wk(t)}",
                                 f"feed {num(r['t'])} t is neither 0 nor >= min_weekly_t "
                                 f"{num(low)} t"))
    tab = p.plants_table
    off = tab[(tab["running"].astype(str).str.lower() == "false") & (tab["feed_t"] > ROUNDING)]
    for r in off.itertuples(index=False):
        out.append(Violation("min_run", f"{r.site_id} {p.wk(r.period)}",
                             f"running is false but {num(r.feed_t)} t are fed"))
    return out


def check_blends(p: Plan) -> list[Violation]:
    """Rule 8: min <= sum(q a) / sum(q) <= max for every spec row and week with feed."""
    out = []
    feed = p.feed
    for spec in p.sc.plant_specs.itertuples(index=False):
        at = feed[feed["site_id"] == spec.site_id]
        if at.empty:
            continue
        attr = p.feeds[spec.attribute].reindex(at["feedstock_id"]).to_numpy(float)
        at = at.assign(a=np.nan_to_num(attr, nan=math.inf))  # unknown value: fails any max
        for t, g in at.groupby("period"):
            total = g["feed_t"].sum()
            if total <= ROUNDING * len(g):
                continue
            blend = float((g["feed_t"] * g["a"]).sum() / total)
            allow = p.tol * max(1.0, total) + ROUNDING * len(g) * float(
                np.abs(g["a"].replace(math.inf, 0)).max() + 1)
            lo, hi = spec.min, spec.max
            low = not math.isnan(lo) and ((g["a"] - lo) * g["feed_t"]).sum() < -allow
            high = not math.isnan(hi) and ((g["a"] - hi) * g["feed_t"]).sum() > allow
            if low or high:
                rule = "feed_blend_min" if low else "feed_blend_max"
                bound = f">= {num(lo)}" if low else f"<= {num(hi)}"
                mix = ", ".join(f"{r.feedstock_id} {num(r.feed_t)} t ({spec.attribute} "
                                f"{num(r.a)})" for r in g.itertuples(index=False))
                out.append(Violation(rule, f"{spec.site_id} {p.wk(t)} {spec.attribute}",
                                     f"blend {num(blend)} must be {bound} (feed: {mix})"))
    return out


def output_table(p: Plan) -> pd.DataFrame:
    """plant_feed with each row's output recomputed from the plant's products and feedstocks."""
    feed = p.feed.copy()
    feed["per_t"] = [p.output_per_t(s, f) for s, f in
                     zip(feed["site_id"], feed["feedstock_id"], strict=True)]
    names = p.products.groupby("site_id", sort=False)["product"].agg("+".join)
    feed["make"] = names.reindex(feed["site_id"]).to_numpy()
    feed["out"] = feed["feed_t"] * feed["per_t"]
    return feed


def product_table(p: Plan) -> pd.DataFrame:
    """Output (t) and value (GBP) of each product per plant-feedstock-week, from plant_feed.

    The value carries the product's prices.csv index of the period (strategic plans).
    """
    rows = p.feed.drop(columns=["product", "output_t"]).merge(
        p.products[["site_id", "product", "value_gbp_per_t"]], on="site_id")
    rows["out"] = [r.feed_t * p.output_per_t(r.site_id, r.feedstock_id, r.product)
                   for r in rows.itertuples(index=False)]
    index = [p.price_index(k, t) for k, t in zip(rows["product"], rows["period"], strict=True)]
    rows["value"] = rows["out"] * rows["value_gbp_per_t"].astype(float) * index
    return rows


def check_offtake(p: Plan) -> list[Violation]:
    """Rule 12: output of the product per week (or summed for 'all') >= min_t.

    Also that the output tables say what the feed makes: each product's tonnes in
    plant_output, their sum in plant_feed and plants.
    """
    out = []
    made, each = output_table(p), product_table(p)
    for r in p.offtake.itertuples(index=False):
        if r.min_t <= 0:
            continue
        rows = each[each["product"] == r.product]
        periods = getattr(r, "periods", None)
        if r.period != 0:
            rows = rows[rows["period"].isin(periods if periods else (r.period,))]
        got = float(rows["out"].sum())
        if got < r.min_t - p.slack(r.min_t, len(rows)):
            out.append(Violation("offtake", f"{r.product} {r.week}",
                                 f"output {num(got)} t < committed {num(r.min_t)} t"))
    allow = p.tol * np.maximum(1.0, made["out"].abs()) + ROUNDING
    bad = made[((made["output_t"] - made["out"]).abs() > allow) | made["out"].isna()
               | (made["product"] != made["make"])]
    for r in bad.itertuples(index=False):
        out.append(Violation("offtake", f"{r.site_id} {p.wk(r.period)} {r.feedstock_id}",
                             f"plant_feed says {num(r.output_t)} t of {r.product}; feed "
                             f"{num(r.feed_t)} t x yield x basis = {num(r.out)} t of {r.make}"))
    agg = made.groupby(["site_id", "period"])["out"].sum()
    for r in p.plants_table.itertuples(index=False):
        want = float(agg.get((r.site_id, r.period), 0.0))
        if abs(r.output_t - want) > p.slack(want, 2):
            out.append(Violation("offtake", f"{r.site_id} {p.wk(r.period)}",
                                 f"plants table says output {num(r.output_t)} t, feed gives "
                                 f"{num(want)} t"))
    if p.has_output:
        out += _product_rows(p, each)
    out += _product_kpis(p, each)
    return out


def _product_kpis(p: Plan, each: pd.DataFrame) -> list[Violation]:
    """output_by_product_t, reo_recovered_t (``reo`` and ``*_oxide``) and product_value_gbp."""
    kpis = getattr(p.result, "kpi_values", None) or {}
    by_product = each.groupby("product")["out"].sum()
    oxides = each["product"].astype(str)
    oxides = (oxides == "reo") | oxides.str.endswith("_oxide")
    wants = [(f"output_by_product_t[{k}]", kpis.get("output_by_product_t", {}).get(k), float(v))
             for k, v in by_product.items() if v > ROUNDING]
    wants += [("reo_recovered_t", kpis.get("reo_recovered_t"), float(each.loc[oxides, "out"]
                                                                    .sum())),
              ("product_value_gbp", kpis.get("product_value_gbp"), float(each["value"].sum()))]
    # tables round tonnes to 1e-6: in GBP that is 1e-6 x the dearest product's value per t
    per_t = float(each["value_gbp_per_t"].astype(float).max()) if len(each) else 0.0
    out = []
    for name, said, want in wants:
        rounding = ROUNDING * len(each) * (per_t if name == "product_value_gbp" else 1.0)
        if said is not None and abs(float(said) - want) > p.tol * max(1.0, abs(want)) + rounding:
            out.append(Violation("offtake", name, f"the KPI says {num(float(said))}, the tables "
                                                  f"give {num(want)}"))
    return out


def _product_rows(p: Plan, each: pd.DataFrame) -> list[Violation]:
    """plant_output holds each product's tonnes from each feedstock, no more and no less."""
    key = ["site_id", "product", "feedstock_id", "period"]
    made = each[each["out"] > ROUNDING]
    want, value = made.groupby(key)["out"].sum(), made.groupby(key)["value"].sum()
    said = p.output.groupby(key)[["output_t", "value_gbp"]].sum()
    out = []
    for k in want.index.union(said.index):
        w, s = float(want.get(k, 0.0)), float(said["output_t"].get(k, 0.0))
        site, product, feedstock, period = k
        where = f"{site} {p.wk(period)} {feedstock} {product}"
        if abs(w - s) > p.slack(w, 2):
            out.append(Violation("offtake", where,
                                 f"plant_output says {num(s)} t, the feed makes {num(w)} t"))
        wv, sv = float(value.get(k, 0.0)), float(said["value_gbp"].get(k, 0.0))
        if abs(wv - sv) > p.tol * max(1.0, abs(wv)) + 0.01:
            out.append(Violation("offtake", where,
                                 f"plant_output says it is worth {num(sv)} GBP, the product's "
                                 f"value gives {num(wv)} GBP"))
    return out
