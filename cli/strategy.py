"""``feedstock strategy``: what to build, where and when, over the scenario's years."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from feedstock.cli.options import base_scenario, common_options, report_failure, solver_flags

log = logging.getLogger("feedstock")


@click.command()
@click.argument("scenario", required=False, type=click.Path(path_type=str))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write builds.csv, capacity.csv, flows_by_year.csv, leakage_by_year.csv, "
                   "cost_by_year.csv, regret.csv, measures.json, commitments.csv, "
                   "summary.json, strategy.png and report.html here.")
@click.option("--no-pictures", is_flag=True, help="With --out: skip strategy.png and report.html.")
@solver_flags()
@click.option("--json", "as_json", is_flag=True,
              help="Print measures.json to stdout, nothing else.")
@click.option("--override", "overrides", multiple=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="TOML file of what-if overrides (repeatable; applied in order).")
@click.option("--futures", "futures_file", type=click.Path(dir_okay=False, path_type=Path),
              help="futures.toml to hedge against (default: SCENARIO/futures.toml if any).")
@click.option("--one-future", is_flag=True,
              help="Ignore futures.toml: plan for the scenario alone (deterministic).")
@click.option("--sample", "sample", type=click.IntRange(min=1), default=None,
              help="Draw N futures from futures.toml's [sampling] ranges instead of its futures.")
@click.option("--seed", type=int, default=1, show_default=True, help="Seed of --sample's draws.")
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True,
              help="Processes that solve futures side by side (the answer does not change).")
@click.option("--ranks", type=click.IntRange(min=2), default=None,
              help="Solve the futures by progressive hedging (mpi-sppy) on K MPI ranks "
                   "instead of the extensive form: pip install 'feedstock[stochastic]'.")
@click.option("--quiet", is_flag=True, help="No solver progress and no summary; errors only.")
@common_options
def strategy(scenario: str | None, out_dir: Path | None, no_pictures: bool,
             time_limit: float | None, gap: float | None, threads: int | None, as_json: bool,
             overrides: tuple[Path, ...], futures_file: Path | None, one_future: bool,
             sample: int | None, seed: int, workers: int, ranks: int | None,
             quiet: bool) -> None:
    """Plan the [strategy] years of SCENARIO (default: the bundled uk-2035 sample).

    Prints the build plan year by year, the discounted cost and its lines,
    capacity against feed per plant and year, and leakage by year. With
    futures (SCENARIO/futures.toml, --futures or --sample): the hedged plan of
    the two-stage stochastic program, what it costs in each future, and VSS,
    EVPI and the regret table in £.
    """
    from feedstock.data import sample_scenario
    from feedstock.optimizer.base.errors import SolveError
    from feedstock.optimizer.strategy import plan_strategy, write_strategy
    from feedstock.optimizer.strategy.write import measures_json

    sc = base_scenario(scenario or str(sample_scenario("uk-2035")), overrides)
    futures = None if one_future else chosen_futures(sc, futures_file, sample, seed)
    try:
        s = plan_strategy(sc, futures=futures, time_limit=time_limit, gap=gap, threads=threads,
                          progress=False if quiet or as_json else None, workers=workers,
                          ranks=ranks if futures is not None else None)
    except SolveError as exc:
        report_failure(exc, sc, out_dir, as_json)
        raise
    if out_dir is not None:
        write_strategy(s, out_dir, pictures=not no_pictures)
    if as_json:
        click.echo(measures_json(s), nl=False)
    elif not quiet:
        click.echo(strategy_text(s))
        if out_dir is not None:
            click.echo(f"\nWrote {out_dir}/: builds.csv, capacity.csv, flows_by_year.csv, "
                       "leakage_by_year.csv, cost_by_year.csv, regret.csv, measures.json, "
                       "commitments.csv, summary.json"
                       + ("" if no_pictures else ", strategy.png, report.html"))


def chosen_futures(sc, futures_file: Path | None, sample: int | None, seed: int):
    """The futures of this run: the file's, or N drawn from its [sampling] (None: one future)."""
    from feedstock.optimizer.scenario.futures import FILE, read_futures, sample_futures

    path = futures_file
    if path is None and sc.source != "<memory>" and (Path(sc.source) / FILE).is_file():
        path = Path(sc.source) / FILE
    if path is None:
        if sample is not None:
            raise click.UsageError(f"--sample needs a futures.toml with [sampling]: none in "
                                   f"{sc.source} (give --futures FILE)")
        return None
    futures = read_futures(path, sc)
    return futures if sample is None else sample_futures(futures, sample, seed, sc)


def strategy_text(s) -> str:
    """The plan as a planner reads it: builds by year, cost, capacity against feed, leakage."""
    from feedstock.optimizer.base.units import gbp

    r, years, m = s.result, s.years, s.measures
    many = len(m["futures"]) > 1
    per_future = "future" in s.builds.columns  # the extensive form: a plan per future
    out = [f"{r.scenario}: strategy {years[0]}..{years[-1]} ({len(years)} years), "
           f"status {m['status']}, gap {100 * m['gap']:.2f}%",
           f"{'Expected discounted' if many else 'Discounted'} cost {gbp(s.objective_gbp)} at "
           f"{100 * m['discount_rate']:.1f}%/yr (negative = the chain earns)"]
    if many:
        out += futures_text(s)
    out += ["", "Build plan" + (f" in the reference future ({m['reference']})" if many else "")]
    builds = s.builds[s.builds["future"] == m["reference"]] if per_future else s.builds
    if builds.empty:
        out.append("  nothing is built")
    for b in builds.itertuples(index=False):
        out.append(f"  {b.decided_year}: build {b.site_id}/{b.option} "
                   f"(+{b.extra_capacity_t_per_year:,.0f} t/yr), online {b.online_from}-"
                   f"{b.online_to}, capex {gbp(b.capex_gbp)}, "
                   f"{gbp(b.annuity_gbp_per_year + b.opex_gbp_per_year)}/yr annuity + opex; "
                   f"{gbp(b.cost_in_horizon_gbp)} discounted inside the horizon")
    out += ["", "Cost lines (£, discounted over the horizon)"]
    out += [f"  {k:<16} {gbp(v):>16}" for k, v in r.cost_lines_gbp.items()]
    cap = s.capacity[s.capacity["future"] == m["reference"]] if per_future else s.capacity
    cap = cap.pivot_table(index="site_id", columns="year", values=["capacity_t", "feed_t"],
                                 aggfunc="sum")
    head = "".join(f"{y:>12}" for y in years)
    out += ["", "Feed / capacity per plant and year (t/yr)", f"  {'plant':<22}{head}"]
    for site in cap.index:
        cells = "".join(f"{cap.at[site, ('feed_t', y)]:>6,.0f}/"
                        f"{cap.at[site, ('capacity_t', y)]:<5,.0f}" for y in years)
        out.append(f"  {site:<22}{cells}")
    leak = s.leakage_by_year[s.leakage_by_year["future"] == m["reference"]] if per_future \
        else s.leakage_by_year
    leak = leak.groupby("year")["tonnes_t"].sum().reindex(years, fill_value=0.0)
    out += ["", "Leakage (t/yr exported)", "  " + "".join(f"{y:>10}" for y in years),
            "  " + "".join(f"{v:>10,.1f}" for v in leak)]
    return "\n".join(out)


def futures_text(s) -> list[str]:
    """The hedge: first-stage builds, VSS and EVPI (with the gaps' ranges), costs, regret."""
    from feedstock.optimizer.base.units import gbp

    m = s.measures

    def money(v) -> str:
        return "no plan" if v is None else gbp(0.0 if abs(v) < 0.5 else v)  # no "-£0"

    def span(r) -> str:
        return "" if r is None else f" (the gaps allow {money(r[0])} .. {money(r[1])})"

    first = ", ".join(f"{b['site_id']}/{b['option']} in {b['year']}" for b in m["first_stage"])
    ph = m.get("progressive_hedging")
    if ph is not None:
        return ["", f"Hedged first stage (decided up to {m['commit_until']}, progressive "
                f"hedging on {ph['ranks']} ranks, {len(m['futures'])} futures): "
                f"{first or 'nothing'}",
                f"  RP between {money(ph['outer_bound_gbp'])} (proven bound) and "
                f"{money(ph['inner_bound_gbp'])} (this first stage's expected cost), gap "
                f"{100 * m['gap']:.2f}%, {ph['iterations']} iterations, {ph['seconds']:.0f} s",
                f"  Note: {m['note']}"]
    out = ["", f"Hedged first stage (decided up to {m['commit_until']}, the same in every "
           f"future): {first or 'nothing'}",
           *(f"  {label:<46}{money(v):>16}{span(r)}" for label, v, r in (
               ("RP   expected cost of the hedged plan", m["rp_gbp"], None),
               (f"EEV  the {m['reference']} future's own plan", m["eev_gbp"], None),
               ("VSS = EEV - RP, value of hedging", m["vss_gbp"], m.get("vss_range_gbp")),
               ("WS   perfect foresight, expected", m["ws_gbp"], None),
               ("EVPI = RP - WS, value of a perfect forecast", m["evpi_gbp"],
                m.get("evpi_range_gbp")))), "",
           f"  {'future':<18}{'probability':>12}{'hedged plan £':>18}{'own optimum £':>18}"
           "  own first stage"]
    for name, f in m["futures"].items():
        out.append(f"  {name:<18}{f['probability']:>12.3g}{gbp(f['cost_gbp']):>18}"
                   f"{gbp(f['ws_gbp']):>18}  {' + '.join(f['own_first_stage']) or 'nothing'}")
    worst = m["most_regretted"]
    out.append(f"  Most regretted: the {worst['plan_of']} future's own plan, "
               f"{money(worst['expected_regret_gbp'])} expected regret")
    if m.get("note"):
        out.append(f"  Note: {m['note']}")
    return out
