"""``feedstock``: thin click layer over the library. Exit codes are the contract.

0 plan (optimal or within gap / stopped with a plan), 2 invalid input,
3 infeasible or unbounded, 4 no plan within the time limit, 5 another weekly run
holds the lock (plan-week), 1 unexpected error.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import multiprocessing
import os
import sys
from pathlib import Path

import click

from feedstock.cli.convert import convert
from feedstock.cli.options import (
    base_scenario,
    common_options,
    log_level,
    report_failure,
    scenario_arg,
    solver_flags,
    study_options,
)
from feedstock.cli.report import describe_text, summary_text, week_text
from feedstock.cli.strategy import strategy
from feedstock.optimizer.base.errors import ScenarioError

log = logging.getLogger("feedstock")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="feedstock")
def main() -> None:
    """Plan the UK rare-earth magnet recycling chain week by week and year by year (MIP, HiGHS)."""


main.add_command(strategy)


@main.command()
@click.argument("scenario", required=False, type=click.Path(path_type=str))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write summary.json, CSV tables, GeoJSON, plan.xlsx, map.png, map.html and "
                   "report.html here.")
@click.option("--no-maps", is_flag=True,
              help="With --out: skip map.png, map.html and report.html (faster).")
@solver_flags()
@click.option("--json", "as_json", is_flag=True, help="Print summary.json to stdout, nothing else.")
@click.option("--override", "overrides", multiple=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="TOML file of what-if overrides (repeatable; applied in order).")
@click.option("--quiet", is_flag=True,
              help="No solver progress and no summary on stdout; errors only.")
@click.option("--relax-trips", is_flag=True,
              help="Continuous trips on every mode (a strategic run: fast, trips fractional); "
                   "the override modes.integer_trips[*] = false, recorded in summary.json.")
@click.option("--commitments", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="commitments.csv to take as decided (e.g. from feedstock strategy --out), "
                   "instead of the scenario's own.")
@click.option("--lp-start/--no-lp-start", default=None,
              help="Offer HiGHS the rounded LP relaxation as a MIP start before the search "
                   "(serially). Default: on from 250,000 variables; below, the second "
                   "core's helper offers it during the search (with --threads 1: off).")
@common_options
def solve(scenario: str | None, out_dir: Path | None, no_maps: bool, time_limit: float | None,
          gap: float | None, threads: int | None, as_json: bool,
          overrides: tuple[Path, ...], quiet: bool, relax_trips: bool,
          commitments: Path | None, lp_start: bool | None) -> None:
    """Solve SCENARIO (default: the bundled UK sample) and print the plan's summary."""
    from feedstock.optimizer.base.errors import SolveError
    from feedstock.optimizer.outputs.writers import summary_json, write_outputs
    from feedstock.optimizer.solve.pipeline import RELAX_TRIPS
    from feedstock.optimizer.solve.pipeline import solve as run

    sc = base_scenario(scenario, overrides, commitments=commitments)
    if relax_trips:
        sc = sc.with_overrides(RELAX_TRIPS)
        log.info("continuous trips (--relax-trips)")
    try:
        result = run(sc, time_limit=time_limit, gap=gap, threads=threads, lp_start=lp_start,
                     progress=False if quiet or as_json else None)
    except SolveError as exc:
        report_failure(exc, sc, out_dir, as_json)
        raise
    if out_dir is not None:
        write_outputs(result, out_dir, maps=not no_maps)
    if as_json:
        click.echo(summary_json(result), nl=False)
    elif not quiet:
        click.echo(summary_text(result, sc))
        if out_dir is not None:
            pictures = "" if no_maps else ", map.png, map.html, report.html"
            click.echo(f"\nWrote {out_dir}/: summary.json, plan.xlsx{pictures}, "
                       "flows.geojson, sites.geojson and the CSV tables (flows.csv, plants.csv, "
                       "stock.csv, leakage.csv, decisions.csv, marginal_values.csv, ...)")


@main.command()
@click.argument("scenario", required=False, type=click.Path(path_type=str))
@click.option("--json", "as_json", is_flag=True, help="Print problems or description as JSON.")
@common_options
def validate(scenario: str | None, as_json: bool) -> None:
    """Check SCENARIO without solving: every problem (exit 2) or a short description.

    Without SCENARIO, the bundled sample (its folder is named in the first line).
    The pre-solve checks run too: a finding that proves no plan exists exits 3.
    """
    from feedstock.optimizer.scenario import load_scenario
    from feedstock.optimizer.solve.pipeline import NOT_POSSIBLE, check

    try:
        sc = load_scenario(scenario_arg(scenario))
    except ScenarioError as exc:
        if as_json:
            click.echo(json.dumps({"valid": False,
                                   "problems": [p.as_dict() for p in exc.problems]}, indent=2))
            sys.exit(exc.exit_code)
        raise
    checks = check(sc)
    if as_json:
        click.echo(json.dumps({"valid": True, "source": sc.source, **sc.describe(),
                               "notes": list(sc.notes),
                               "checks": [f.as_dict() for f in checks.findings]}, indent=2))
    else:
        click.echo(describe_text(sc))
        if scenario is None:
            click.echo(f"  (the bundled sample: pass a folder or .xlsx to check your own; "
                       f"copy {sc.source} to start one)")
        if checks.warnings:
            click.echo("  warnings:\n" + "\n".join(f"    - {f.message}" for f in checks.warnings))
    if checks.errors:
        from feedstock.optimizer.base.errors import InfeasibleError

        raise InfeasibleError(NOT_POSSIBLE, diagnosis=checks)


@main.command()
@click.argument("scenario", required=False, type=click.Path(path_type=str))
@click.option("--param", "params", multiple=True, required=True, metavar="KEY=V1,V2,...",
              help="An override key and the values to try (repeatable: every combination).")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes (HiGHS's MIP search uses one core each).")
@click.option("--scheduler", metavar="tcp://HOST:PORT",
              help="Run the variants on this Dask scheduler instead (pip install feedstock[dask]).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Write sweep.csv and one folder per variant here.")
@study_options
@common_options
def sweep(scenario: str | None, params: tuple[str, ...], workers: int, scheduler: str | None,
          out_dir: Path, overrides: tuple[Path, ...], time_limit: float | None,
          gap: float | None, rebuild: bool, quiet: bool) -> None:
    """Solve every combination of --param values and write OUT/sweep.csv (one row each)."""
    from feedstock.optimizer.studies import SweepOptions, grid_from_params
    from feedstock.optimizer.studies import sweep as run_sweep

    try:
        grid = grid_from_params(params)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--param") from None
    base = base_scenario(scenario, overrides)
    opts = SweepOptions(time_limit=time_limit, gap=gap, persistent=not rebuild)
    progress = False if quiet else None
    if scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise click.UsageError("--scheduler needs Dask: pip install 'feedstock[dask]'"
                                   ) from None
        with Client(scheduler) as client:
            table = run_sweep(base, grid, client=client, options=opts, out=out_dir,
                              progress=progress)
    else:
        table = run_sweep(base, grid, workers=workers, options=opts, out=out_dir,
                          progress=progress)
    if not quiet:
        shown = [*grid, "status", "objective_gbp", "gap", "leaked_t", "processed_uk_t"]
        click.echo(table[[c for c in shown if c in table.columns]].to_string())
        click.echo(f"\nWrote {out_dir}/sweep.csv and {len(table)} variant folders (v001/ ...)")


@main.command()
@click.argument("scenario", required=False, type=click.Path(path_type=str))
@click.option("--points", type=click.IntRange(min=2), default=8, show_default=True,
              help="Epsilons on an even grid from the least leakage to the cheapest plan's.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Write frontier.csv, points.csv, frontier.png and points/ here.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes for the epsilon points.")
@click.option("--element", metavar="SYMBOL",
              help="Measure leakage in kg of this element (e.g. dy: feedstocks.csv dy_share) "
                   "instead of tonnes.")
@study_options
@common_options
def pareto(scenario: str | None, points: int, out_dir: Path, workers: int,
           element: str | None, overrides: tuple[Path, ...], time_limit: float | None,
           gap: float | None, rebuild: bool, quiet: bool) -> None:
    """The cost-leakage frontier (epsilon-constraint): frontier.csv and frontier.png in OUT."""
    from feedstock.optimizer.studies import SweepOptions
    from feedstock.optimizer.studies import pareto as run_pareto

    base = base_scenario(scenario, overrides)
    if element is not None and element not in base.elements:
        raise click.BadParameter(
            f"{element!r} has no share column in feedstocks.csv (elements: "
            f"{', '.join(base.elements) or 'none'})", param_hint="--element")
    frontier = run_pareto(base, points, workers=workers, out=out_dir, element=element,
                          options=SweepOptions(time_limit=time_limit, gap=gap,
                                               persistent=not rebuild),
                          progress=False if quiet else None)
    what = "leakage" if element is None else f"{element} leakage"
    frontier.write(out_dir, title=f"{base.name}: cost vs {what} ({base.weeks[0]} .. "
                                  f"{base.weeks[-1]})")
    if not quiet:
        u = frontier.unit
        cols = [f"epsilon_{u}", f"leaked_{u}", "cost_gbp", "status", "gap", "label"]
        click.echo(frontier.table[cols].to_string())
        click.echo(f"\n{what.capitalize()} from {frontier.l_min_t:.2f} {u} (least possible) "
                   f"to {frontier.l_max_t:.2f} {u} (cheapest plan). Wrote "
                   f"{out_dir}/frontier.csv, frontier.png, points.csv and points/")


@main.command("plan-week")
@click.argument("scenario", required=False, type=click.Path(path_type=str))
@click.option("--week", required=True, help="ISO week the horizon starts, e.g. 2026-W49.")
@click.option("--stock", type=click.Path(dir_okay=False, path_type=Path),
              help="Stock-take (inventory.csv columns); default: the previous week's run.")
@click.option("--runs-dir", type=click.Path(file_okay=False, path_type=Path),
              default=Path("runs"), show_default=True, help="Where week folders live.")
@click.option("--force", is_flag=True, help="Replace a week that already has a plan.")
@click.option("--quiet", is_flag=True, help="Errors only on stderr, nothing on stdout.")
@click.option("--no-maps", is_flag=True,
              help="Skip map.png, map.html and report.html in the week's folder (faster).")
@click.option("--no-warm-start", is_flag=True,
              help="Do not offer the previous week's plan to the solver as a MIP start.")
@click.option("--lock-wait", type=click.FloatRange(min=0), default=10.0, show_default=True,
              help="Seconds to wait for another run on the same runs folder.")
@click.option("--commitments", type=click.Path(dir_okay=False, exists=True, path_type=Path),
              help="commitments.csv to take as decided (e.g. from feedstock strategy --out), "
                   "instead of the scenario's and the previous run's.")
@click.option("--redecide", is_flag=True,
              help="Decide expansions, lane contracts and hub openings afresh instead of "
                   "taking the previous run's commitments.csv.")
@solver_flags()
@common_options
@log_level(logging.INFO)
def plan_week(scenario: str | None, week: str, stock: Path | None, runs_dir: Path, force: bool,
              quiet: bool, no_maps: bool, no_warm_start: bool, lock_wait: float,
              commitments: Path | None, redecide: bool,
              time_limit: float | None, gap: float | None, threads: int | None) -> None:
    """Plan the horizon starting --week and publish RUNS_DIR/WEEK/ whole (for schedulers).

    Opening stock: --stock, else the previous week's run in RUNS_DIR (its planned
    end-of-week stock; its shipments still in transit arrive this week). The
    first run's expansions, lane contracts and hub openings are carried through
    the chain (commitments.csv) unless --redecide. Exit codes as solve; 5 if
    another run holds the runs folder.
    """
    from feedstock.optimizer.weekly import WeekOptions
    from feedstock.optimizer.weekly import plan_week as run_week

    opts = WeekOptions(time_limit=time_limit, gap=gap, threads=threads,
                       warm_start=not no_warm_start, lock_wait_s=lock_wait,
                       progress=False if quiet else None, maps=not no_maps,
                       commitments=commitments, redecide=redecide)
    run = run_week(scenario_arg(scenario), week, runs_dir=runs_dir, stock=stock, force=force,
                   options=opts)
    if not quiet:
        click.echo(week_text(run))
    if run.exit_code:  # the reason is already on stderr (logged as an error)
        sys.exit(run.exit_code)


main.add_command(convert)


def run() -> None:
    """The ``feedstock`` console script: :func:`main`, then the process ends promptly.

    Once a command has written its output, the interpreter would free every
    object left, one by one, before the process ends (the model of a
    2,000-source solve: 2.4 s, measured), and a scheduler waits for that. So
    when :func:`main` has exited the console script runs the exit handlers,
    flushes, and ends the process (``os._exit``, as mypy's command line does),
    with the same exit code. It skips the interpreter's join of threads that
    are still running (the solve waits for its own before it returns). It exits
    the usual way with a child process still running (a pool's workers), so
    that their shutdown runs, and under MPI (``mpiexec ... feedstock strategy``:
    mpi4py finalizes MPI only on the usual exit; without it ``mpiexec`` may cut
    the other ranks off mid-write). An exception ``main`` lets through
    (``--debug``) exits the usual way too.
    """
    try:
        main()
        code: object = 0
    except SystemExit as done:
        code = done.code
    if multiprocessing.active_children() or "mpi4py.MPI" in sys.modules:
        sys.exit(code)
    if code is None:
        code = 0
    elif not isinstance(code, int):  # what sys.exit("message") does
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()  # logging's flush, temporary files; what the interpreter runs
    for stream in (sys.stdout, sys.stderr):
        # a reader that has gone (`| head`), a closed stream: nothing more to flush
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
