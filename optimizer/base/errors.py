"""Typed outcomes: every way a run can fail has its own exception and exit code.

A planner or a scheduler acts on the *kind* of failure (fix the data, relax a rule,
give the solver more time), so each kind is a class with a fixed CLI exit code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from feedstock.optimizer.base.findings import Diagnosis


@dataclass(frozen=True, order=True)
class Problem:
    """One broken rule in the input data, located precisely enough to fix it.

    ``row`` is 1-based with the header as row 1, as a spreadsheet shows it (a
    missing column is reported on row 1); ``row`` is ``None`` for a whole-file
    problem. For scenario.toml, ``row`` is the line of a syntax error and
    ``column`` holds the key path. In a workbook scenario ``file`` names the
    sheet, ``scenario.xlsx[supply]``, and ``row`` is the Excel row.
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    rule: str

    def __str__(self) -> str:
        parts = [self.file]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            # scenario.toml, a workbook's scenario sheet ("x.xlsx[scenario]") and overrides
            # are keyed; a table's sheet ("x.xlsx[supply]") has columns like its CSV
            keyed = (self.file.endswith(".toml") or self.file == "overrides"
                     or self.file.lower().endswith("[scenario]"))
            parts.append(("key " if keyed else "column ") + self.column)
        shown = "" if self.value is None else f" = {self.value!r}"
        return ", ".join(parts) + f"{shown}: {self.rule}"

    def as_dict(self) -> dict:
        """Plain dict for JSON output."""
        return {"file": self.file, "row": self.row, "column": self.column,
                "value": self.value, "rule": self.rule}


class FeedstockError(Exception):
    """Base of every error this package raises on purpose."""

    exit_code = 1


class ScenarioError(FeedstockError):
    """The scenario breaks one or more data rules; nothing was solved."""

    exit_code = 2

    def __init__(self, problems: list[Problem], where: str = "scenario"):
        self.problems = sorted(set(problems), key=_problem_key)
        self.where = where
        super().__init__(self.report())

    def report(self) -> str:
        """All problems, one per line, sorted by file and row."""
        n = len(self.problems)
        head = f"Invalid scenario {self.where}: {n} problem{'s' if n != 1 else ''}, nothing solved"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


def _problem_key(p: Problem) -> tuple:
    return (p.file, p.row if p.row is not None else -1, p.column or "", p.rule, p.value or "")


class SolveError(FeedstockError):
    """The model was built but the solver did not return a usable plan."""

    status = "error"


class InfeasibleError(SolveError):
    """No plan satisfies every rule at once; ``diagnosis`` says which rules and by how much."""

    exit_code = 3
    status = "infeasible"

    def __init__(self, message: str, diagnosis: Diagnosis | None = None):
        self.message = message
        self.diagnosis = diagnosis
        super().__init__(message)

    def __str__(self) -> str:
        if self.diagnosis is None or not self.diagnosis.findings:
            extra = f"\n{self.diagnosis.summary}" if self.diagnosis is not None else ""
            return self.message + extra
        return f"{self.message}\n{self.diagnosis.text()}"


class UnboundedError(SolveError):
    """The cost can fall without limit: some term earns money with no capacity bound."""

    exit_code = 3
    status = "unbounded"


class NoPlanError(SolveError):
    """The solver stopped (time limit) before it found any plan."""

    exit_code = 4
    status = "time_limit"


class SolverUnavailableError(FeedstockError):
    """The configured solver is not installed or not known to Pyomo."""

    exit_code = 2


class RunError(FeedstockError):
    """A weekly run could not start or finish its folder; nothing was planned or published."""

    exit_code = 2


class RunInputError(RunError):
    """The run lacks an input it needs (opening stock, a readable previous run, a week)."""


class RunExistsError(RunError):
    """The week already has a complete plan and ``--force`` was not given."""


class RunLockedError(RunError):
    """Another run holds the runs folder's lock; try again when it has finished."""

    exit_code = 5
