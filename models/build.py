"""Assemble the Pyomo model of one scenario from its network and index sets."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import pyomo.environ as pyo

from models.balance import add_balance
from models.blend import add_blend
from models.custody import add_custody
from models.cuts import add_trip_payload_cuts
from models.hubs import add_hub_capacity
from models.leakage import add_leakage_cap
from models.minimum_run import add_minimum_run
from models.objective import add_objective
from models.offtake import add_offtake
from models.outlets import add_outlet_limits
from models.plant_capacity import add_plant_capacity
from models.sets import ModelData, build_sets
from models.storage import add_storage
from models.trips import add_trips
from models.variables import add_variables
from optimizer.network import Network
from optimizer.scenario import Scenario

log = logging.getLogger(__name__)

@dataclass(frozen=True, eq=False)
class BuiltModel:
    """A Pyomo model with the index data it was built from."""

    model: pyo.ConcreteModel
    data: ModelData
    network: Network
    seconds: float
    size: dict[str, int]


def model_size(m: pyo.ConcreteModel) -> dict[str, int]:
    """Variables, integer variables and constraints of a built model."""
    variables = list(m.component_data_objects(pyo.Var, descend_into=True))
    return {
        "variables": len(variables),
        "integer_variables": sum(1 for v in variables if not v.is_continuous()),
        "constraints": sum(1 for _ in m.component_data_objects(pyo.Constraint, active=True)),
    }


def build_model(sc: Scenario, net: Network, *, cuts: bool = True,
                data: ModelData | None = None, elastic: bool = False) -> BuiltModel:
    """Variables, the ten constraint families of MODEL.md, and the objective.

    ``cuts`` adds valid inequalities (``models.cuts``) that tighten the LP
    without changing the optimum; tests switch them off to prove that.
    ``data`` reuses index sets already built for the scenario (the pre-solve
    checks need them too); ``elastic`` builds the sets of the diagnosis copy
    (see ``build_sets`` and ``models.elastic``).
    """
    start = time.perf_counter()
    d = data if data is not None else build_sets(sc, net, elastic=elastic)
    m = pyo.ConcreteModel(name=sc.name)
    add_variables(m, d)
    add_balance(m, d)
    add_storage(m, d)
    add_trips(m, d)
    add_hub_capacity(m, d)
    add_plant_capacity(m, d)
    add_minimum_run(m, d)
    add_blend(m, d, sc.feedstocks)
    add_leakage_cap(m, d)
    add_offtake(m, d)
    add_outlet_limits(m, d)
    add_custody(m, d)
    if cuts:
        add_trip_payload_cuts(m, d)
    add_objective(m, d)
    seconds = time.perf_counter() - start
    log.info("built model in %.2f s: %d x, %d n, %d s, %d q, %d e", seconds, len(d.x), len(d.n),
             len(d.s), len(d.q), len(d.e))
    return BuiltModel(model=m, data=d, network=net, seconds=seconds, size=model_size(m))
