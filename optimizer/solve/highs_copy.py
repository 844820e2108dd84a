"""HiGHS's copy of a built model straight from Pyomo's linear forms: the LP start's own.

Pyomo's persistent HiGHS interface (:class:`~feedstock.optimizer.solve.runners.HighsRunner`)
keeps the maps and helpers that re-solves, MIP starts, callbacks and marginal
values need. Building them walks every row twice (once to record its
variables, once for its linear form) and adds the variables row by row: 17.6 s
at 2,000 sources, measured, before the first LP can start. The LP-relaxation
start (:mod:`feedstock.optimizer.solve.mipstart`) needs none of that, only the
numbers: Pyomo's ``LinearRepnVisitor`` gives each row's linear form in one walk,
and HiGHS takes the whole matrix in one call (7.7 s on the same model,
measured). The start solves its relaxation on this copy while the persistent
hand-over runs beside it on the second core (HiGHS releases Python's lock
while it solves), so the search and the marginal values still find Pyomo's
instance ready.

Rows and columns are numbered as Pyomo's persistent interface numbers them:
rows in the order of the model's active constraints, columns in the order in
which variables first appear (the constraints first, then the objective). The
tests check that both hold the same LP, number for number, and that the same
column map comes out; :func:`renumbered` carries a plan across should a Pyomo
release ever number them differently.

The numbers are the model's own, before HiGHS drops matrix entries below 1e-9,
so the scaling check reads them here (:attr:`HighsCopy.ranges`) instead of
walking the model a third time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyomo.environ as pyo

from feedstock.optimizer.checks.numerics import Range, ranges_of


@dataclass(frozen=True)
class HighsCopy:
    """A HiGHS instance holding a model, and how its columns are numbered.

    ``column``: id of each Pyomo variable -> HiGHS column (as the persistent
    interface's map). ``ranges``: the magnitudes the scaling check reads.
    ``seconds``: how long the copy took.
    """

    highs: Any
    column: dict[int, int]
    ranges: list[Range]
    seconds: float
    unmapped: int = 0  # the model's variables that got no column (in no row, no objective)


class _Rows:
    """The rows of a model as HiGHS takes them: bounds and a row-wise sparse matrix."""

    def __init__(self) -> None:
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.start: list[int] = [0]
        self.index: list[int] = []
        self.value: list[float] = []


def highs_copy(m: pyo.ConcreteModel, *, log_to_console: bool = False) -> HighsCopy | None:
    """HiGHS holding ``m`` (integrality and all), numbered as Pyomo's persistent interface.

    None when a variable is fixed: the persistent interface keeps it as a column
    with equal bounds, while a linear form folds it into the constant, so the
    two would not be numbered alike (the caller then hands the model over the
    usual way). Raises ``ValueError`` on a nonlinear row or objective.
    """
    from pyomo.common.gc_manager import PauseGC

    began = time.perf_counter()
    with PauseGC():  # every object made here lives on (the lists of numbers)
        every_var = list(m.component_data_objects(pyo.Var, descend_into=True))
        if any(v.fixed for v in every_var):
            return None
        visitor = _visitor()
        rows = _rows(m, visitor)
        cost, sense, offset = _objective(m, visitor)
        bounds = _Bounds(every_var)
    column = visitor.var_recorder.column
    lower, upper, integer = bounds.of_columns(column)
    highs = _passed(rows, cost, sense, offset, lower, upper, integer, log_to_console)
    ranges = ranges_of(matrix=np.asarray(rows.value, dtype=float),
                       rhs=np.concatenate([rows.lower, rows.upper]), objective=cost,
                       bounds=bounds.every())
    return HighsCopy(highs, column, ranges, time.perf_counter() - began,
                     unmapped=len(every_var) - len(column))


class _FirstMet:
    """Columns in the order the walks first meet each variable, a zero coefficient too.

    Pyomo's persistent interface numbers a variable where it first appears in an
    expression, whatever its coefficient; a linear form leaves a zero term out
    (``0.0 * z``), so numbering by the forms' terms could skip or reorder such a
    variable. The visitor calls ``add`` once per variable, on first meeting it,
    before it looks at the coefficient.
    """

    def __init__(self) -> None:
        self.var_map: dict[int, Any] = {}
        self.column: dict[int, int] = {}

    def add(self, var: Any) -> None:
        self.var_map[id(var)] = var
        self.column[id(var)] = len(self.column)


def _visitor() -> Any:
    from pyomo.repn.linear import LinearRepnVisitor

    return LinearRepnVisitor({}, var_recorder=_FirstMet())


def _rows(m: pyo.ConcreteModel, visitor: Any) -> _Rows:
    """Every active constraint as ``lower <= a x <= upper`` (its constant moved across)."""
    column = visitor.var_recorder.column
    rows = _Rows()
    inf = float("inf")
    for con in m.component_data_objects(pyo.Constraint, active=True, descend_into=True):
        lb, body, ub = con.to_bounded_expression(evaluate_bounds=True)
        repn = visitor.walk_expression(body)
        if repn.nonlinear is not None:
            raise ValueError(f"constraint {con.name} is not linear")
        for var_id, coef in repn.linear.items():
            rows.index.append(column[var_id])
            rows.value.append(coef)
        rows.start.append(len(rows.index))
        constant = float(repn.constant)
        rows.lower.append(-inf if lb is None else float(lb) - constant)
        rows.upper.append(inf if ub is None else float(ub) - constant)
    return rows


def _objective(m: pyo.ConcreteModel, visitor: Any) -> tuple[np.ndarray, int, float]:
    """Cost per column (new columns for variables only the objective has), sense, constant."""
    column = visitor.var_recorder.column
    objective = next(m.component_data_objects(pyo.Objective, active=True, descend_into=True),
                     None)
    if objective is None:
        return np.zeros(len(column)), pyo.minimize, 0.0
    repn = visitor.walk_expression(objective.expr)
    if repn.nonlinear is not None:
        raise ValueError(f"objective {objective.name} is not linear")
    cost = np.zeros(len(column))
    for var_id, coef in repn.linear.items():
        cost[column[var_id]] = coef
    return cost, objective.sense, float(repn.constant)


class _Bounds:
    """Every variable's bounds (its domain's and its own) and kind, read once each.

    Pyomo works a variable's ``lb`` out on every read (1.5 million reads, 2 s at
    2,000 sources when the columns and the scaling check each read them).
    """

    def __init__(self, variables: list) -> None:
        self.position = {id(v): k for k, v in enumerate(variables)}
        # None -> nan (numpy's float conversion): no bound
        self.lower = np.array([v.lb for v in variables], dtype=float)
        self.upper = np.array([v.ub for v in variables], dtype=float)
        self.step = np.array([v.domain.get_interval()[2] for v in variables], dtype=float)
        if np.any((self.step != 0) & (self.step != 1)):
            raise ValueError("a variable's domain is neither continuous nor integer")

    def of_columns(self, column: dict[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Lower and upper bound of each column (no bound: -inf, inf), and the integer ones."""
        at = np.fromiter((self.position[i] for i in column), dtype=np.int64, count=len(column))
        lower = np.where(np.isnan(self.lower[at]), -np.inf, self.lower[at])
        upper = np.where(np.isnan(self.upper[at]), np.inf, self.upper[at])
        return lower, upper, np.flatnonzero(self.step[at] == 1).astype(np.int32)

    def every(self) -> np.ndarray:
        """Every bound any variable has (the scaling check's, as it always read them)."""
        both = np.concatenate([self.lower, self.upper])
        return both[~np.isnan(both)]


def _passed(rows: _Rows, cost: np.ndarray, sense: int, offset: float, lower: np.ndarray,
            upper: np.ndarray, integer: np.ndarray, log_to_console: bool) -> Any:
    """A new HiGHS instance holding the model (its banner, once a process, swallowed)."""
    import highspy
    from pyomo.common.tee import capture_output

    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = len(cost), len(rows.lower)
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, lower, upper
    lp.row_lower_ = np.asarray(rows.lower, dtype=float)
    lp.row_upper_ = np.asarray(rows.upper, dtype=float)
    lp.offset_ = offset
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.start_ = np.asarray(rows.start, dtype=np.int32)
    lp.a_matrix_.index_ = np.asarray(rows.index, dtype=np.int32)
    lp.a_matrix_.value_ = np.asarray(rows.value, dtype=float)
    if sense == pyo.maximize:
        lp.sense_ = highspy.ObjSense.kMaximize
    with capture_output(capture_fd=True):  # HiGHS prints its banner on stdout (--json!)
        highs = highspy.Highs()
    highs.setOptionValue("output_flag", log_to_console)
    highs.passModel(lp)
    if len(integer):
        highs.changeColsIntegrality(len(integer), integer,
                                    np.full(len(integer), highspy.HighsVarType.kInteger))
    return highs


def renumbered(values: np.ndarray, source: dict[int, int], target: dict[int, int]
               ) -> np.ndarray | None:
    """``values`` by ``source``'s columns, by ``target``'s (both: variable id -> column).

    None when ``target`` has a variable ``source`` lacks (one whose every
    coefficient is zero is no column of a linear form, but is one of Pyomo's
    interface): nothing says what its value is.
    """
    if source == target:
        return values
    if any(var_id not in source for var_id in target):
        return None
    out = np.zeros(len(target))
    for var_id, j in target.items():
        out[j] = values[source[var_id]]
    return out
