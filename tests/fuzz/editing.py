"""What the mutations share: the registry, and reading and rewriting CSV and TOML files.

A mutation is registered with :func:`mutation` under its function name and a stage;
:func:`apply` runs a case's mutations by stage (cells, columns and keys first, then
whole files, then bytes) so that a later rewrite never undoes an earlier change.
The mutations themselves live in ``tests.fuzz.mutations``; import that module (it
re-exports :func:`apply`, :func:`names`, :func:`copy_sample`) so that they are registered.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import shutil
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time
from pathlib import Path
from typing import Any

from feedstock.optimizer.scenario.tables import SPECS

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "uk-2026"
TOML = "scenario.toml"
SPEC_OF = {s.file: s for s in SPECS.values()}
CSV_FILES = sorted(SPEC_OF)
REQUIRED_FILES = sorted([s.file for s in SPECS.values() if s.required] + [TOML])
OPTIONAL_FILES = sorted(s.file for s in SPECS.values() if not s.required)
SCENARIO_FILES = [*CSV_FILES, TOML]  # every file a byte-level mutation may damage

CELLS, FILES, BYTES = 0, 1, 2  # stages

Mutate = Callable[[Path, random.Random], str]


@dataclass(frozen=True)
class Mutation:
    """A registered mutation: its name (the function's), stage and function."""

    name: str
    stage: int
    func: Mutate


MUTATIONS: dict[str, Mutation] = {}


def mutation(stage: int) -> Callable[[Mutate], Mutate]:
    """Register a mutation under its function name."""
    def register(func: Mutate) -> Mutate:
        MUTATIONS[func.__name__] = Mutation(func.__name__, stage, func)
        return func
    return register


def copy_sample(dest: Path) -> Path:
    """A fresh copy of the bundled sample at ``dest`` (which must not exist)."""
    shutil.copytree(SAMPLE, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def apply(folder: Path, kinds: list[str], rnd: random.Random) -> list[str]:
    """Apply the named mutations (by stage, stable) and return what each did."""
    order = sorted(kinds, key=lambda n: MUTATIONS[n].stage)
    return [f"{n}: {MUTATIONS[n].func(folder, rnd)}" for n in order]


def names() -> list[str]:
    """Every mutation name, sorted."""
    return sorted(MUTATIONS)


# ------------------------------------------------------------------ CSV helpers

def read_rows(path: Path) -> list[list[str]] | None:
    """A CSV's records (list index + 1 = row), or None if absent, unreadable or empty."""
    try:
        text = path.read_bytes().decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    return rows if rows and rows[0] else None


def write_rows(path: Path, rows: list[list[str]], delimiter: str = ",") -> None:
    """Write records as a spreadsheet would (quoting only where needed)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f, delimiter=delimiter, lineterminator="\n").writerows(rows)


def kind_of(file: str, column: str) -> str | None:
    """The declared kind of a column (extra feedstocks.csv columns are numeric attributes)."""
    spec = SPEC_OF.get(file)
    if spec is None:
        return None
    for col in spec.columns:
        if col.name == column:
            return col.kind
    return "float" if spec.extra_numeric else None


def tables(folder: Path) -> list[tuple[Path, list[list[str]]]]:
    """Scenario CSVs present and readable, with their records."""
    out = []
    for name in CSV_FILES:
        rows = read_rows(folder / name)
        if rows is not None:
            out.append((folder / name, rows))
    return out


def pick_table(folder: Path, rnd: random.Random, with_rows: bool = False
                ) -> tuple[Path, list[list[str]]] | None:
    found = [(p, rows) for p, rows in tables(folder) if not with_rows or len(rows) > 1]
    return rnd.choice(found) if found else None


def pick_cell(folder: Path, rnd: random.Random, want: Callable[[str, str], bool]
               ) -> tuple[Path, list[list[str]], int, int] | None:
    """A random (file, records, record index, column index) whose column ``want`` accepts."""
    candidates = []
    for path, rows in tables(folder):
        cols = [k for k, name in enumerate(rows[0]) if want(path.name, name)]
        cells = [(r, k) for k in cols for r in range(1, len(rows)) if k < len(rows[r])]
        if cells:
            candidates.append((path, rows, cells))
    if not candidates:
        return None
    path, rows, cells = rnd.choice(candidates)
    r, k = rnd.choice(cells)
    return path, rows, r, k


def set_cell(folder: Path, rnd: random.Random, want: Callable[[str, str], bool],
              values: list[str] | Callable[[str, str, str], str]) -> str:
    picked = pick_cell(folder, rnd, want)
    if picked is None:
        return "no such cell left: nothing done"
    path, rows, r, k = picked
    old = rows[r][k]
    new = values(path.name, rows[0][k], old) if callable(values) else rnd.choice(values)
    rows[r][k] = new
    write_rows(path, rows)
    return f"{path.name} row {r + 1}, column {rows[0][k]}: {short(old)} -> {short(new)}"


def short(text: str) -> str:
    return repr(text) if len(text) <= 40 else repr(text[:20]) + f"...({len(text)} chars)"


def of_kind(*kinds: str) -> Callable[[str, str], bool]:
    return lambda file, column: kind_of(file, column) in kinds

def pick_file(folder: Path, rnd: random.Random, names: list[str]) -> Path | None:
    present = [folder / n for n in names if (folder / n).is_file()]
    return rnd.choice(present) if present else None


# ------------------------------------------------------------------ scenario.toml

class Raw(str):
    """A TOML value written as is (an inline table, say)."""


def read_toml(folder: Path) -> dict[str, Any] | None:
    """scenario.toml as a dict, or None if absent or unreadable."""
    try:
        return tomllib.loads((folder / TOML).read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None


def toml_text(data: dict[str, Any], prefix: str = "") -> str:
    """TOML for a dict of scalars, lists, dates, :class:`Raw` and sub-tables."""
    lines = [f"{_toml_key(k)} = {toml_value(v)}" for k, v in data.items()
             if not isinstance(v, dict)]
    for k, v in data.items():
        if isinstance(v, dict):
            name = f"{prefix}.{_toml_key(k)}" if prefix else _toml_key(k)
            lines += ["", f"[{name}]", toml_text(v, name)]
    return "\n".join(lines) + "\n"


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def toml_value(v: Any) -> str:
    if isinstance(v, Raw):
        return str(v)
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if v != v else "inf" if v == float("inf") else \
            "-inf" if v == float("-inf") else repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, date | time):  # datetime is a date
        return v.isoformat()
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    raise TypeError(type(v))


def set_key(folder: Path, key: str, value: Any) -> str:
    """Set dotted ``key`` in scenario.toml (creating tables); describe the change."""
    data = read_toml(folder)
    if data is None:
        return "scenario.toml unreadable or absent: nothing done"
    node = data
    *parents, leaf = key.split(".")
    for p in parents:
        if not isinstance(node.get(p, {}), dict):
            return f"scenario.toml {p} is not a table: nothing done"
        node = node.setdefault(p, {})
    node[leaf] = value
    (folder / TOML).write_text(toml_text(data), encoding="utf-8")
    return f"scenario.toml {key} = {short(toml_value(value))}"
