r"""How much one unit of an elastic row's slack weighs, in tonnes of material.

The elastic copy (``feedstock.models.elastic``) prices every broken row by its
weight so that rules compare: one tonne over a plant's capacity weighs as much
as one tonne over a hub's. Each family's record in ``feedstock.models.registry``
names the weight of each of its rows; a weight returns ``(weight, helpful)``,
where ``helpful`` (blend rows) says whether any feedstock in the row could
dilute the violation.
"""

from __future__ import annotations

from collections.abc import Callable

import pyomo.environ as pyo
from pyomo.repn import generate_standard_repn

from feedstock.models.sets import ModelData

CUSTODY_WEIGHT = 10.0  # a legal rule bends last
CONSEQUENCE_WEIGHT = 1.05  # storage overflow, offtake shortfall: usually a limit elsewhere

Weight = Callable[..., tuple[float, bool]]  # (row index, the row, the index sets)


def per_tonne(index: tuple, con: pyo.ConstraintData, d: ModelData) -> tuple[float, bool]:
    """1: the slack is tonnes (over a capacity, a cap, a limit; short of a minimum run)."""
    return 1.0, True


def consequence(index: tuple, con: pyo.ConstraintData, d: ModelData) -> tuple[float, bool]:
    """1.05 per tonne: when two explanations are equally small, name the cause, not this."""
    return CONSEQUENCE_WEIGHT, True


def custody(index: tuple, con: pyo.ConstraintData, d: ModelData) -> tuple[float, bool]:
    """10 per tonne through an uncleared site: a legal rule bends last."""
    return CUSTODY_WEIGHT, True


def payload(index: tuple, con: pyo.ConstraintData, d: ModelData) -> tuple[float, bool]:
    """The payload of the arc's mode per trip beyond the ferry slots."""
    arc, period = index
    rows = d.trips
    hit = rows[(rows["arc"] == arc) & (rows["period"] == period)]
    return float(hit["payload_t"].iloc[0]), True


def output(index: tuple, con: pyo.ConstraintData, d: ModelData) -> tuple[float, bool]:
    """1.05 / best output per tonne fed, per tonne of product short (a consequence too)."""
    coefs = generate_standard_repn(con.body, compute_values=True).linear_coefs
    return CONSEQUENCE_WEIGHT / max(max((float(c) for c in coefs), default=1.0), 1e-3), True


def blend(index: tuple, con: pyo.ConstraintData, d: ModelData) -> tuple[float, bool]:
    """1 / best margin: the tonnes of the best feedstock that fix one unit of the attribute."""
    margin = blend_margin(con)
    return 1.0 / max(margin, 0.01), margin > 0


def blend_margin(con: pyo.ConstraintData) -> float:
    r"""Attribute units one tonne of the best feedstock in the row removes from a violation.

    A ``max`` row is :math:`\sum_f (a_f - \max) q_f \le 0`: the cleanest feed
    has the most negative coefficient; a ``min`` row the most positive one. 0 when
    no feedstock in the row helps (the weight then uses a 1 % attribute step).
    """
    coefs = generate_standard_repn(con.body, compute_values=True).linear_coefs
    coefs = [float(c) for c in coefs if abs(c) > 1e-12]
    helpful = [-c for c in coefs if c < 0] if con.has_ub() else [c for c in coefs if c > 0]
    return max(helpful, default=0.0)
