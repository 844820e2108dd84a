"""A scenario as read, before any rule: the cells a reader hands to validation.

Both readers (a folder in :mod:`~feedstock.optimizer.scenario.load`, a workbook in
:mod:`~feedstock.optimizer.scenario.excel`) produce a :class:`RawScenario`, and
both writers (:mod:`~feedstock.optimizer.scenario.conversion`) write one, so a
scenario's cells go through one validator whatever file they came in. Also the
one TOML writer (:func:`toml_text`): scenario.toml from a config dict.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from feedstock.optimizer.base.errors import Problem
from feedstock.optimizer.scenario.config import FILE as CONFIG_FILE
from feedstock.optimizer.scenario.tables import SPECS

GEO_SITE_FILES = ("sites.geojson", "sites.gpkg")
KNOWN_FILES = {s.file for s in SPECS.values()} | set(GEO_SITE_FILES) | {"scenario.toml",
                                                                    "futures.toml"}
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
