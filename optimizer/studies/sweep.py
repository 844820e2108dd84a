"""Sweeps: many what-if variants of one scenario, solved in parallel, one table out.

``sweep(base, {"policy.leakage_penalty_gbp_per_t": [0, 1000, 3000]}, workers=2)``
solves every combination of the grid (or each dict of a list of override dicts)
in worker processes -- HiGHS's MIP search runs on one thread, so processes are
what use the cores -- and returns one row per variant: the overrides, then
:func:`feedstock.optimizer.results.comparison.summary_row` (status, objective, cost lines, KPIs).
With ``client=`` (a ``dask.distributed.Client``) the same variants run on that
cluster instead, with the same results; there the variant folders are written
by the workers, so ``out`` must be on a filesystem they share with the client.
Variants that change only numbers are re-solved on one built model per worker
(``feedstock.optimizer.solve.pipeline``; ``SweepOptions(persistent=False)`` builds each anew).

A variant that makes no plan (infeasible, no plan in time) is a row with its
status and message, not an exception: one impossible corner of a grid must not
lose the others. Bad overrides are found before anything is solved.
"""

from __future__ import annotations

import dataclasses
import itertools
import logging
import math
import re
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from feedstock.optimizer.base.errors import SolveError
from feedstock.optimizer.scenario import Scenario
from feedstock.optimizer.scenario.overrides import literal

if TYPE_CHECKING:
    from feedstock.optimizer.solve.pipeline import Resolver

log = logging.getLogger(__name__)

Grid = Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]]
_PARAM = re.compile(r"^\s*(?P<key>[A-Za-z_][\w.]*(?:\[[^\]]*\])?)\s*(?P<op>\*=|\+=|-=|=)"
                    r"\s*(?P<values>.+)$")


@dataclass(frozen=True)
class SweepOptions:
    """How every variant is solved (solver overrides; ``threads`` 1 unless given).

    One thread for every variant, serial, in processes or on Dask alike, so that
    the three give the same plans (HiGHS's path depends on its thread count).
    """

    time_limit: float | None = None
    gap: float | None = None
    threads: int | None = None
    persistent: bool = True  # re-solve numbers-only variants on one model per worker


def variants(grid: Grid) -> list[dict[str, Any]]:
    """The override dicts of a grid (every combination, first key slowest) or of a list."""
    if isinstance(grid, Mapping):
        keys = list(grid)
        for k in keys:
            if isinstance(grid[k], str | bytes) or not isinstance(grid[k], Iterable):
                raise TypeError(f"sweep values for {k!r} must be a list, got {grid[k]!r}")
        return [dict(zip(keys, combo, strict=True))
                for combo in itertools.product(*(list(grid[k]) for k in keys))]
    return [dict(v) for v in grid]


def grid_from_params(params: Iterable[str]) -> dict[str, list[Any]]:
    """A grid from ``KEY=V1,V2`` texts (``feedstock sweep --param``).

    KEY is an override key (it may carry a ``[selector]`` and end in ``*=``,
    ``+=`` or ``-=``); values are TOML literals (numbers, true/false) or text.
    """
    grid: dict[str, list[Any]] = {}
    for text in params:
        m = _PARAM.match(text)
        if m is None:
            raise ValueError(f"{text!r}: write KEY=V1,V2,... (or KEY*=V1,V2)")
        key = m["key"] if m["op"] == "=" else f"{m['key']} {m['op']}"
        grid[key] = [literal(v.strip()) for v in m["values"].split(",")]
    return grid


def sweep(base: Scenario, grid: Grid, *, workers: int = 1, client: Any = None,
          options: SweepOptions | None = None, out: str | Path | None = None,
          progress: bool | None = None) -> pd.DataFrame:
    """Solve every variant of ``base``; one row per variant, in grid order.

    ``out`` also writes ``out/sweep.csv`` and one folder per variant
    (``v001/`` ...: summary.json with its overrides, the tables). ``progress``
    shows a bar on stderr (default: when stderr is a terminal).
    """
    opts = options or SweepOptions()
    if opts.threads is None:
        opts = dataclasses.replace(opts, threads=1)  # see SweepOptions
    todo = variants(grid)
    for v in todo:  # every override must apply before anything runs
        base.with_overrides(v)
    out_dir = None if out is None else Path(out)
    jobs = [(i, v, None if out_dir is None else out_dir / f"v{i + 1:03d}")
            for i, v in enumerate(todo)]
    bar = _bar(len(jobs), progress)
    try:
        if client is not None:
            rows = _on_dask(client, base, jobs, opts, bar.update)
        elif workers > 1:
            rows = _in_processes(base, jobs, opts, workers, bar.update)
        else:
            from feedstock.optimizer.solve.pipeline import Resolver

            rows = []
            resolver = Resolver() if opts.persistent else None
            for i, v, folder in jobs:
                rows.append(solve_variant(base, i + 1, v, folder, opts, resolver=resolver))
                bar.update()
    finally:
        bar.close()
    table = pd.DataFrame(sorted(rows, key=lambda r: r["variant"])).set_index("variant")
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        table.to_csv(out_dir / "sweep.csv", lineterminator="\n")
    return table


def solve_variant(base: Scenario, number: int, overrides: Mapping[str, Any],
                  folder: Path | None, opts: SweepOptions,
                  resolver: Resolver | None = None) -> dict[str, Any]:
    """One variant: apply, solve, summarise (and write its folder). Runs in a worker.

    With ``opts.persistent`` the variant is solved on ``resolver``, or, in a
    worker process or Dask worker, on that worker thread's own
    :class:`~feedstock.optimizer.solve.pipeline.Resolver` (kept between tasks: it re-uses its
    model only for a variant of the same structure, so any variant may follow any).
    """
    from feedstock.optimizer.outputs.writers import write_failure, write_outputs
    from feedstock.optimizer.results.comparison import summary_row
    from feedstock.optimizer.solve.pipeline import solve

    sc = base.with_overrides(overrides)
    row: dict[str, Any] = {"variant": number}
    row.update({str(k): v for k, v in overrides.items()})
    if opts.persistent and resolver is None:
        resolver = _worker_resolver()
    try:
        r = solve(sc, time_limit=opts.time_limit, gap=opts.gap, threads=opts.threads,
                  resolver=resolver, progress=False)  # the variants bar shows progress
    except SolveError as exc:
        row.update({"status": exc.status, "objective_gbp": math.nan,
                    "message": str(getattr(exc, "message", exc))})
        if folder is not None:
            write_failure(exc, sc, folder)
        return row
    row.update(summary_row(r))
    row["solve_seconds"] = r.solve_seconds
    row["model"] = r.solver["model"]
    if folder is not None:
        write_outputs(r, folder, maps=False)  # pictures of hundreds of variants: ~2 s each, unasked
    return row


_WORKER = threading.local()  # a worker thread's Resolver (worker processes, Dask workers)


def _worker_resolver() -> Resolver:
    from feedstock.optimizer.solve.pipeline import Resolver

    if getattr(_WORKER, "resolver", None) is None:
        _WORKER.resolver = Resolver()
    return _WORKER.resolver


def _in_processes(base: Scenario, jobs: list, opts: SweepOptions, workers: int,
                  tick: Callable[[], Any]) -> list[dict[str, Any]]:
    rows = []
    # spawn: a forked child would inherit the parent's HiGHS and logging threads' locks
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(solve_variant, base, i + 1, v, folder, opts)
                   for i, v, folder in jobs]
        try:
            for f in as_completed(futures):
                rows.append(f.result())
                tick()
        except BaseException:  # a crash (not a plan-less variant): stop the rest
            pool.shutdown(cancel_futures=True)
            raise
    return rows


def _on_dask(client: Any, base: Scenario, jobs: list, opts: SweepOptions,
             tick: Callable[[], Any]) -> list[dict[str, Any]]:
    from distributed import as_completed as dask_completed

    scattered = client.scatter(base, broadcast=True)
    futures = [client.submit(solve_variant, scattered, i + 1, v, folder, opts, pure=False)
               for i, v, folder in jobs]
    rows = []
    for f in dask_completed(futures):
        rows.append(f.result())
        tick()
    return rows


def _bar(total: int, progress: bool | None) -> Any:
    from tqdm import tqdm

    show = sys.stderr.isatty() if progress is None else progress
    return tqdm(total=total, desc="variants", unit="variant", disable=not show, file=sys.stderr)
