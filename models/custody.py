"""Chain of custody: restricted feedstock only moves into cleared, non-outlet sites.

In the planning model custody is structural: no ``x[a,f,t]`` exists for a
restricted ``f`` on an arc into a site that is not cleared (docs/model.md, Sets), so
no constraint is needed. The elastic diagnosis copy (``build_sets(elastic=True)``)
creates those variables, flagged ``custody_breach``, and this family pins them
to zero so that ``feedstock.models.elastic`` can price a breach like any other rule.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyomo.environ as pyo

from feedstock.models._util import keys
from feedstock.models.sets import ModelData
from feedstock.models.variables import X_KEY


def add_custody(m: pyo.ConcreteModel, d: ModelData, num: Mapping | None = None) -> None:
    r"""``custody[a,f,t]``: no restricted tonne on an arc into an uncleared site.

    .. math:: x_{a,f,t} \le 0 \qquad f \in R,\ a = (i, j, m),\ j \text{ not cleared}

    Only the elastic copy has such rows; the planning model has no such ``x``.
    The rows have no numbers (``num`` is there for the common signature).
    """
    rows = keys(d.flows[d.flows["custody_breach"]], X_KEY) if "custody_breach" in d.flows else []
    m.custody = pyo.Constraint(rows, rule=lambda _m, a, f, t: m.x[a, f, t] <= 0)
