"""Small helpers shared by the constraint modules."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import pandas as pd


def keys(df: pd.DataFrame, cols: Iterable[str]) -> list[tuple]:
    """Row tuples of ``cols`` (variable indices) in frame order."""
    return list(zip(*(df[c].tolist() for c in cols), strict=True))


def group(df: pd.DataFrame, by: list[str], cols: list[str],
          coef: str | None = None) -> dict[tuple, list]:
    """Map each ``by`` tuple to the list of ``cols`` tuples (with ``coef``) in it."""
    out: dict[tuple, list] = defaultdict(list)
    grp = keys(df, by)
    idx = keys(df, cols)
    if coef is None:
        for g, i in zip(grp, idx, strict=True):
            out[g].append(i)
    else:
        for g, i, c in zip(grp, idx, df[coef].tolist(), strict=True):
            out[g].append((i, c))
    return out


def lin(var, coefs) -> object:
    r""":math:`\sum_k c_k\, \mathrm{var}_k` over a coefficient table.

    A plain dict (cold build) drops zero terms; a mutable Param (persistent
    build, ``feedstock.models.numbers``) keeps every term, since a zero may change.
    """
    import pyomo.environ as pyo

    if isinstance(coefs, dict):
        return pyo.quicksum(c * var[k] for k, c in coefs.items() if c != 0)
    return pyo.quicksum(coefs[k] * var[k] for k in coefs)
