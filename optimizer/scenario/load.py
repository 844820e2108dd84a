"""From files (or in-memory tables) to a validated :class:`Scenario`, or one list of problems."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from optimizer.errors import Problem, ScenarioError
from optimizer.scenario.config import read_config, validate_config
from optimizer.scenario.rules import cross_table_problems, empty_table
from optimizer.scenario.scenario import Scenario
from optimizer.scenario.tables import SPECS, frame_to_strings, parse_table, read_csv

log = logging.getLogger(__name__)

GEO_SITE_FILES = ("sites.geojson", "sites.gpkg")
KNOWN_FILES = {s.file for s in SPECS.values()} | set(GEO_SITE_FILES) | {"scenario.toml"}


def load_scenario(folder: str | Path, *, config: Mapping[str, Any] | None = None,
                  files: Mapping[str, str | Path | None] | None = None) -> Scenario:
    """Read and validate a scenario folder; raise :class:`ScenarioError` listing every problem.

    ``config`` sets top-level scenario.toml keys before validation (e.g.
    ``{"start_week": "2026-W49"}`` for a weekly run). ``files`` reads a table
    from another file instead of the folder's (``{"inventory": "stock.csv"}``),
    or treats it as absent (``None``); problems then name that file (its path
    as given), with its own rows.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError([Problem(str(folder), None, None, None,
                                     "scenario folder does not exist")], where=str(folder))
    elsewhere = dict(files or {})
    unknown = set(elsewhere) - set(SPECS)
    if unknown:
        raise KeyError(f"unknown table(s): {', '.join(sorted(unknown))}")
    raw_cfg, problems = read_config(folder)
    if raw_cfg is not None and config:
        raw_cfg = {**raw_cfg, **config}
    raw: dict[str, pd.DataFrame | None] = {}
    names: dict[str, str] = {}
    for name, spec in SPECS.items():
        if name == "sites" and name not in elsewhere:
            frame, found, names[name] = _read_sites(folder)
        else:
            path = folder / spec.file
            if name in elsewhere:
                path = None if elsewhere[name] is None else Path(elsewhere[name])
                names[name] = spec.file if path is None else str(path)
            if path is None or not path.is_file():
                if spec.required or (path is not None and name in elsewhere):
                    problems.append(Problem(names.get(name, spec.file), None, None, None,
                                            "required file is missing" if spec.required
                                            else "file does not exist"))
                raw[name] = None
                continue
            frame, found = read_csv(path, names.get(name, spec.file))
        raw[name] = frame
        problems += found
    notes = [f"{p.name}: not a scenario file; ignored" for p in sorted(folder.iterdir())
             if p.is_file() and p.name not in KNOWN_FILES and not p.name.startswith(".")
             and p.suffix.lower() in {".csv", ".toml", ".geojson", ".gpkg", ".xlsx", ".json"}]
    return _validate(raw_cfg, raw, problems, notes, source=str(folder), files=names)


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
    return _validate(dict(config), raw, problems, [], source=source)


def _validate(raw_cfg: dict | None, raw: dict[str, pd.DataFrame | None], problems: list[Problem],
              notes: list[str], source: str, files: dict[str, str] | None = None) -> Scenario:
    cfg = None
    if raw_cfg is not None:
        cfg, found = validate_config(raw_cfg)
        problems = problems + found
    typed: dict[str, pd.DataFrame] = {}
    for name, spec in SPECS.items():
        frame = raw.get(name)
        if frame is None:
            named = {spec.file, (files or {}).get(name)}  # sites may come as .geojson/.gpkg
            if spec.required and not any(p.file in named for p in problems):
                problems.append(Problem(spec.file, None, None, None, "required table is missing"))
            typed[name] = empty_table(name)
            continue
        df, found, table_notes = parse_table(spec, frame, (files or {}).get(name))
        typed[name] = df
        problems += found
        notes += table_notes
    if all(raw.get(n) is not None for n in ("sites", "feedstocks", "modes")):
        found, more_notes = cross_table_problems(typed, cfg)
        problems += _renamed(found, files or {})
        notes += more_notes
    if problems or cfg is None:
        raise ScenarioError(problems, where=source)
    scenario = Scenario(cfg, typed, source=source, notes=tuple(notes))
    return _with_horizon_notes(scenario)


def _renamed(problems: list[Problem], files: Mapping[str, str]) -> list[Problem]:
    """Cross-table problems name the file a table was actually read from."""
    moved = {SPECS[name].file: file for name, file in files.items() if file != SPECS[name].file}
    return [dataclasses.replace(p, file=moved.get(p.file, p.file)) for p in problems]


def _with_horizon_notes(sc: Scenario) -> Scenario:
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
