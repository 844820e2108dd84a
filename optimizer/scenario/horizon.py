"""The periods a model plans: ISO weeks (weekly runs) or years / quarters (strategic runs).

Every rate in the data is per week (``capacity_t_per_week``, ``max_trips_per_week``,
holding per t-week); a period of ``L`` weeks scales them by ``L``. A weekly
horizon has ``L = 1`` and no discounting, so the weekly model is the special case
every family already was. A strategic horizon (``[strategy]`` in scenario.toml)
has one period per year (52 or 53 ISO weeks) or per quarter (13 weeks, 14 for the
last quarter of a 53-week year), and a discount factor per period,
``(1 + r)^-(year - first_year)``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from feedstock.optimizer.base.weeks import horizon_labels, parse_iso_week
from feedstock.optimizer.scenario.config import ScenarioConfig

WEEKS_PER_YEAR = 52.0  # a per-year cost (annuity, opex, a yearly fixed cost) per 52 weeks


@dataclass(frozen=True)
class Horizon:
    """Periods 1..P: their labels, length in weeks, calendar year and discount factor."""

    kind: str  # "week" | "year" | "quarter"
    labels: tuple[str, ...]
    weeks: tuple[float, ...]
    years: tuple[int, ...]
    discount: tuple[float, ...]

    @property
    def count(self) -> int:
        """Number of periods P."""
        return len(self.labels)

    @property
    def strategic(self) -> bool:
        """Whether periods are years or quarters (trips continuous, transit inside a period)."""
        return self.kind != "week"

    def periods_of_year(self, year: int) -> list[int]:
        """The periods (1-based) that lie in a calendar year."""
        return [t for t, y in enumerate(self.years, start=1) if y == year]

    def length(self, period: int) -> float:
        """Weeks in a period."""
        return self.weeks[period - 1]


def weekly_horizon(config: ScenarioConfig) -> Horizon:
    """The ISO weeks from ``start_week``: L = 1, no discounting."""
    labels = horizon_labels(config.start_week, config.weeks)
    years = tuple(parse_iso_week(w).isocalendar()[0] for w in labels)
    ones = tuple(1.0 for _ in labels)
    return Horizon("week", labels, ones, years, ones)


def strategic_horizon(config: ScenarioConfig) -> Horizon:
    """The years (or quarters) of ``[strategy]``, each with its ISO weeks and discount."""
    s = config.strategy
    if s is None:
        raise ValueError("the scenario has no [strategy] table in scenario.toml")
    labels, weeks, years = [], [], []
    for year in range(s.first_year, s.first_year + s.years):
        in_year = iso_weeks_in(year)
        if s.period == "year":
            labels.append(str(year))
            weeks.append(float(in_year))
            years.append(year)
        else:
            for q in range(1, 5):
                labels.append(f"{year}-Q{q}")
                weeks.append(13.0 + (1.0 if q == 4 and in_year == 53 else 0.0))
                years.append(year)
    discount = tuple((1.0 + s.discount_rate) ** -(y - s.first_year) for y in years)
    return Horizon(s.period, tuple(labels), tuple(weeks), tuple(years), discount)


def iso_weeks_in(year: int) -> int:
    """52 or 53: the ISO weeks of a year (28 December is always in its last week)."""
    return dt.date(year, 12, 28).isocalendar()[1]


def annuity(capex: float, rate: float, life: int) -> float:
    """Yearly payment that repays ``capex`` over ``life`` years at ``rate`` (capex/life at 0)."""
    if rate == 0:
        return capex / life
    return capex * rate / (1.0 - (1.0 + rate) ** -life)
