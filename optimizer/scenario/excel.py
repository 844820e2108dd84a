"""A scenario as one .xlsx workbook: a sheet per table and a ``scenario`` sheet of keys.

Reading gives exactly what a folder gives: tables of string cells indexed by the
Excel row (header = row 1) and the scenario.toml keys as a plain dict, so
:func:`~feedstock.optimizer.scenario.load.validate_raw` puts every cell through the same
parsers and rules as a CSV cell. There is no second validator, and a problem names
the sheet as its file (``scenario.xlsx[supply], row 5, column tonnes``).

Writing puts each cell the way a planner expects to edit it: numbers in numeric
columns as numbers, true/false in boolean columns as TRUE/FALSE, everything else as
text (so an id like ``007`` or a week like ``2026-W48`` is never turned into a
number or a date), blanks blank. Reading turns a number back into text that parses
to the same double (Excel has one number type: 3.0 reads as ``3``). So folder ->
workbook -> folder gives the same scenario, and ``convert`` (conversion.py) checks it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import tomllib
import warnings
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from feedstock.optimizer.base.errors import Problem, ScenarioError
from feedstock.optimizer.scenario.raw import BARE_KEY, CONFIG_SHEET, RawScenario
from feedstock.optimizer.scenario.tables import SPECS, TableSpec, _to_bool, rows_to_frame, to_float

MAX_ROWS = 1_048_576  # Excel's limit, header included
MAX_CELL_TEXT = 32_767  # Excel's limit on the characters of one cell
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # XML 1.0 cannot hold these


# ---------------------------------------------------------------- reading

def read_workbook(path: Path, skip: Iterable[str] = ()) -> RawScenario:
    """A workbook's sheets as raw cells and config; tables in ``skip`` are not read."""
    label = path.name
    raw = RawScenario(None, {}, [], [], source=str(path),
                      config_file=f"{label}[{CONFIG_SHEET}]")
    if not path.is_file():
        return _unreadable(raw, label, "workbook does not exist")
    try:
        from openpyxl import load_workbook

        with warnings.catch_warnings():  # e.g. "Data Validation extension is not supported"
            warnings.simplefilter("ignore")
            book = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # zipfile, openpyxl and XML parsers raise many kinds
        return _unreadable(raw, label, f"not readable as an .xlsx workbook ({exc})")
    try:
        _read_sheets(book, label, set(skip), raw)
    finally:
        book.close()
    return raw


def _unreadable(raw: RawScenario, label: str, rule: str) -> RawScenario:
    raw.problems.append(Problem(label, None, None, None, rule))
    raw.readable = False
    return raw


def _read_sheets(book: Any, label: str, skip: set[str], raw: RawScenario) -> None:
    # Excel treats sheet names case-insensitively, so do we ("Supply" is the supply sheet)
    titles: dict[str, str] = {}
    for title in book.sheetnames:
        titles.setdefault(title.strip().lower(), title)
    if CONFIG_SHEET in titles:
        title = titles[CONFIG_SHEET]
        raw.config_file = f"{label}[{title}]"
        raw.config, raw.config_rows, found = _guarded(
            lambda: _read_config_sheet(_rows(book[title]), raw.config_file), raw.config_file,
            (None, {}))
        raw.problems += found
    else:
        raw.problems.append(Problem(label, None, None, None,
                                    f"required sheet {CONFIG_SHEET!r} is missing (the "
                                    "scenario.toml keys in columns key, value)"))
    for name, spec in SPECS.items():
        title = titles.get(name, name)
        raw.files[name] = f"{label}[{title}]"
        if name in skip:
            continue
        raw.tables[name] = None
        if name not in titles:
            if spec.required:  # named on the workbook, so no second "table is missing"
                raw.files[name] = label
                raw.problems.append(Problem(label, None, None, None,
                                            f"required sheet {name!r} is missing"))
            continue
        raw.tables[name], found = _guarded(lambda t=title, n=name: _read_table_sheet(
            book[t], raw.files[n]), raw.files[name], None)
        raw.problems += found
    known = {CONFIG_SHEET, *SPECS}
    unknown = [t for t in book.sheetnames if t.strip().lower() not in known
               or titles[t.strip().lower()] != t]
    raw.notes += [f"{label}[{t}]: not a scenario sheet; ignored" for t in unknown]
    raw.extras += [f"sheet {t}" for t in unknown]


def _guarded(read: Any, file: str, empty: Any) -> tuple:
    """Run a sheet reader; a sheet openpyxl cannot parse is one problem, not a traceback."""
    try:
        return read()
    except Exception as exc:
        return (*(empty if isinstance(empty, tuple) else (empty,)),
                [Problem(file, None, None, None, f"sheet is not readable ({exc})")])


def _rows(sheet: Any) -> Iterator[tuple]:
    """Every row of a sheet from row 1, as cell values (empty rows included, so rows count)."""
    if hasattr(sheet, "reset_dimensions"):  # trust the cells, not a writer's stated size
        sheet.reset_dimensions()
    if not hasattr(sheet, "iter_rows"):  # a chart sheet
        return iter(())
    return sheet.iter_rows(values_only=True)


def _read_table_sheet(sheet: Any, file: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    rows = [_trimmed([cell_text(v) for v in r]) for r in _rows(sheet)]
    if not any(any(c.strip() for c in r) for r in rows):
        return None, [Problem(file, None, None, None, "sheet is empty: a header row is required")]
    return rows_to_frame(iter(rows), file)


def _trimmed(cells: list[str]) -> list[str]:
    """Drop trailing blank cells: formatting alone makes Excel store empty cells."""
    while cells and not cells[-1].strip():
        cells.pop()
    return cells


def cell_text(value: Any) -> str:
    """A cell as the text a CSV would hold, parsing to the same value.

    Excel has one number type, so an integral number reads as ``3`` (valid in an
    integer column) and any other as the shortest text of the same double.
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):  # e.g. a week typed as a date: reported as one
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _read_config_sheet(rows: Iterator[tuple], file: str
                       ) -> tuple[dict[str, Any] | None, dict[str, int], list[Problem]]:
    """The ``scenario`` sheet (columns key, value) as the dict tomllib would give."""
    problems: list[Problem] = []
    header: list[str] | None = None
    data: dict[str, Any] = {}
    where: dict[str, int] = {}
    for row, cells in enumerate(rows, start=1):
        texts = [cell_text(c).strip() for c in cells]
        if header is None:
            if any(texts):
                header = [t.lower() for t in texts]
                if "key" not in header or "value" not in header:
                    return None, {}, [Problem(file, row, None, ",".join(texts),
                                              "the header must name the columns key and value")]
            continue
        key = texts[header.index("key")] if header.index("key") < len(texts) else ""
        at = header.index("value")
        value = _config_value(cells[at] if at < len(cells) else None)
        if not key:
            if value is not None:
                problems.append(Problem(file, row, None, cell_text(value), "key is blank"))
            continue
        if value is None:  # a blank value: the key takes its default, as if absent
            continue
        try:
            path = key_path(key)
        except ValueError as exc:
            problems.append(Problem(file, row, key, cell_text(value), str(exc)))
            continue
        problem = _set_key(data, path, value, where, row)
        if problem:
            problems.append(Problem(file, row, key, cell_text(value), problem))
    if header is None:
        return None, {}, [Problem(file, None, None, None,
                                  "sheet is empty: a header row key, value is required")]
    return data, where, problems


def _config_value(value: Any) -> Any:
    """A cell as a TOML value: integral numbers are integers (Excel has no separate type)."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        return value.date()  # openpyxl reads every date cell as a datetime
    return value


def _set_key(data: dict, path: list[str], value: Any, where: dict[str, int],
             row: int) -> str | None:
    """Put ``value`` at ``path``; the reason it cannot go there, if it cannot."""
    node = data
    for depth, part in enumerate(path[:-1]):
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            prefix = ".".join(path[: depth + 1])
            return f"{prefix} has a value on row {where[prefix]}: it cannot also hold keys"
    dotted = ".".join(path)
    if isinstance(node.get(path[-1]), dict):
        return "is a table (its keys are on other rows): it cannot also have a value"
    if path[-1] in node:
        return f"key appears twice (first on row {where[dotted]})"
    node[path[-1]] = value
    where[dotted] = row
    return None


def key_path(key: str) -> list[str]:
    """A dotted key as its parts: ``policy.sectors.wind.x``; TOML quotes for odd parts."""
    if '"' in key or "'" in key:
        try:
            node: Any = tomllib.loads(f"{key} = 0")
        except tomllib.TOMLDecodeError:
            raise ValueError("not a valid key: write a.b.c, quoting a part as \"a.b\" "
                             "if it holds a dot") from None
        path = []
        while isinstance(node, dict):
            (part, node), = node.items()
            path.append(part)
        return path
    parts = [p.strip() for p in key.split(".")]
    if not all(parts):
        raise ValueError("not a valid key: a dotted key has no empty parts")
    return parts


def key_text(path: list[str]) -> str:
    """The dotted key of ``path`` (the inverse of :func:`key_path`)."""
    if all(p == p.strip() and p and "." not in p and "'" not in p and '"' not in p
           for p in path):
        return ".".join(path)
    return ".".join(p if BARE_KEY.match(p) else json.dumps(p, ensure_ascii=False)
                    for p in path)


# ---------------------------------------------------------------- writing

def save_workbook(raw: RawScenario, path: Path) -> dict[str, int]:
    """Write ``raw``'s cells as one .xlsx workbook; the rows (keys) written per sheet.

    Raises :class:`ScenarioError` listing every cell a workbook cannot hold.
    The file appears under its name only once complete.
    """
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    problems: list[Problem] = []
    sheets = {CONFIG_SHEET: _config_sheet(book, raw, problems)}
    for name, spec in SPECS.items():
        frame = raw.tables.get(name)
        if frame is not None:
            sheets[name] = _table_sheet(book, spec, frame, raw.files.get(name, spec.file),
                                        problems)
    if problems:
        raise ScenarioError(problems, where=f"{raw.source} (cannot be written as .xlsx)")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    try:
        book.save(partial)
        os.replace(partial, path)  # never a half-written workbook under the real name
    finally:
        partial.unlink(missing_ok=True)
    return sheets


# ---------------------------------------------------------------- cells out

def _table_sheet(book: Any, spec: TableSpec, frame: pd.DataFrame, file: str,
                 problems: list[Problem]) -> int:
    if len(frame) + 1 > MAX_ROWS:
        problems.append(Problem(file, None, None, None,
                                f"{len(frame)} rows: more than a sheet holds ({MAX_ROWS - 1})"))
        return 0
    sheet = book.create_sheet(spec.name)
    header = [str(c) for c in frame.columns]
    kinds = [_column_kind(spec, frame[c], c) for c in frame.columns]
    texts = [[str(v) for v in row] for row in frame.itertuples(index=False)]
    _layout(sheet, header, texts)
    sheet.append(_header_cells(sheet, header))
    for row, cells in zip(frame.index, texts, strict=True):
        values = []
        for col, kind, text in zip(header, kinds, cells, strict=True):
            bad = _unwritable(text)
            if bad:
                problems.append(Problem(file, int(row), col, text, bad))
            values.append(_cell(sheet, text, kind))
        sheet.append(values)
    return len(frame)


def _column_kind(spec: TableSpec, values: pd.Series, name: str) -> str:
    """number, bool or text: how a column's cells are written."""
    known = {c.name: c.kind for c in spec.columns}
    if name in known:
        return {"float": "number", "int": "number", "bool": "bool"}.get(known[name], "text")
    if spec.extra_numeric and all(_number(str(v)) is not None for v in values if str(v) != ""):
        return "number"  # a feedstock attribute column (read as numbers if all are)
    return "text"


def _number(text: str) -> float | None:
    try:
        return to_float(text)
    except ValueError:
        return None


def _cell(sheet: Any, text: str, kind: str) -> Any:
    """One value to append: a number, a boolean, None (blank) or text that stays text."""
    if text == "":
        return None
    if kind == "number":
        value = _number(text)
        if value is not None:
            return _number_cell(sheet, value)
    elif kind == "bool":
        try:
            return _to_bool(text)
        except ValueError:
            pass
    return _text_cell(sheet, text)


def _number_cell(sheet: Any, value: float | int) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, int) or float(f"{value:.16g}") == value:
        return value
    # openpyxl writes "%.16g", which loses doubles that need 17 digits (0.30000000000000004):
    # give it the shortest exact text, written as a number all the same
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell._value = repr(value)
    return cell


def _text_cell(sheet: Any, text: str) -> Any:
    if not text.startswith("=") and "\n" not in text:
        return text
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment

    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"  # "=x" is a name, not a formula
    if "\n" in text:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _unwritable(text: str) -> str | None:
    if _ILLEGAL.search(text):
        return "holds a control character that an .xlsx cell cannot hold"
    if len(text) > MAX_CELL_TEXT:
        return f"longer than an Excel cell holds ({MAX_CELL_TEXT} characters)"
    return None


def _header_cells(sheet: Any, header: list[str]) -> list[Any]:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    cells = []
    for name in header:
        cell = WriteOnlyCell(sheet, value=name)
        cell.data_type = "s"
        cell.font = Font(bold=True)
        cells.append(cell)
    return cells


def _layout(sheet: Any, header: list[str], rows: list[list[str]]) -> None:
    """Frozen header row; each column as wide as its longest cell (within 8..60)."""
    from openpyxl.utils import get_column_letter

    sheet.freeze_panes = "A2"
    for k, name in enumerate(header):
        longest = max([len(name), *(max(map(len, r[k].splitlines() or [""])) for r in rows)])
        sheet.column_dimensions[get_column_letter(k + 1)].width = min(max(longest + 2, 8), 60)


def _config_sheet(book: Any, raw: RawScenario, problems: list[Problem]) -> int:
    sheet = book.create_sheet(CONFIG_SHEET)
    pairs = _flat(raw.config or {})
    _layout(sheet, ["key", "value"], [[k, cell_text(v)] for k, v in pairs])
    sheet.append(_header_cells(sheet, ["key", "value"]))
    for key, value in pairs:
        if isinstance(value, bool):
            cell = value
        elif isinstance(value, int | float) and math.isfinite(value) and abs(value) < 2**53:
            cell = _number_cell(sheet, value)
        elif isinstance(value, str) and not _unwritable(value):
            cell = _text_cell(sheet, value) if value else ""
        else:
            problems.append(Problem(raw.config_file, None, key, cell_text(value),
                                    "a workbook cannot hold this value exactly"))
            continue
        sheet.append([_text_cell(sheet, key), cell])
    return len(pairs)


def _flat(cfg: dict[str, Any], prefix: tuple[str, ...] = ()) -> list[tuple[str, Any]]:
    """Dotted keys in TOML order: a table's own keys, then its sub-tables."""
    pairs = [(key_text([*prefix, k]), v) for k, v in cfg.items() if not isinstance(v, dict)]
    for k, v in cfg.items():
        if isinstance(v, dict):
            pairs += _flat(v, (*prefix, k))
    return pairs
