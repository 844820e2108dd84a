"""Why no plan can be made, in the planner's words: findings and a diagnosis.

Both the pre-solve checks (``feedstock.optimizer.checks.prechecks``, no solver) and the elastic
re-solve after an infeasible MIP (``feedstock.optimizer.solve.diagnose``) answer with the same
shape: a list of :class:`Finding` — which rule, where, which feedstock, which
week, by how much and in what unit — sorted by size, written as
``diagnosis.json`` and printed as text.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Finding:
    """One rule that cannot be met, located and sized.

    ``rule`` is a stable name (a constraint family of docs/model.md such as
    ``plant_capacity`` or a pre-check such as ``offtake_exceeds_output``);
    ``amount`` is how far the data are from making the rule satisfiable, in
    ``unit``; ``message`` says the same in one sentence a planner can act on.
    ``severity`` is ``error`` (no plan is possible) or ``warning`` (a plan is
    possible but something will not happen, e.g. material stranded in stock).
    """

    rule: str
    message: str
    amount: float
    unit: str
    site: str | None = None
    feedstock: str | None = None
    week: str | None = None
    severity: str = "error"

    def as_dict(self) -> dict:
        """Plain dict for JSON (amount rounded to 6 significant digits)."""
        out = asdict(self)
        out["amount"] = float(f"{self.amount:.6g}")
        return out


@dataclass(frozen=True)
class Diagnosis:
    """Findings from one method (``pre-solve checks`` or ``elastic re-solve``)."""

    method: str
    findings: tuple[Finding, ...]
    summary: str = ""
    details: dict = field(default_factory=dict)

    @property
    def errors(self) -> tuple[Finding, ...]:
        """Findings that make a plan impossible."""
        return tuple(f for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> tuple[Finding, ...]:
        """Findings a plan can live with."""
        return tuple(f for f in self.findings if f.severity == "warning")

    def as_dict(self) -> dict:
        """diagnosis.json content."""
        return {"method": self.method, "summary": self.summary,
                "findings": [f.as_dict() for f in self.findings], **self.details}

    def to_json(self) -> str:
        """diagnosis.json text."""
        return json.dumps(self.as_dict(), indent=2) + "\n"

    def text(self, limit: int = 25) -> str:
        """Readable report: the summary then one line per finding, largest first."""
        lines = [self.summary] if self.summary else []
        shown = self.findings[:limit]
        lines += [f"  {i}. {f.message}" for i, f in enumerate(shown, 1)]
        if len(self.findings) > limit:
            lines.append(f"  ... and {len(self.findings) - limit} more in diagnosis.json")
        return "\n".join(lines)


def by_size(findings: list[Finding]) -> tuple[Finding, ...]:
    """Errors before warnings, then largest amount first, then by rule and place."""
    return tuple(sorted(findings, key=lambda f: (f.severity != "error", -f.amount, f.rule,
                                                 f.site or "", f.week or "",
                                                 f.feedstock or "")))


def fmt_t(value: float) -> str:
    """Tonnes for a sentence: 3 significant digits, no exponent for plausible values."""
    return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
