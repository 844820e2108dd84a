"""Element leakage caps: at most so many kilograms of an element may leave the UK.

``[policy.elements.dy] max_leakage_kg = 500`` caps the dysprosium in everything
sold abroad over the horizon; the Pareto frontier by element
(``feedstock pareto --element dy``) moves this cap as its epsilon.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

import pyomo.environ as pyo

from feedstock.models._util import keys
from feedstock.models.sets import ModelData
from feedstock.models.variables import NODE_KEY


def element_leakage_numbers(d: ModelData) -> dict[str, dict]:
    """``element_cap_kg[el]`` and ``element_kg_per_t[el, o, f, t]`` (only non-zero terms).

    A cap with no outlet that buys any of the element has no row.
    """
    caps, coefs = {}, {}
    sold = keys(d.sales, NODE_KEY)
    for el, cap in sorted(d.element_caps_kg.items()):
        kg = d.element_kg[el]
        terms = {(el, *k): float(kg.at[k[1]]) for k in sold if kg.at[k[1]] > 0}
        if terms:
            caps[el] = float(cap)
            coefs.update(terms)
    return {"element_cap_kg": caps, "element_kg_per_t": coefs}


def add_element_leakage_cap(m: pyo.ConcreteModel, d: ModelData, num: Mapping) -> None:
    r"""``element_leakage_cap[el]``: kilograms of an element sold abroad over the horizon.

    .. math:: \sum_{o,f,t} 1000\, a_{f,el}\, e_{o,f,t} \le \mathrm{max\_leakage\_kg}_{el}

    with :math:`a_{f,el}` the element's share (t per t) of feedstock ``f``.
    """
    cap, coef = num["element_cap_kg"], num["element_kg_per_t"]
    terms = defaultdict(list)
    for el, *k in coef:
        terms[el].append(tuple(k))
    m.element_leakage_cap = pyo.Constraint(sorted(cap), rule=lambda _m, el: (
        pyo.quicksum(coef[el, *k] * m.e[k] for k in terms[el]) <= cap[el]))
