"""The solver's progress line on real HiGHS solves: written, harmless, and gone afterwards.

The line's ~5 s delay is set to 0 so that a small MIP (OR-Library cap41,
16 facilities x 50 customers, with a real branch-and-cut) shows it.
"""

from __future__ import annotations

import io
import logging
import os
import re
import subprocess
import sys

import pytest

from feedstock.optimizer.solve import progress as P
from feedstock.optimizer.solve.pipeline import Resolver, solve
from tests.conftest import ROOT
from tests.orlib import read_cap, to_scenario

CAP41 = ROOT / "tests" / "data" / "orlib" / "cap41.txt"
LINE = re.compile(r"solving: \d+\.\d s  best plan -?£[\d,]+  bound -?£[\d,]+  gap \d+\.\d\d%")
pytestmark = pytest.mark.skipif(not CAP41.is_file(), reason="OR-Library instances not present")


@pytest.fixture
def no_delay(monkeypatch):
    monkeypatch.setattr(P, "DELAY_S", 0.0)


@pytest.fixture(scope="module")
def cap41():
    return to_scenario(read_cap(CAP41), "cap41")


def test_progress_shows_the_gap_and_does_not_change_the_plan(cap41, no_delay, capfd):
    out = io.StringIO()
    shown = solve(cap41, gap=0, progress=out)
    assert any(LINE.fullmatch(line) for line in out.getvalue().splitlines()), out.getvalue()
    quiet = solve(cap41, gap=0, progress=False)
    assert "solving:" not in capfd.readouterr().err  # neither run wrote to stderr
    assert shown.objective_gbp == quiet.objective_gbp == pytest.approx(1040444.375)
    assert shown.status == quiet.status == "optimal"
    assert shown.flows.equals(quiet.flows)


def test_automatic_progress_is_off_when_stderr_is_no_terminal(cap41, no_delay, capfd):
    solve(cap41, gap=0)
    assert "solving:" not in capfd.readouterr().err


def test_a_resolver_re_solves_after_a_progress_run(cap41, no_delay):
    rs = Resolver()
    out = io.StringIO()
    first = solve(cap41, gap=0, resolver=rs, progress=out)
    written = out.getvalue()
    assert LINE.search(written), written
    highs = rs._kept[-1].runner.solver._solver_model
    interrupts = list(highs.cbMipInterrupt.callbacks)  # Pyomo's own handler only
    assert not highs.cbMipImprovingSolution.callbacks and not highs.cbMipLogging.callbacks
    variant = cap41.with_overrides({"expansions.fixed_cost_gbp[*] *=": 1.5})
    again = rs.solve(variant, gap=0)
    assert again.solver["model"] == "reused" and first.solver["model"] == "built"
    assert again.objective_gbp == pytest.approx(solve(variant, gap=0, progress=False).objective_gbp)
    assert highs.cbMipInterrupt.callbacks == interrupts
    assert out.getvalue() == written  # the first run's line ended with it
    # the re-solve's first plan is timed on this run's clock, not the instance's total
    assert 0 < again.solver["first_plan_seconds"] <= again.solve_seconds


def test_forced_progress_reaches_stderr_past_pyomos_capture(tmp_path):
    """On descriptor 2 itself (no pytest capture in between), not into the solver's log."""
    code = (
        "import logging, sys\n"
        "from feedstock.optimizer.solve import progress\n"
        "from tests.orlib import read_cap, to_scenario\n"
        "from feedstock.optimizer.solve.pipeline import solve\n"
        "progress.DELAY_S = 0\n"
        "logging.basicConfig(level=logging.DEBUG, stream=open(sys.argv[2], 'w'))\n"
        "solve(to_scenario(read_cap(sys.argv[1]), 'cap41'), gap=0, progress=True)\n"
    )
    log_file = tmp_path / "debug.log"
    done = subprocess.run([sys.executable, "-c", code, str(CAP41), str(log_file)], cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8", timeout=300,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("solving:")]
    assert lines and all(LINE.fullmatch(line) for line in lines), done.stderr
    highs_log = log_file.read_text(encoding="utf-8")
    assert "highs:" in highs_log and "solving:" not in highs_log


def test_plan_week_passes_its_progress_option_on(tmp_path, monkeypatch):
    from feedstock.optimizer.solve import pipeline as solving
    from feedstock.optimizer.weekly import WeekOptions, plan_week
    from tests.builders import WEEKLY_STOCK, write_weekly

    asked = []
    real = solving.solve

    def spy(*args, **kwargs):
        asked.append(kwargs.get("progress", "missing"))
        return real(*args, **kwargs)

    monkeypatch.setattr(solving, "solve", spy)
    folder = write_weekly(tmp_path / "scenario")
    stock = tmp_path / "stock-take.csv"
    stock.write_text(WEEKLY_STOCK)
    plan_week(folder, "2026-W48", runs_dir=tmp_path / "runs", stock=stock)
    plan_week(folder, "2026-W48", runs_dir=tmp_path / "runs", stock=stock, force=True,
              options=WeekOptions(progress=False))
    assert asked == [None, False]


def test_a_sweep_shows_no_solver_progress(cap41, no_delay, capfd, caplog):
    from feedstock.optimizer.studies.sweep import SweepOptions, sweep

    caplog.set_level(logging.WARNING)
    table = sweep(cap41, {"expansions.fixed_cost_gbp[*] *=": [1.0, 1.5]}, progress=True,
                  options=SweepOptions(gap=0))
    assert len(table) == 2
    assert "solving:" not in capfd.readouterr().err  # the variants bar only
