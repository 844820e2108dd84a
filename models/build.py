"""Assemble the Pyomo model of one scenario from its network and index sets."""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass

import pyomo.environ as pyo
from pyomo.common.gc_manager import PauseGC

from feedstock.models.numbers import Numbers, as_params, model_numbers, store, structure
from feedstock.models.objective import add_objective
from feedstock.models.registry import families
from feedstock.models.sets import ModelData
from feedstock.models.variables import add_variables, set_bounds
from feedstock.optimizer.network import Network
from feedstock.optimizer.scenario import Scenario

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class BuiltModel:
    """A Pyomo model with the index data it was built from.

    ``signature`` (persistent builds only) is :func:`feedstock.models.numbers.structure`:
    a variant with the same signature can reuse the model (:func:`update_model`),
    which records in ``changed`` the Param entries it set to new values.
    """

    model: pyo.ConcreteModel
    data: ModelData
    network: Network
    seconds: float
    size: dict[str, int]
    signature: tuple | None = None
    changed: tuple | None = None  # after update_model: the Param entries it changed


def model_size(m: pyo.ConcreteModel) -> dict[str, int]:
    """Variables, integer variables and constraints of a built model."""
    variables = list(m.component_data_objects(pyo.Var, descend_into=True))
    return {
        "variables": len(variables),
        "integer_variables": sum(1 for v in variables if not v.is_continuous()),
        "constraints": sum(1 for _ in m.component_data_objects(pyo.Constraint, active=True)),
    }


def build_model(sc: Scenario, net: Network, data: ModelData, *, cuts: bool = True,
                mutable: bool = False) -> BuiltModel:
    """Variables, every constraint family of the registry, and the objective.

    ``data`` are the scenario's index sets (``build_sets``: for the diagnosis
    copy, made with ``elastic=True``); the pipeline
    (``feedstock.optimizer.solve.pipeline``) makes them once for the pre-solve
    checks and the build. ``cuts`` adds valid inequalities
    (``feedstock.models.cuts``) that tighten the LP without changing the
    optimum; tests switch them off to prove that. ``mutable`` holds every number
    in a mutable Param (``feedstock.models.numbers``), so that
    :func:`update_model` can re-solve a variant on the same model.
    """
    start = time.perf_counter()
    numbers = model_numbers(data, cuts=cuts)
    # no garbage collection while the model grows: every object made here lives on,
    # and at 2,000 sources the collector's passes over them took 5.6 s of a 13 s build
    # (measured); Pyomo's own writers pause it the same way
    with PauseGC():
        m = pyo.ConcreteModel(name=sc.name)
        add_variables(m, data)
        num = as_params(m, numbers) if mutable else numbers
        for family in families(cuts=cuts):  # feedstock.models.registry, in its order
            family.add(m, data, num)
        add_objective(m, data, num)
    seconds = time.perf_counter() - start
    log.info("built model in %.2f s: %d x, %d n, %d s, %d q, %d e%s", seconds,
             len(data.flows), len(data.trips), len(data.stocks), len(data.feeds), len(data.sales),
             " (mutable numbers)" if mutable else "")
    return BuiltModel(model=m, data=data, network=net, seconds=seconds, size=model_size(m),
                      signature=structure(data, numbers) if mutable else None)


def update_model(built: BuiltModel, sc: Scenario, net: Network,
                 data: ModelData, *, cuts: bool = True,
                 numbers: Numbers | None = None) -> BuiltModel | None:
    """``built`` re-numbered for scenario ``sc``, or None when its structure differs.

    Only a persistent build (``mutable=True``) can be updated. The model object
    is the same (so the persistent solver sees only changed numbers and bounds);
    the returned BuiltModel carries the new index data for the result tables.
    ``numbers``: ``model_numbers`` of ``data`` if already made.
    """
    if built.signature is None or data.elastic:
        return None
    start = time.perf_counter()
    if numbers is None:
        numbers = model_numbers(data, cuts=cuts)
    signature = structure(data, numbers)
    if signature != built.signature:
        return None
    changed = store(built.model, numbers)
    set_bounds(built.model, data)
    seconds = time.perf_counter() - start
    log.info("updated the built model in %.2f s: %d numbers changed", seconds, len(changed))
    return dataclasses.replace(built, data=data, network=net, seconds=seconds,
                               changed=tuple(changed))
