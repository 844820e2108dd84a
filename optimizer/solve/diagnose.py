"""Diagnosis after an infeasible solve: the smallest set of rule breaks that makes a plan.

The elastic copy of the model (``feedstock.models.elastic``) may break every rule family
at a price per tonne-equivalent; HiGHS finds the plan that breaks them least.
Each broken row becomes a :class:`Finding` in the planner's words — rule,
site, feedstock, week, amount and unit — sorted by size (in tonnes of material).
"""

from __future__ import annotations

import logging
import math

from feedstock.models.build import BuiltModel
from feedstock.models.elastic import Slack, make_elastic
from feedstock.optimizer.base.findings import Diagnosis, Finding, fmt_t
from feedstock.optimizer.scenario import Scenario
from feedstock.optimizer.solve.runners import SolverOptions, runner_for

log = logging.getLogger(__name__)

TOLERANCE_T = 1e-4  # violations smaller than this many tonne-equivalents are rounding


def diagnose(sc: Scenario, built: BuiltModel, opts: SolverOptions) -> Diagnosis:
    """Solve the elastic copy of ``built`` and list every rule it had to break, largest first.

    ``built`` is the model of index sets made with ``elastic=True`` (the
    pipeline builds it); :func:`make_elastic` relaxes its rows here.
    """
    if not built.data.elastic:
        raise ValueError("diagnose needs the model of index sets made with elastic=True "
                         "(feedstock.optimizer.solve.pipeline.prepare(sc, elastic=True))")
    slacks = make_elastic(built)
    outcome = runner_for(opts).solve_mip(built.model)
    method = "elastic re-solve"
    if not outcome.has_plan:
        return Diagnosis(method=method, findings=(), summary=(
            f"No plan meets every rule, and the diagnosis found no answer in "
            f"{opts.time_limit_s:g} s ({outcome.detail}); run again with a longer --time-limit."))
    m = built.model
    words = _Words(sc, built)
    found = []
    for k, s in enumerate(slacks):
        v = float(m.elastic_slack[k].value or 0.0)
        if v * s.weight > TOLERANCE_T:
            found.append((v * s.weight, words.finding(s, v)))
    found.sort(key=lambda p: (-p[0], p[1].rule, p[1].site or "", p[1].week or ""))
    total = sum(w for w, _ in found)
    if not found:
        return Diagnosis(method=method, findings=(), summary=(
            "The solver called the plan infeasible, but the elastic copy needs no rule broken: "
            "the model is numerically delicate; check very large or very small numbers."))
    proven = "smallest" if outcome.termination == "converged" else "a small"
    summary = (f"No plan meets every rule. {proven.capitalize()} set of changes that makes a "
               f"plan possible ({len(found)} rule row(s), {fmt_t(total)} t-equivalent in all):")
    return Diagnosis(method=method, findings=tuple(f for _, f in found), summary=summary,
                     details={"violation_t_equivalent": round(total, 6),
                              "proven_smallest": outcome.termination == "converged"})


class _Words:
    """Turns one slack of the elastic model into a planner's sentence."""

    def __init__(self, sc: Scenario, built) -> None:
        self.d = built.data
        self.weeks = built.data.weeks
        self.min_run = {(r.site_id, r.period): r.min_weekly_t for r in self.d.min_runs.itertuples()}
        self.share = sc.config.policy.max_leakage_share
        self.absolute = sc.config.policy.max_leakage_t

    def week(self, t: int) -> str:
        return self.weeks[t - 1]

    def per(self, t: int, unit: str = "t") -> str:
        """A bound's unit: per week in a weekly run; over the period (a year) in a strategic one."""
        return f"{unit}/week" if self.d.period_weeks[t] == 1 else unit

    def finding(self, s: Slack, v: float) -> Finding:
        """The sentence for one broken row (a method per elastic row of the registry)."""
        return getattr(self, s.row.removeprefix("feed_"))(s, v)

    def storage_limit(self, s: Slack, v: float) -> Finding:
        site, t = s.index
        return Finding("storage_limit", site=site, week=self.week(t), amount=v, unit="t",
                       message=f"{site} storage ({fmt_t(s.bound)} t) is {fmt_t(v)} t too small "
                               f"at the end of {self.week(t)}: the stock there has nowhere "
                               "else to go.")

    def hub_capacity(self, s: Slack, v: float) -> Finding:
        hub, t = s.index
        return Finding("hub_capacity", site=hub, week=self.week(t), amount=v, unit="t",
                       message=f"{hub} needs {fmt_t(v)} t more intake capacity in "
                               f"{self.week(t)}.")

    def plant_capacity(self, s: Slack, v: float) -> Finding:
        plant, t = s.index
        return Finding("plant_capacity", site=plant, week=self.week(t), amount=v, unit="t",
                       message=f"{plant} needs {fmt_t(v)} t more processing capacity in "
                               f"{self.week(t)} (it has {fmt_t(s.bound)} {self.per(t)}, plus "
                               "expansions once available).")

    def min_run_lower(self, s: Slack, v: float) -> Finding:
        plant, t = s.index
        low = self.min_run.get((plant, t), math.nan)
        return Finding("min_run", site=plant, week=self.week(t), amount=v, unit="t",
                       message=f"{plant} minimum run ({fmt_t(low)} t/week once started) is "
                               f"{fmt_t(v)} t short of feed in {self.week(t)}.")

    def blend_max(self, s: Slack, v: float) -> Finding:
        return self._blend(s, v, "<=", "cleaner")

    def blend_min(self, s: Slack, v: float) -> Finding:
        return self._blend(s, v, ">=", "richer")

    def _blend(self, s: Slack, v: float, sign: str, better: str) -> Finding:
        plant, attr, t = s.index
        specs = self.d.specs
        row = specs[(specs["site_id"] == plant) & (specs["attribute"] == attr)].iloc[0]
        bound = row["max"] if sign == "<=" else row["min"]
        rule = f"feed_blend_{'max' if sign == '<=' else 'min'}"
        over = f"{v:.3g} t of {attr} {'over' if sign == '<=' else 'under'} the limit"
        if not s.helpful:
            return Finding(rule, site=plant, week=self.week(t), amount=v, unit=f"t {attr}",
                           message=f"{plant} blend rule {attr} {sign} {bound:g} cannot be met "
                                   f"in {self.week(t)}: no feedstock it can get is {better} "
                                   f"than the limit, yet it must process some ({over}).")
        feed = v * s.weight
        return Finding(rule, site=plant, week=self.week(t), amount=feed, unit="t",
                       message=f"{plant} blend rule {attr} {sign} {bound:g} is short by "
                               f"{fmt_t(feed)} t of {better} feed in {self.week(t)} ({over}).")

    def leakage_cap(self, s: Slack, v: float) -> Finding:
        return Finding("leakage_cap", amount=v, unit="t",
                       message=f"The leakage cap ({self._cap_words()}, "
                               f"{fmt_t(s.bound)} t) must rise by {fmt_t(v)} t: the UK plants, "
                               "stores and lanes cannot take the rest.")

    def element_leakage_cap(self, s: Slack, v: float) -> Finding:
        (element,) = s.index
        return Finding("element_leakage_cap", amount=v, unit=f"kg {element}",
                       message=f"The {element} leakage cap ({fmt_t(s.bound)} kg) must rise by "
                               f"{fmt_t(v)} kg: the UK plants, stores and lanes cannot keep the "
                               "rest.")

    def _cap_words(self) -> str:
        share = f"{self.share:.0%} of available"
        return share if self.absolute is None else f"{share}, at most {fmt_t(self.absolute)} t"

    def offtake(self, s: Slack, v: float) -> Finding:
        product, week = s.index
        when = "over the horizon" if week == "all" else f"in {week}"
        return Finding("offtake", site=product, week=None if week == "all" else week,
                       amount=v, unit=f"t {product}",
                       message=f"The {product} offtake ({fmt_t(s.bound)} t {when}) is "
                               f"{fmt_t(v)} t short.")

    def lane_slots(self, s: Slack, v: float) -> Finding:
        arc, t = s.index
        origin, dest, mode = arc.split(">")
        trips = math.ceil(v - 1e-6)
        return Finding("lane_slots", site=f"{origin}>{dest}", week=self.week(t),
                       amount=trips, unit="trips",
                       message=f"{origin}–{dest} ({mode}) needs {trips} more slot"
                               f"{'s' * (trips != 1)} than its "
                               f"{s.bound:g}{self.per(t, '')} in {self.week(t)}.")

    def outlet_limit(self, s: Slack, v: float) -> Finding:
        outlet, row, t = s.index
        what = "everything it buys" if row == "*" else row
        return Finding("outlet_limit", site=outlet, feedstock=None if row == "*" else row,
                       week=self.week(t), amount=v, unit="t",
                       message=f"{outlet} would have to take {fmt_t(v)} t more of {what} than "
                               f"its {fmt_t(s.bound)} {self.per(t)} in {self.week(t)}.")

    def custody(self, s: Slack, v: float) -> Finding:
        arc, f, t = s.index
        origin, dest, mode = arc.split(">")
        return Finding("custody", site=dest, feedstock=f, week=self.week(t), amount=v, unit="t",
                       message=f"{fmt_t(v)} t of restricted {f} would have to go {origin} -> "
                               f"{dest} ({mode}, not cleared) in {self.week(t)}: no cleared "
                               "route or plant can take it.")
