"""The numbers of a model, apart from its structure: what a persistent re-solve changes.

Every coefficient, right-hand side and cost of the MIP comes from one named
table (``{index: value}``) made by the ``*_numbers`` function of its family.
A cold build reads the tables as plain dicts; a persistent build
(``build_model(mutable=True)``) turns each into a mutable ``Param`` named
``p_<table>``, so a variant that changes only numbers updates the Params and
the persistent HiGHS interface pushes the changed coefficients, instead of
Pyomo building and handing over the model again.

Whether a variant changes only numbers is decided by :func:`structure`: the
index of every variable, the rows each family makes (the keys of its tables,
which already say which rows exist) and the structural columns of the index
frames (which arc arrives when, which trips are integer, ...). Equal
structures mean the same variables, rows and terms, so updating the numbers
gives exactly the model a cold build of the variant would give.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import pyomo.environ as pyo

from feedstock.models.objective import objective_numbers
from feedstock.models.registry import Numbers, families
from feedstock.models.sets import ModelData

# columns of the index frames that decide variables, rows or terms (not numbers)
STRUCTURAL = {
    "flows": ("arc", "origin", "destination", "feedstock_id", "period", "arrival"),
    "trips": ("arc", "period", "integer_trips", "contracted", "implied"),
    "stocks": ("site_id", "feedstock_id", "period"),
    "feeds": ("site_id", "feedstock_id", "period"),
    "outputs": ("site_id", "feedstock_id", "period", "product"),
    "sales": ("site_id", "feedstock_id", "period", "row_key"),
    "balance": ("site_id", "feedstock_id", "period"),
    "contracts": ("arc",),
    "hub_openings": ("site_id",),
    "expansions": ("key", "site_id"),
    "min_runs": ("site_id", "period"),
}


def model_numbers(d: ModelData, *, cuts: bool = True) -> Numbers:
    """Every table of numbers of the model of ``d``: each family's, then the objective's."""
    out: Numbers = {}
    parts = [f.numbers(d) for f in families(cuts=cuts) if f.numbers is not None]
    for part in (*parts, objective_numbers(d)):
        clash = out.keys() & part.keys()
        assert not clash, f"two families name the table(s) {sorted(clash)}"
        out.update(part)
    return out


def as_params(m: pyo.ConcreteModel, numbers: Numbers) -> dict[str, Mapping]:
    """One mutable ``Param`` per table, added to ``m`` as ``p_<table>``."""
    out: dict[str, Mapping] = {}
    for name, table in numbers.items():
        param = pyo.Param(list(table), mutable=True, initialize=table, within=pyo.Reals)
        m.add_component(f"p_{name}", param)
        out[name] = param
    setattr(m, HELD, numbers)
    return out


HELD = "_numbers_held"  # attribute of a persistent model: the tables its Params hold
PENDING = "_numbers_pending"  # and the Param entries changed since its solver last got them


def store(m: pyo.ConcreteModel, numbers: Numbers) -> list:
    """Write the tables into the model's Params; the Param entries that changed.

    The tables the Params hold are kept on the model (``as_params``, then
    here), and compared as plain dicts, far quicker than reading 10^5 Params.
    A persistent solver needs to be sent only the coefficients that depend on
    the changed entries (``feedstock.optimizer.solve.runners.HighsRunner.push``); they are also
    added to the model's pending set, which the solver clears once it has them,
    so that two re-numberings with no push between them are both sent.
    """
    changed = []
    held = getattr(m, HELD, None)
    pending = getattr(m, PENDING, None)
    if pending is None:
        pending = {}
        setattr(m, PENDING, pending)
    for name, table in numbers.items():
        param = getattr(m, f"p_{name}")
        if held is not None:
            old = held[name]
            new = [k for k, v in table.items() if old[k] != v]
        else:
            new = [k for k, v in table.items() if param[k].value != v]
        for k in new:
            p = param[k]
            p.set_value(table[k])
            changed.append(p)
            pending[id(p)] = p
    setattr(m, HELD, numbers)  # only once every value is written
    return changed


def structure(d: ModelData, numbers: Numbers) -> tuple:
    """What must be equal for two scenarios to share one built model (see module doc)."""
    frames = tuple((name, _rows(getattr(d, name), cols)) for name, cols in STRUCTURAL.items())
    tables = tuple((name, tuple(table)) for name, table in numbers.items())
    return d.horizon, d.elastic, frames, tables


def _rows(df: pd.DataFrame, cols: tuple[str, ...]) -> tuple[Any, ...]:
    return tuple(zip(*(df[c].tolist() for c in cols), strict=True))
