"""Results side by side: one row per scenario, KPIs and cost lines as columns.

``compare({"base": r0, "ban": r1})`` is what an analyst puts in a notebook to
see what an export ban costs; sweeps build their table from the same rows.
KPIs that are dicts (by sector, product, mode, plant) become one column per key,
``leakage_share_by_sector[wind]``; per-week KPIs are left out (see the tables).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from feedstock.optimizer.results.result import Result

PER_WEEK = ("plant_utilisation_by_week",)  # too many columns to be a summary


def summary_row(r: Result) -> dict[str, Any]:
    """Status, objective, gap, every cost line and every scalar (or keyed) KPI of one plan."""
    row: dict[str, Any] = {"status": r.status, "objective_gbp": r.objective_gbp,
                           "bound_gbp": r.bound_gbp, "gap": r.gap}
    row.update({f"cost_{k}_gbp": float(v) for k, v in r.cost_lines_gbp.items()})
    for name, value in r.kpi_values.items():
        if name in PER_WEEK:
            continue
        if isinstance(value, Mapping):
            row.update({f"{name}[{k}]": _scalar(v) for k, v in value.items()})
        else:
            row[name] = _scalar(value)
    decisions = r.decisions
    for d in decisions.itertuples():
        row[f"{d.decision}[{d.id}]"] = bool(d.chosen)
    return row


def compare(results: Mapping[str, Result]) -> pd.DataFrame:
    """KPIs and cost lines of several plans, indexed by ``scenario`` (the dict's keys)."""
    rows = {name: summary_row(r) for name, r in results.items()}
    df = pd.DataFrame.from_dict(rows, orient="index")
    df.index.name = "scenario"
    return df


def _scalar(v: Any) -> Any:
    if isinstance(v, Mapping):
        return None
    try:
        return float(v) if not isinstance(v, bool | str) else v
    except (TypeError, ValueError):
        return v
