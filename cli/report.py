"""Plain-text reports for planners: status, cost lines, tonnes, lanes — with units."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from feedstock.optimizer.base.units import gbp
from feedstock.optimizer.results.result import Result
from feedstock.optimizer.scenario import Scenario

if TYPE_CHECKING:
    from feedstock.optimizer.weekly import WeekRun


def summary_text(r: Result, sc: Scenario, top_lanes: int = 8) -> str:
    """The readable plan summary printed by ``feedstock solve``."""
    from feedstock.optimizer.results.binding import binding_rules

    k = r.kpis
    target = r.solver.get("mip_rel_gap", 0.0)
    n = len(r.weeks)
    head = (f"Plan for {r.scenario} ({r.weeks[0]} .. {r.weeks[-1]}, {n} week{'s' * (n != 1)}): "
            f"{r.status.upper()}, gap {r.gap:.2%} (target {target:.2%})")
    lines = [head]
    if r.status == "feasible":
        lines.append(f"  !! The solver stopped ({r.solver.get('termination')}) before proving this "
                     f"plan within the target gap: it may cost up to {r.gap:.2%} more than the "
                     "best possible plan.")
    size = r.model_size
    lines += [f"  objective {gbp(r.objective_gbp)}, bound {gbp(r.bound_gbp)}; "
              f"{size['variables']:,} variables ({size['integer_variables']:,} integer), "
              f"{size['constraints']:,} constraints; build {r.build_seconds:.1f} s, "
              f"solve {r.solve_seconds:.1f} s, duals {r.dual_seconds:.1f} s", "",
              "Cost lines (GBP)"]
    for name, value in r.cost_lines_gbp.items():
        lines.append(f"  {name:<18}{gbp(value):>16}")
    lines.append(f"  {'total':<18}{gbp(sum(r.cost_lines_gbp.values())):>16}")
    lines += ["", "Tonnes (t)",
              f"  available {k['available_t']:.1f} = processed in UK {k['processed_uk_t']:.1f}"
              f" + leaked {k['leaked_t']:.1f} + left in stock {k['final_stock_t']:.1f}"
              f"   (leakage share {k['leakage_share']:.1%})"]
    lines += ["", "Processed per plant (t over the horizon, mean utilisation)"]
    plants = r.plants.groupby(["site_id", "product"], as_index=False)[["feed_t", "output_t"]].sum()
    for p in plants.itertuples():
        util = k["plant_utilisation_mean"].get(p.site_id)
        shown = "no capacity" if util is None else f"{util:.0%}"
        lines.append(f"  {p.site_id:<22}{p.feed_t:8.1f} t fed  ({shown})  "
                     f"-> {p.output_t:.2f} t {p.product}")
    made = r.plant_output.groupby(["site_id", "product"], sort=False)["output_t"].sum()
    if len(made) and made.groupby(level=0).size().max() > 1:  # a plant makes several: each
        lines += ["", "Products (t over the horizon)"]
        lines += [f"  {site:<22}{t:10.3f} t {product}" for (site, product), t in made.items()]
    lines += element_lines(k)
    lines += ["", "Leakage by sector (t, share of that sector's available t)"]
    leak = r.leakage.groupby("sector")["tonnes_t"].sum()
    for sector, share in k["leakage_share_by_sector"].items():
        lines.append(f"  {sector:<14}{leak.get(sector, 0.0):8.1f} t  ({share:.0%})")
    decisions = r.decisions
    if len(decisions):
        lines += ["", "Decisions"]
        for d in decisions.itertuples():
            lines.append(f"  {d.decision:<14}{d.id:<36}{'YES' if d.chosen else 'no':<4}"
                         f" fixed {gbp(d.fixed_cost_gbp)}")
    binding = binding_rules(sc, r)
    if len(binding):
        lines += ["", "Binding rules (where the plan sits on a limit)"]
        for rule, rows in binding.groupby("rule", sort=False):
            places = list(dict.fromkeys(f"{w} {wk}" for w, wk in
                                        zip(rows["where"], rows["week"], strict=True)))
            more = f" (+{len(places) - 3} more)" if len(places) > 3 else ""
            lines.append(f"  {rule:<16}{', '.join(places[:3])}{more}")
    lines += ["", "Busiest lanes (t over the horizon)"]
    lanes = r.lane_weeks.groupby(["origin", "destination", "mode"], as_index=False)[
        ["tonnes_t", "trips"]].sum().sort_values("tonnes_t", ascending=False).head(top_lanes)
    for ln in lanes.itertuples():
        lines.append(f"  {ln.origin} > {ln.destination} ({ln.mode}): {ln.tonnes_t:.1f} t, "
                     f"{ln.trips:.0f} trips")
    trips = ", ".join(f"{m} {v:.0f}" for m, v in k["trips_by_mode"].items())
    lines += ["", f"Transport: {trips or 'no'} trips; CO2e {k['co2e_t']:.2f} t"]
    mv = k["marginal_value_plant_capacity_gbp_per_t_week"]
    if mv:
        lines.append("Marginal value of plant capacity (GBP per extra t/week, all weeks): "
                     + ", ".join(f"{p} {gbp(v)}" for p, v in mv.items()))
    if r.overrides:
        lines += ["", "What-if overrides (in order)",
                  *(f"  - {o['override']}  ({o['source']})" for o in r.overrides)]
    if r.notes:
        lines += ["", "Notes", *(f"  - {n}" for n in r.notes)]
    return "\n".join(lines)


def element_lines(k: Mapping) -> list[str]:
    """Kg of each element kept in the UK and leaked (nothing without element columns)."""
    kept = k.get("element_kept_uk_kg")
    if not kept:
        return []
    leaked = k["element_leaked_kg"]
    lines = ["", "Elements (kg over the horizon: kept in the UK / leaked abroad)"]
    for el, v in kept.items():
        lines.append(f"  {el:<4}{v:12,.1f} kg kept  {leaked.get(el, 0.0):12,.1f} kg leaked")
        for what in ("sector", "outlet"):
            by = k[f"element_leaked_kg_by_{what}"].get(el, {})
            where = ", ".join(f"{s} {kg:,.1f}" for s, kg in by.items() if kg > 0)
            if where:
                lines.append(f"        leaked by {what}: {where}")
    if "element_value_kept_gbp" in k:
        lines.append(f"  value kept {gbp(k['element_value_kept_gbp'])}, leaked "
                     f"{gbp(k['element_value_leaked_gbp'])}")
    return lines


def describe_text(sc: Scenario) -> str:
    """What ``feedstock validate`` prints for a valid scenario."""
    d = sc.describe()
    kinds = ", ".join(f"{n} {k}" for k, n in d["sites_by_kind"].items())
    sectors = ", ".join(f"{s} {t:.1f} t" for s, t in d["supply_t_by_sector"].items())
    lines = [f"Scenario {d['name']} is valid ({sc.source})",
             f"  horizon: {d['weeks']}",
             f"  sites: {kinds}",
             f"  feedstocks ({len(d['feedstocks'])}): {', '.join(d['feedstocks'])}",
             f"  supply in horizon by sector: {sectors}",
             f"  supply weeks: {d['supply_weeks']}; opening stock {d['opening_stock_t']:.1f} t"
             + (f"; in transit {d['in_transit_t']:.1f} t" if d["in_transit_t"] else "")]
    if sc.notes:
        lines += ["  notes:", *(f"    - {n}" for n in sc.notes)]
    return "\n".join(lines)


def week_text(run: WeekRun) -> str:
    """What ``feedstock plan-week`` prints: the week, its status and what to book."""
    s = run.summary
    if run.result is None:
        return (f"{run.week}: NO PLAN ({run.status}, exit {run.exit_code}); see "
                f"{run.folder}/summary.json" + (", diagnosis.json" if s.get("diagnosis") else ""))
    r = run.result
    first = r.flows[r.flows["period"] == 1]
    trips = r.lane_weeks.loc[r.lane_weeks["period"] == 1, "trips"].sum()
    ws = s.get("warm_start") or {}
    start = "no warm start" if not ws else "the LP start's plan" if ws.get("answer") else \
        f"warm start {'accepted' if ws.get('accepted') else 'not accepted'}"
    first_plan = s.get("time_to_first_plan_s")
    lines = [f"{run.week}: {r.status.upper()}, gap {r.gap:.2%}, objective {gbp(r.objective_gbp)}"
             f" ({start}; first plan after "
             f"{'?' if first_plan is None else f'{first_plan:.1f}'} s, solve "
             f"{r.solve_seconds:.1f} s)",
             f"  week 1 dispatch: {len(first)} shipment rows, {first['tonnes_t'].sum():.1f} t, "
             f"{trips:.0f} trips (dispatch.csv)",
             f"  wrote {run.folder}/"]
    if r.status == "feasible":
        lines.insert(1, f"  !! stopped before proving the gap target: may cost up to "
                        f"{r.gap:.2%} more than the best plan")
    return "\n".join(lines)
