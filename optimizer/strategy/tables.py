"""The strategic plan's tidy tables, per year, from a strategic :class:`Result`.

Each table is derived from the result's own tables (which the independent
checker re-checks) and from the scenario's horizon; nothing is re-solved here.
Quarters are summed into their year. Units are in the column names.
"""

from __future__ import annotations

import pandas as pd

from feedstock.models.objective import COST_LINES
from feedstock.optimizer.results.result import Result
from feedstock.optimizer.scenario import Scenario
from feedstock.optimizer.scenario.horizon import WEEKS_PER_YEAR, annuity, strategic_horizon

BUILD_COLUMNS = ["site_id", "option", "decided_year", "online_from", "online_to",
                 "online_to_in_horizon", "extra_capacity_t_per_week", "extra_capacity_t_per_year",
                 "capex_gbp", "annuity_gbp_per_year", "opex_gbp_per_year", "lifetime_years",
                 "lead_time_years", "group", "cost_in_horizon_gbp"]
COMMITMENT_COLUMNS = ["decision", "id", "site_id", "chosen", "decided", "online_from",
                      "online_to"]


def year_of(sc: Scenario) -> dict[str, int]:
    """Period label ('2029', '2029-Q3') -> calendar year."""
    hz = strategic_horizon(sc.config)
    return dict(zip(hz.labels, hz.years, strict=True))


def builds(sc: Scenario, r: Result) -> pd.DataFrame:
    """The builds the plan makes: when decided, online when, what they add and cost.

    ``cost_in_horizon_gbp`` is the discounted annuity + opex of the years it is
    online inside the horizon (the objective's share); a build outlives the
    horizon by ``online_to`` - last year.
    """
    s = sc.config.strategy
    options = sc.table("expansions").set_index(["site_id", "option"])
    d = r.decisions
    d = d[(d["decision"] == "expansion") & d["chosen"].astype(bool)]
    rows = []
    for key, cost in zip(d["id"], d["fixed_cost_gbp"], strict=True):
        site_option, year = str(key).rsplit("@", 1)
        site, option = site_option.split("/", 1)
        o = options.loc[(site, option)]
        lead, life = int(o["lead_time_years"]), int(o["lifetime_years"])
        first = int(year) + lead
        a = annuity(float(o["capex_gbp"]), s.discount_rate, life)
        rows.append((site, option, int(year), first, first + life - 1,
                     min(first + life - 1, s.last_year), float(o["extra_capacity_t_per_week"]),
                     float(o["extra_capacity_t_per_week"]) * WEEKS_PER_YEAR,
                     float(o["capex_gbp"]), a, float(o["opex_gbp_per_year"]), life, lead,
                     "" if pd.isna(o["group"]) else str(o["group"]), float(cost)))
    out = pd.DataFrame(rows, columns=BUILD_COLUMNS)
    return out.sort_values(["decided_year", "site_id", "option"]).reset_index(drop=True)


def capacity(sc: Scenario, r: Result) -> pd.DataFrame:
    """Plant capacity against feed per year: t over the year, the builds online, utilisation."""
    years = year_of(sc)
    p = r.plants
    p = p.assign(year=p["week"].map(years),
                 capacity_t=p["capacity_t_per_week"] * p["week"].map(r.weeks_in))
    out = p.groupby(["year", "site_id", "process"], as_index=False)[
        ["capacity_t", "feed_t", "output_t"]].sum()
    out["utilisation"] = (out["feed_t"] / out["capacity_t"]).where(out["capacity_t"] > 0)
    b = builds(sc, r)
    out["builds_online"] = [
        "+".join(b.loc[(b["site_id"] == site) & (b["online_from"] <= y)
                       & (y <= b["online_to"]), "option"])
        for site, y in zip(out["site_id"], out["year"], strict=True)]
    cols = ["year", "site_id", "process", "capacity_t", "feed_t", "utilisation", "output_t",
            "builds_online"]
    return out[cols].sort_values(["site_id", "year"]).reset_index(drop=True)


def flows_by_year(sc: Scenario, r: Result) -> pd.DataFrame:
    """Tonnes (and trips) per lane, mode and feedstock per year."""
    f = r.flows
    f = f.assign(year=f["week"].map(year_of(sc)))
    keys = ["year", "origin", "destination", "mode", "feedstock_id"]
    out = f.groupby(keys, as_index=False)["tonnes_t"].sum()
    return out.sort_values(keys).reset_index(drop=True)


def leakage_by_year(sc: Scenario, r: Result) -> pd.DataFrame:
    """Tonnes sold abroad per year, sector, outlet and feedstock, with the revenue (GBP)."""
    e = r.leakage
    e = e.assign(year=e["week"].map(year_of(sc)))
    keys = ["year", "sector", "site_id", "feedstock_id"]
    out = e.groupby(keys, as_index=False)[["tonnes_t", "revenue_gbp"]].sum()
    return out.sort_values(keys).reset_index(drop=True)


def cost_by_year(sc: Scenario, r: Result) -> pd.DataFrame:
    """Each objective line (every one, every year) in GBP of that year and discounted."""
    c = r.table("cost_by_period")
    c = c.assign(year=c["week"].map(year_of(sc)))
    grid = pd.MultiIndex.from_product([sorted(set(year_of(sc).values())), COST_LINES],
                                      names=["year", "line"])
    out = c.groupby(["year", "line"])[["undiscounted_gbp", "cost_gbp"]].sum() \
        .reindex(grid, fill_value=0.0).reset_index()
    out = out.rename(columns={"undiscounted_gbp": "cost_gbp", "cost_gbp": "discounted_cost_gbp"})
    return out.reset_index(drop=True)


def commitments(sc: Scenario, r: Result) -> pd.DataFrame:
    """The builds as commitments for weekly runs (docs/scenario-format.md, commitments.csv)."""
    return commitments_of(builds(sc, r))


def commitments_of(b: pd.DataFrame) -> pd.DataFrame:
    """Rows of :func:`builds` as commitments.csv rows."""
    return pd.DataFrame({
        "decision": "expansion", "id": b["option"], "site_id": b["site_id"], "chosen": True,
        "decided": b["decided_year"].astype(str), "online_from": b["online_from"].astype(str),
        "online_to": b["online_to"].astype(str)}, columns=COMMITMENT_COLUMNS)
