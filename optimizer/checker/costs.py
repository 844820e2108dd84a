"""The objective of docs/model.md recomputed line by line from the plan's tables."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from feedstock.optimizer.checker._plan import ROUNDING, Plan, Violation, num
from feedstock.optimizer.checker.flows import hub_intake

COST_LINES = ("transport", "fixed_decisions", "hub_handling", "holding", "processing_net",
              "export_revenue", "leakage_penalty", "carbon", "terminal_stock")


def _fixed(p: Plan) -> tuple[float, list[Violation]]:
    """Sum fixed costs of chosen decisions, priced from the scenario (not the table).

    Strategic: a lane contract or hub is paid per year over the horizon
    (x ``p.contract_factor``); a build costs its discounted annuity + opex.
    """
    hubs = p.sc.hubs.set_index("site_id")["fixed_cost_gbp"].astype(float) * p.contract_factor
    exp = p.expansions
    options = {str(k): float(c) for k, c in zip(exp["key"], exp["cost_gbp"], strict=True)}
    options.update({(s, o): float(c) for s, o, c in
                    zip(exp["site_id"], exp["option"], exp["cost_gbp"], strict=True)})
    total, out = 0.0, []
    for r in p.decisions.itertuples(index=False):
        key = str(r.id)
        if r.decision == "lane_contract":
            cost = p.arcs["fixed_cost_gbp"].get(key, math.nan) * p.contract_factor
        elif r.decision == "hub_open":
            cost = hubs.get(key, math.nan)
        elif r.decision == "expansion":
            cost = options.get(key, options.get((r.site_id, key), math.nan))
        else:
            cost = math.nan
        where = f"decision {r.decision} {key}"
        if math.isnan(cost):
            out.append(Violation("cost_line", where, "names nothing in the scenario"))
            continue
        if not math.isclose(float(r.fixed_cost_gbp), cost, rel_tol=1e-9, abs_tol=1e-6):
            out.append(Violation("cost_line", where,
                                 f"fixed_cost_gbp {num(r.fixed_cost_gbp)} but the scenario "
                                 f"says {num(cost)} GBP"))
        total += cost if r.chosen else 0.0
    return total, out


def _lines(p: Plan) -> tuple[dict[str, tuple[float, float]], list[Violation]]:
    """Each line as (value, sum of |coefficient| over the rows it reads) and any problems.

    Every term of period t is weighed by its discount factor, holding by the
    period's weeks too, product values and outlet prices by their price index
    (all 1 in a weekly plan).
    """
    arcs, f, feed, leak, stock = p.arcs, p.flows, p.feed, p.leak, p.stock
    disc = _per_period(p.discount)
    trip_periods = p.trips.index.get_level_values("period")
    trip_cost = pd.Series(p.trips.index.get_level_values("arc"), dtype=object) \
        .map(arcs["trip_cost_gbp"]).fillna(0.0).to_numpy(float) \
        * pd.Series(trip_periods).map(disc).fillna(1.0).to_numpy(float)
    f_disc = f["period"].map(disc).fillna(1.0)
    per_t = f["arc"].map(arcs["cost_gbp_per_t"]).fillna(0.0) * f_disc
    co2e = f["arc"].map(arcs["co2e_kg_per_t"]).fillna(0.0) * f_disc
    handling = p.sc.hubs.set_index("site_id")["handling_gbp_per_t"].astype(float)
    intake = hub_intake(p)
    hub_rate = pd.Series(intake.index.get_level_values(0), dtype=object).map(handling) \
        .fillna(0.0).to_numpy(float) \
        * pd.Series(intake.index.get_level_values(1)).map(disc).fillna(1.0).to_numpy(float)
    inside = stock[stock["period"].between(1, p.horizon)]
    holding = inside["site_id"].map(p.sites["holding_gbp_per_t_week"]).fillna(0.0) \
        * inside["period"].map(_per_period(p.weeks_in)).fillna(1.0) \
        * inside["period"].map(disc).fillna(1.0)
    plants = p.sc.plants.set_index("site_id")
    value = pd.Series([p.value_per_t(s, g, t) for s, g, t in
                       zip(feed["site_id"], feed["feedstock_id"], feed["period"], strict=True)],
                      index=feed.index, dtype=float)
    net = (feed["site_id"].map(plants["cost_gbp_per_t"]).astype(float) - value) \
        * feed["period"].map(disc).fillna(1.0)
    e_disc = leak["period"].map(disc).fillna(1.0)
    price = pd.Series([p.prices.get((s, g), (r, ""))[0] * p.price_index("outlets", t) for s, g, r, t
                       in zip(leak["site_id"], leak["feedstock_id"], leak["price_gbp_per_t"],
                              leak["period"], strict=True)], index=leak.index, dtype=float)
    lam = leak["feedstock_id"].map(p.penalty).astype(float)
    pol = p.sc.config.policy
    carbon = pol.carbon_price_gbp_per_t_co2e / 1000.0 * co2e
    end = stock.loc[stock["period"] == p.horizon, "stock_t"]
    term = float(pol.terminal_stock_penalty_gbp_per_t) * p.discount(p.horizon)
    fixed, out = _fixed(p)
    lines = {
        "transport": (float((trip_cost * p.trips.to_numpy(float)).sum()
                            + (per_t * f["tonnes_t"]).sum()),
                      float(abs(trip_cost).sum() + per_t.abs().sum())),
        "fixed_decisions": (float(fixed), 0.0),
        "hub_handling": (float((hub_rate * intake["t"].to_numpy(float)).sum()),
                         float((abs(hub_rate) * intake["rows"].to_numpy(float)).sum())),
        "holding": (float((holding * inside["stock_t"]).sum()), float(holding.abs().sum())),
        "processing_net": (float((net * feed["feed_t"]).sum()), float(net.abs().sum())),
        "export_revenue": (0.0 - float((price * e_disc * leak["tonnes_t"]).sum()),
                           float((price * e_disc).abs().sum())),
        "leakage_penalty": (float((lam * e_disc * leak["tonnes_t"]).sum()),
                            float((lam * e_disc).abs().sum())),
        "carbon": (float((carbon * f["tonnes_t"]).sum()), float(carbon.abs().sum())),
        "terminal_stock": (term * float(end.sum()), term * len(end)),
    }
    for r in leak[(lam - leak["penalty_gbp_per_t"]).abs() > 1e-6].itertuples(index=False):
        out.append(Violation("cost_line", f"{r.site_id} {p.wk(r.period)} {r.feedstock_id}",
                             f"leakage penalty {num(r.penalty_gbp_per_t)} GBP/t, policy "
                             f"gives {num(p.penalty[r.feedstock_id])} GBP/t"))
    for r in feed[net.isna()].itertuples(index=False):
        out.append(Violation("cost_line", f"{r.site_id} {p.wk(r.period)} {r.feedstock_id}",
                             "feed with no processing cost (unknown plant or feedstock)"))
    return lines, out


def _per_period(fn: Any) -> Any:
    """A period -> value mapper that leaves periods outside the horizon unmapped (NaN)."""
    def mapped(t: Any) -> float:
        try:
            return fn(int(t))
        except (IndexError, ValueError, TypeError):
            return math.nan
    return mapped


def cost_lines(sc: Any, result: Any, tol: float = 1e-5) -> dict[str, float]:
    """Recompute the objective's lines from ``result``'s tables and ``sc`` (GBP)."""
    lines, _ = _lines(Plan(sc, result, tol))
    return {k: v for k, (v, _) in lines.items()}


def check_cost_lines(p: Plan) -> list[Violation]:
    """Rule 14: every line of the objective as the tables and the scenario price it."""
    lines, out = _lines(p)
    reported = dict(getattr(p.result, "cost_lines_gbp", {}) or {})
    for name in sorted(set(reported) - set(COST_LINES)):
        out.append(Violation("cost_line", name, "not a line of docs/model.md's objective"))
    for name in COST_LINES:
        value, gross = lines[name]
        if name not in reported:
            out.append(Violation("cost_line", name, f"missing (recomputed {num(value)} GBP)"))
            continue
        got = float(reported[name])
        allow = max(1e-6 * abs(value), 1e-3) + ROUNDING * gross
        if not abs(got - value) <= allow:
            out.append(Violation("cost_line", name,
                                 f"result says {num(got)} GBP, the tables give {num(value)} GBP "
                                 f"(off by {num(got - value)} GBP)"))
    return out


def check_objective(p: Plan) -> list[Violation]:
    """Check that the reported lines add up to the objective."""
    reported = dict(getattr(p.result, "cost_lines_gbp", {}) or {})
    total = float(sum(reported.values()))
    obj = float(p.result.objective_gbp)
    if not abs(obj - total) <= max(1e-6 * abs(obj), 1e-3):
        return [Violation("objective", "objective_gbp",
                          f"objective {num(obj)} GBP != sum of cost lines {num(total)} GBP")]
    return []
