"""``feedstock strategy``: what to build, where and when, over the scenario's years."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click

from feedstock.cli.options import base_scenario, common_options, solver_flags

log = logging.getLogger("feedstock")


@click.command()
@click.argument("scenario", required=False, type=click.Path(path_type=str))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write builds.csv, capacity.csv, flows_by_year.csv, leakage_by_year.csv, "
                   "cost_by_year.csv, measures.json, commitments.csv, summary.json, "
                   "strategy.png and report.html here.")
@click.option("--no-pictures", is_flag=True, help="With --out: skip strategy.png and report.html.")
@solver_flags()
@click.option("--json", "as_json", is_flag=True,
              help="Print measures.json to stdout, nothing else.")
@click.option("--override", "overrides", multiple=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="TOML file of what-if overrides (repeatable; applied in order).")
@click.option("--quiet", is_flag=True, help="No solver progress and no summary; errors only.")
@common_options
def strategy(scenario: str | None, out_dir: Path | None, no_pictures: bool,
             time_limit: float | None, gap: float | None, threads: int | None, as_json: bool,
             overrides: tuple[Path, ...], quiet: bool) -> None:
    """Plan the [strategy] years of SCENARIO (default: the bundled uk-2035 sample).

    Prints the build plan year by year, the discounted cost and its lines,
    capacity against feed per plant and year, and leakage by year.
    """
    from feedstock.data import sample_scenario
    from feedstock.optimizer.base.errors import SolveError
    from feedstock.optimizer.outputs.writers import failure_summary, write_failure
    from feedstock.optimizer.strategy import plan_strategy, write_strategy
    from feedstock.optimizer.strategy.write import measures_json

    sc = base_scenario(scenario or str(sample_scenario("uk-2035")), overrides)
    try:
        s = plan_strategy(sc, time_limit=time_limit, gap=gap, threads=threads,
                          progress=False if quiet or as_json else None)
    except SolveError as exc:
        if out_dir is not None:
            write_failure(exc, sc, out_dir)
            log.warning("wrote %s/ (summary.json%s)", out_dir,
                        ", diagnosis.json" if getattr(exc, "diagnosis", None) else "")
        if as_json:
            click.echo(json.dumps(failure_summary(exc, sc), indent=2))
        raise
    if out_dir is not None:
        write_strategy(s, out_dir, pictures=not no_pictures)
    if as_json:
        click.echo(measures_json(s), nl=False)
    elif not quiet:
        click.echo(strategy_text(s))
        if out_dir is not None:
            click.echo(f"\nWrote {out_dir}/: builds.csv, capacity.csv, flows_by_year.csv, "
                       "leakage_by_year.csv, cost_by_year.csv, measures.json, commitments.csv, "
                       "summary.json" + ("" if no_pictures else ", strategy.png, report.html"))


def strategy_text(s) -> str:
    """The plan as a planner reads it: builds by year, cost, capacity against feed, leakage."""
    from feedstock.optimizer.base.units import gbp

    r, years = s.result, s.years
    out = [f"{r.scenario}: strategy {years[0]}..{years[-1]} ({len(years)} years), "
           f"status {r.status}, gap {100 * r.gap:.2f}%",
           f"Discounted cost {gbp(r.objective_gbp)} at {100 * s.measures['discount_rate']:.1f}%/yr"
           " (negative = the chain earns)", "", "Build plan"]
    if s.builds.empty:
        out.append("  nothing is built")
    for b in s.builds.itertuples(index=False):
        out.append(f"  {b.decided_year}: build {b.site_id}/{b.option} "
                   f"(+{b.extra_capacity_t_per_year:,.0f} t/yr), online {b.online_from}-"
                   f"{b.online_to}, capex {gbp(b.capex_gbp)}, "
                   f"{gbp(b.annuity_gbp_per_year + b.opex_gbp_per_year)}/yr annuity + opex; "
                   f"{gbp(b.cost_in_horizon_gbp)} discounted inside the horizon")
    out += ["", "Cost lines (£, discounted over the horizon)"]
    out += [f"  {k:<16} {gbp(v):>16}" for k, v in r.cost_lines_gbp.items()]
    cap = s.capacity.pivot_table(index="site_id", columns="year", values=["capacity_t", "feed_t"],
                                 aggfunc="sum")
    head = "".join(f"{y:>12}" for y in years)
    out += ["", "Feed / capacity per plant and year (t/yr)", f"  {'plant':<22}{head}"]
    for site in cap.index:
        cells = "".join(f"{cap.at[site, ('feed_t', y)]:>6,.0f}/"
                        f"{cap.at[site, ('capacity_t', y)]:<5,.0f}" for y in years)
        out.append(f"  {site:<22}{cells}")
    leak = s.leakage_by_year.groupby("year")["tonnes_t"].sum().reindex(years, fill_value=0.0)
    out += ["", "Leakage (t/yr exported)", "  " + "".join(f"{y:>10}" for y in years),
            "  " + "".join(f"{v:>10,.1f}" for v in leak)]
    return "\n".join(out)
