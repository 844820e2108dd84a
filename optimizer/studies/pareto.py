r"""The cost-leakage Pareto frontier by the epsilon-constraint method (docs/model.md).

1. With every leakage penalty at 0 (:math:`\lambda = 0`), the cheapest plan and its
   leakage :math:`L_{max}`;
2. the least leakage any plan can have, :math:`L_{min}` (same rules, objective
   :math:`\min \sum e`);
3. for :math:`\varepsilon` on an even grid in :math:`[L_{min}, L_{max}]`, the
   cheapest plan with :math:`\sum e \le \varepsilon` (``policy.max_leakage_t``),
   solved as a sweep (in parallel if asked).

With ``element="dy"`` (``feedstock pareto --element dy``) leakage is measured in
kilograms of that element instead of tonnes: :math:`L = \sum 1000\, a_{f,dy}\, e`,
its epsilon ``policy.elements.dy.max_leakage_kg``; element penalties are set to
0 too, and the table's columns are ``epsilon_kg`` and ``leaked_kg``.

Points another point beats on both cost and leakage are dropped (with a MIP gap
two epsilons can land out of order); each point is labelled with the yes/no
decisions that differ from the cheapest plan ("belfast_harbour/commercial_plant
built").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from feedstock.optimizer.scenario import Scenario
from feedstock.optimizer.studies.sweep import SweepOptions, sweep

log = logging.getLogger(__name__)

EPSILON = "policy.max_leakage_t"
_WORDS = {"expansion": ("built", "not built"), "hub_open": ("opened", "not opened"),
          "lane_contract": ("contracted", "not contracted")}


@dataclass(frozen=True)
class Frontier:
    """Non-dominated points (``table``) and every point solved (``points``).

    ``l_min_t`` and ``l_max_t`` are the least and the cheapest plan's leakage in
    ``unit``: t, or kg of ``element`` for an element frontier.
    """

    table: pd.DataFrame
    points: pd.DataFrame
    l_min_t: float
    l_max_t: float
    unit: str = "t"
    element: str | None = None

    @property
    def measure(self) -> str:
        """The table's leakage column: ``leaked_t`` or ``leaked_kg``."""
        return f"leaked_{self.unit}"

    def plot(self, path: str | Path, title: str = "") -> Path:
        """frontier.png: cost against leakage, each point labelled with what changed."""
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        path = Path(path)
        fig, ax = plt.subplots(figsize=(10, 6.5), dpi=160)
        t = self.table
        x = self.measure
        ax.plot(t[x], t["cost_gbp"] / 1e3, "-o", color="#1f5f8b", lw=2, ms=7,
                label="cheapest plan for each leakage cap")
        off = self.points[~self.points.index.isin(t.index)].dropna(subset=["cost_gbp"])
        if len(off):
            ax.plot(off[x], off["cost_gbp"] / 1e3, "x", color="#999999",
                    label="dominated (within the MIP gap)")
        for r in t.itertuples():
            ax.annotate(r.label, (getattr(r, x), r.cost_gbp / 1e3), textcoords="offset points",
                        xytext=(6, 6), fontsize=8, color="#333333")
        ax.set_xlabel("leakage: t exported over the horizon" if self.element is None else
                      f"leakage: kg of {self.element} exported over the horizon")
        ax.set_ylabel("cost, £ thousand (leakage penalty 0; negative = net earnings)")
        ax.set_title(title or "Cost vs leakage (epsilon-constraint)")
        ax.grid(alpha=0.3)
        ax.margins(x=0.2, y=0.08)  # room for the labels
        ax.legend(loc="best", fontsize=8)
        fig.tight_layout()
        fig.savefig(path)
        plt.close(fig)
        return path

    def write(self, out: str | Path, title: str = "") -> Path:
        """frontier.csv (non-dominated), points.csv (all) and frontier.png in ``out``."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        self.table.to_csv(out / "frontier.csv", lineterminator="\n")
        self.points.to_csv(out / "points.csv", lineterminator="\n")
        self.plot(out / "frontier.png", title)
        return out


def pareto(base: Scenario, points: int = 8, *, workers: int = 1, client: Any = None,
           options: SweepOptions | None = None, out: str | Path | None = None,
           progress: bool | None = None, element: str | None = None) -> Frontier:
    """The frontier of ``base`` with ``points`` epsilons (see the module docstring)."""
    from feedstock.optimizer.results.comparison import summary_row
    from feedstock.optimizer.solve.pipeline import solve

    if points < 2:
        raise ValueError("a frontier needs at least 2 points")
    if element is not None and element not in base.elements:
        raise ValueError(f"no element share column for {element!r} in feedstocks.csv "
                         f"(elements: {', '.join(base.elements) or 'none'})")
    unit = "t" if element is None else "kg"
    epsilon = EPSILON if element is None else f"policy.elements.{element}.max_leakage_kg"
    measure = "leaked_t" if element is None else f"element_leaked_kg[{element}]"
    opts = options or SweepOptions()
    free = base.with_overrides(no_penalties(base))
    cheapest = solve(free, time_limit=opts.time_limit, gap=opts.gap, threads=opts.threads,
                     progress=False)  # a study shows its variants bar, not solver lines
    l_max = float(summary_row(cheapest)[measure])
    l_min = min_leakage(free, opts, element)
    log.info("frontier between %.3f %s (least leakage) and %.3f %s (cheapest plan)", l_min,
             unit, l_max, unit)
    eps = np.linspace(l_min, l_max, points) if l_max > l_min + 1e-6 else np.array([l_max])
    grid = [{epsilon: float(e)} for e in eps]  # unrounded: eps[0] is L_min itself
    table = sweep(free, grid, workers=workers, client=client, options=opts,
                  out=None if out is None else Path(out) / "points", progress=progress)
    table = table.rename(columns={epsilon: f"epsilon_{unit}", "objective_gbp": "cost_gbp"})
    if element is not None:
        table[f"leaked_{unit}"] = table[measure]
    table["label"] = _labels(table, summary_row(cheapest))
    kept = non_dominated(table, measure=f"leaked_{unit}")
    return Frontier(table=kept, points=table, l_min_t=l_min, l_max_t=l_max, unit=unit,
                    element=element)


def no_penalties(sc: Scenario) -> dict[str, Any]:
    """Overrides that set every leakage penalty (default, per sector, per element) to 0."""
    out: dict[str, Any] = {"policy.leakage_penalty_gbp_per_t": 0}
    for sector in sc.config.policy.sectors:
        out[f"policy.sectors.{sector}.leakage_penalty_gbp_per_t"] = 0
    for element, policy in sc.config.policy.elements.items():
        if policy.leakage_penalty_gbp_per_kg:
            out[f"policy.elements.{element}.leakage_penalty_gbp_per_kg"] = 0
    return out


def min_leakage(sc: Scenario, opts: SweepOptions, element: str | None = None) -> float:
    """The least leakage (t, or kg of ``element``) any plan of ``sc`` can have.

    The pipeline's ``least_leakage_t``.

    No plan in time names this solve: the frontier's lower end, not one of its points.
    """
    from feedstock.optimizer.base.errors import NoPlanError
    from feedstock.optimizer.solve.pipeline import least_leakage_t

    try:
        return least_leakage_t(sc, time_limit=opts.time_limit, gap=opts.gap,
                               threads=opts.threads, element=element)
    except NoPlanError as exc:
        raise NoPlanError(f"The least-leakage plan (the frontier's lower end) was not found: "
                          f"{exc}") from None


def non_dominated(table: pd.DataFrame, tol: float = 1e-6,
                  measure: str = "leaked_t") -> pd.DataFrame:
    """Points no other point beats on both cost and leakage, by leakage ascending."""
    ok = table.dropna(subset=["cost_gbp"]).sort_values([measure, "cost_gbp"])
    keep, best = [], np.inf
    for idx, r in ok.iterrows():
        if r["cost_gbp"] < best - tol * max(1.0, abs(best) if np.isfinite(best) else 1.0):
            keep.append(idx)
            best = r["cost_gbp"]
    return ok.loc[keep]


def _labels(table: pd.DataFrame, cheapest: dict[str, Any]) -> list[str]:
    """What each point decides differently from the cheapest plan (yes/no decisions)."""
    labels = []
    for _, r in table.iterrows():
        changes = []
        for col, base_value in cheapest.items():
            kind = col.split("[", 1)[0]
            if kind in _WORDS and col in r and pd.notna(r[col]) and bool(r[col]) != base_value:
                yes, no = _WORDS[kind]
                changes.append(f"{col[len(kind) + 1:-1]} {yes if bool(r[col]) else no}")
        labels.append("; ".join(changes) if changes else "decisions as in the cheapest plan")
    return labels
