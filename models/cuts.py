"""Valid inequalities: rows every integer plan already satisfies, added to tighten the LP.

They never change the optimum (tests solve with and without them and compare);
they lift HiGHS's bound where many arcs carry a fraction of a vehicle load.
"""

from __future__ import annotations

from collections.abc import Mapping

import pyomo.environ as pyo

from feedstock.models._util import group, keys
from feedstock.models.sets import ModelData
from feedstock.models.variables import X_KEY


def cuts_numbers(d: ModelData) -> dict[str, dict]:
    """``cut_reach_t[a,t]`` = R_{a,t}, ``cut_feed_reach_t[a,f,t]`` = R_{a,f,t}, where cut.

    Which rows exist depends on the supply numbers (a feedstock's reach against a
    payload), so a what-if on supply can change the model's structure
    (``feedstock.models.numbers.structure``) and make a persistent re-solve build anew.
    """
    small = d.trips[d.trips["integer_trips"] & (d.trips["reach_t"] < d.trips["payload_t"])
                & (d.trips["reach_t"] > 0)]
    arc = d.trips.loc[d.trips["integer_trips"], ["arc", "period", "payload_t", "reach_t"]]
    x = d.flows[[*X_KEY, "reach_t"]].merge(arc, on=["arc", "period"], suffixes=("", "_arc"))
    # only where it is tighter than the payload row and the arc's own cut
    x = x[(x["reach_t"] > 0) & (x["reach_t"] < x["payload_t"])
          & (x["reach_t"] < x["reach_t_arc"] - 1e-9)]
    return {"cut_reach_t": dict(zip(keys(small, ("arc", "period")), small["reach_t"].tolist(),
                                    strict=True)),
            "cut_feed_reach_t": dict(zip(keys(x, X_KEY), x["reach_t"].tolist(), strict=True))}


def add_trip_payload_cuts(m: pyo.ConcreteModel, d: ModelData, num: Mapping) -> None:
    r"""``trip_payload_cut[a,t]``: one trip can carry everything there is.

    For integer-trip arcs with :math:`R_{a,t} < \mathrm{payload}_m`:

    .. math:: \sum_f x_{a,f,t} \le R_{a,t}\, n_{a,t}

    with :math:`R_{a,t}` the most tonnes that can have reached the arc's origin by
    week t (a source: its opening stock plus its supply to date; anywhere else:
    all supply to date of the feedstocks the arc may carry). Every integer plan
    satisfies it (a single trip already carries all there is), so the optimum
    is unchanged; the LP bound rises from :math:`n \ge x/\mathrm{payload}` to
    :math:`n \ge x/R` for small flows. Continuous-trip arcs are left alone: there
    the row would change the cost of a fraction of a trip.

    ``trip_feedstock_cut[a,f,t]``, the same one feedstock at a time, where
    :math:`R_{a,f,t} < \min(\mathrm{payload}_m, R_{a,t})` (a rare feedstock on a
    busy arc, e.g. defence scrap on the cleared ferry):

    .. math:: x_{a,f,t} \le R_{a,f,t}\, n_{a,t}
    """
    load = group(d.flows, ["arc", "period"], list(X_KEY))
    reach = num["cut_reach_t"]
    m.trip_payload_cut = pyo.Constraint(sorted(reach), rule=lambda _m, a, t: (
        pyo.quicksum(m.x[k] for k in load[a, t]) - reach[a, t] * m.n[a, t] <= 0))
    feed = num["cut_feed_reach_t"]
    m.trip_feedstock_cut = pyo.Constraint(list(feed), rule=lambda _m, a, f, t: (
        m.x[a, f, t] - feed[a, f, t] * m.n[a, t] <= 0))
