"""commitments.csv: decisions taken elsewhere that a weekly run takes as given.

A strategic run writes the builds it decides (``feedstock strategy --out``); a
chain of weekly runs (``plan-week``) writes the expansions, lane contracts and
hub openings its first run decided. A weekly run with commitments never
re-decides them:

* ``expansion`` chosen: built (``decision = build``), its capacity online from
  ``online_from`` (an ISO week, or a year = its first ISO week), at no fixed
  cost in this run (decided and paid for where it was decided); not chosen, or
  online only before the horizon: never built;
* ``lane_contract`` (``id`` = ``origin>destination>mode``) chosen: the lane is
  open at no fixed cost; not chosen: closed (no trips);
* ``hub_open`` (``id`` = the hub) chosen: open at no fixed cost; not chosen: closed.

A strategic run does not apply commitments.csv (it decides builds itself); its
result notes so.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from feedstock.optimizer.base.errors import Problem
from feedstock.optimizer.base.weeks import is_year, parse_iso_week
from feedstock.optimizer.scenario.rules import Tables, _is_set

FILE = "commitments.csv"


def commitment_problems(t: Tables, _cfg: Any) -> tuple[list[Problem], list[str]]:
    """Every commitment names a decision of this scenario, with a sensible online window."""
    c = t["commitments"]
    problems: list[Problem] = []
    if c.empty:
        return problems, []
    options = set(zip(t["expansions"]["site_id"], t["expansions"]["option"], strict=True))
    lanes = t["lanes"]
    contracts = {f"{o}>{d}>{m}" for o, d, m, f in zip(
        lanes["origin"], lanes["destination"], lanes["mode"], lanes["fixed_cost_gbp"],
        strict=True) if f > 0}
    hubs = t["hubs"]
    openings = set(hubs.loc[hubs["fixed_cost_gbp"] > 0, "site_id"])
    for row, r in c.iterrows():
        row = int(row)
        if r["decision"] == "expansion":
            if (r["site_id"], r["id"]) not in options:
                problems.append(Problem(FILE, row, "id", str(r["id"]),
                                        f"unknown option: expansions.csv has no row with site_id "
                                        f"{r['site_id']!r} and option {r['id']!r}"))
        elif r["decision"] == "lane_contract" and r["id"] not in contracts:
            problems.append(Problem(FILE, row, "id", str(r["id"]),
                                    "not a lane contract: lanes.csv has no lane "
                                    "origin>destination>mode with a fixed_cost_gbp"))
        elif r["decision"] == "hub_open" and r["id"] not in openings:
            problems.append(Problem(FILE, row, "id", str(r["id"]),
                                    "not a hub opening: hubs.csv has no hub of that id with a "
                                    "fixed_cost_gbp"))
        for col in ("online_from", "online_to"):
            if r[col] == "all":
                problems.append(Problem(FILE, row, col, "all",
                                        "must be an ISO week or a year (blank: open-ended)"))
        start, end = _first_week(r["online_from"]), _last_week(r["online_to"])
        if start is not None and end is not None and start > end:
            problems.append(Problem(FILE, row, "online_to", str(r["online_to"]),
                                    f"is before online_from {r['online_from']}"))
    return problems, []


def _first_week(v: Any) -> Any:
    """Monday of the first week of a period label (None when blank or 'all')."""
    if not _is_set(v) or v == "all":
        return None
    return parse_iso_week(f"{v}-W01") if is_year(v) else parse_iso_week(str(v))


def _last_week(v: Any) -> Any:
    """Monday of the last week of a period label (None when blank or 'all')."""
    if not _is_set(v) or v == "all":
        return None
    if is_year(v):
        from feedstock.optimizer.scenario.horizon import iso_weeks_in

        return parse_iso_week(f"{v}-W{iso_weeks_in(int(v)):02d}")
    return parse_iso_week(str(v))


def apply_commitments(tables: dict[str, pd.DataFrame], start: Any, end: Any
                      ) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """expansions, lanes and hubs with the commitments taken as decided; notes saying what.

    ``start``, ``end``: Mondays of the horizon's first and last week.
    """
    c = tables["commitments"]
    exp, lanes, hubs = (tables[n].copy() for n in ("expansions", "lanes", "hubs"))
    notes = []
    arc = lanes["origin"] + ">" + lanes["destination"] + ">" + lanes["mode"]
    for r in c.itertuples(index=False):
        begins, ends = _first_week(r.online_from), _last_week(r.online_to)
        live = bool(r.chosen) and (ends is None or ends >= start) and \
            (begins is None or begins <= end)
        what = f"{r.decision} {r.site_id + '/' if _is_set(r.site_id) else ''}{r.id}"
        if r.decision == "expansion":
            at = (exp["site_id"] == r.site_id) & (exp["option"] == r.id)
            if live:
                exp.loc[at, ["decision", "fixed_cost_gbp"]] = ["build", 0.0]
                exp.loc[at, "available_from_week"] = _label(begins) if begins is not None \
                    else exp.loc[at, "available_from_week"].fillna(_label(start))
            else:
                exp.loc[at, "decision"] = "never"
        elif r.decision == "lane_contract":
            if live:
                lanes.loc[arc == r.id, "fixed_cost_gbp"] = 0.0
            else:
                lanes.loc[arc == r.id, "max_trips_per_week"] = 0.0
        else:
            if live:
                hubs.loc[hubs["site_id"] == r.id, "fixed_cost_gbp"] = 0.0
            else:
                hubs.loc[hubs["site_id"] == r.id, "capacity_t_per_week"] = 0.0
        state = ("taken as decided" + (f", online from {r.online_from}"
                                        if _is_set(r.online_from) else "")) if live else \
            ("not taken (decided against)" if not r.chosen else "not online in this horizon")
        notes.append(f"{FILE}: {what} {state}; not re-decided")
    return {"expansions": exp, "lanes": lanes, "hubs": hubs}, notes


def _label(monday: Any) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"
