"""From files (a folder or one workbook) or in-memory tables to validated tables.

Reading and validating are two steps: a reader (:func:`read_raw`: a folder here, a
workbook in :mod:`feedstock.optimizer.scenario.excel`) turns the input into a raw config dict
and tables of string cells indexed by spreadsheet row, and :func:`validate_raw`
puts every cell through the same parsers and rules, whatever the input was. So a
workbook can never hold a value a CSV could not, and a converter writes the cells
as the user gave them (:mod:`feedstock.optimizer.scenario.conversion`). The frozen
:class:`~feedstock.optimizer.scenario.scenario.Scenario` is made from what
:func:`validate_raw` returns.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from feedstock.optimizer.base.errors import Problem, ScenarioError
from feedstock.optimizer.scenario.commitments import commitment_problems
from feedstock.optimizer.scenario.config import FILE as CONFIG_FILE
from feedstock.optimizer.scenario.config import ScenarioConfig, read_config, validate_config
from feedstock.optimizer.scenario.excel import read_workbook
from feedstock.optimizer.scenario.raw import GEO_SITE_FILES, KNOWN_FILES, RawScenario, is_workbook
from feedstock.optimizer.scenario.rules import cross_table_problems, empty_table
from feedstock.optimizer.scenario.strategy_rules import strategy_problems
from feedstock.optimizer.scenario.tables import SPECS, frame_to_strings, parse_table, read_csv

log = logging.getLogger(__name__)


def read_raw(path: str | Path, *, config: Mapping[str, Any] | None = None,
             files: Mapping[str, str | Path | None] | None = None) -> RawScenario:
    """A folder or workbook as raw cells and config, with the problems met reading it."""
    path = Path(path)
    elsewhere = dict(files or {})
    unknown = set(elsewhere) - set(SPECS)
    if unknown:
        raise KeyError(f"unknown table(s): {', '.join(sorted(unknown))}")
    if is_workbook(path) and not path.is_dir():
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


def raw_from_tables(config: Mapping[str, Any], tables: Mapping[str, pd.DataFrame | None],
                    source: str = "<memory>") -> RawScenario:
    """In-memory tables (any dtypes) as the cells a file would hold, to validate alike.

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
    return RawScenario(dict(config), raw, problems, [], source=source)


@dataclass(frozen=True)
class Validated:
    """Typed tables and config of a scenario that passed every rule, and what was noted."""

    config: ScenarioConfig
    tables: dict[str, pd.DataFrame]
    notes: tuple[str, ...]
    source: str


def validate_raw(raw: RawScenario) -> Validated:
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
        for rules in (cross_table_problems, strategy_problems, commitment_problems):
            found, more_notes = rules(typed, cfg)
            problems += _renamed(found, files)
            notes += [renamed_note(n, raw) for n in more_notes]
    if problems or cfg is None:
        raise ScenarioError(problems, where=raw.source)
    return Validated(cfg, typed, tuple(notes), raw.source)


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


def renamed_note(note: str, raw: RawScenario) -> str:
    """A note that starts with a CSV (or scenario.toml) name names the sheet it came from."""
    moved = {SPECS[name].file: file for name, file in raw.files.items()}
    moved[CONFIG_FILE] = raw.config_file
    head, sep, rest = note.partition(": ")
    return f"{moved[head]}{sep}{rest}" if sep and head in moved else note


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
