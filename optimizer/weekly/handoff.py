"""What one weekly run hands the next: closing stock, shipments in transit, the plan.

Run ``W`` plans weeks ``W .. W+H-1`` but only week ``W`` is carried out. Run
``W+1`` starts from what week ``W`` leaves behind:

* ``closing_stock.csv`` (inventory.csv's columns): the planned stock at every
  site at the end of week ``W``, the opening stock of run ``W+1``;
* ``in_transit.csv`` (in_transit.csv's columns): shipments dispatched in week
  ``W`` that arrive later (transit 1: in week ``W+1``); run ``W+1`` receives them
  and does not plan them again;
* the plan's ``lane_weeks.csv``, ``decisions.csv``, ``plants.csv``: the warm start.

A stock-take (``--stock``, inventory.csv's columns) replaces the closing stock
of the previous run: it is what was counted, not what was planned.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pandas as pd

from feedstock.optimizer.base.errors import RunInputError
from feedstock.optimizer.base.weeks import iso_week_label, parse_iso_week
from feedstock.optimizer.results.result import Result
from feedstock.optimizer.scenario import Scenario
from feedstock.optimizer.solve.warmstart import PreviousPlan

log = logging.getLogger(__name__)

CLOSING_STOCK = "closing_stock.csv"
IN_TRANSIT = "in_transit.csv"
PLAN_STATUSES = ("optimal", "within_gap", "feasible")
DECIMALS = 6  # t: the tables' rounding; the chain carries no more than that


def previous_week(week: str) -> str:
    """The ISO week before ``week`` (2027-W01 -> 2026-W53)."""
    return iso_week_label(parse_iso_week(week) - timedelta(weeks=1))


@dataclass(frozen=True)
class PreviousRun:
    """The previous week's finished run folder and what this run takes from it."""

    week: str
    folder: Path
    status: str
    closing_stock: Path
    in_transit: Path
    plan: PreviousPlan

    @property
    def files(self) -> dict[str, Path]:
        """Files read from the previous run (hand-off and warm start), for the manifest."""
        names = (CLOSING_STOCK, IN_TRANSIT, "lane_weeks.csv", "decisions.csv", "plants.csv")
        return {f"previous/{n}": self.folder / n for n in names}


def find_previous(runs_dir: Path, week: str, *, required: bool) -> PreviousRun | None:
    """The run of the week before ``week`` in ``runs_dir``, if it made a plan.

    ``required`` (no stock-take given): a missing or failed previous run is an
    error that says what to do; otherwise a missing one is simply None.
    """
    prev = previous_week(week)
    folder = runs_dir / prev
    summary = folder / "summary.json"
    if not summary.is_file():
        if required:
            raise RunInputError(
                f"No opening stock for {week}: there is no stock-take (--stock) and no run of "
                f"the previous week {prev} in {runs_dir}. Give a stock-take: "
                f"feedstock plan-week SCENARIO --week {week} --stock STOCK.csv")
        return None
    try:
        status = json.loads(summary.read_text(encoding="utf-8"))["status"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise RunInputError(f"{summary} is not readable ({exc}); give a stock-take (--stock)"
                            ) from None
    if status not in PLAN_STATUSES:
        if required:
            raise RunInputError(
                f"The previous week's run {folder} made no plan (status {status}), so it says "
                f"nothing about the stock at the start of {week}. Give a stock-take (--stock).")
        log.warning("previous week's run %s made no plan (status %s): no shipments in transit "
                    "taken from it", folder, status)
        return None
    missing = [n for n in (CLOSING_STOCK, IN_TRANSIT, "lane_weeks.csv", "decisions.csv",
                           "plants.csv") if not (folder / n).is_file()]
    if missing:
        why = (f"The previous week's run {folder} lacks {', '.join(missing)}: it was not "
               "written by plan-week, or was changed since")
        if required:
            raise RunInputError(f"{why}. Give a stock-take (--stock), or move it away.")
        log.warning("%s; planning from the stock-take without it (no shipments in transit)",
                    why)
        return None
    plan = PreviousPlan(
        lane_weeks=_read(folder / "lane_weeks.csv"), decisions=_read(folder / "decisions.csv"),
        plants=_read(folder / "plants.csv"), source=str(folder))
    return PreviousRun(prev, folder, status, folder / CLOSING_STOCK, folder / IN_TRANSIT, plan)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype={"week": str, "id": str, "site_id": str})


def closing_stock(result: Result) -> pd.DataFrame:
    """Planned stock at the end of week 1, in inventory.csv's columns (zero rows left out)."""
    st = result.stock
    st = st[st["period"] == 1]
    st = st.groupby(["site_id", "feedstock_id"], as_index=False)["stock_t"].sum()
    st["tonnes"] = st["stock_t"].round(DECIMALS)
    st = st[st["tonnes"] > 0]
    return st[["site_id", "feedstock_id", "tonnes"]].sort_values(
        ["site_id", "feedstock_id"]).reset_index(drop=True)


def in_transit(result: Result, sc: Scenario) -> pd.DataFrame:
    """Everything still on its way after week 1, in in_transit.csv's columns.

    Shipments the plan dispatches in week 1 that arrive later, and shipments this
    run was given (``sc.in_transit``) that arrive after its week 1. A shipment to an
    outlet is left out: it is sold (leakage counted in this run's plan), and the
    next run has nothing to do with it.
    """
    cols = ["origin", "destination", "mode", "feedstock_id", "arrival_week", "tonnes"]
    f = result.flows
    f = f[(f["period"] == 1) & (f["arrival_week"] != f["week"])]
    f = f.rename(columns={"tonnes_t": "tonnes"})[cols]
    given = sc.in_transit
    given = given.loc[given["period"] > 1, cols]
    both = pd.concat([f, given], ignore_index=True)
    kinds = sc.table("sites").set_index("site_id")["kind"]
    both = both[both["destination"].map(kinds) != "outlet"]
    both = both.groupby(cols[:5], as_index=False)["tonnes"].sum()
    both["tonnes"] = both["tonnes"].round(DECIMALS)
    both = both[both["tonnes"] > 0]
    return both[cols].sort_values(cols[:5]).reset_index(drop=True)


COMMITMENTS = "commitments.csv"
COMMITMENT_COLUMNS = ["decision", "id", "site_id", "chosen", "decided", "online_from",
                      "online_to"]


def previous_commitments(prev: PreviousRun | None) -> Path | None:
    """The previous run's commitments.csv (None: no previous run, or one written before them)."""
    if prev is None:
        return None
    path = prev.folder / COMMITMENTS
    return path if path.is_file() else None


def commitments(given: pd.DataFrame, result: Result, sc: Scenario, week: str) -> pd.DataFrame:
    """What the next run takes as decided: the commitments given, then this run's decisions.

    The first run of a chain decides its expansions, lane contracts and hub
    openings; every later run is given them (commitments.csv of the run before)
    and so never re-decides them (``--redecide`` starts over from the scenario's).
    An expansion is online from its available_from_week, a contract or hub from
    the week it was decided.
    """
    given = given.reindex(columns=COMMITMENT_COLUMNS)
    have = set(zip(given["decision"], given["id"], strict=True))
    weeks = sc.table("expansions").set_index(["site_id", "option"])["available_from_week"]
    rows = []
    for r in result.decisions.itertuples(index=False):
        if r.decision == "expansion":
            site, option = str(r.id).split("/", 1)
            start = weeks.get((site, option), week)
            row = ("expansion", option, site, bool(r.chosen), week, start, "")
        else:
            row = (r.decision, str(r.id), str(r.site_id), bool(r.chosen), week, week, "")
        if (row[0], row[1]) not in have:
            rows.append(row)
    new = pd.DataFrame(rows, columns=COMMITMENT_COLUMNS)
    both = pd.concat([given, new], ignore_index=True) if len(given) else new
    both["chosen"] = both["chosen"].map(lambda v: "true" if bool(v) else "false")
    return both.fillna("")
