r"""What-if overrides: one key syntax for scenario.toml values and table cells.

An override is ``KEY OP VALUE``:

* ``policy.leakage_penalty_gbp_per_t = 3000`` -- a scenario.toml key (dotted);
* ``plants.capacity_t_per_week[ionic_belfast] = 40`` -- cells of a table column,
  rows picked by their id (``site_id``, ``feedstock_id``, ``mode``, a lane's
  ``origin>destination>mode``, an expansion's ``site_id/option``, an offtake's
  ``product``);
* ``supply.tonnes[sector=wind] *= 1.5`` -- rows picked by column values
  (``col=value``, comma-separated for several; a column of the table, or of
  feedstocks.csv / sites.csv through the row's ``feedstock_id`` / ``site_id``);
* ``outlets.price_gbp_per_t[*] = 0`` -- every row.

``OP`` is ``=``, ``*=``, ``+=`` or ``-=`` (the last three on numbers). In Python
the operator ends the key (``{"supply.tonnes[sector=wind] *=": 1.5}``; plain
``=`` may be left out); in a TOML override file the same keys are quoted
(``"supply.tonnes[sector=wind] *=" = 1.5``) and scenario.toml keys may also be
written as tables (``[policy]`` then ``leakage_penalty_gbp_per_t = 3000``).
Overrides apply in order; the result is validated like any scenario, and an
unknown key, table, column or id, or a selector that matches no row, is a
:class:`~feedstock.optimizer.base.errors.ScenarioError` naming the override.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from feedstock.optimizer.base.errors import Problem, ScenarioError
from feedstock.optimizer.scenario.config import ScenarioConfig, validate_config
from feedstock.optimizer.scenario.tables import SPECS

_KEY = re.compile(r"^\s*(?P<path>[A-Za-z_][\w.]*)\s*(?:\[(?P<sel>[^\]]*)\])?\s*"
                  r"(?P<op>\*=|\+=|-=|=)?\s*$")
_LINE = re.compile(r"^(?P<key>[^=*+\-\[]*(?:\[[^\]]*\])?)\s*(?P<op>\*=|\+=|-=|=)\s*"
                   r"(?P<value>.+)$")

# how a bare selector names a row: the table's id, joined from columns
ROW_ID = {
    "sites": ("site_id",), "modes": ("mode",), "feedstocks": ("feedstock_id",),
    "plants": ("site_id",), "hubs": ("site_id",), "plant_specs": ("site_id",),
    "supply": ("site_id",), "inventory": ("site_id",), "outlets": ("site_id",),
    "expansions": ("site_id", "option"), "lanes": ("origin", "destination", "mode"),
    "in_transit": ("origin", "destination", "mode"), "offtake": ("product",),
    "plant_products": ("site_id", "product"),
}
_ID_SEP = {"expansions": "/", "lanes": ">", "in_transit": ">", "plant_products": "/"}


@dataclass(frozen=True)
class Override:
    """One parsed override: where (config key, or table + column + selector), how, what."""

    text: str  # as written, for messages and summary.json
    where: str  # the key without operator and value (key[selector])
    op: str
    value: Any
    key: str | None = None  # a scenario.toml key
    table: str | None = None
    column: str | None = None
    selector: str | None = None
    source: str = "overrides"

    def as_dict(self) -> dict[str, Any]:
        """For summary.json: what was changed, as written, and where it came from."""
        return {"override": self.text, "source": self.source}


def parse(overrides: Mapping[str, Any] | Iterable[str], source: str = "overrides"
          ) -> list[Override]:
    """Overrides from a dict (``{key [op]: value}``) or strings (``"key op value"``)."""
    items: list[tuple[str, Any]] = []
    if isinstance(overrides, Mapping):  # {"policy": {...}} means its keys, not a new section
        items = list(_flatten(overrides).items())
    else:
        for line in overrides:
            m = _LINE.match(str(line).strip())
            if m is None:
                raise ScenarioError([Problem(source, None, None, str(line),
                                             "not an override: write KEY = VALUE (or *=, +=, -=)")],
                                    where=source)
            items.append((f"{m['key'].strip()} {m['op']}", literal(m["value"].strip())))
    out, problems = [], []
    for raw, value in items:
        try:
            out.append(_one(str(raw), value, source))
        except ValueError as exc:
            where = str(raw).strip().rstrip("*+-=").strip()
            problems.append(Problem(source, None, where, _show(value), str(exc)))
    if problems:
        raise ScenarioError(problems, where=source)
    return out


def read_file(path: str | Path) -> list[Override]:
    """Overrides from a TOML file (quoted keys for table cells; tables for config keys)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except FileNotFoundError:
        raise ScenarioError([Problem(str(path), None, None, None, "file does not exist")],
                            where=str(path)) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioError([Problem(str(path), None, None, None,
                                     f"not readable as TOML: {exc}")], where=str(path)) from None
    return parse(_flatten(data), source=str(path))


def apply(config: ScenarioConfig, tables: Mapping[str, pd.DataFrame],
          overrides: list[Override]) -> tuple[dict[str, Any], dict[str, pd.DataFrame]]:
    """The changed config keys and tables after the overrides, applied in order.

    Nothing given is changed; :meth:`Scenario.with_overrides` validates the
    result as a new scenario. Every problem found (an unknown key, column or id,
    a selector matching no row, a value the config refuses) is raised at once.
    """
    changes: dict[str, Any] = {}
    current = config.model_dump()
    tables = {name: tables[name].copy(deep=False) for name in SPECS}
    problems = []
    for o in overrides:
        try:
            if o.key is not None:
                old = _config_value(current, o.key)
                new = _combine(old, o.op, o.value)
                changes[o.key] = new
                _set_config(current, o.key, new)
            else:
                tables[o.table] = _apply_cells(tables, o)
        except ValueError as exc:
            problems.append(Problem(o.source, None, o.where, _show(o.value), str(exc)))
    sectors = set(tables["feedstocks"]["sector"].dropna().astype(str))
    for o in overrides:
        parts = (o.key or "").split(".")
        if parts[:2] == ["policy", "sectors"] and len(parts) > 2 and parts[2] not in sectors:
            problems.append(Problem(o.source, None, o.where, _show(o.value),
                                    f"no feedstock has sector {parts[2]!r} (sectors: "
                                    f"{', '.join(sorted(sectors))})"))
    if changes:
        _, found = validate_config(current)
        problems += [_blame(p, overrides) for p in found]
    if problems:
        raise ScenarioError(problems, where="overrides")
    return changes, {n: t for n, t in tables.items() if any(o.table == n for o in overrides)}


# ------------------------------------------------------------------ parsing

def _one(raw: str, value: Any, source: str) -> Override:
    m = _KEY.match(raw)
    if m is None:
        raise ValueError("not an override key: write section.key, or table.column[selector]")
    path, sel, op = m["path"], m["sel"], m["op"] or "="
    where = f"{path}{'' if sel is None else f'[{sel}]'}"
    text = f"{where} {op} {_show(value)}"
    if op != "=" and not _is_number(value):
        raise ValueError(f"{op} needs a number")
    if isinstance(value, list | tuple | set | Mapping):
        raise ValueError("an override sets one value (to try several, use a sweep)")
    head, _, rest = path.partition(".")
    if head in SPECS:
        column = rest
        spec = SPECS[head]
        if not column or "." in column:
            raise ValueError(f"write {head}.COLUMN[selector] (columns: {', '.join(spec.names)})")
        if sel is None:  # a bare table.column would silently change every row
            raise ValueError(f"say which rows: {path}[*] for every row, {path}[ID] or "
                             f"{path}[column=value]")
        return Override(text, where, op, value, table=head, column=column,
                        selector=sel.strip(), source=source)
    if sel is not None:
        raise ValueError(f"unknown table {head!r} (tables: {', '.join(SPECS)})")
    return Override(text, where, op, value, key=path, source=source)


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in data.items():
        key = f"{prefix}.{k}" if prefix else k
        if isinstance(v, Mapping):
            out.update(_flatten(v, key))
        else:
            out[key] = v
    return out


def literal(text: str) -> Any:
    """A value written in an override line: TOML literal, else the text itself."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _show(v: Any) -> str:
    return "true" if v is True else "false" if v is False else str(v)


# ------------------------------------------------------------------ scenario.toml keys

def _blame(p: Problem, overrides: list[Override]) -> Problem:
    """A scenario.toml problem, named after the override that caused it (if one did)."""
    for o in overrides:
        if o.key is not None and p.column and (o.key == p.column
                                               or o.key.startswith(p.column + ".")):
            return Problem(o.source, None, o.key, _show(o.value), p.rule)
    return p


def _config_value(data: dict[str, Any], key: str) -> Any:
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None  # validation names unknown keys, with a "did you mean"
        node = node[part]
    return node


def _set_config(data: dict[str, Any], key: str, value: Any) -> None:
    *parents, leaf = key.split(".")
    node = data
    for p in parents:
        node = node.setdefault(p, {})
    node[leaf] = value


def _combine(old: Any, op: str, value: Any) -> Any:
    if op == "=":
        return value
    if not _is_number(old):
        raise ValueError(f"{op} needs a number to change, and the current value is {old!r}")
    if op == "*=":
        return old * value
    return old + value if op == "+=" else old - value


# ------------------------------------------------------------------ table cells

def _apply_cells(tables: dict[str, pd.DataFrame], o: Override) -> pd.DataFrame:
    """The table with the override's cells changed (validated later, with the rest).

    Numbers stay numbers (so a second ``*=`` on the column works); any other
    value makes the column text, and validation then reports a bad one. ``*=``,
    ``+=`` and ``-=`` refuse blank cells: blank means unlimited or "use the
    default", and arithmetic on it would silently keep it so (inf x 0 is not 0).
    """
    df = tables[o.table].copy()
    if o.column not in df.columns:
        raise ValueError(f"{o.table} has no column {o.column!r} "
                         f"(columns: {', '.join(map(str, df.columns))})")
    rows = _select(tables, o.table, df, o.selector)
    col = df[o.column]
    numeric = pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
    if o.op == "=":
        new: Any = o.value
    elif not numeric:
        raise ValueError(f"{o.op} needs a numeric column; {o.table}.{o.column} is text")
    else:
        old = col[rows].astype(float)
        blank = old[~np.isfinite(old.to_numpy())]
        if len(blank):
            raise ValueError(f"{len(blank)} selected cell(s) of {o.column} are blank "
                             "(unlimited or default): set a number with = first")
        new = old * o.value if o.op == "*=" else old + o.value if o.op == "+=" else \
            old - o.value
    if numeric and (o.op != "=" or _is_number(new)):
        df[o.column] = col.astype(float)
    else:
        df[o.column] = col.astype(object)
    df.loc[rows, o.column] = new
    return df


def _select(tables: dict[str, pd.DataFrame], name: str, df: pd.DataFrame,
            selector: str | None) -> pd.Series:
    """Rows a selector picks: ``*``, an id, or ``col=value[,col=value]``; never none."""
    if selector in (None, "", "*"):
        if df.empty:
            raise ValueError(f"{name} has no rows")
        return pd.Series(True, index=df.index)
    if "=" not in selector:
        cols = ROW_ID[name]
        ids = df[list(cols)].astype(str).agg(_ID_SEP.get(name, "/").join, axis=1)
        rows = ids == selector.strip()
        if not rows.any():
            shown = ", ".join(sorted(set(ids))[:12])
            raise ValueError(f"no {name} row with id {selector.strip()!r} "
                             f"({'/'.join(cols)}; known: {shown})")
        return rows
    rows = pd.Series(True, index=df.index)
    for cond in selector.split(","):
        col, _, want = (s.strip() for s in cond.partition("="))
        rows &= _matches(tables, name, df, col, want)
    if not rows.any():
        raise ValueError(f"[{selector}] matches no row of {name}")
    return rows


def _matches(tables: dict[str, pd.DataFrame], name: str, df: pd.DataFrame, col: str,
             want: str) -> pd.Series:
    values = _column(tables, name, df, col)
    if pd.api.types.is_numeric_dtype(values):
        try:
            return values.astype(float) == float(want)
        except ValueError:
            raise ValueError(f"{col} is a number; {want!r} is not") from None
    if pd.api.types.is_bool_dtype(values) or set(values.dropna().map(type)) == {bool}:
        truth = want.strip().lower()
        if truth not in {"true", "false", "1", "0", "yes", "no"}:
            raise ValueError(f"{col} is true/false; {want!r} is not")
        return values.astype(bool) == (truth in {"true", "1", "yes"})
    return values.astype(str) == want


def _column(tables: dict[str, pd.DataFrame], name: str, df: pd.DataFrame, col: str) -> pd.Series:
    """A column of the table, or of feedstocks / sites joined on the row's id."""
    if col in df.columns:
        return df[col]
    for key, other in (("feedstock_id", "feedstocks"), ("site_id", "sites")):
        ref = tables[other]
        if key in df.columns and col in ref.columns:
            if (df[key] == "*").any():  # an outlets.csv * row prices many feedstocks
                raise ValueError(f"{name} has rows for feedstock_id '*', which a {other} column "
                                 f"({col}) cannot pick; select by site_id or feedstock_id")
            return df[key].map(ref.set_index(key)[col])
    known = list(df.columns)
    for key, other in (("feedstock_id", "feedstocks"), ("site_id", "sites")):
        if key in df.columns:
            known += [c for c in tables[other].columns if c not in known]
    raise ValueError(f"no column {col!r} to select {name} rows by (columns: {', '.join(known)})")
