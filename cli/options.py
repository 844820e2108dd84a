"""Options every ``feedstock`` command shares, and the one error formatter.

``common_options`` gives each command ``--debug`` and ``-v`` and turns a typed
error into its message and exit code (docs/architecture.md, exit codes): no
traceback unless ``--debug``.
"""

from __future__ import annotations

import functools
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from feedstock.optimizer.base.errors import FeedstockError
from feedstock.optimizer.base.terminal import stderr_stream

log = logging.getLogger("feedstock")


def _setup_logging(verbose: int, debug: bool, base: int = logging.WARNING) -> None:
    """Timestamped log lines on stderr at ``base`` level (-v: INFO, -vv/--debug: DEBUG)."""
    level = logging.DEBUG if debug or verbose > 1 else min(base, logging.INFO) if verbose \
        else base
    logging.basicConfig(level=level, stream=stderr_stream(), force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
                        datefmt="%Y-%m-%dT%H:%M:%S%z")
    for handler in logging.getLogger().handlers:  # a logger lowered for a file stays off stderr
        handler.setLevel(level)
    logging.getLogger("pyomo").setLevel(max(level, logging.WARNING))


def common_options(func: Callable) -> Callable:
    """--debug and --verbose on every command, and one error formatter for all."""

    @click.option("--debug", is_flag=True, help="Show tracebacks and the solver log.")
    @click.option("-v", "--verbose", count=True, help="More log lines on stderr (-vv: debug).")
    @functools.wraps(func)
    def wrapper(*args: Any, debug: bool, verbose: int, **kwargs: Any) -> None:
        quiet = kwargs.get("quiet", False)
        base = logging.ERROR if quiet else getattr(func, "log_level", logging.WARNING)
        _setup_logging(0 if quiet else verbose, debug, base)
        try:
            func(*args, **kwargs)
        except FeedstockError as exc:
            if debug:
                raise
            click.echo(str(exc), err=True)
            sys.exit(exc.exit_code)
        except (click.ClickException, click.exceptions.Exit, SystemExit):
            raise
        except Exception as exc:
            if debug:
                raise
            click.echo(f"Unexpected error: {type(exc).__name__}: {exc}\n"
                       "Run again with --debug for the traceback.", err=True)
            sys.exit(FeedstockError.exit_code)

    return wrapper


def _options(*options: Callable) -> Callable[[Callable], Callable]:
    """Apply click options in the order given (as if stacked top to bottom)."""
    def apply(func: Callable) -> Callable:
        for option in reversed(options):
            func = option(func)
        return func
    return apply


def solver_flags(per: str = "", threads: bool = True) -> Callable[[Callable], Callable]:
    """--time-limit, --gap (and --threads): the run-time overrides of scenario.toml [solver]."""
    flags = [click.option("--time-limit", type=click.FloatRange(min=0, min_open=True),
                          help=f"Solver time limit{per}, s (default: scenario.toml)."),
             click.option("--gap", type=click.FloatRange(0, 1, max_open=True),
                          help="Relative MIP gap to stop at (default: scenario.toml).")]
    if threads:
        flags.append(click.option("--threads", type=click.IntRange(min=0),
                                  help="Solver threads (0 = default; 1 = HiGHS alone, "
                                       "no helper on the second core)."))
    return _options(*flags)


# --override, --time-limit, --gap, --rebuild and --quiet, shared by sweep and pareto
study_options = _options(
    click.option("--override", "overrides", multiple=True,
                 type=click.Path(dir_okay=False, path_type=Path),
                 help="TOML overrides applied to the base first (repeatable)."),
    solver_flags(" per variant", threads=False),
    click.option("--rebuild", is_flag=True,
                 help="Build every variant's model anew (default: a variant that changes only "
                      "numbers is re-solved on its worker's model)."),
    click.option("--quiet", is_flag=True, help="No progress bar and no table; errors only."))


def base_scenario(scenario: str | None, overrides: tuple[Path, ...],
                  commitments: Path | None = None):
    """The scenario with the --override files applied in order (and --commitments read)."""
    from feedstock.optimizer.scenario import load_scenario

    files = None if commitments is None else {"commitments": commitments}
    sc = load_scenario(scenario_arg(scenario), files=files)
    for path in overrides:
        sc = sc.with_overrides(path)
        log.info("applied overrides from %s", path)
    return sc


def scenario_arg(scenario: str | None) -> Path:
    """The SCENARIO argument as a path: the bundled sample when none is given."""
    from feedstock.data import sample_scenario

    return Path(scenario) if scenario else sample_scenario()


def log_level(level: int) -> Callable[[Callable], Callable]:
    """Default stderr log level of a command (before -v / --quiet)."""
    def mark(func: Callable) -> Callable:
        func.log_level = level  # type: ignore[attr-defined]
        return func
    return mark


def report_failure(exc: Exception, sc, out_dir: Path | None, as_json: bool) -> None:
    """A solve that made no plan: its summary (and diagnosis) in ``out_dir``, JSON on stdout.

    The caller re-raises, so the exit code and the message are the error's.
    """
    import json

    from feedstock.optimizer.outputs.writers import failure_summary, write_failure

    if out_dir is not None:
        write_failure(exc, sc, out_dir)
        logging.getLogger("feedstock").warning(
            "wrote %s/ (summary.json%s)", out_dir,
            ", diagnosis.json" if getattr(exc, "diagnosis", None) else "")
    if as_json:
        click.echo(json.dumps(failure_summary(exc, sc), indent=2))
