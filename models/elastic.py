r"""The elastic copy of a model: every rule family may be broken, at a price per unit.

After an infeasible solve the diagnosis (``feedstock.optimizer.solve.diagnose``) builds the same
model with ``elastic=True`` (custody breaches and slots beyond the ferry
timetable become possible variables) and calls :func:`make_elastic`. Each row
of the families in :data:`ELASTIC` gets its own slack ``σ ≥ 0``:

.. math:: g(x) \\le b \\;\to\\; g(x) - σ \\le b, \\qquad g(x) \\ge b \\;\to\\; g(x) + σ \\ge b

and the objective becomes the total violation :math:`\\min \\sum w_r σ_r`, with
``w`` turning each unit into tonnes of material so that rules compare:

=================  =============================  ==========================
family             σ is measured in               weight (t per unit of σ)
=================  =============================  ==========================
hub_capacity       t over the hub's capacity       1
plant_capacity     t over the plant's capacity     1
min_run_lower      t short of the minimum run      1
feed_blend_max/min t of the attribute              1 / best margin (t of feed
                                                   that would fix one unit)
leakage_cap        t leaked over the cap           1
lane_slots         trips beyond the slots          payload of the mode
outlet_limit       t over the buyer's limit        1
storage_limit      t over the store's size         1.05
offtake            t of product short              1.05 / best output per t fed
custody            t moved through uncleared site  10 (a legal rule bends last)
=================  =============================  ==========================

Storage overflow and offtake shortfall are usually the *consequence* of a
limit elsewhere (stock piles up because a plant or ferry is full; output falls
short because capacity does), so they cost 5 % more: when two explanations are
equally small, the diagnosis names the limit that causes the other.

Mass balance, payload per trip and the minimum-run upper link stay hard: they
are physics and definitions, not rules a planner can relax.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyomo.environ as pyo
from pyomo.repn import generate_standard_repn

from feedstock.models.build import BuiltModel

CUSTODY_WEIGHT = 10.0
CONSEQUENCE_WEIGHT = 1.05  # storage overflow, offtake shortfall (see the table above)
ELASTIC = ("storage_limit", "hub_capacity", "plant_capacity", "min_run_lower",
           "feed_blend_max", "feed_blend_min", "leakage_cap", "offtake", "lane_slots",
           "outlet_limit", "custody")


@dataclass(frozen=True)
class Slack:
    """One relaxed row: its family, index, sense and weight (t per unit)."""

    family: str
    index: tuple
    sense: str  # "<=" or ">="
    weight: float
    bound: float
    helpful: bool = True  # blend rows: some feedstock in the row is on the right side


def make_elastic(built: BuiltModel) -> list[Slack]:
    """Add ``elastic_slack[k]`` to every row of :data:`ELASTIC`; minimise total violation.

    Returns the slacks in variable order, so ``elastic_slack[k]`` belongs to
    ``slacks[k]``. The cost objective is deactivated (kept for reference).
    """
    m = built.model
    payload = dict(zip(zip(built.data.n["arc"], built.data.n["period"], strict=True),
                       built.data.n["payload_t"], strict=True))
    rows: list[tuple[pyo.ConstraintData, Slack]] = []
    for family in ELASTIC:
        comp = getattr(m, family, None)
        if comp is None:
            continue
        for idx, con in comp.items():
            index = idx if isinstance(idx, tuple) else (idx,)
            sense = "<=" if con.has_ub() else ">="
            bound = float(pyo.value(con.upper if con.has_ub() else con.lower))
            weight, helpful = _weight(family, index, con, payload)
            rows.append((con, Slack(family, index, sense, weight, bound, helpful)))
    slacks = [s for _, s in rows]
    m.ELASTIC_ROWS = pyo.RangeSet(0, len(rows) - 1) if rows else pyo.Set(initialize=[])
    m.elastic_slack = pyo.Var(m.ELASTIC_ROWS, within=pyo.NonNegativeReals)
    for k, (con, s) in enumerate(rows):
        sigma = m.elastic_slack[k]
        if s.sense == "<=":
            con.set_value(con.body - sigma <= s.bound)
        else:
            con.set_value(con.body + sigma >= s.bound)
    m.total_cost.deactivate()
    m.violation = pyo.Objective(expr=pyo.quicksum(s.weight * m.elastic_slack[k]
                                                  for k, s in enumerate(slacks)),
                                sense=pyo.minimize)
    return slacks


def _weight(family: str, index: tuple, con: pyo.ConstraintData,
            payload: dict) -> tuple[float, bool]:
    """Tonnes of material one unit of the row's slack stands for.

    Blend rows also say whether any feedstock in the row could dilute the violation.
    """
    if family == "custody":
        return CUSTODY_WEIGHT, True
    if family == "lane_slots":
        return float(payload[index]), True
    if family == "storage_limit":
        return CONSEQUENCE_WEIGHT, True
    if family == "offtake":
        coefs = generate_standard_repn(con.body, compute_values=True).linear_coefs
        return CONSEQUENCE_WEIGHT / max(max((float(c) for c in coefs), default=1.0), 1e-3), True
    if family in ("feed_blend_max", "feed_blend_min"):
        margin = blend_margin(con, family)
        return 1.0 / max(margin, 0.01), margin > 0
    return 1.0, True


def blend_margin(con: pyo.ConstraintData, family: str) -> float:
    r"""Attribute units one tonne of the best feedstock in the row removes from a violation.

    A ``max`` row is :math:`\sum_f (a_f - \max) q_f \le 0`: the cleanest feed
    has the most negative coefficient; a ``min`` row the most positive one. 0 when
    no feedstock in the row helps (the weight then uses a 1 % attribute step).
    """
    coefs = generate_standard_repn(con.body, compute_values=True).linear_coefs
    coefs = [float(c) for c in coefs if abs(c) > 1e-12]
    if family == "feed_blend_max":
        helpful = [-c for c in coefs if c < 0]
    else:
        helpful = [c for c in coefs if c > 0]
    return max(helpful, default=0.0)
