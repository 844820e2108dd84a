"""Scenario conversions: folder <-> workbook, and a Scenario written as either.

A converter writes the cells as the user gave them (read raw, not re-serialised
from typed tables) and then reads the target back: a conversion that would not
give the same scenario is a bug, never a silent loss.
"""

from __future__ import annotations

import csv
import io
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from feedstock.optimizer.base.errors import FeedstockError
from feedstock.optimizer.scenario.config import FILE as CONFIG_FILE
from feedstock.optimizer.scenario.excel import save_workbook
from feedstock.optimizer.scenario.load import read_raw
from feedstock.optimizer.scenario.raw import (
    CONFIG_SHEET,
    KNOWN_FILES,
    RawScenario,
    is_workbook,
    toml_text,
)
from feedstock.optimizer.scenario.scenario import Scenario, from_raw
from feedstock.optimizer.scenario.tables import SPECS


def convert(source: str | Path, target: str | Path, *, force: bool = False) -> Conversion:
    """Folder -> .xlsx or .xlsx -> folder, by the suffixes; the target is read back and compared.

    The source is validated first (a :class:`ScenarioError` lists every problem),
    and an existing target is replaced only with ``force``.
    """
    source, target = Path(source), Path(target)
    if is_workbook(target) and not is_workbook(source):
        return write_workbook(source, target, force=force)
    if is_workbook(source) and not is_workbook(target):
        return write_folder(source, target, force=force)
    raise ConvertError(f"cannot convert {source} to {target}: one must be a scenario folder "
                       "and the other an .xlsx workbook")


def write_workbook(source: Scenario | str | Path, path: str | Path, *, force: bool = False,
                   check: bool = True) -> Conversion:
    """Write a scenario (a folder, a workbook or a :class:`Scenario`) as one .xlsx workbook.

    From files, the cells are the ones the user wrote (read raw, not re-serialised
    from typed tables); from a :class:`Scenario`, its validated tables. ``check``
    reads the workbook back and raises if it is not the same scenario.
    """
    started = time.perf_counter()
    raw, sc = scenario_inputs(source)
    path = Path(path)
    if path.suffix.lower() != ".xlsx":  # an .xlsm name on .xlsx content will not open in Excel
        raise ConvertError(f"{path}: a workbook is written as .xlsx")
    if path.exists() and not force:
        raise ConvertError(f"{path} exists: give --force to replace it")
    sheets = save_workbook(raw, path)
    return finish_conversion(sc, raw, path, sheets, remarks(raw), started, check)


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
    return raw, from_raw(raw)


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
        found = differences(sc, from_raw(back))
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
