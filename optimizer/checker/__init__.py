"""Independent plan checker: every rule of docs/model.md re-checked from a Result's tables.

A second implementation of the same rules, written with pandas only (no Pyomo,
nothing from ``models``), so that a bug in the formulation or in the result
tables shows up as a :class:`Violation` instead of a plausible-looking plan.

>>> violations = check_plan(sc, result)
>>> for v in violations: print(v)

A missing row in a result table means zero. Tonnes are compared with
``tol x max(1, size)`` plus 1e-6 t per table row summed (tables round to 1e-6);
cost lines with ``max(1e-6 x |value|, 1e-3)`` GBP plus the rounding of the rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from feedstock.optimizer.checker._plan import Plan, Violation
from feedstock.optimizer.checker.arcs import check_arcs
from feedstock.optimizer.checker.costs import check_cost_lines, check_objective, cost_lines
from feedstock.optimizer.checker.flows import (
    check_balance,
    check_horizon,
    check_hubs,
    check_mass,
    check_storage,
    check_trips,
)
from feedstock.optimizer.checker.outlets import (
    check_custody,
    check_elements,
    check_leakage_cap,
    check_outlet_buys,
    check_outlet_limits,
)
from feedstock.optimizer.checker.plants import (
    check_blends,
    check_min_run,
    check_offtake,
    check_plant_capacity,
)

RULES = ("balance", "storage", "trip_payload", "lane_slots", "lane_contract", "integer_trips",
         "horizon", "hub_capacity", "plant_capacity", "min_run", "feed_blend_min",
         "feed_blend_max", "custody", "outlet_buys", "leakage_cap", "element_leakage_cap",
         "offtake", "outlet_limit",
         "cost_line", "objective", "mass", "arcs")

CHECKS: tuple[tuple[str, Callable[[Plan], list[Violation]]], ...] = (
    ("balance", check_balance),
    ("storage", check_storage),
    ("trip_payload", check_trips),
    ("horizon", check_horizon),
    ("hub_capacity", check_hubs),
    ("plant_capacity", check_plant_capacity),
    ("min_run", check_min_run),
    ("feed_blend_max", check_blends),
    ("custody", check_custody),
    ("outlet_buys", check_outlet_buys),
    ("leakage_cap", check_leakage_cap),
    ("element_leakage_cap", check_elements),
    ("offtake", check_offtake),
    ("outlet_limit", check_outlet_limits),
    ("cost_line", check_cost_lines),
    ("objective", check_objective),
    ("mass", check_mass),
    ("arcs", check_arcs),
)


def check_plan(sc: Any, result: Any, tol: float = 1e-5) -> list[Violation]:
    """Every rule of docs/model.md re-checked from the result tables; [] means the plan is valid.

    Every check runs, whatever the others find. A check that cannot run on
    these tables (e.g. a malformed column) reports itself as a violation of
    its rule rather than hiding the others.

    A weekly scenario with commitments.csv is checked as it was solved: with
    the commitments taken as decided (``Scenario.committed``), so a committed
    build carries no fixed cost and a lane decided against has no trips.
    """
    if not getattr(result, "strategic", False) and hasattr(sc, "committed"):
        sc = sc.committed()
    plan = Plan(sc, result, tol)
    found: list[Violation] = []
    for rule, check in CHECKS:
        try:
            found += check(plan)
        except Exception as exc:  # a malformed table must not hide the other rules
            found.append(Violation(rule, "checker", f"could not check: "
                                   f"{type(exc).__name__}: {exc}"))
    return found


__all__ = ["RULES", "Violation", "check_plan", "cost_lines"]
