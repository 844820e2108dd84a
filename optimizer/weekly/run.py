"""One unattended weekly planning run: ``runs/<week>/`` complete, or nothing at all.

Order of work, each step able to stop the run with its typed error:

1. take the runs folder's lock (wait briefly, else :class:`RunLockedError`);
   remove staging folders that killed runs left behind;
2. refuse a week that already has a plan unless ``force`` (a week whose run
   made no plan -- infeasible, no plan in time -- is simply run again);
3. find the opening stock: the stock-take, else the previous week's run;
   shipments that run dispatched and that arrive this week come with it;
4. load the scenario with ``start_week`` = this week, that stock and those
   arrivals (every problem with its file, row and column);
5. solve, offering last week's plan shifted by a week as a MIP start;
6. write every file into a staging folder, the manifest last, and rename the
   folder into place.

A run that made no plan (infeasible, no plan in time) still publishes its
folder (summary.json, diagnosis.json, manifest.json, run.log): the scheduler's
record of why. A ``--force`` re-run that makes no plan never replaces a week that
holds one: its record goes to ``<week>.rejected-<time>/`` and the plan (perhaps
already booked) stays. Invalid input or a busy lock publishes nothing.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feedstock.optimizer.base.errors import (
    FeedstockError,
    RunExistsError,
    RunInputError,
    SolveError,
)
from feedstock.optimizer.base.weeks import parse_iso_week
from feedstock.optimizer.results.result import Result
from feedstock.optimizer.scenario import Scenario, load_scenario
from feedstock.optimizer.solve.warmstart import shifted_start
from feedstock.optimizer.weekly import handoff
from feedstock.optimizer.weekly.manifest import (
    input_hashes,
    manifest_text,
    scenario_files,
    utc_now,
    versions,
)
from feedstock.optimizer.weekly.outputs import dispatch_table, plan_table, write_fixed
from feedstock.optimizer.weekly.runfolder import publish, runs_lock, staging, sweep_staging

log = logging.getLogger(__name__)

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
LOG_DATEFMT = "%Y-%m-%dT%H:%M:%S%z"
LOGGERS = ("feedstock",)  # the package's loggers (feedstock.optimizer..., feedstock.models...)
QUIET_LOGGERS = ("pyogrio",)  # "Created 58 records" per GeoJSON file is not news

# Test hook: called with each file's path right after it is written into the
# staging folder, so a test can interrupt a run half-way through writing.
after_file: Callable[[Path], None] | None = None


@dataclass(frozen=True)
class WeekRun:
    """What a weekly run did: its folder, status and exit code, and the plan if any."""

    week: str
    folder: Path
    status: str
    exit_code: int
    result: Result | None = None
    error: SolveError | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    scenario: Scenario | None = None  # the week's scenario (this stock, these arrivals)


@dataclass(frozen=True)
class WeekOptions:
    """How to run: solver overrides, the warm start, the lock wait, solver progress.

    ``progress``: the solver's progress line on stderr (``feedstock.optimizer.solve.progress``);
    None shows it only when stderr is a terminal, never in a scheduler's log.
    ``maps``: also write map.png, map.html and report.html into the week's folder.
    ``commitments``: a commitments.csv to take as decided instead of the
    scenario's (e.g. a strategic run's). Without it, a run after the first of a
    chain takes the previous run's commitments.csv: the first run's expansions,
    lane contracts and hub openings, never re-decided. ``redecide`` ignores the
    previous run's and decides them afresh (this run then starts a new chain).
    """

    time_limit: float | None = None
    gap: float | None = None
    threads: int | None = None
    warm_start: bool = True
    lock_wait_s: float = 10.0
    progress: bool | None = None
    maps: bool = True
    commitments: Path | None = None
    redecide: bool = False


def plan_week(scenario_dir: str | Path, week: str, *, runs_dir: str | Path = "runs",
              stock: str | Path | None = None, force: bool = False,
              options: WeekOptions | None = None) -> WeekRun:
    """Plan ``week`` and publish ``runs_dir/week/``; see the module docstring.

    Raises :class:`RunInputError` / :class:`~feedstock.optimizer.base.errors.ScenarioError`
    (exit 2, nothing written), :class:`RunExistsError` (exit 2),
    :class:`~feedstock.optimizer.base.errors.RunLockedError` (exit 5). A solve without a plan
    is not raised: its folder is published and the returned ``exit_code`` is 3
    or 4.
    """
    opts = options or WeekOptions()
    scenario_dir, runs_dir = Path(scenario_dir), Path(runs_dir)
    week = _week_label(week)
    stock_path = None if stock is None else Path(stock)
    if stock_path is not None and not stock_path.is_file():
        raise RunInputError(f"stock-take {stock_path} does not exist")
    started = utc_now()
    clock = time.perf_counter()
    with runs_lock(runs_dir, opts.lock_wait_s):
        sweep_staging(runs_dir)
        dest = runs_dir / week
        replacing = _check_existing(dest, force)
        with staging(runs_dir, week) as tmp, _run_log(tmp / "run.log"):
            log.info("plan-week %s: scenario %s, runs folder %s", week, scenario_dir, runs_dir)
            prev = handoff.find_previous(runs_dir, week, required=stock_path is None)
            sc, inputs = _load(scenario_dir, week, stock_path, prev, opts)
            run = _solve(sc, week, dest, prev, opts)
            _write(tmp, run, sc, maps=opts.maps)
            manifest = {
                "week": week, "scenario": sc.name, "scenario_dir": str(scenario_dir),
                "exit_code": run.exit_code, "status": run.status,
                "started_utc": started, "finished_utc": utc_now(),
                "seconds": round(time.perf_counter() - clock, 3),
                "opening_stock": "stock-take" if stock_path else f"run {prev.week}",
                "in_transit_from": None if prev is None else f"run {prev.week}",
                "warm_start": run.summary.get("warm_start") or {
                    "offered": bool(opts.warm_start and prev is not None)},
                "solver": {**_solver_options(sc, opts), **(run.summary.get("solver") or {})},
                "inputs": inputs, "versions": versions(),
                "replaced_earlier_run": replacing,
            }
            if replacing in handoff.PLAN_STATUSES and run.exit_code:
                dest = runs_dir / f"{week}.rejected-{started.replace(':', '')}"
                run = dataclasses.replace(run, folder=dest)
                log.error("this forced re-run of %s made no plan (%s): the earlier plan stays "
                          "in %s; this run's record goes to %s", week, run.status,
                          runs_dir / week, dest)
                manifest["published_as"] = dest.name
                replacing = None
            _put(tmp / "manifest.json", manifest_text(manifest))
            log.info("plan-week %s: %s (exit %d); publishing %s", week, run.status,
                     run.exit_code, dest)
        publish(tmp, dest, replace=replacing is not None)
    return run


def _solver_options(sc: Scenario, opts: WeekOptions) -> dict[str, Any]:
    """What the solver was asked to do (also for a run that made no plan)."""
    from feedstock.optimizer.solve.pipeline import solver_options

    return dict(solver_options(sc, time_limit=opts.time_limit, gap=opts.gap,
                               threads=opts.threads).__dict__)


def _week_label(week: str) -> str:
    try:
        parse_iso_week(week)
    except ValueError as exc:
        raise RunInputError(f"--week {week!r}: {exc}") from None
    return week.strip()


def _check_existing(dest: Path, force: bool) -> str | None:
    """The status of a run already in ``dest`` that this one will replace (None: no run)."""
    if not dest.exists():
        return None
    try:
        status = str(json.loads((dest / "summary.json").read_text(encoding="utf-8"))["status"])
    except (OSError, ValueError, KeyError, TypeError):
        status = "unreadable"
    if not force and status in handoff.PLAN_STATUSES:
        raise RunExistsError(
            f"{dest} already holds a plan (status {status}); nothing was done. Use --force to "
            "plan the week again and replace it.")
    if not force and status == "unreadable":  # not a run we wrote: never delete it unasked
        raise RunExistsError(
            f"{dest} exists but holds no readable summary.json of a weekly run; nothing was "
            "done. Move it away, or use --force to replace it.")
    log.warning("replacing the earlier run in %s (status %s)", dest, status)
    later = sorted(p.name for p in dest.parent.iterdir()
                   if p.is_dir() and not p.name.startswith(".") and "." not in p.name
                   and p.name > dest.name)
    if later and status in handoff.PLAN_STATUSES:
        log.warning("runs of later weeks (%s) started from the plan being replaced; plan them "
                    "again (--force) so that they start from this one", ", ".join(later))
    return status


def _load(scenario_dir: Path, week: str, stock: Path | None, prev: handoff.PreviousRun | None,
          opts: WeekOptions) -> tuple[Scenario, dict[str, dict[str, str]]]:
    """The scenario of the week being planned, and the hashes of the files it was made of.

    Hashed as soon as they are read: a file edited during the solve must not
    show its new content in the manifest.
    """
    files: dict[str, Path | None] = {"inventory": stock or prev.closing_stock}
    if prev is not None:
        files["in_transit"] = prev.in_transit
    chained = None if opts.redecide else handoff.previous_commitments(prev)
    if opts.commitments is not None or chained is not None:
        files["commitments"] = opts.commitments or chained
    sc = load_scenario(scenario_dir, config={"start_week": week}, files=files)
    inputs = scenario_files(scenario_dir)
    inputs.pop("scenario/inventory.csv", None)  # replaced by the stock below
    if stock is not None:
        inputs["stock_take"] = stock
    if prev is not None:
        inputs.pop("scenario/in_transit.csv", None)
        used = prev.files
        if stock is not None:
            used.pop(f"previous/{handoff.CLOSING_STOCK}")
        if not opts.warm_start:
            used = {k: v for k, v in used.items() if k.endswith((handoff.CLOSING_STOCK,
                                                                 handoff.IN_TRANSIT))}
        inputs.update(used)
    if opts.commitments is not None or chained is not None:
        inputs.pop("scenario/commitments.csv", None)
        inputs["commitments"] = opts.commitments or chained
    return sc, input_hashes(inputs)


def _solve(sc: Scenario, week: str, dest: Path, prev: handoff.PreviousRun | None,
           opts: WeekOptions) -> WeekRun:
    from feedstock.optimizer.outputs.writers import failure_summary
    from feedstock.optimizer.solve.pipeline import solve

    start = None
    if opts.warm_start and prev is not None:  # made once the model's index sets exist
        start = functools.partial(shifted_start, prev.plan)
    try:
        result = solve(sc, time_limit=opts.time_limit, gap=opts.gap, threads=opts.threads,
                       warm_start=start, progress=opts.progress)
    except SolveError as exc:
        log.error("%s", exc)
        summary = {**failure_summary(exc, sc), "week": week, "exit_code": exc.exit_code}
        return WeekRun(week, dest, exc.status, exc.exit_code, error=exc, summary=summary,
                       scenario=sc)
    summary = {**result.summary(), "week": week, "exit_code": 0,
               "warm_start": result.solver.get("warm_start"),
               "time_to_first_plan_s": result.solver.get("first_plan_seconds")}
    if result.status == "feasible":
        log.warning("the solver stopped before proving the plan within the gap: gap %.2f%%",
                    100 * result.gap)
    return WeekRun(week, dest, result.status, 0, result=result, summary=summary, scenario=sc)


def _write(tmp: Path, run: WeekRun, sc: Scenario, maps: bool = True) -> None:
    """Every output file of the run into the staging folder (not the manifest)."""
    from feedstock.optimizer.outputs.writers import write_tables

    _put(tmp / "summary.json", json.dumps(run.summary, indent=2) + "\n")
    if run.result is None:
        diagnosis = getattr(run.error, "diagnosis", None)
        if diagnosis is not None:
            _put(tmp / "diagnosis.json", diagnosis.to_json())
        return
    r = run.result
    for name, table in (("dispatch.csv", dispatch_table(r)), ("plan.csv", plan_table(r))):
        write_fixed(table, tmp / name)
        _written(tmp / name)
    given = sc.table("commitments")
    for name, table in ((handoff.CLOSING_STOCK, handoff.closing_stock(r)),
                        (handoff.IN_TRANSIT, handoff.in_transit(r, sc)),
                        (handoff.COMMITMENTS, handoff.commitments(given, r, sc, run.week))):
        table.to_csv(tmp / name, index=False, lineterminator="\n", float_format="%.6f")
        _written(tmp / name)
    for path in write_tables(r, tmp, maps=maps):
        _written(path)


def _put(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    _written(path)


def _written(path: Path) -> None:
    if after_file is not None:
        after_file(path)


@contextmanager
def _run_log(path: Path) -> Iterator[None]:
    """Copy this run's log lines (INFO and up, timestamped) into run.log.

    The packages' loggers are lowered to INFO for the file; what reaches stderr
    is still decided by the stderr handler's own level (``--quiet``, ``-v``).
    """
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.INFO)
    handler.setFormatter(logging.Formatter(LOG_FORMAT, LOG_DATEFMT))
    saved = {}
    for name in LOGGERS:
        lg = logging.getLogger(name)
        saved[name] = lg.level
        if lg.getEffectiveLevel() > logging.INFO:
            lg.setLevel(logging.INFO)
        lg.addHandler(handler)
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        yield
    finally:
        for name in LOGGERS:
            logging.getLogger(name).removeHandler(handler)
            logging.getLogger(name).setLevel(saved[name])
        handler.close()


__all__ = ["FeedstockError", "WeekOptions", "WeekRun", "plan_week"]
