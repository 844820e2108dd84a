r"""The elastic copy of a model: every rule family may be broken, at a price per unit.

After an infeasible solve the pipeline builds the same model from index sets
made with ``elastic=True`` (custody breaches and slots beyond the ferry
timetable become possible variables) and the diagnosis
(``feedstock.optimizer.solve.diagnose``) calls :func:`make_elastic`. Each row
the registry marks elastic (``feedstock.models.registry``, weights in
``feedstock.models.slack``) gets its own slack ``σ ≥ 0``:

.. math:: g(x) \\le b \\;\to\\; g(x) - σ \\le b, \\qquad g(x) \\ge b \\;\to\\; g(x) + σ \\ge b

and the objective becomes the total violation :math:`\\min \\sum w_r σ_r`, with
``w`` turning each unit into tonnes of material so that rules compare:

=================  =============================  ==========================
row                σ is measured in               weight (t per unit of σ)
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

from feedstock.models.build import BuiltModel
from feedstock.models.registry import elastic_rows


@dataclass(frozen=True)
class Slack:
    """One relaxed row: its name (``storage_limit``, ...), index, sense and weight (t per unit)."""

    row: str
    index: tuple
    sense: str  # "<=" or ">="
    weight: float
    bound: float
    helpful: bool = True  # blend rows: some feedstock in the row is on the right side


def make_elastic(built: BuiltModel) -> list[Slack]:
    """Add ``elastic_slack[k]`` to every elastic row of the registry; minimise total violation.

    Returns the slacks in variable order, so ``elastic_slack[k]`` belongs to
    ``slacks[k]``. The cost objective is deactivated (kept for reference).
    """
    m = built.model
    rows: list[tuple[pyo.ConstraintData, Slack]] = []
    for row, weight in elastic_rows().items():
        comp = getattr(m, row, None)
        if comp is None:
            continue
        weigh = weight(built.data)
        for idx, con in comp.items():
            index = idx if isinstance(idx, tuple) else (idx,)
            sense = "<=" if con.has_ub() else ">="
            bound = float(pyo.value(con.upper if con.has_ub() else con.lower))
            w, helpful = weigh(index, con)
            rows.append((con, Slack(row, index, sense, w, bound, helpful)))
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
