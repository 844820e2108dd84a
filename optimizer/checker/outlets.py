"""Rules on custody and on what leaves the UK: custody, outlet buys, leakage cap, limits."""

from __future__ import annotations

import math

from feedstock.optimizer.checker._plan import ROUNDING, Plan, Violation, num


def check_custody(p: Plan) -> list[Violation]:
    """Rule 9: restricted feedstock only into cleared non-outlet sites, held only there."""
    out = []
    if not p.restricted:
        return out
    f = p.flows[p.flows["feedstock_id"].isin(p.restricted)]
    for r in f.itertuples(index=False):
        kind = p.kind.get(r.destination, "")
        if kind == "outlet" or not p.cleared.get(r.destination, False):
            why = "an outlet" if kind == "outlet" else "not cleared"
            out.append(Violation("custody", f"{r.arc} {p.wk(r.period)} {r.feedstock_id}",
                                 f"{num(r.tonnes_t)} t of restricted feedstock into "
                                 f"{r.destination}, which is {why}"))
    for tab, col, what in ((p.stock, "stock_t", "held"), (p.feed, "feed_t", "fed")):
        rows = tab[tab["feedstock_id"].isin(p.restricted)]
        for r in rows.itertuples(index=False):
            if not p.cleared.get(r.site_id, False) and getattr(r, col) > ROUNDING:
                out.append(Violation("custody", f"{r.site_id} {p.wk(r.period)} {r.feedstock_id}",
                                     f"{num(getattr(r, col))} t of restricted feedstock {what} "
                                     "at a site that is not cleared"))
    for r in p.leak[p.leak["feedstock_id"].isin(p.restricted)].itertuples(index=False):
        out.append(Violation("custody", f"{r.site_id} {p.wk(r.period)} {r.feedstock_id}",
                             f"{num(r.tonnes_t)} t of restricted feedstock sold abroad"))
    return out


def check_outlet_buys(p: Plan) -> list[Violation]:
    """Rule 10: outlets take only what a row covers, at that row's price.

    In a strategic plan the price carries the prices.csv index of ``outlets`` for
    the period, and nothing reaches or is sold to an outlet once the export ban holds.
    """
    out = []
    into = p.flows[p.node_kind(p.flows["destination"]) == "outlet"]
    for r in into.itertuples(index=False):
        if p.banned(r.period) and r.tonnes_t > ROUNDING:
            out.append(Violation("outlet_buys", f"{r.arc} {p.wk(r.period)} {r.feedstock_id}",
                                 f"{num(r.tonnes_t)} t shipped to {r.destination} under the "
                                 "export ban"))
        if (r.destination, r.feedstock_id) not in p.prices:
            out.append(Violation("outlet_buys", f"{r.arc} {p.wk(r.period)} {r.feedstock_id}",
                                 f"{num(r.tonnes_t)} t delivered to {r.destination}, which has "
                                 f"no outlets.csv row covering {r.feedstock_id}"))
    for r in p.leak.itertuples(index=False):
        where = f"{r.site_id} {p.wk(r.period)} {r.feedstock_id}"
        if p.kind.get(r.site_id) != "outlet":
            out.append(Violation("outlet_buys", where,
                                 f"{num(r.tonnes_t)} t sold at a site that is not an outlet"))
            continue
        priced = p.prices.get((r.site_id, r.feedstock_id))
        if priced is None:
            out.append(Violation("outlet_buys", where,
                                 f"{num(r.tonnes_t)} t sold, but no outlets.csv row of "
                                 f"{r.site_id} covers {r.feedstock_id}"))
            continue
        if p.banned(r.period) and r.tonnes_t > ROUNDING:
            out.append(Violation("outlet_buys", where, f"{num(r.tonnes_t)} t sold abroad "
                                 "under the export ban"))
        price, row = priced
        price *= p.price_index("outlets", r.period)
        if not math.isclose(r.price_gbp_per_t, price, rel_tol=1e-9, abs_tol=1e-6) \
                or str(r.price_row) != row:
            out.append(Violation("outlet_buys", where,
                                 f"priced {num(r.price_gbp_per_t)} GBP/t by row "
                                 f"{r.price_row!r}; outlets.csv gives {num(price)} GBP/t "
                                 f"by row {row!r}"))
    return out


def check_leakage_cap(p: Plan) -> list[Violation]:
    """Rule 11: sum of sales at outlets <= max_leakage_share x available (and max_leakage_t)."""
    share = float(p.sc.config.policy.max_leakage_share)
    absolute = p.sc.config.policy.max_leakage_t
    avail = p.available_t()
    sold = float(p.leak["tonnes_t"].sum())
    limit = share * avail if absolute is None else min(share * avail, float(absolute))
    if sold > limit + p.slack(limit, len(p.leak)):
        cap = f"{num(share)} x available {num(avail)} t" + (
            "" if absolute is None else f" and max_leakage_t {num(float(absolute))} t")
        return [Violation("leakage_cap", "whole horizon",
                          f"sold abroad {num(sold)} t > {cap}: limit {num(limit)} t")]
    return []


def check_elements(p: Plan) -> list[Violation]:
    """Rule 11b: kg of each element leaked <= its max_leakage_kg; every element KPI recomputes.

    Kept = sum over plant_feed of t x kg per t; leaked = the same over leakage (also
    by sector and by outlet); value = kg x ``value_gbp_per_kg``. Tolerances are the
    checker's relative ``tol`` on kg, plus the tables' rounding (1e-6 t) in kg.
    """
    out = []
    kpis = _kpis(p.result)
    feed, leak = p.feed, p.leak
    elements = p.sc.config.policy.elements
    kept_all, leaked_all = {}, {}
    for el, kg in p.element_kg.items():
        per_t_kept = feed["feedstock_id"].map(kg).fillna(0.0)
        per_t_leak = leak["feedstock_id"].map(kg).fillna(0.0)
        kept = kept_all[el] = float((feed["feed_t"] * per_t_kept).sum())
        leaked = leaked_all[el] = float((leak["tonnes_t"] * per_t_leak).sum())
        policy = elements.get(el)
        if policy is not None and policy.max_leakage_kg is not None:
            cap = float(policy.max_leakage_kg)
            if leaked > cap + _kg_slack(p, cap, len(leak)):
                out.append(Violation("element_leakage_cap", el,
                                     f"{num(leaked)} kg leaked > max_leakage_kg {num(cap)}"))
        by_sector = (leak["tonnes_t"] * per_t_leak).groupby(leak["sector"]).sum()
        by_outlet = (leak["tonnes_t"] * per_t_leak).groupby(leak["site_id"]).sum()
        wants = [("element_kept_uk_kg", None, kept, len(feed)),
                 ("element_leaked_kg", None, leaked, len(leak))]
        wants += [("element_leaked_kg_by_sector", s, float(v), len(leak))
                  for s, v in by_sector.items()]
        wants += [("element_leaked_kg_by_outlet", o, float(v), len(leak))
                  for o, v in by_outlet.items()]
        for name, key, want, terms in wants:
            said = _said(kpis, name, el, key)
            if said is not None and abs(said - want) > _kg_slack(p, want, terms):
                where = f"{name}[{el}]" + ("" if key is None else f"[{key}]")
                out.append(Violation("element_leakage_cap", where,
                                     f"the KPI says {num(said)} kg, the tables give "
                                     f"{num(want)} kg"))
    values = {el: pol.value_gbp_per_kg for el, pol in elements.items()
              if pol.value_gbp_per_kg is not None and el in kept_all}
    for name, kg in (("element_value_kept_gbp", kept_all), ("element_value_leaked_gbp",
                                                            leaked_all)):
        said = kpis.get(name)
        want = sum(kg[el] * v for el, v in values.items())
        if values and said is not None and abs(float(said) - want) > \
                p.tol * max(1.0, abs(want)) + 0.01:
            out.append(Violation("element_leakage_cap", name,
                                 f"the KPI says {num(float(said))} GBP, the tables give "
                                 f"{num(want)} GBP"))
    return out


def _kg_slack(p: Plan, kg: float, terms: int) -> float:
    """Error allowed on ``kg`` kilograms summed from ``terms`` rows of tonnes (rounded to 1e-6)."""
    return p.tol * max(1.0, abs(kg)) + ROUNDING * terms * 1000.0


def _said(kpis: dict, name: str, element: str, key: str | None) -> float | None:
    """A KPI's value for an element (and a sector or outlet), or None when not reported."""
    value = kpis.get(name)
    if not isinstance(value, dict) or element not in value:
        return None
    value = value[element]
    if key is not None:
        if not isinstance(value, dict):
            return None
        value = value.get(key, 0.0)
    return float(value)


def _kpis(result: object) -> dict:
    values = getattr(result, "kpi_values", None)
    return dict(values) if values is not None else {}


def check_outlet_limits(p: Plan) -> list[Violation]:
    """Rule 13: per outlets.csv row with a max, a period's sales it prices <= max x weeks."""
    out = []
    row_of = {k: v[1] for k, v in p.prices.items()}
    leak = p.leak.assign(row=[row_of.get((s, f)) for s, f in
                              zip(p.leak["site_id"], p.leak["feedstock_id"], strict=True)])
    sold = leak.groupby(["site_id", "row", "period"])["tonnes_t"].agg(t="sum", rows="count")
    for r in p.outlet_rows.itertuples(index=False):
        per_week = float(r.max_t_per_week)
        if not math.isfinite(per_week):
            continue
        for t in range(1, p.horizon + 1):
            cap = per_week * p.weeks_in(t)
            key = (r.site_id, r.feedstock_id, t)
            if key not in sold.index:
                continue
            got, rows = sold.loc[key]
            if got > cap + p.slack(cap, rows):
                out.append(Violation("outlet_limit", f"{r.site_id} {p.wk(t)} row {r.feedstock_id}",
                                     f"sold {num(got)} t > max_t_per_week {num(per_week)} t x "
                                     f"{num(p.weeks_in(t))} weeks"))
    return out
