"""Build choices: an option is decided at most once, and a group's options are alternatives.

A strategic run has one build per option and year it may be decided
(``feedstock.models.periods``): ``w[k@y]`` = option k decided in year y. A weekly run
has one build per option, so only a ``group`` (two sizes of one plant) adds rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import pandas as pd
import pyomo.environ as pyo

from feedstock.models.sets import ModelData


def _choices(d: ModelData) -> dict[tuple[str, str], list[str]]:
    """("option", site/option) and ("group", name) -> their builds, where more than one."""
    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for b in d.expansions.itertuples(index=False):
        out["option", f"{b.site_id}/{b.option}"].append(b.key)
        if isinstance(b.group, str) and not pd.isna(b.group):
            out["group", b.group].append(b.key)
    return {k: v for k, v in out.items() if len(v) > 1}


def build_choice_numbers(d: ModelData) -> dict[str, dict]:
    """``build_choice_max[kind, name]`` = 1: at most one of the builds is taken (no numbers)."""
    return {"build_choice_max": dict.fromkeys(sorted(_choices(d)), 1.0)}


def add_build_choice(m: pyo.ConcreteModel, d: ModelData, num: Mapping) -> None:
    r"""``build_choice[kind, name]``: at most one build of an option, or of a group.

    .. math:: \sum_{y} w_{k@y} \le 1 \qquad \sum_{k \in g} \sum_{y} w_{k@y} \le 1

    Rows exist only where more than one build shares the option or the group.
    """
    choices = _choices(d)
    most = num["build_choice_max"]
    m.build_choice = pyo.Constraint(list(most), rule=lambda _m, kind, name: (
        pyo.quicksum(m.w[k] for k in choices[kind, name]) <= most[kind, name]))
