"""From files (a folder or one workbook) or in-memory tables to a validated :class:`Scenario`.

Reading and validating are two steps: a reader (:func:`read_raw`: a folder here, a
workbook in :mod:`optimizer.scenario.excel`) turns the input into a raw config dict
and tables of string cells indexed by spreadsheet row, and :func:`validate_raw`
puts every cell through the same parsers and rules, whatever the input was. So a
workbook can never hold a value a CSV could not, and a converter writes the cells
as the user gave them (:func:`write_folder` here, ``write_workbook`` in excel.py).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import io
import json
import logging
import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.errors import FeedstockError, Problem, ScenarioError
from optimizer.scenario.config import FILE as CONFIG_FILE
from optimizer.scenario.config import read_config, validate_config
from optimizer.scenario.rules import cross_table_problems, empty_table
from optimizer.scenario.scenario import Scenario
from optimizer.scenario.tables import SPECS, frame_to_strings, parse_table, read_csv

log = logging.getLogger(__name__)

GEO_SITE_FILES = ("sites.geojson", "sites.gpkg")
KNOWN_FILES = {s.file for s in SPECS.values()} | set(GEO_SITE_FILES) | {"scenario.toml"}
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
CONFIG_SHEET = "scenario"  # a workbook's sheet of scenario.toml keys
BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")  # a TOML key that needs no quotes


@dataclass
class RawScenario:
    """A scenario as read, before any rule: what a converter writes and a loader validates."""

    config: dict[str, Any] | None
    """scenario.toml (or the workbook's ``scenario`` sheet) as a plain dict; None if unreadable."""
    tables: dict[str, pd.DataFrame | None]
    """String cells indexed by spreadsheet row (header = row 1); None = table absent."""
    problems: list[Problem]
    notes: list[str]
    source: str
    files: dict[str, str] = field(default_factory=dict)
    """The name each table's problems carry when it is not the CSV name (``x.xlsx[supply]``)."""
    config_file: str = CONFIG_FILE
    config_rows: dict[str, int] = field(default_factory=dict)
    """Row of each dotted config key, where the input has rows (the workbook's sheet)."""
    extras: list[str] = field(default_factory=list)
    """What the input holds that is not a scenario input (a converter leaves it out)."""
    readable: bool = True
    """False when the input as a whole could not be read: its one problem is all there is."""


def is_workbook(path: str | Path) -> bool:
    """Whether ``path`` names a workbook scenario (by its suffix) rather than a folder."""
    return Path(path).suffix.lower() in WORKBOOK_SUFFIXES


def load_scenario(path: str | Path, *, config: Mapping[str, Any] | None = None,
                  files: Mapping[str, str | Path | None] | None = None) -> Scenario:
    """Read and validate a scenario folder or .xlsx workbook; raise :class:`ScenarioError`.

    The error lists every problem at once. ``config`` sets top-level scenario.toml
    keys before validation (e.g. ``{"start_week": "2026-W49"}`` for a weekly run).
    ``files`` reads a table from another CSV file instead of the folder's file or
    the workbook's sheet (``{"inventory": "stock.csv"}``), or treats it as absent
    (``None``); problems then name that file (its path as given), with its own rows.
    """
    return validate_raw(read_raw(path, config=config, files=files))


def read_raw(path: str | Path, *, config: Mapping[str, Any] | None = None,
             files: Mapping[str, str | Path | None] | None = None) -> RawScenario:
    """A folder or workbook as raw cells and config, with the problems met reading it."""
    path = Path(path)
    elsewhere = dict(files or {})
    unknown = set(elsewhere) - set(SPECS)
    if unknown:
        raise KeyError(f"unknown table(s): {', '.join(sorted(unknown))}")
    if is_workbook(path) and not path.is_dir():
        from optimizer.scenario.excel import read_workbook

        raw = read_workbook(path, skip=set(elsewhere))
    elif not path.is_dir():
        rule = ("is a file, not a scenario folder or an .xlsx workbook" if path.exists()
                else "scenario folder does not exist")
        return RawScenario(None, {}, [Problem(str(path), None, None, None, rule)], [],
                           source=str(path), readable=False)
    else:
        raw = _read_folder(path, skip=set(elsewhere))
    for name, other in elsewhere.items():
        raw.tables[name] = None
        raw.files[name] = SPECS[name].file if other is None else str(other)
        if other is None or not Path(other).is_file():
            if SPECS[name].required or other is not None:
                raw.problems.append(Problem(raw.files[name], None, None, None,
                                            "required file is missing" if SPECS[name].required
                                            else "file does not exist"))
            continue
        raw.tables[name], found = read_csv(Path(other), str(other))
        raw.problems += found
    if raw.config is not None and config:
        raw.config = {**raw.config, **config}
        for key in config:  # a problem with a key set here is not on the key's row
            raw.config_rows = {k: r for k, r in raw.config_rows.items()
                               if k != key and not k.startswith(f"{key}.")}
    return raw


def _read_folder(folder: Path, skip: set[str]) -> RawScenario:
    raw_cfg, problems = read_config(folder)
    tables: dict[str, pd.DataFrame | None] = {}
    names: dict[str, str] = {}
    for name, spec in SPECS.items():
        if name in skip:
            continue
        if name == "sites":
            frame, found, names[name] = _read_sites(folder)
        elif (folder / spec.file).is_file():
            frame, found = read_csv(folder / spec.file, spec.file)
        else:
            if spec.required:
                problems.append(Problem(spec.file, None, None, None, "required file is missing"))
            tables[name] = None
            continue
        tables[name] = frame
        problems += found
    entries = [p for p in sorted(folder.iterdir()) if not p.name.startswith(".")]
    notes = [f"{p.name}: not a scenario file; ignored" for p in entries
             if p.is_file() and p.name not in KNOWN_FILES
             and p.suffix.lower() in {".csv", ".toml", ".geojson", ".gpkg", ".xlsx", ".json"}]
    extras = [p.name + ("/" if p.is_dir() else "") for p in entries
              if p.is_dir() or p.name not in KNOWN_FILES]
    return RawScenario(raw_cfg, tables, problems, notes, source=str(folder),
                       files={k: v for k, v in names.items() if v != SPECS[k].file},
                       extras=extras)


def from_tables(config: Mapping[str, Any], tables: Mapping[str, pd.DataFrame | None],
                source: str = "<memory>") -> Scenario:
    """Validate in-memory tables (any dtypes) exactly as files would be validated.

    Used for what-if scenarios and tests: every cell goes through the same
    parsers and rules as a CSV cell, so a scenario built in Python can never
    hold a value a file could not.
    """
    unknown = set(tables) - set(SPECS)
    if unknown:
        raise KeyError(f"unknown table(s): {', '.join(sorted(unknown))}")
    raw: dict[str, pd.DataFrame | None] = {}
    for name in SPECS:
        df = tables.get(name)
        if df is not None and name == "sites" and "geometry" in df.columns:
            df = pd.DataFrame(df).drop(columns="geometry")
        raw[name] = None if df is None else frame_to_strings(df)
    problems = [] if "sites" in tables else [Problem("sites.csv", None, None, None,
                                                     "required table is missing")]
    return validate_raw(RawScenario(dict(config), raw, problems, [], source=source))


def validate_raw(raw: RawScenario) -> Scenario:
    """Type and check every cell and key of ``raw``; raise :class:`ScenarioError` if any fails."""
    problems = list(raw.problems)
    if not raw.readable:
        raise ScenarioError(problems, where=raw.source)
    notes = list(raw.notes)
    files = raw.files
    cfg = None
    if raw.config is not None:
        cfg, found = validate_config(raw.config)
        problems += [_located(p, raw) for p in found]
    typed: dict[str, pd.DataFrame] = {}
    for name, spec in SPECS.items():
        frame = raw.tables.get(name)
        if frame is None:
            named = {spec.file, files.get(name)}  # sites may come as .geojson/.gpkg
            if spec.required and not any(p.file in named for p in problems):
                problems.append(Problem(files.get(name, spec.file), None, None, None,
                                        "required table is missing"))
            typed[name] = empty_table(name)
            continue
        df, found, table_notes = parse_table(spec, frame, files.get(name))
        typed[name] = df
        problems += found
        notes += table_notes
    if all(raw.tables.get(n) is not None for n in ("sites", "feedstocks", "modes")):
        found, more_notes = cross_table_problems(typed, cfg)
        problems += _renamed(found, files)
        notes += [_renamed_note(n, raw) for n in more_notes]
    if problems or cfg is None:
        raise ScenarioError(problems, where=raw.source)
    scenario = Scenario(cfg, typed, source=raw.source, notes=tuple(notes))
    return _with_horizon_notes(scenario, raw)


def _located(p: Problem, raw: RawScenario) -> Problem:
    """A config problem names the file (or sheet) the key came from, and its row if known."""
    if p.file != CONFIG_FILE or raw.config_file == CONFIG_FILE:
        return p
    row = p.row if p.row is not None else raw.config_rows.get(p.column or "")
    return dataclasses.replace(p, file=raw.config_file,
                               row=None if p.rule == "required key is missing" else row)


def _renamed(problems: list[Problem], files: Mapping[str, str]) -> list[Problem]:
    """Cross-table problems name the file a table was actually read from."""
    moved = {SPECS[name].file: file for name, file in files.items() if file != SPECS[name].file}
    return [dataclasses.replace(p, file=moved.get(p.file, p.file)) for p in problems]


def _renamed_note(note: str, raw: RawScenario) -> str:
    """A note that starts with a CSV (or scenario.toml) name names the sheet it came from."""
    moved = {SPECS[name].file: file for name, file in raw.files.items()}
    moved[CONFIG_FILE] = raw.config_file
    head, sep, rest = note.partition(": ")
    return f"{moved[head]}{sep}{rest}" if sep and head in moved else note


def _with_horizon_notes(sc: Scenario, raw: RawScenario | None = None) -> Scenario:
    """Say how many dated rows fall outside the horizon (they are ignored)."""
    extra = []
    outside = len(sc.table("supply")) - len(sc.supply)
    if outside:
        extra.append(f"supply.csv: {outside} row(s) outside {sc.weeks[0]}..{sc.weeks[-1]} ignored")
    outside = len(sc.table("in_transit")) - len(sc.in_transit)
    if outside:
        extra.append(f"in_transit.csv: {outside} shipment(s) arriving after {sc.weeks[-1]} "
                     "ignored")
    outside = len(sc.table("offtake")) - len(sc.offtake)
    if outside:
        extra.append(f"offtake.csv: {outside} row(s) outside the horizon ignored")
    late = sc.expansions[sc.expansions["first_period"] > sc.horizon]
    for r in late.itertuples():
        extra.append(f"expansions.csv: {r.site_id}/{r.option} available from "
                     f"{r.available_from_week}, after the horizon: never built")
    if raw is not None:
        extra = [_renamed_note(n, raw) for n in extra]
    for n in (*sc.notes, *extra):
        log.info(n)
    if not extra:
        return sc
    return dataclasses.replace(sc, notes=(*sc.notes, *extra))


def _read_sites(folder: Path) -> tuple[pd.DataFrame | None, list[Problem], str]:
    """sites.csv, or sites.geojson / sites.gpkg (point geometry, any CRS); and its name."""
    present = [f for f in ("sites.csv", *GEO_SITE_FILES) if (folder / f).is_file()]
    if not present:
        return None, [Problem("sites.csv", None, None, None,
                              "required file is missing (or sites.geojson / sites.gpkg)")], \
            "sites.csv"
    if len(present) > 1:
        return None, [Problem(present[1], None, None, None,
                              f"sites are given twice ({', '.join(present)}): keep one")], \
            present[1]
    name = present[0]
    if name == "sites.csv":
        return (*read_csv(folder / name, name), name)
    return (*_read_geo_sites(folder / name, name), name)


def _read_geo_sites(path: Path, file: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    import geopandas as gpd

    try:
        gdf = gpd.read_file(path)
    except Exception as exc:  # pyogrio raises several types for unreadable files
        return None, [Problem(file, None, None, None, f"not readable as {path.suffix}: {exc}")]
    if gdf.crs is None:
        return None, [Problem(file, None, "geometry", None,
                              "file has no coordinate reference system (CRS)")]
    gdf = gdf.to_crs("EPSG:4326")
    problems = []
    rows = pd.Index(range(1, len(gdf) + 1), name="row")
    gdf.index = rows
    for row, geom in gdf.geometry.items():
        if geom is None or geom.is_empty or geom.geom_type != "Point":
            problems.append(Problem(file, int(row), "geometry",
                                    None if geom is None else geom.geom_type,
                                    "must be a point (feature numbers count from 1)"))
    is_point = gdf.geometry.geom_type == "Point"
    frame = pd.DataFrame(gdf.drop(columns="geometry"))
    # a feature that is not a point is reported above; 0/0 keeps it from being
    # reported a second time as blank coordinates
    frame["lat"] = gdf.geometry.where(is_point).y.where(is_point, 0.0)
    frame["lon"] = gdf.geometry.where(is_point).x.where(is_point, 0.0)
    return frame_to_strings(frame).set_axis(rows), problems


# ---------------------------------------------------------------- writing (and converting)
# Shared by the folder writer below and the workbook writer (optimizer.scenario.excel):
# what to write (the cells as read), and the check that the target reads back the same.

class ConvertError(FeedstockError):
    """A conversion was refused (target exists, or source and target are the same kind)."""

    exit_code = 2


@dataclass(frozen=True)
class Conversion:
    """What a conversion wrote, what it left out, and whether the target reads back the same."""

    source: str
    target: Path
    sheets: dict[str, int]
    """Table (or ``scenario``) -> rows written (for ``scenario``: keys)."""
    left_out: tuple[str, ...] = ()
    remarks: tuple[str, ...] = ()
    seconds: float = 0.0
    checked: bool = False

    def text(self) -> str:
        """The few lines ``feedstock convert`` prints."""
        kind = "workbook" if is_workbook(self.target) else "folder"
        unit = "sheets" if kind == "workbook" else "files"
        files = {CONFIG_SHEET: CONFIG_FILE} | {n: s.file for n, s in SPECS.items()}
        parts = [f"{n if kind == 'workbook' else files[n]} "
                 f"({k} {'keys' if n == CONFIG_SHEET else 'rows'})"
                 for n, k in self.sheets.items()]
        lines = [f"Wrote {kind} {self.target} in {self.seconds:.1f} s: {len(parts)} {unit}: "
                 + ", ".join(parts)]
        if self.checked:
            lines.append("Checked: it reads back as the same scenario (config and every table).")
        if self.left_out:
            where = "in the workbook" if kind == "workbook" else "written"
            lines.append(f"Not {where} (not scenario tables): {', '.join(self.left_out)}")
        lines += self.remarks
        return "\n".join(lines)


def write_folder(source: Scenario | str | Path, folder: str | Path, *, force: bool = False,
                 check: bool = True) -> Conversion:
    """Write a scenario (a workbook, a folder or a :class:`Scenario`) as a folder of CSVs.

    A non-empty ``folder`` is refused unless ``force``; then scenario files that
    the source has no table for are removed, and other files are left alone.
    """
    started = time.perf_counter()
    raw, sc = scenario_inputs(source)
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ConvertError(f"{folder} is a file, not a folder")
    if folder.is_dir() and any(folder.iterdir()) and not force:
        raise ConvertError(f"{folder} is not empty: give --force to replace its scenario files")
    folder.mkdir(parents=True, exist_ok=True)
    written = {CONFIG_FILE: toml_text(raw.config or {})}
    sheets = {CONFIG_SHEET: _count_keys(raw.config or {})}
    for name, spec in SPECS.items():
        frame = raw.tables.get(name)
        if frame is not None:
            written[spec.file] = _csv_text(frame)
            sheets[name] = len(frame)
    removed = sorted(f for f in KNOWN_FILES - set(written) if (folder / f).is_file())
    for file in removed:
        (folder / file).unlink()
    for file, text in written.items():
        (folder / file).write_text(text, encoding="utf-8", newline="")
    said = list(remarks(raw))
    if removed:
        said.append(f"Removed from {folder}: {', '.join(removed)} (no such table in the source)")
    return finish_conversion(sc, raw, folder, sheets, tuple(said), started, check)


def scenario_inputs(source: Scenario | str | Path) -> tuple[RawScenario, Scenario]:
    """The raw cells to write and the validated scenario they make (raises if invalid)."""
    if isinstance(source, Scenario):
        return _raw_of(source), source
    raw = read_raw(source)
    return raw, validate_raw(raw)


def _raw_of(sc: Scenario) -> RawScenario:
    """A validated scenario's tables as cells (blank where a blank means the same)."""
    tables: dict[str, pd.DataFrame | None] = {}
    for name, spec in SPECS.items():
        df = sc.table(name)
        if not spec.required and df.empty:
            continue  # an absent optional table reads back as the same empty table
        unlimited = {c.name for c in spec.columns if c.default == math.inf}
        out = pd.DataFrame(index=pd.RangeIndex(2, len(df) + 2, name="row"))
        for col in df.columns:
            out[str(col)] = [_typed_text(v, col in unlimited) for v in df[col]]
        tables[name] = out.astype(object)
    cfg = sc.config.model_dump(exclude_none=True)  # None is the default of every optional key
    return RawScenario(cfg, tables, [], [], source=sc.source)


def _typed_text(v: Any, blank_is_inf: bool) -> str:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and math.isinf(v) and blank_is_inf:
        return ""
    return str(v)


def finish_conversion(sc: Scenario, raw: RawScenario, target: Path, sheets: dict[str, int],
            said: tuple[str, ...], started: float, check: bool) -> Conversion:
    """The report of a conversion; with ``check``, raise unless ``target`` reads back as ``sc``."""
    kind = "workbook" if is_workbook(target) else "folder"
    if check:
        back = read_raw(target)
        found = differences(sc, validate_raw(back))
        if found:  # a bug in the writer or reader: never leave it unsaid
            raise RuntimeError(f"the {kind} {target} does not read back as the same scenario: "
                               + "; ".join(found))
    return Conversion(raw.source, target, sheets, tuple(raw.extras), said,
                      time.perf_counter() - started, check)


def remarks(raw: RawScenario) -> tuple[str, ...]:
    """What a conversion changes that the user should know (beyond what it leaves out)."""
    out = []
    geo = raw.files.get("sites", "")
    if geo.endswith((".geojson", ".gpkg")):
        out.append(f"{geo}: written as the sites table with lat/lon columns (WGS84).")
    toml = Path(raw.source) / CONFIG_FILE
    if toml.is_file() and any(line.lstrip().startswith("#")
                              for line in toml.read_text(encoding="utf-8-sig").splitlines()):
        out.append(f"{CONFIG_FILE}: its comments are not carried over.")
    return tuple(out)


def differences(a: Scenario, b: Scenario) -> list[str]:
    """What differs between two scenarios' configs and tables (empty if nothing)."""
    found = [] if a.config == b.config else ["config"]
    for name in SPECS:
        try:
            pd.testing.assert_frame_equal(a.table(name), b.table(name), check_exact=True)
        except AssertionError as exc:
            found.append(f"{name}: {str(exc).splitlines()[0]}")
    return found


def _count_keys(cfg: dict[str, Any]) -> int:
    return sum(_count_keys(v) if isinstance(v, dict) else 1 for v in cfg.values())


def _csv_text(frame: pd.DataFrame) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([str(c) for c in frame.columns])
    writer.writerows(frame.astype(str).itertuples(index=False))
    return out.getvalue()


def toml_text(data: dict[str, Any]) -> str:
    """scenario.toml text for a raw config dict, quoting keys that are not bare TOML keys."""
    lines = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in data.items()
             if not isinstance(v, dict)]

    def tables(node: dict[str, Any], path: list[str]) -> None:
        for k, v in node.items():
            if isinstance(v, dict):
                own = [f"{_toml_key(kk)} = {_toml_value(vv)}" for kk, vv in v.items()
                       if not isinstance(vv, dict)]
                if own or len(own) == len(v):  # [policy.sectors] only if it holds a key
                    lines.extend(["", f"[{'.'.join(map(_toml_key, [*path, k]))}]", *own])
                tables(v, [*path, k])

    tables(data, [])
    return "\n".join(lines) + "\n"


def _toml_key(key: str) -> str:
    return key if BARE_KEY.match(key) else _toml_value(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ("nan" if math.isnan(value)
                                                         else "inf" if value > 0 else "-inf")
    if isinstance(value, str):  # a JSON string is a TOML basic string, but for DEL
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, dt.date | dt.time):  # TOML local date / time / date-time
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")
