"""A MIP start from last week's plan, shifted by one week.

Rolling weekly planning solves nearly the same model every week: the horizon
moves on by one week and the stock is what last week's plan said it would be.
Last week's integer decisions (trips per lane and week, lane contracts, hubs
opened, expansions built, plant-weeks running) are a good first guess for this
week's, matched by calendar week: this run's week t takes the value last week's
plan had for the same ISO week, and the new last week (beyond last week's
horizon) repeats last week's final week.

Only discrete variables are offered. HiGHS fixes them, solves the LP for the
continuous ones and, if that LP is feasible, starts its search from that plan;
if not, the start is ignored (the run says which). The optimum never depends on
the start, only the time to reach it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from feedstock.models.sets import ModelData


@dataclass(frozen=True)
class PreviousPlan:
    """The tables of last week's plan that a start is made from (as written to its folder)."""

    lane_weeks: pd.DataFrame  # origin, destination, mode, week, trips
    decisions: pd.DataFrame  # decision, id, chosen
    plants: pd.DataFrame  # site_id, week, running
    source: str = ""


@dataclass(frozen=True)
class Start:
    """Values offered to the solver, by variable name and index; and what they came from."""

    values: dict[str, dict]
    source: str
    matched: int  # values taken from last week's plan (the rest repeat its last week)

    @property
    def count(self) -> int:
        """How many variable values are offered."""
        return sum(len(v) for v in self.values.values())


def shifted_start(prev: PreviousPlan, d: ModelData) -> Start:
    """Values for every discrete variable of the model ``d`` from last week's plan."""
    label = dict(enumerate(d.weeks, start=1))
    last_prev = _last_week(prev)
    trips = _by_week(prev.lane_weeks.assign(
        arc=lambda t: t["origin"] + ">" + t["destination"] + ">" + t["mode"]),
        "arc", "trips")
    running = _by_week(prev.plants.dropna(subset=["running"]).assign(
        running=lambda t: t["running"].astype(str).str.lower().isin(["true", "1", "1.0"])
        .astype(float)), "site_id", "running")

    def pick(table: dict, key: str, t: int) -> float:
        """Last week's value in the same ISO week (no row: 0); the new week repeats the last."""
        week = label[t]
        if last_prev is not None and week > last_prev:  # the week new to this horizon
            return table.get((key, last_prev), 0.0)
        return table.get((key, week), 0.0)

    def known(t: int) -> bool:  # a week last week's plan had (the rest repeat its last)
        return last_prev is not None and label[t] <= last_prev

    n = d.trips
    raw = np.array([pick(trips, a, t) for a, t in zip(n["arc"], n["period"], strict=True)])
    raw = np.clip(raw, 0.0, n["trips_max"].to_numpy(float))
    integer = n["integer_trips"].to_numpy(bool)
    raw = np.where(integer, np.floor(raw + 1e-9), raw)
    # only discrete variables are offered: continuous trips are the LP's to find
    keys_n = list(zip(n["arc"], n["period"], strict=True))
    values: dict[str, dict] = {"n": {k: v for k, v, i in zip(keys_n, raw.tolist(), integer,
                                                              strict=True) if i}}
    chosen = {(r.decision, r.id): float(str(r.chosen).lower() in ("true", "1", "1.0"))
              for r in prev.decisions.itertuples()}
    values["y"] = {a: chosen.get(("lane_contract", a), 0.0) for a in d.contracts["arc"]}
    values["z"] = {h: chosen.get(("hub_open", h), 0.0) for h in d.hub_openings["site_id"]}
    values["w"] = {k: chosen.get(("expansion", k), 0.0) for k in d.expansions["key"]}
    runs = zip(d.min_runs["site_id"], d.min_runs["period"], strict=True)
    values["u"] = {(p, t): pick(running, p, t) for p, t in runs}
    # a contracted lane with trips (integer or not) must be contracted: a consistent start
    for (a, _t), v in zip(keys_n, raw.tolist(), strict=True):
        if v > 0 and a in values["y"]:
            values["y"][a] = 1.0
    matched = sum(known(t) for name in ("n", "u") for (_, t) in values[name]) + sum(
        1 for name, ids in (("lane_contract", d.contracts["arc"]),
                            ("hub_open", d.hub_openings["site_id"]),
                            ("expansion", d.expansions["key"]))
        for i in ids if (name, i) in chosen)
    return Start(values=values, source=prev.source, matched=matched)


def _by_week(df: pd.DataFrame, key: str, col: str) -> dict[tuple[str, str], float]:
    if df.empty:
        return {}
    return {(k, w): float(v) for k, w, v in zip(df[key], df["week"], df[col], strict=True)}


def _last_week(prev: PreviousPlan) -> str | None:
    weeks = pd.concat([prev.lane_weeks.get("week", pd.Series(dtype=str)),
                       prev.plants.get("week", pd.Series(dtype=str))])
    return None if weeks.empty else str(weeks.max())  # ISO labels sort as weeks do
