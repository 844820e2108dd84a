"""The scenario tables (docs/scenario-format.md): their columns, types and per-table value rules.

Reading happens in two steps so that every bad cell is reported with its file,
row, column and value, all at once:

1. :func:`read_csv` turns a file into string cells indexed by spreadsheet row
   (header = row 1), reporting encoding and shape problems;
2. :func:`parse_table` converts each column to its type (blank -> default) and
   then checks value rules (ranges, enums, ids, unique keys) with a pandera
   schema built from the same column list, so the rule text users see is the
   rule text declared here.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pandera.pandas as pa

from feedstock.optimizer.base.errors import Problem
from feedstock.optimizer.base.weeks import parse_iso_week
from feedstock.optimizer.scenario.elements import ELEMENTS

ID_PATTERN = r"^[a-z0-9_-]+$"
ELEMENT_COLUMNS = frozenset(e.column for e in ELEMENTS.values())
MAX_NUMBER = 1e9
"""Largest magnitude of any number in a scenario (docs/scenario-format.md is silent; see
docs/scenario-format.md). No tonnage, distance, price or cost in this chain comes
near it, and beside such a number the solver's tolerances (1e-6 feasibility, 1e-9
integrality) swallow ordinary ones, so the plan would mean nothing."""
TOO_BIG = "must be <= 1e9: larger numbers make the solver's arithmetic meaningless"
SITE_KINDS = ("source", "hub", "port", "plant", "outlet")
MODE_KINDS = ("road", "sea", "rail")
PROCESSES = ("long_loop", "short_loop")
DECISIONS = ("choose", "build", "never")  # expansions.csv decision: the solver's, or fixed


@dataclass(frozen=True)
class Col:
    """One column of a table: its type, whether it must be there, and its rules."""

    name: str
    kind: str = "str"  # str | float | int | bool | week | week_or_all
    required: bool = True  # the header must have it
    blank_ok: bool = False  # a cell may be blank (then ``default``)
    default: Any = None
    checks: tuple[pa.Check, ...] = ()


@dataclass(frozen=True)
class TableSpec:
    """A scenario file: its columns and the column sets that must be unique."""

    name: str
    file: str
    required: bool
    columns: tuple[Col, ...]
    unique: tuple[tuple[str, ...], ...] = ()
    extra_numeric: bool = False  # unknown numeric columns are attributes (feedstocks)
    notes: dict[str, str] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        """Known column names in order."""
        return [c.name for c in self.columns]


def _ge(v: float, what: str = "") -> pa.Check:
    return pa.Check.ge(v, error=f"must be >= {v:g}{what}", ignore_na=True)


def _gt(v: float) -> pa.Check:
    return pa.Check.gt(v, error=f"must be > {v:g}", ignore_na=True)


def _at_most_max(unlimited: bool = False) -> pa.Check:
    if not unlimited:
        return pa.Check.le(MAX_NUMBER, error=TOO_BIG, ignore_na=True)
    # a blank cell reads as inf (unlimited), which the model treats as no limit at all
    return pa.Check(lambda s: (s <= MAX_NUMBER) | (s == math.inf), ignore_na=True,
                    error=TOO_BIG + " (leave the cell blank for unlimited)")


def _not_huge() -> pa.Check:
    return pa.Check.in_range(-MAX_NUMBER, MAX_NUMBER, ignore_na=True, error=(
        "must be in [-1e9, 1e9]: larger numbers make the solver's arithmetic meaningless"))


def _between(lo: float, hi: float) -> pa.Check:
    return pa.Check.in_range(lo, hi, error=f"must be in [{lo:g}, {hi:g}]", ignore_na=True)


def _one_of(values: tuple[str, ...]) -> pa.Check:
    return pa.Check.isin(list(values), error=f"must be one of {', '.join(values)}",
                         ignore_na=True)


def origin_kinds(text: str) -> list[str]:
    """Origin kinds listed in a modes.csv ``auto_lanes_from`` cell ("hub port", "hub;port")."""
    return [k for k in str(text).replace(";", " ").replace(",", " ").split() if k]


def _kinds_ok(text: str) -> bool:
    kinds = origin_kinds(text)
    return bool(kinds) and all(k in ("source", "hub", "port") for k in kinds)


_ID = pa.Check.str_matches(ID_PATTERN, error="must match [a-z0-9_-]+ (lower case, digits, _ -)",
                           ignore_na=True)
_NONNEG = (_ge(0), _at_most_max())
_UNLIMITED = (_ge(0), _at_most_max(unlimited=True))  # blank = unlimited
_POSITIVE = (_gt(0), _at_most_max())

SITES = TableSpec("sites", "sites.csv", True, (
    Col("site_id", checks=(_ID,)),
    Col("name", blank_ok=True, default=""),
    Col("kind", checks=(_one_of(SITE_KINDS),)),
    Col("lat", "float", checks=(_between(-90, 90),)),
    Col("lon", "float", checks=(_between(-180, 180),)),
    Col("landmass"),
    Col("cleared", "bool", required=False, blank_ok=True, default=False),
    Col("storage_t", "float", required=False, blank_ok=True, default=math.inf,
        checks=_UNLIMITED),
    Col("holding_gbp_per_t_week", "float", required=False, blank_ok=True, default=0.0,
        checks=_NONNEG),
), unique=(("site_id",),))

MODES = TableSpec("modes", "modes.csv", True, (
    Col("mode", checks=(_ID,)),
    Col("kind", checks=(_one_of(MODE_KINDS),)),
    Col("payload_t", "float", checks=_POSITIVE),
    Col("cost_gbp_per_km", "float", checks=_NONNEG),
    Col("trip_fixed_gbp", "float", checks=_NONNEG),
    Col("handling_gbp_per_t", "float", checks=_NONNEG),
    Col("co2e_kg_per_tkm", "float", checks=_NONNEG),
    Col("integer_trips", "bool", required=False, blank_ok=True, default=True),
    Col("auto_lanes_from", required=False, blank_ok=True, default="source hub port",
        checks=(pa.Check(lambda s: s.fillna("").map(_kinds_ok), element_wise=False,
                         error="must list origin kinds among: source hub port", ignore_na=True),)),
), unique=(("mode",),))

FEEDSTOCKS = TableSpec("feedstocks", "feedstocks.csv", True, (
    Col("feedstock_id", checks=(_ID,)),
    Col("name", blank_ok=True, default=""),
    Col("sector"),
    Col("restricted", "bool", required=False, blank_ok=True, default=False),
    Col("magnet_share", "float", checks=(pa.Check.in_range(
        0, 1, include_min=False, error="must be in (0, 1]", ignore_na=True),)),
    Col("reo_share", "float", checks=(_between(0, 1),)),
), unique=(("feedstock_id",),), extra_numeric=True)

SUPPLY = TableSpec("supply", "supply.csv", True, (
    Col("site_id"), Col("feedstock_id"), Col("week", "week"),
    Col("tonnes", "float", checks=_NONNEG),
), unique=(("site_id", "feedstock_id", "week"),))

INVENTORY = TableSpec("inventory", "inventory.csv", False, (
    Col("site_id"), Col("feedstock_id"), Col("tonnes", "float", checks=_NONNEG),
), unique=(("site_id", "feedstock_id"),))

PLANTS = TableSpec("plants", "plants.csv", True, (
    Col("site_id"),
    Col("process", checks=(_one_of(PROCESSES),)),
    Col("capacity_t_per_week", "float", checks=_NONNEG),
    Col("cost_gbp_per_t", "float", checks=_NONNEG),
    # one product here, or several in plant_products.csv (then these cells are blank)
    Col("product", required=False, blank_ok=True),
    Col("yield_basis", required=False, blank_ok=True),
    Col("yield", "float", required=False, blank_ok=True, checks=(_between(0, 1),)),
    Col("product_value_gbp_per_t", "float", required=False, blank_ok=True, checks=_NONNEG),
    Col("min_weekly_t", "float", required=False, blank_ok=True, default=0.0, checks=_NONNEG),
), unique=(("site_id",),))

MAX_YIELD = 2.0  # t of product per t of basis: an oxide weighs up to ~1.23 x its element
PLANT_PRODUCTS = TableSpec("plant_products", "plant_products.csv", False, (
    Col("site_id"), Col("product", checks=(_ID,)), Col("yield_basis"),
    Col("yield", "float", checks=(_between(0, MAX_YIELD),)),
    Col("value_gbp_per_t", "float", checks=_NONNEG),
), unique=(("site_id", "product"),))

LANES = TableSpec("lanes", "lanes.csv", False, (
    Col("origin"), Col("destination"), Col("mode"),
    Col("distance_km", "float", required=False, blank_ok=True, checks=_POSITIVE),
    Col("trip_cost_gbp", "float", required=False, blank_ok=True, checks=_NONNEG),
    Col("cost_gbp_per_t", "float", required=False, blank_ok=True, checks=_NONNEG),
    Col("max_trips_per_week", "float", required=False, blank_ok=True, checks=_UNLIMITED),
    Col("fixed_cost_gbp", "float", required=False, blank_ok=True, default=0.0, checks=_NONNEG),
    Col("transit_weeks", "int", required=False, blank_ok=True, default=0,
        checks=(pa.Check.isin([0, 1], error="must be 0 or 1", ignore_na=True),)),
), unique=(("origin", "destination", "mode"),))

HUBS = TableSpec("hubs", "hubs.csv", False, (
    Col("site_id"),
    Col("capacity_t_per_week", "float", blank_ok=True, default=math.inf, checks=_UNLIMITED),
    Col("handling_gbp_per_t", "float", required=False, blank_ok=True, default=0.0,
        checks=_NONNEG),
    Col("fixed_cost_gbp", "float", required=False, blank_ok=True, default=0.0, checks=_NONNEG),
), unique=(("site_id",),))

PLANT_SPECS = TableSpec("plant_specs", "plant_specs.csv", False, (
    Col("site_id"), Col("attribute"),
    Col("min", "float", blank_ok=True, checks=(_not_huge(),)),
    Col("max", "float", blank_ok=True, checks=(_not_huge(),)),
), unique=(("site_id", "attribute"),))

_YEAR = (_between(1900, 9999),)
EXPANSIONS = TableSpec("expansions", "expansions.csv", False, (
    Col("site_id"), Col("option", checks=(_ID,)),
    Col("extra_capacity_t_per_week", "float", checks=_NONNEG),
    # weekly runs: a fixed cost for the horizon, capacity from a week (blank: strategic only)
    Col("fixed_cost_gbp", "float", blank_ok=True, default=0.0, checks=_NONNEG),
    Col("available_from_week", "week", blank_ok=True),
    Col("decision", required=False, blank_ok=True, default="choose",
        checks=(_one_of(DECISIONS),)),
    # strategic runs: builds over years (blank capex or lifetime: a weekly-only option)
    Col("capex_gbp", "float", required=False, blank_ok=True, checks=_NONNEG),
    Col("opex_gbp_per_year", "float", required=False, blank_ok=True, default=0.0,
        checks=_NONNEG),
    Col("lifetime_years", "int", required=False, blank_ok=True, checks=(_gt(0),)),
    Col("lead_time_years", "int", required=False, blank_ok=True, default=0,
        checks=(_between(0, 100),)),
    Col("earliest_year", "int", required=False, blank_ok=True, checks=_YEAR),
    Col("latest_year", "int", required=False, blank_ok=True, checks=_YEAR),
    Col("group", required=False, blank_ok=True, checks=(_ID,)),
), unique=(("site_id", "option"),))

FORECAST = TableSpec("forecast", "forecast.csv", False, (
    Col("year", "int", checks=_YEAR), Col("sector"),
    Col("index", "float", checks=_NONNEG),
    Col("feedstock_id", required=False, blank_ok=True),
    Col("site_id", required=False, blank_ok=True),
), unique=(("year", "sector", "feedstock_id", "site_id"),))

PRICES = TableSpec("prices", "prices.csv", False, (
    Col("year", "int", checks=_YEAR), Col("item"),
    Col("index", "float", checks=_NONNEG),
), unique=(("year", "item"),))

IN_TRANSIT = TableSpec("in_transit", "in_transit.csv", False, (
    Col("origin"), Col("destination"), Col("mode"), Col("feedstock_id"),
    Col("arrival_week", "week"), Col("tonnes", "float", checks=_NONNEG),
), unique=(("origin", "destination", "mode", "feedstock_id", "arrival_week"),))

OUTLETS = TableSpec("outlets", "outlets.csv", False, (
    Col("site_id"), Col("feedstock_id"),
    Col("price_gbp_per_t", "float", checks=(_not_huge(),)),
    Col("max_t_per_week", "float", required=False, blank_ok=True, default=math.inf,
        checks=_UNLIMITED),
), unique=(("site_id", "feedstock_id"),))

OFFTAKE = TableSpec("offtake", "offtake.csv", False, (
    Col("product"), Col("week", "period_or_all"), Col("min_t", "float", checks=_NONNEG),
), unique=(("product", "week"),))

COMMITTED = ("expansion", "lane_contract", "hub_open")  # commitments.csv decision
COMMITMENTS = TableSpec("commitments", "commitments.csv", False, (
    Col("decision", required=False, blank_ok=True, default="expansion",
        checks=(_one_of(COMMITTED),)),
    Col("id"), Col("site_id", required=False, blank_ok=True),
    Col("chosen", "bool", required=False, blank_ok=True, default=True),
    Col("decided", required=False, blank_ok=True),
    Col("online_from", "period_or_all", required=False, blank_ok=True),
    Col("online_to", "period_or_all", required=False, blank_ok=True),
), unique=(("decision", "site_id", "id"),))

SPECS: dict[str, TableSpec] = {t.name: t for t in (
    SITES, MODES, FEEDSTOCKS, SUPPLY, INVENTORY, IN_TRANSIT, PLANTS, PLANT_PRODUCTS, LANES, HUBS,
    PLANT_SPECS, EXPANSIONS, OUTLETS, OFFTAKE, FORECAST, PRICES, COMMITMENTS)}


# ---------------------------------------------------------------- reading files

def read_csv(path: Path, file: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read a CSV as string cells indexed by spreadsheet row (header = row 1).

    Blank lines are skipped but keep their numbering, so a reported row is the
    row a spreadsheet shows. A UTF-8 BOM and Windows line endings are accepted.
    """
    text, problems = read_text(path, file, "file is empty: a header row is required")
    if text is None:
        return None, problems
    return rows_to_frame(csv.reader(io.StringIO(text, newline="")), file)


def read_text(path: Path, file: str, empty_rule: str) -> tuple[str | None, list[Problem]]:
    """A scenario file as text: UTF-8 with or without a BOM, or one problem saying why not."""
    raw = path.read_bytes()
    if not raw.strip():
        return None, [Problem(file, None, None, None, empty_rule)]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [Problem(file, line, None, None, "not UTF-8 text; save the file as UTF-8")]


def rows_to_frame(reader: Any, file: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Turn csv rows into a frame of stripped strings; report shape problems."""
    problems: list[Problem] = []
    header: list[str] | None = None
    records: list[list[str]] = []
    index: list[int] = []
    try:
        for line, cells in enumerate(reader, start=1):  # a record is a spreadsheet row
            if not any(c.strip() for c in cells):
                continue
            cells = [c.strip() for c in cells]
            if header is None:
                header = cells
                header_line = line
                continue
            if len(cells) > len(header):
                if any(cells[len(header):]):
                    problems.append(Problem(
                        file, line, None, ",".join(cells[len(header):]),
                        f"row has {len(cells)} values but the header has {len(header)} columns"))
                cells = cells[: len(header)]
            records.append(cells + [""] * (len(header) - len(cells)))
            index.append(line)
    except csv.Error as exc:
        problems.append(Problem(file, getattr(reader, "line_num", None), None, None,
                                f"not readable as CSV: {exc}"))
        return None, problems
    if header is None:
        return None, [Problem(file, None, None, None, "file has no header row")]
    sep = next((s for s in (";", "\t", "|") if len(header) == 1 and s in header[0]), None)
    if sep is not None:  # a European spreadsheet's "CSV": every cell would be reported
        return None, [Problem(file, None, None, None,
                              f"cells are separated by {sep!r}, not commas: save the file as "
                              "comma-separated CSV (UTF-8), with '.' as the decimal mark")]
    for pos, name in enumerate(header):
        if not name:
            problems.append(Problem(file, header_line, f"#{pos + 1}", "", "column has no name"))
        elif header.index(name) != pos:
            problems.append(Problem(file, header_line, name, name, "column name appears twice"))
    names = [n or f"#{k + 1}" for k, n in enumerate(header)]
    names = [n if names.index(n) == k else f"{n}#{k + 1}" for k, n in enumerate(names)]
    frame = pd.DataFrame(records, columns=names, index=pd.Index(index, name="row"), dtype=object)
    return frame, problems


def frame_to_strings(df: pd.DataFrame) -> pd.DataFrame:
    """A caller's in-memory table as string cells, rows numbered as in a CSV."""
    out = df.reset_index(drop=True).copy()
    out.index = pd.Index(range(2, len(out) + 2), name="row")
    for col in out.columns:
        out[col] = [_cell_text(v) for v in out[col]]
    out.columns = [str(c) for c in out.columns]
    return out.astype(object)


def _cell_text(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return ""
    if isinstance(v, float) and math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return str(v)


# ---------------------------------------------------------------- typing cells

_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}


def to_float(text: str) -> float:
    """A cell as a finite float; ValueError saying what a number must be."""
    if "_" in text:  # Python accepts "1_000"; a spreadsheet does not
        raise ValueError("must be a number")
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("must be a finite number")
    return value


def _to_int(text: str) -> int:
    value = to_float(text)
    if value != int(value):
        raise ValueError("must be a whole number")
    if abs(value) > MAX_NUMBER:  # and 1e20 would not fit the int64 column
        raise ValueError("must be a whole number in [-1e9, 1e9]")
    return int(value)


def _to_bool(text: str) -> bool:
    low = text.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ValueError("must be true or false")


def _to_week(text: str) -> str:
    parse_iso_week(text)
    return text


def _to_week_or_all(text: str) -> str:
    if text.lower() == "all":
        return "all"
    try:
        return _to_week(text)
    except ValueError as exc:
        raise ValueError(f"{exc}, or 'all'") from None


def _to_period_or_all(text: str) -> str:
    """An ISO week (weekly runs), a year like 2029 (strategic runs) or 'all'."""
    if text.strip().isdigit() and len(text.strip()) == 4:
        return text.strip()
    try:
        return _to_week_or_all(text)
    except ValueError:
        raise ValueError("must be an ISO week like 2026-W49, a year like 2029, or 'all'") \
            from None


_PARSERS: dict[str, Callable[[str], Any]] = {
    "str": str, "float": to_float, "int": _to_int, "bool": _to_bool,
    "week": _to_week, "week_or_all": _to_week_or_all, "period_or_all": _to_period_or_all,
}
_TYPE_WORDS = {"float": "must be a number", "int": "must be a whole number",
               "bool": "must be true or false", "week": "must be an ISO week like 2026-W49",
               "week_or_all": "must be an ISO week like 2026-W49 or 'all'",
               "period_or_all": "must be an ISO week like 2026-W49, a year like 2029, or 'all'"}
_DTYPES = {"str": object, "float": float, "int": "Int64", "bool": bool, "week": object,
           "week_or_all": object, "period_or_all": object}


def parse_table(spec: TableSpec, raw: pd.DataFrame, file: str | None = None
                ) -> tuple[pd.DataFrame, list[Problem], list[str]]:
    """Type every column of ``raw`` and check the table's value rules.

    Returns the typed table (bad cells set to missing), the problems, and notes
    (warnings such as a column that looks like a misspelling of a known one).
    ``file`` names the file the rows came from (sites may be a GeoJSON/GPKG).
    """
    file = file or spec.file
    problems: list[Problem] = []
    notes: list[str] = []
    header_row = 1
    unknown = [c for c in raw.columns if c not in spec.names]
    for col in spec.columns:
        if col.name not in raw.columns and col.required:
            close = difflib.get_close_matches(col.name, unknown, n=1, cutoff=0.75)
            hint = f" (found {close[0]!r}: misspelt?)" if close else ""
            problems.append(Problem(file, header_row, col.name, None,
                                    f"required column is missing{hint}"))
    for name in unknown:
        if spec.extra_numeric and name in ELEMENT_COLUMNS:
            continue  # nd_share, pr_share, ...: an element share, a name of its own
        close = difflib.get_close_matches(name, spec.names, n=1, cutoff=0.8)
        if close and close[0] in raw.columns:
            notes.append(f"{file}: column {name!r} is not a known column (it looks like "
                         f"{close[0]!r}, which is also there); kept but not used as such.")
        elif close and close[0] not in [c.name for c in spec.columns if c.required]:
            # a misspelt optional column would silently take its default (e.g. a
            # misspelt `restricted` would turn chain of custody off): refuse it
            problems.append(Problem(file, header_row, name, name,
                                    f"looks like a misspelling of column {close[0]!r}: "
                                    "rename it (or it would be ignored)"))

    typed = pd.DataFrame(index=raw.index)
    for col in spec.columns:
        if col.name in raw.columns:
            typed[col.name] = _parse_column(file, col, raw[col.name], problems)
        else:  # absent optional column: its default; absent required one: reported above
            typed[col.name] = _parse_column(file, col, pd.Series("", index=raw.index), [])
    for name in unknown:
        typed[name] = _parse_extra(raw[name]) if spec.extra_numeric else raw[name]

    present = [c for c in spec.columns if c.name in raw.columns or not c.required]
    problems += _check_values(spec, typed, present, file)
    return typed, problems, notes


def _parse_column(file: str, col: Col, values: pd.Series, problems: list[Problem]) -> pd.Series:
    parser = _PARSERS[col.kind]
    out: list[Any] = []
    for row, text in values.items():
        text = "" if text is None else str(text)
        if text == "" or (text == "inf" and col.default == math.inf):  # blank = unlimited
            if not col.blank_ok:
                problems.append(Problem(file, int(row), col.name, "", "must not be blank"))
            out.append(col.default)
            continue
        try:
            out.append(parser(text))
        except ValueError as exc:
            msg = str(exc)
            rule = msg if msg.startswith(("must", "week")) else _TYPE_WORDS[col.kind]
            problems.append(Problem(file, int(row), col.name, text, rule))
            out.append(None)
    series = pd.Series(out, index=values.index, dtype=object)
    if col.kind == "float":
        return pd.to_numeric(series, errors="coerce").astype(float)
    if col.kind == "int":
        return pd.to_numeric(series, errors="coerce").astype("Int64")
    return series


def _parse_extra(values: pd.Series) -> pd.Series:
    """An unknown feedstock column: numeric if every non-blank cell is a number."""
    nonblank = values[values.astype(str) != ""]
    try:
        [to_float(str(v)) for v in nonblank]
    except ValueError:
        return values
    return pd.to_numeric(values.replace("", None), errors="coerce").astype(float)


def _check_values(spec: TableSpec, typed: pd.DataFrame, cols: list[Col],
                  file: str) -> list[Problem]:
    """Run the declared value rules with pandera; map failures to problems."""
    schema = pa.DataFrameSchema(
        {c.name: pa.Column(checks=list(c.checks), nullable=True) for c in cols if c.checks},
        strict=False,
    )
    problems: list[Problem] = []
    if schema.columns:
        try:
            schema.validate(typed, lazy=True)
        except pa.errors.SchemaErrors as exc:
            for case in exc.failure_cases.itertuples(index=False):
                if case.index is None or pd.isna(case.index):
                    continue
                problems.append(Problem(file, int(case.index), str(case.column),
                                        _show(case.failure_case), str(case.check)))
    for key in spec.unique:
        if not all(k in typed.columns for k in key):
            continue
        complete = typed[list(key)].notna().all(axis=1)
        dup = typed.duplicated(subset=list(key), keep="first") & complete
        for row in typed.index[dup]:
            value = "/".join(str(typed.at[row, k]) for k in key)
            first = typed.index[(typed[list(key)] == typed.loc[row, list(key)]).all(axis=1)][0]
            problems.append(Problem(file, int(row), ",".join(key), value,
                                    f"duplicate of row {first}: must be unique"))
    return problems


def _show(value: Any) -> str:
    if isinstance(value, float) and math.isfinite(value) and value == int(value) \
            and abs(value) < 1e15:
        return f"{value:g}"
    return str(value)
