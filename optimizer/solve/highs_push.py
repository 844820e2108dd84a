"""Send a persistent HiGHS instance only the coefficients a re-numbering changed.

Pyomo's persistent ``update()`` re-evaluates every mutable coefficient of the
model (1.2 s on the 128k-variable national benchmark, measured) to find the few
that changed. A :class:`ParamIndex` walks the model's mutable expressions once
(as long as one such update) and records which of Pyomo's HiGHS coefficient
helpers read which Param entry; a push then re-evaluates only the helpers of
the changed entries (0.13-0.15 s there), then lets Pyomo update variable bounds.

The changed entries come from ``feedstock.models.numbers.store``, which also adds them to
the model's pending set; a push sends those too and clears it, so a
re-numbering that was never pushed (an error between update and solve) is not
lost. Rows or an objective added or removed since indexing fall back to the
full update. Tests compare the pushed instance with a cold hand-off.
"""

from __future__ import annotations

from typing import Any

import pyomo.environ as pyo

from feedstock.models.numbers import PENDING

# Pyomo's auto-update switches (all off but update_vars for the bounds after a push)
AUTO_UPDATES = ("check_for_new_or_removed_constraints", "check_for_new_or_removed_vars",
                "check_for_new_or_removed_params", "check_for_new_objective",
                "update_constraints", "update_vars", "update_parameters",
                "update_named_expressions", "update_objective")


def clear_pending(m: pyo.ConcreteModel) -> None:
    """The solver now holds every number of ``m``: nothing is pending."""
    pending = getattr(m, PENDING, None)
    if pending:
        pending.clear()


def shape(m: pyo.ConcreteModel) -> tuple[int, int]:
    """Active rows and the active objective's id: what a push of numbers cannot change."""
    rows = sum(1 for _ in m.component_data_objects(pyo.Constraint, active=True))
    objective = next(m.component_data_objects(pyo.Objective, active=True), None)
    return rows, id(objective)


class ParamIndex:
    """Pyomo's HiGHS coefficient helpers by the id of each Param entry they read."""

    def __init__(self, solver: Any, m: pyo.ConcreteModel):
        from pyomo.core.expr.visitor import identify_mutable_parameters

        self.solver = solver
        self.model = m
        self.shape = shape(m)
        self.helpers: dict[int, list] = {}

        def add(helper: Any, *exprs: Any) -> None:
            for e in exprs:
                for p in identify_mutable_parameters(e):
                    self.helpers.setdefault(id(p), []).append(helper)

        for helpers in solver._mutable_helpers.values():
            for h in helpers:
                if hasattr(h, "expr"):
                    add(h, h.expr)
                else:
                    add(h, h.lower_expr, h.upper_expr)
        for _v, h in solver._mutable_bounds.values():
            add(h, h.lower_expr, h.upper_expr)
        objective = solver._mutable_objective
        if objective is not None:
            for h in objective.linear_coefs:
                add(h, h.expr)
            add(objective.constant, objective.constant.expr)

    def push(self, changed: tuple | None) -> None:
        """Send what ``changed`` (and the pending set) touch; None: Pyomo's full update."""
        m, solver = self.model, self.solver
        pending = getattr(m, PENDING, None) or {}
        if changed is None or shape(m) != self.shape:
            solver.update()  # everything, including rows or an objective added
            pending.clear()
            return
        todo: dict[int, Any] = {}
        for p in (*changed, *pending.values()):
            for h in self.helpers.get(id(p), ()):
                todo[id(h)] = h
        solver._sol = None  # what Pyomo's update_parameters does first
        if solver._last_results_object is not None:
            solver._last_results_object.solution_loader.invalidate()
        for h in todo.values():
            h.update()
        updates = solver.config.auto_updates
        saved = {k: getattr(updates, k) for k in AUTO_UPDATES}
        try:
            for k in AUTO_UPDATES:
                setattr(updates, k, k == "update_vars")
            solver.update()
        finally:
            for k, v in saved.items():
                setattr(updates, k, v)
        pending.clear()
