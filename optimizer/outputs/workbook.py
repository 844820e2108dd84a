"""plan.xlsx: the plan as one workbook a planner can send to a haulier.

A Summary sheet first (status, objective, KPIs, cost lines), then one sheet per
result table with the same columns as the CSV files (units in the names:
``tonnes_t``, ``cost_gbp``, ``capacity_t_per_week``), the header row frozen and
filterable, column widths fitted to the contents and number formats by unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from feedstock.optimizer.results.result import Result

TABLE_SHEETS = ("flows", "lane_weeks", "plants", "plant_feed", "plant_output", "stock", "leakage",
                "decisions", "marginal_values", "arcs")
HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")
MAX_WIDTH = 60


def number_format(column: str) -> str | None:
    """Excel number format from the unit a column name ends with."""
    if column.endswith("_gbp") or "_gbp_" in column:
        return "#,##0.00"
    if column in ("utilisation", "load_factor", "leakage_share") or column.endswith("_share"):
        return "0.0%"
    if column.endswith(("_t", "_t_per_week", "_km", "_kg", "tonne_km")) or column == "trips":
        return "#,##0.000"
    return None


def summary_rows(result: Result) -> list[tuple[str, Any, str]]:
    """(item, value, unit) rows of the Summary sheet; dict KPIs become one row per key."""
    rows: list[tuple[str, Any, str]] = [
        ("scenario", result.scenario, ""), ("status", result.status, ""),
        ("weeks", f"{result.weeks[0]} .. {result.weeks[-1]}", f"{len(result.weeks)} weeks"),
        ("objective", result.objective_gbp, "£"), ("best bound", result.bound_gbp, "£"),
        ("gap", result.gap, "share"), ("", None, ""), ("KPIs", None, "")]
    for name, value in result.kpi_values.items():
        if isinstance(value, Mapping):
            for key, v in value.items():
                if isinstance(v, Mapping) and name.startswith("element_"):  # by sector/outlet
                    rows += [(f"{name}[{key}][{sub}]", x, _unit(name)) for sub, x in v.items()]
                elif not isinstance(v, Mapping):  # by plant and week: the sheets hold these
                    rows.append((f"{name}[{key}]", v, _unit(name)))
        else:
            rows.append((name, value, _unit(name)))
    rows += [("", None, ""), ("Cost lines (they add up to the objective)", None, "")]
    rows += [(f"cost_{k}_gbp", v, "£") for k, v in result.cost_lines_gbp.items()]
    rows += [("", None, ""), ("overrides", None, "")]
    rows += [(str(o.get("override", "")), None, str(o.get("source", "")))
             for o in result.overrides]
    return rows


def _unit(name: str) -> str:
    if name.endswith("_kg") or "_kg_" in name:
        return "kg"
    if name.endswith("_gbp") or "_gbp_" in name:
        return "£" + ("/t/week" if name.endswith("_per_t_week") else
                      "/t" if name.endswith("_per_t_gbp") or "per_t" in name else "")
    if name.endswith("_t"):
        return "t"
    if name.startswith("tonne_km"):
        return "t·km"
    if "share" in name or name.startswith("plant_utilisation"):
        return "share"
    if name.startswith("trips"):
        return "trips"
    return ""


def write_plan_workbook(result: Result, path: str | Path,
                   extra: Mapping[str, pd.DataFrame] | None = None) -> Path:
    """Write plan.xlsx: Summary, then the result tables (and ``extra`` sheets, e.g. binding)."""
    path = Path(path)
    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    _write_summary(ws, result)
    sheets = {name: result.table(name) for name in TABLE_SHEETS}
    sheets.update(extra or {})
    for name, table in sheets.items():
        _write_table(wb.create_sheet(name[:31]), table.drop(columns=["period"],
                                                             errors="ignore"))
    wb.save(path)
    return path


def _write_summary(ws: Worksheet, result: Result) -> None:
    ws.append(["item", "value", "unit"])
    for item, value, unit in summary_rows(result):
        ws.append([item, _cell(value), unit])
        if value is None and item and not unit:  # a section heading
            ws.cell(ws.max_row, 1).font = Font(bold=True)
        elif isinstance(value, float):
            ws.cell(ws.max_row, 2).number_format = "0.00%" if unit == "share" else "#,##0.00"
    _style_header(ws, 3)
    for col, width in zip("ABC", (52, 22, 14), strict=True):
        ws.column_dimensions[col].width = width


def _write_table(ws: Worksheet, table: pd.DataFrame) -> None:
    ws.append(list(table.columns))
    for row in table.itertuples(index=False):
        ws.append([_cell(v) for v in row])
    _style_header(ws, len(table.columns))
    for j, column in enumerate(table.columns, start=1):
        fmt = number_format(column)
        letter = get_column_letter(j)
        if fmt and table[column].dtype.kind in "fi":
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = fmt
        ws.column_dimensions[letter].width = _width(column, table[column])
    if len(table):
        ws.auto_filter.ref = ws.dimensions


def _style_header(ws: Worksheet, n: int) -> None:
    for j in range(1, n + 1):
        cell = ws.cell(1, j)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center")
    ws.freeze_panes = "A2"


def _width(column: str, values: pd.Series) -> float:
    """Characters wide enough for the header and the widest of the first 500 cells."""
    sample = values.head(500)
    if sample.dtype.kind == "f":
        longest = max((len(f"{v:,.3f}") for v in sample if np.isfinite(v)), default=4)
    else:
        longest = max((len(str(v)) for v in sample if v is not None and not pd.isna(v)),
                      default=4)
    return float(min(MAX_WIDTH, max(len(column), longest) + 2))


def _cell(value: Any) -> Any:
    """A value openpyxl can store: numpy scalars unwrapped, NaN/inf and None blank."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, bool | int | float | str):
        return value
    if pd.isna(value):
        return None
    return str(value)
