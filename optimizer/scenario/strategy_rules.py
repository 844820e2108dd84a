"""Rules of the strategic inputs: forecast.csv, prices.csv, the build columns of expansions.csv.

Errors (file, row, column, value, rule) for what cannot be read as meant: a
forecast for a sector, feedstock or source that does not exist, a price for an
item no plant makes, a build with capex but no lifetime, an earliest year after
its latest. Notes for what is read but does nothing: years outside the horizon,
an option never online inside it, strategic files in a weekly-only scenario.
"""

from __future__ import annotations

from feedstock.optimizer.base.errors import Problem
from feedstock.optimizer.base.weeks import is_year
from feedstock.optimizer.scenario.config import ScenarioConfig
from feedstock.optimizer.scenario.rules import Tables, _is_set, _kind_of, _ref

OUTLETS = "outlets"  # the prices.csv item for every outlet price


def strategy_problems(t: Tables, cfg: ScenarioConfig | None) -> tuple[list[Problem], list[str]]:
    """Every rule of the strategic inputs; returns (problems, notes)."""
    problems = _forecast_rules(t) + _price_rules(t) + _build_rules(t)
    notes: list[str] = []
    strategy = None if cfg is None else cfg.strategy
    if strategy is None:
        used = [f for f, name in (("forecast.csv", "forecast"), ("prices.csv", "prices"))
                if len(t[name])]
        notes += [f"{f}: read by strategic runs only (scenario.toml has no [strategy])"
                  for f in used]
        return problems, notes
    first, last = strategy.first_year, strategy.last_year
    for file, name in (("forecast.csv", "forecast"), ("prices.csv", "prices")):
        years = t[name]["year"].dropna()
        outside = years[(years < first) | (years > last)]
        if len(outside):
            notes.append(f"{file}: {len(outside)} row(s) outside {first}..{last}: a year before "
                         "the horizon still sets the index carried into it; later ones are "
                         "ignored")
    notes += _build_notes(t, first, last)
    offtake = t["offtake"]["week"].dropna()
    weekly = offtake[~offtake.map(is_year).astype(bool) & (offtake != "all")]
    if len(weekly):
        notes.append(f"offtake.csv: {len(weekly)} row(s) naming an ISO week are for weekly runs: "
                     "ignored by strategic runs")
    if strategy.export_ban_from_year is not None and strategy.export_ban_from_year > last:
        notes.append(f"scenario.toml: strategy.export_ban_from_year {strategy.export_ban_from_year}"
                     f" is after the horizon ({last}): no effect")
    return problems, notes


def _forecast_rules(t: Tables) -> list[Problem]:
    fc, feeds = t["forecast"], t["feedstocks"]
    if fc.empty:
        return []
    out = _ref("forecast.csv", fc, "sector", set(feeds["sector"].dropna()),
               "sector (no feedstock of feedstocks.csv has it)")
    out += _ref("forecast.csv", fc, "feedstock_id", set(feeds["feedstock_id"].dropna()),
                "feedstock (not in feedstocks.csv)")
    kinds = _kind_of(t)
    for row, site in fc["site_id"].items():
        if _is_set(site) and kinds.get(site) != "source":
            rule = "unknown site" if site not in kinds else f"is a {kinds[site]}: must be a source"
            out.append(Problem("forecast.csv", int(row), "site_id", str(site), rule))
    sector = feeds.set_index("feedstock_id")["sector"]
    for row, r in fc.iterrows():
        f = r["feedstock_id"]
        if _is_set(f) and f in sector.index and sector[f] != r["sector"]:
            out.append(Problem("forecast.csv", int(row), "sector", str(r["sector"]),
                               f"{f} is of sector {sector[f]}, not {r['sector']}"))
    return out


def _price_rules(t: Tables) -> list[Problem]:
    prices = t["prices"]
    if prices.empty:
        return []
    products = set(t["plants"]["product"].dropna()) | set(t["plant_products"]["product"].dropna())
    return _ref("prices.csv", prices, "item", products | {OUTLETS},
                f"item: a product a plant makes, or '{OUTLETS}' (every outlet price)")


def _build_rules(t: Tables) -> list[Problem]:
    exp = t["expansions"]
    out = []
    for row, r in exp.iterrows():
        capex, life = _is_set(r.get("capex_gbp")), _is_set(r.get("lifetime_years"))
        if capex != life:
            missing = "lifetime_years" if capex else "capex_gbp"
            out.append(Problem("expansions.csv", int(row), missing, "",
                               "a build over years needs both capex_gbp and lifetime_years"))
        lo, hi = r.get("earliest_year"), r.get("latest_year")
        if _is_set(lo) and _is_set(hi) and lo > hi:
            out.append(Problem("expansions.csv", int(row), "latest_year", str(int(hi)),
                               f"before earliest_year {int(lo)}"))
    return out


def _build_notes(t: Tables, first: int, last: int) -> list[str]:
    """Options a strategic run leaves out, and why (weekly-only; never online in time)."""
    notes = []
    for row, r in t["expansions"].iterrows():
        name = f"{r['site_id']}/{r['option']}"
        if not (_is_set(r.get("capex_gbp")) and _is_set(r.get("lifetime_years"))):
            notes.append(f"expansions.csv row {row}: {name} has no capex_gbp and lifetime_years: "
                         "a weekly option, left out of strategic runs")
            continue
        lead = int(r["lead_time_years"]) if _is_set(r.get("lead_time_years")) else 0
        earliest = int(r["earliest_year"]) if _is_set(r.get("earliest_year")) else first
        if max(earliest, first) + lead > last:
            notes.append(f"expansions.csv row {row}: {name} decided in {max(earliest, first)} at "
                         f"the earliest is online from {max(earliest, first) + lead}, after the "
                         f"horizon ({last}): it cannot be built")
    return notes
