"""Scaling of the built model: warn before the solver trips over badly scaled numbers.

A MIP whose coefficients span many orders of magnitude makes HiGHS's
tolerances (1e-6 primal feasibility, 1e-9 integrality scaled by the numbers)
meaningless: plans that are slightly infeasible, or "infeasible" verdicts on
feasible data. Every big-M in ``models`` is derived from the data (trips_max,
cap_max, hub big_m), so the spread comes from the scenario's own numbers; this
module measures it and says which numbers to look at.
"""

from __future__ import annotations

import concurrent.futures
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from pyomo.repn import generate_standard_repn

log = logging.getLogger(__name__)

MAX_SPREAD = 1e9  # largest / smallest non-zero magnitude before we warn


@dataclass(frozen=True)
class Range:
    """Smallest and largest non-zero magnitude of one kind of number in the model."""

    kind: str
    smallest: float
    largest: float

    @property
    def spread(self) -> float:
        """Largest / smallest (1 when empty)."""
        return self.largest / self.smallest if self.smallest > 0 else 1.0


KINDS = ("matrix", "rhs", "objective", "bounds")


def coefficient_ranges(m: pyo.ConcreteModel) -> list[Range]:
    """Magnitudes of matrix coefficients, right-hand sides, objective costs and bounds.

    Running extremes, not lists: at 2,000 sources the lists held ~2 million
    numbers (tens of MB) while HiGHS solved beside this check.
    """
    low = dict.fromkeys(KINDS, math.inf)
    high = dict.fromkeys(KINDS, 0.0)

    def see(kind: str, numbers: Iterable[float]) -> None:
        finite = [v for v in map(abs, map(float, numbers)) if v > 1e-15 and math.isfinite(v)]
        if finite:
            low[kind] = min(low[kind], min(finite))
            high[kind] = max(high[kind], max(finite))

    for con in m.component_data_objects(pyo.Constraint, active=True):
        repn = generate_standard_repn(con.body, compute_values=True, quadratic=False)
        see("matrix", repn.linear_coefs)
        constant = float(repn.constant or 0.0)
        see("rhs", [float(pyo.value(side)) - constant for side in (con.lower, con.upper)
                    if side is not None])
    for obj in m.component_data_objects(pyo.Objective, active=True):
        see("objective", generate_standard_repn(obj.expr, compute_values=True).linear_coefs)
    for var in m.component_data_objects(pyo.Var):
        see("bounds", [b for b in (var.lb, var.ub) if b is not None])
    return [Range(kind, low[kind], high[kind]) for kind in KINDS if high[kind] > 0.0]


def ranges_of(**numbers: np.ndarray) -> list[Range]:
    """:func:`coefficient_ranges` of numbers already gathered, one array per kind.

    The same rule: magnitudes above 1e-15 and finite count. ``numbers`` has the
    keys of :data:`KINDS` (``feedstock.optimizer.solve.highs_copy`` reads them
    off the matrix it hands HiGHS: no second walk of the model).
    """
    out = []
    for kind in KINDS:
        size = np.abs(np.asarray(numbers.get(kind, ()), dtype=float))
        size = size[np.isfinite(size) & (size > 1e-15)]
        if size.size:
            out.append(Range(kind, float(size.min()), float(size.max())))
    return out


def numerics_warnings(m: pyo.ConcreteModel, max_spread: float = MAX_SPREAD) -> list[str]:
    """One sentence per kind of number whose magnitudes spread more than ``max_spread``."""
    return spread_warnings(coefficient_ranges(m), max_spread)


def spread_warnings(ranges: list[Range], max_spread: float = MAX_SPREAD) -> list[str]:
    """:func:`numerics_warnings` of ranges already measured."""
    out = []
    for r in ranges:
        if r.spread > max_spread:
            out.append(f"Badly scaled model: {r.kind} magnitudes range from {r.smallest:.3g} to "
                       f"{r.largest:.3g} (spread {r.spread:.1e} > {max_spread:.0e}); the "
                       "solver's tolerances may then accept small violations or reject "
                       "feasible plans. Look for very large or very small capacities, "
                       "payloads, costs or attribute values.")
    return out


def log_warnings(done: concurrent.futures.Future) -> None:
    """Log a finished check's warnings (a done-callback: they show as soon as they are known).

    A check that failed is logged as such and never costs the plan.
    """
    if done.exception() is not None:
        log.warning("The scaling check failed (%s): the model's numbers were not measured.",
                    done.exception())
        return
    for note in done.result():
        log.warning(note)


def warnings_of(done: concurrent.futures.Future) -> list[str]:
    """A finished check's warnings for the result's notes (none if it failed: logged above)."""
    return [] if done.exception() is not None else list(done.result())
