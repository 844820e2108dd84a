"""The checker's own reading of a strategic horizon: years, weeks, discounting, forecast, builds.

Written again from docs/scenario-format.md and docs/model.md ("Strategic
planning"), not taken from the model's code, so that a mistake there cannot pass
both sides: a year holds its ISO weeks (52 or 53), a quarter 13 (14 for the last
quarter of a 53-week year); a cost in year y weighs (1 + r)^-(y - first year);
supply = the weekly base (supply.csv inside start_week .. + weeks, per week) x the
period's weeks x the forecast index (most specific row; a year without one
carries the last given, 1 before any); a build decided in year y is online from
y + lead for lifetime years and costs its annuity plus opex for each online year
inside the horizon.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class Years:
    """Periods of a strategic horizon, from scenario.toml's ``[strategy]``."""

    labels: tuple[str, ...]
    weeks: tuple[float, ...]
    years: tuple[int, ...]
    discount: tuple[float, ...]
    rate: float
    ban_from: int | None

    @classmethod
    def of(cls, sc: Any) -> Years:
        """The periods of ``sc``'s ``[strategy]`` table."""
        s = sc.config.strategy
        labels, weeks, years = [], [], []
        for year in range(s.first_year, s.first_year + s.years):
            n = dt.date(year, 12, 28).isocalendar()[1]
            quarters = [(str(year), float(n))] if s.period == "year" else [
                (f"{year}-Q{q}", 13.0 + (q == 4 and n == 53)) for q in range(1, 5)]
            for label, w in quarters:
                labels.append(label)
                weeks.append(w)
                years.append(year)
        discount = tuple(1.0 / (1.0 + s.discount_rate) ** (y - s.first_year) for y in years)
        return cls(tuple(labels), tuple(weeks), tuple(years), discount, s.discount_rate,
                   s.export_ban_from_year)

    @property
    def count(self) -> int:
        """Number of periods."""
        return len(self.labels)

    def period_of(self, label: Any) -> float:
        """1-based period of a label ('2029', '2029-Q3'), NaN if it is none."""
        text = str(label)
        return float(self.labels.index(text) + 1) if text in self.labels else float("nan")

    def banned(self, period: int) -> bool:
        """Whether outlets may not buy in this period (export ban)."""
        return self.ban_from is not None and self.years[period - 1] >= self.ban_from

    # ---------------------------------------------------------------- supply
    def supply(self, sc: Any, weekly: pd.DataFrame) -> pd.DataFrame:
        """site_id, feedstock_id, period, tonnes: the forecast supply of every period.

        ``weekly``: supply.csv rows inside the weekly horizon (the checker's own filter).
        """
        base = weekly.groupby(["site_id", "feedstock_id"], as_index=False)["tonnes"].sum()
        base["tonnes"] = base["tonnes"] / float(sc.config.weeks)
        sector = sc.feedstocks.set_index("feedstock_id")["sector"]
        forecast = sc.table("forecast")
        rows = []
        for t, (w, year) in enumerate(zip(self.weeks, self.years, strict=True), start=1):
            for r in base.itertuples(index=False):
                index = _index(forecast, year, sector.get(r.feedstock_id), r.feedstock_id,
                               r.site_id)
                rows.append((r.site_id, r.feedstock_id, t, r.tonnes * w * index))
        out = pd.DataFrame(rows, columns=["site_id", "feedstock_id", "period", "tonnes"])
        return out[out["tonnes"] > 0].reset_index(drop=True)

    def price_index(self, prices: pd.DataFrame, item: str, period: int) -> float:
        """A product's (or 'outlets') price index in a period (carried forward; 1 if none)."""
        rows = prices[(prices["item"] == item) & (prices["year"] <= self.years[period - 1])]
        return 1.0 if rows.empty else float(rows.loc[rows["year"].idxmax(), "index"])

    # ---------------------------------------------------------------- builds
    def builds(self, expansions: pd.DataFrame) -> pd.DataFrame:
        """Key (site/option@year), site_id, option, first_period, last_period, cost_gbp, ..."""
        rows = []
        first, last = self.years[0], self.years[-1]
        for o in expansions.itertuples(index=False):
            if pd.isna(o.capex_gbp) or pd.isna(o.lifetime_years):
                continue
            life, lead = int(o.lifetime_years), int(0 if pd.isna(o.lead_time_years)
                                                   else o.lead_time_years)
            a = (float(o.capex_gbp) / life if self.rate == 0 else
                 float(o.capex_gbp) * self.rate / (1 - (1 + self.rate) ** -life))
            yearly = a + (0.0 if pd.isna(o.opex_gbp_per_year) else float(o.opex_gbp_per_year))
            lo = first if pd.isna(o.earliest_year) else max(first, int(o.earliest_year))
            hi = last if pd.isna(o.latest_year) else min(last, int(o.latest_year))
            for year in range(lo, hi + 1):
                online = [t for t, y in enumerate(self.years, start=1)
                          if year + lead <= y < year + lead + life]
                if not online:
                    continue
                cost = sum(yearly * self.discount[t - 1] * self.weeks[t - 1] / 52.0
                           for t in online)
                rows.append((f"{o.site_id}/{o.option}@{year}", o.site_id, o.option, online[0],
                             online[-1], cost, float(o.extra_capacity_t_per_week),
                             str(o.decision), year))
        return pd.DataFrame(rows, columns=["key", "site_id", "option", "first_period",
                                           "last_period", "cost_gbp",
                                           "extra_capacity_t_per_week", "decision", "year"])

    def fixed_cost_factor(self) -> float:
        """A lane's or hub's fixed cost per year, over the horizon: sum of discount x weeks / 52."""
        return sum(d * w / 52.0 for d, w in zip(self.discount, self.weeks, strict=True))


def _index(fc: pd.DataFrame, year: int, sector: Any, feedstock: str, site: str) -> float:
    rows = fc[fc["sector"] == sector]
    for match in ((rows["feedstock_id"] == feedstock) & (rows["site_id"] == site),
                  (rows["feedstock_id"] == feedstock) & rows["site_id"].isna(),
                  rows["feedstock_id"].isna() & (rows["site_id"] == site),
                  rows["feedstock_id"].isna() & rows["site_id"].isna()):
        series = rows[match]
        if len(series):
            known = series[series["year"] <= year]
            return 1.0 if known.empty else float(known.loc[known["year"].idxmax(), "index"])
    return 1.0
