"""What the index sets read per period: supply, offtake, builds, prices, the export ban.

A weekly run reads them straight from the scenario (supply.csv week by week,
expansions available from a week, no price indices). A strategic run
(``[strategy]``, years or quarters) reads:

* **supply**: each (site, feedstock)'s supply.csv tonnes inside the weekly
  horizon, per week, x the period's weeks x the forecast index of its year
  (forecast.csv; the most specific row wins: site and feedstock, then
  feedstock, then site, then the sector; a year without a row keeps the last
  given year's index, 1 before the first);
* **builds**: one build per option and year it may be decided (``earliest_year``
  .. ``latest_year``); it is online from ``year + lead_time_years`` for
  ``lifetime_years``; its cost is the annuity of ``capex_gbp`` plus
  ``opex_gbp_per_year`` for each online year inside the horizon, discounted;
* **prices**: prices.csv indices (a product's value, or every outlet price) by year;
* **offtake**: rows naming a year (all its periods) or ``all``;
* **export ban**: outlets buy nothing from ``export_ban_from_year``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from feedstock.optimizer.base.weeks import is_year
from feedstock.optimizer.scenario import Scenario
from feedstock.optimizer.scenario.horizon import (
    WEEKS_PER_YEAR,
    Horizon,
    annuity,
    strategic_horizon,
    weekly_horizon,
)

OUTLETS = "outlets"  # the prices.csv item that indexes every outlet price


@dataclass(frozen=True, eq=False)
class PeriodInputs:
    """The scenario's inputs laid out on a horizon's periods (see the module docstring)."""

    horizon: Horizon
    inflows: pd.DataFrame  # site_id, feedstock_id, period, tonnes (supply and arrivals)
    arriving: pd.DataFrame  # in-transit arrivals: site_id, feedstock_id, period, tonnes
    offtake: pd.DataFrame  # product, week (label), min_t, periods (tuple)
    builds: pd.DataFrame  # key, site_id, option, first_period, last_period, cost_gbp, ...
    product_index: dict  # (period, product) -> price index
    outlet_index: dict  # period -> price index of every outlet
    banned_periods: frozenset  # periods in which outlets buy nothing
    fixed_cost_factor: float  # a lane's or hub's fixed cost per year -> its horizon cost

    def inflow_total(self) -> float:
        """Tonnes that appear from outside the plan over the horizon (supply + arrivals)."""
        return float(self.inflows["tonnes"].sum())


def period_inputs(sc: Scenario, strategic: bool = False) -> PeriodInputs:
    """The inputs of ``sc`` for its weekly horizon, or for its ``[strategy]`` years."""
    return _strategic(sc) if strategic else _weekly(sc)


def _weekly(sc: Scenario) -> PeriodInputs:
    hz = weekly_horizon(sc.config)
    arriving = sc.in_transit.rename(columns={"destination": "site_id"}).groupby(
        ["site_id", "feedstock_id", "period"], as_index=False)["tonnes"].sum()
    offtake = sc.offtake
    offtake["periods"] = [tuple(range(1, hz.count + 1)) if p == 0 else (p,)
                          for p in offtake["period"]]
    builds = sc.expansions
    builds = builds[builds["first_period"] <= sc.horizon].copy()
    builds["key"] = builds["site_id"] + "/" + builds["option"]
    builds["last_period"] = hz.count
    builds["cost_gbp"] = builds["fixed_cost_gbp"]
    builds["decided"] = builds["available_from_week"]
    return PeriodInputs(hz, sc.inflows, arriving, offtake, builds.reset_index(drop=True),
                        {}, {}, frozenset(), 1.0)


def _strategic(sc: Scenario) -> PeriodInputs:
    hz = strategic_horizon(sc.config)
    s = sc.config.strategy
    supply = _forecast_supply(sc, hz)
    arriving = sc.table("in_transit").rename(columns={"destination": "site_id"}) \
        .assign(period=1).groupby(["site_id", "feedstock_id", "period"],
                                  as_index=False)["tonnes"].sum()
    cols = ["site_id", "feedstock_id", "period", "tonnes"]
    inflows = pd.concat([supply[cols], arriving[cols]], ignore_index=True)
    banned = frozenset(t for t, y in enumerate(hz.years, start=1)
                       if s.export_ban_from_year is not None and y >= s.export_ban_from_year)
    factor = sum(d * w / WEEKS_PER_YEAR for d, w in zip(hz.discount, hz.weeks, strict=True))
    return PeriodInputs(hz, inflows, arriving, _year_offtake(sc, hz), _builds(sc, hz),
                        _product_index(sc, hz), _indexed(sc.table("prices"), OUTLETS, hz),
                        banned, factor)


def _forecast_supply(sc: Scenario, hz: Horizon) -> pd.DataFrame:
    """Supply per period: weekly base x weeks in the period x the forecast index."""
    base = sc.supply.groupby(["site_id", "feedstock_id"], as_index=False)["tonnes"].sum()
    base["tonnes"] /= sc.config.weeks
    sector = sc.feedstocks.set_index("feedstock_id")["sector"]
    base["sector"] = sector.reindex(base["feedstock_id"]).to_numpy()
    rows = []
    for t, (weeks, year) in enumerate(zip(hz.weeks, hz.years, strict=True), start=1):
        index = [_forecast_index(sc.table("forecast"), year, r.sector, r.feedstock_id, r.site_id)
                 for r in base.itertuples(index=False)]
        rows.append(base.assign(period=t, tonnes=base["tonnes"] * weeks * pd.Series(
            index, index=base.index)))
    out = pd.concat(rows, ignore_index=True) if rows else base.assign(period=1)
    return out[out["tonnes"] > 0].reset_index(drop=True)


def _forecast_index(fc: pd.DataFrame, year: int, sector: str, feedstock: str,
                    site: str) -> float:
    """The index of the most specific forecast series that covers this supply, in ``year``."""
    rows = fc[fc["sector"] == sector]
    if rows.empty:
        return 1.0
    f, s = rows["feedstock_id"], rows["site_id"]
    for pick in ((f == feedstock) & (s == site), (f == feedstock) & s.isna(),
                 f.isna() & (s == site), f.isna() & s.isna()):
        series = rows[pick]
        if len(series):
            return _carried(series, year)
    return 1.0


def _carried(series: pd.DataFrame, year: int) -> float:
    """The index of ``year``, or of the last year before it with a row (1 before the first)."""
    known = series[series["year"] <= year]
    if known.empty:
        return 1.0
    return float(known.loc[known["year"].idxmax(), "index"])


def _indexed(prices: pd.DataFrame, item: str, hz: Horizon) -> dict:
    """Period -> price index of ``item`` (carried forward like a forecast; 1 if none)."""
    series = prices[prices["item"] == item]
    return {t: (_carried(series, y) if len(series) else 1.0)
            for t, y in enumerate(hz.years, start=1)}


def _product_index(sc: Scenario, hz: Horizon) -> dict:
    prices = sc.table("prices")
    return {(t, p): v for p in sc.plant_products["product"].unique()
            for t, v in _indexed(prices, p, hz).items()}


def _year_offtake(sc: Scenario, hz: Horizon) -> pd.DataFrame:
    """Offtake rows naming a year inside the horizon (its periods) or ``all`` (every one)."""
    df = sc.table("offtake")
    keep = df["week"].map(lambda w: w == "all" or (is_year(w) and bool(
        hz.periods_of_year(int(w))))).astype(bool)
    df = df[keep].copy()
    df["periods"] = [tuple(range(1, hz.count + 1)) if w == "all"
                     else tuple(hz.periods_of_year(int(w))) for w in df["week"]]
    df["period"] = [0 if w == "all" else p[0] for w, p in zip(df["week"], df["periods"],
                                                              strict=True)]
    return df.reset_index(drop=True)


def _builds(sc: Scenario, hz: Horizon) -> pd.DataFrame:
    """One row per strategic option and year it may be decided, online years and cost."""
    s = sc.config.strategy
    rows = []
    for o in sc.table("expansions").itertuples(index=False):
        if o.decision == "never" or pd.isna(o.capex_gbp) or pd.isna(o.lifetime_years):
            continue  # weekly-only option (validation notes it), or excluded
        first = max(s.first_year, int(o.earliest_year) if not pd.isna(o.earliest_year) else 0)
        last = min(s.last_year, int(o.latest_year) if not pd.isna(o.latest_year) else 9999)
        years = list(range(first, last + 1))
        if o.decision == "build":
            years = years[:1]  # forced: decided in its earliest allowed year
        yearly = annuity(float(o.capex_gbp), s.discount_rate, int(o.lifetime_years)) \
            + float(o.opex_gbp_per_year)
        for year in years:
            online = [t for t, y in enumerate(hz.years, start=1)
                      if year + int(o.lead_time_years) <= y
                      < year + int(o.lead_time_years) + int(o.lifetime_years)]
            if not online:
                continue  # never online inside the horizon: building it buys nothing
            cost = sum(yearly * hz.discount[t - 1] * hz.weeks[t - 1] / WEEKS_PER_YEAR
                       for t in online)
            rows.append({"key": f"{o.site_id}/{o.option}@{year}", "site_id": o.site_id,
                         "option": o.option, "decided": str(year), "first_period": online[0],
                         "last_period": online[-1], "cost_gbp": cost,
                         "extra_capacity_t_per_week": float(o.extra_capacity_t_per_week),
                         "decision": o.decision, "group": o.group,
                         "fixed_cost_gbp": cost, "available_from_week": hz.labels[online[0] - 1]})
    cols = ["key", "site_id", "option", "decided", "first_period", "last_period", "cost_gbp",
            "extra_capacity_t_per_week", "decision", "group", "fixed_cost_gbp",
            "available_from_week"]
    return pd.DataFrame(rows, columns=cols)
