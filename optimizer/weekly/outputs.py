"""plan.csv and dispatch.csv: the weekly run's booking tables, byte-stable.

The same inputs must give byte-identical files, so the rows are in a fixed
order (week, origin, destination, mode, feedstock) and numbers have a fixed
format: tonnes to the kilogram (3 decimals), integer trips as integers,
continuous trips to 3 decimals. Trips belong to a lane and week, not to a
feedstock: every row of one lane-week repeats them as ``lane_trips`` (with
``lane_tonnes_t``), so sum ``tonnes_t``, never ``lane_trips``, over rows.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from feedstock.optimizer.results.result import Result

PLAN_COLUMNS = ["week", "arrival_week", "origin", "destination", "mode", "feedstock_id",
                "tonnes_t", "lane_trips", "lane_tonnes_t", "distance_km"]


def plan_table(result: Result) -> pd.DataFrame:
    """Every shipment of the horizon, one row per lane, week and feedstock."""
    f = result.flows
    lanes = result.lane_weeks[["origin", "destination", "mode", "period", "trips", "tonnes_t"]] \
        .rename(columns={"trips": "lane_trips", "tonnes_t": "lane_tonnes_t"})
    f = f.merge(lanes, on=["origin", "destination", "mode", "period"], how="left")
    f = f.sort_values(["period", "origin", "destination", "mode", "feedstock_id"])
    return f[[*PLAN_COLUMNS, "period"]].reset_index(drop=True)


def dispatch_table(result: Result) -> pd.DataFrame:
    """The shipments of week 1 only: what the haulier and the ferry desk must book."""
    plan = plan_table(result)
    return plan[plan["period"] == 1].reset_index(drop=True)


def write_fixed(df: pd.DataFrame, path: Path) -> None:
    """CSV with fixed number formats (see the module docstring), newline line ends."""
    out = df.drop(columns=["period"], errors="ignore").copy()
    for col in ("tonnes_t", "lane_tonnes_t"):
        if col in out:
            out[col] = [f"{v:.3f}" for v in out[col].to_numpy(float)]
    if "distance_km" in out:
        out["distance_km"] = [f"{v:.1f}" for v in out["distance_km"].to_numpy(float)]
    if "lane_trips" in out:
        out["lane_trips"] = [_trips(v) for v in out["lane_trips"].to_numpy(float)]
    out.to_csv(path, index=False, lineterminator="\n")


def _trips(v: float) -> str:
    if np.isnan(v):
        return ""
    return f"{round(v):d}" if abs(v - round(v)) < 1e-6 else f"{v:.3f}"
