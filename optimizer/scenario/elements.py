"""Rare-earth elements in the feed: which feedstock columns are element shares, and their oxides.

An element share is an ordinary numeric feedstocks.csv column named
``<symbol>_share`` (``nd_share``, ``pr_share``, ``dy_share``, ``tb_share``, ...):
tonnes of the element per tonne of the feedstock as collected. Plant specs and
product yield bases may use it like any attribute; the KPIs count kilograms of
each element kept in the UK and leaked abroad; ``[policy.elements.<symbol>]``
prices a kilogram leaked and may cap the kilograms leaked.

The oxide factors (t of oxide per t of element, from atomic masses) let the
validator compare the element shares with a feedstock's ``reo_share``.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from feedstock.optimizer.base.errors import Problem


@dataclass(frozen=True)
class Element:
    """One rare-earth element: its name, its usual oxide and t oxide per t element."""

    symbol: str
    name: str
    oxide: str
    oxide_factor: float

    @property
    def column(self) -> str:
        """The feedstocks.csv column holding its share."""
        return f"{self.symbol}_share"


# t oxide per t element = M(oxide) / (n x M(element)), IUPAC atomic masses
ELEMENTS: dict[str, Element] = {e.symbol: e for e in (
    Element("nd", "neodymium", "Nd2O3", 1.1664),
    Element("pr", "praseodymium", "Pr6O11", 1.2082),
    Element("dy", "dysprosium", "Dy2O3", 1.1477),
    Element("tb", "terbium", "Tb4O7", 1.1762),
    Element("gd", "gadolinium", "Gd2O3", 1.1526),
    Element("ho", "holmium", "Ho2O3", 1.1455),
    Element("sm", "samarium", "Sm2O3", 1.1596),
    Element("la", "lanthanum", "La2O3", 1.1728),
    Element("ce", "cerium", "CeO2", 1.2284),
)}
REO_TOLERANCE = 0.01  # t REO per t feed: rounding of the shares, not a contradiction


def element_columns(feedstocks: pd.DataFrame) -> dict[str, str]:
    """Symbol -> share column, for the elements whose share column feedstocks.csv has."""
    return {s: e.column for s, e in ELEMENTS.items() if e.column in feedstocks.columns}


def share_problems(feedstocks: pd.DataFrame) -> list[Problem]:
    """Element shares are in [0, 1], and a feedstock's shares add up to at most 1."""
    cols = element_columns(feedstocks)
    out = []
    for col in cols.values():
        values = pd.to_numeric(feedstocks[col], errors="coerce")
        text = feedstocks[col].notna() & values.isna()
        out += [Problem("feedstocks.csv", int(row), col, str(feedstocks.at[row, col]),
                        "must be a number: an element share (t of element per t of feedstock)")
                for row in feedstocks.index[text]]
        for row in feedstocks.index[(values < 0) | (values > 1)]:
            out.append(Problem("feedstocks.csv", int(row), col, f"{values[row]:g}",
                               "an element share must be in [0, 1] (t of element per t of "
                               "feedstock)"))
    if len(cols) > 1:
        total = feedstocks[list(cols.values())].apply(pd.to_numeric, errors="coerce").sum(axis=1)
        for row in feedstocks.index[total > 1 + 1e-9]:
            out.append(Problem("feedstocks.csv", int(row), "+".join(cols.values()),
                               f"{total[row]:g}", "the element shares add up to more than 1 t "
                               "per t of feedstock"))
    return out


def reo_notes(feedstocks: pd.DataFrame) -> list[str]:
    """A warning for each feedstock whose element shares make more oxide than its reo_share."""
    cols = element_columns(feedstocks)
    if not cols or "reo_share" not in feedstocks.columns:
        return []
    oxide = sum(pd.to_numeric(feedstocks[c], errors="coerce").fillna(0.0)
                * ELEMENTS[s].oxide_factor for s, c in cols.items())
    over = oxide > feedstocks["reo_share"] + REO_TOLERANCE
    return [f"feedstocks.csv row {row}: {feedstocks.at[row, 'feedstock_id']}'s element shares "
            f"make {oxide[row]:.3f} t of oxide per t (as "
            f"{', '.join(ELEMENTS[s].oxide for s in cols)}), more than its reo_share "
            f"{feedstocks.at[row, 'reo_share']:g}; check the shares"
            for row in feedstocks.index[over]]
