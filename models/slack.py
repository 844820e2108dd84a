r"""How much one unit of an elastic row's slack weighs, in tonnes of material.

The elastic copy (``feedstock.models.elastic``) prices every broken row by its
weight so that rules compare: one tonne over a plant's capacity weighs as much
as one tonne over a hub's. Each family's record in ``feedstock.models.registry``
names the weight of each of its rows; a weight returns ``(weight, helpful)``,
where ``helpful`` (blend rows) says whether any feedstock in the row could
dilute the violation. A weight is made once per model from its index sets
(a lookup table, not a search per row).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyomo.environ as pyo
from pyomo.repn import generate_standard_repn

from feedstock.models.sets import ModelData

CUSTODY_WEIGHT = 10.0  # a legal rule bends last
CONSEQUENCE_WEIGHT = 1.05  # storage overflow, offtake shortfall: usually a limit elsewhere

Weigh = Callable[[tuple, Any], tuple[float, bool]]  # (row index, the Pyomo row) -> (w, helpful)
Weight = Callable[[ModelData], Weigh]  # made once per model: (row index, row) -> (w, helpful)


def per_tonne(d: ModelData) -> Weigh:
    """1: the slack is tonnes (over a capacity, a cap, a limit; short of a minimum run)."""
    return lambda index, con: (1.0, True)


def consequence(d: ModelData) -> Weigh:
    """1.05 per tonne: when two explanations are equally small, name the cause, not this."""
    return lambda index, con: (CONSEQUENCE_WEIGHT, True)


def custody(d: ModelData) -> Weigh:
    """10 per tonne through an uncleared site: a legal rule bends last."""
    return lambda index, con: (CUSTODY_WEIGHT, True)


def payload(d: ModelData) -> Weigh:
    """The payload of the arc's mode per trip beyond the ferry slots."""
    rows = d.trips
    per_trip = dict(zip(zip(rows["arc"], rows["period"], strict=True),
                        rows["payload_t"].astype(float), strict=True))
    return lambda index, con: (per_trip[index], True)


def output(d: ModelData) -> Weigh:
    """1.05 / best output per tonne fed, per tonne of product short (a consequence too)."""
    def weigh(index: tuple, con: pyo.ConstraintData) -> tuple[float, bool]:
        coefs = generate_standard_repn(con.body, compute_values=True).linear_coefs
        best = max(max((float(c) for c in coefs), default=1.0), 1e-3)
        return CONSEQUENCE_WEIGHT / best, True
    return weigh


def per_kg(d: ModelData) -> Weigh:
    """T of the richest feedstock in the row per kg of element over a cap (1 / best kg per t)."""
    def weigh(index: tuple, con: Any) -> tuple[float, bool]:
        coefs = generate_standard_repn(con.body, compute_values=True).linear_coefs
        return 1.0 / max(max((float(c) for c in coefs), default=1.0), 1e-3), True
    return weigh


def blend(d: ModelData) -> Weigh:
    """1 / best margin: the tonnes of the best feedstock that fix one unit of the attribute."""
    def weigh(index: tuple, con: pyo.ConstraintData) -> tuple[float, bool]:
        margin = blend_margin(con)
        return 1.0 / max(margin, 0.01), margin > 0
    return weigh


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
