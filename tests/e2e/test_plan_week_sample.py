"""plan-week on the bundled sample: three consecutive weeks from the sample stock-take.

Each week's plan passes the independent checker, its stock and shipments in
transit are the next week's opening position, a forced re-run in another process
writes the same bytes, and a run killed with SIGKILL leaves no week folder.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from feedstock.optimizer.checker import check_plan
from feedstock.optimizer.weekly import WeekOptions, plan_week
from tests.conftest import SAMPLE
from tests.e2e.test_sample import NO_CLOCK_S
from tests.plans import assert_chains

WEEKS = ("2026-W48", "2026-W49", "2026-W50")
STOCK_TAKE = SAMPLE / "stock-takes" / "2026-W48.csv"
FEEDSTOCK = Path(sys.executable).with_name("feedstock")


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    runs = tmp_path_factory.mktemp("sample") / "runs"
    opts = WeekOptions(time_limit=NO_CLOCK_S)
    done = [plan_week(SAMPLE, w, runs_dir=runs, stock=STOCK_TAKE if i == 0 else None,
                      options=opts) for i, w in enumerate(WEEKS)]
    return runs, done


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_three_consecutive_weeks_make_checked_plans_whose_stocks_chain(chain):
    runs, done = chain
    assert sorted(p.name for p in runs.iterdir() if not p.name.startswith(".")) == list(WEEKS)
    for run in done:
        assert run.exit_code == 0 and run.status in ("optimal", "within_gap")
        assert not check_plan(run.scenario, run.result)
    for before, after in itertools.pairwise(done):
        assert_chains(before, after)
    stock_take = done[0].scenario.inventory["tonnes"].sum()
    assert stock_take == pytest.approx(24.0)  # the sample stock-take, not inventory.csv's book
    assert all(r.summary["warm_start"]["accepted"] for r in done[1:])


def test_a_forced_rerun_in_another_process_writes_identical_files(chain, tmp_path):
    runs, _ = chain
    copy = tmp_path / "runs"
    shutil.copytree(runs, copy)
    done = subprocess.run([str(FEEDSTOCK), "plan-week", str(SAMPLE), "--week", WEEKS[2],
                           "--runs-dir", str(copy), "--force", "--time-limit", str(NO_CLOCK_S)],
                          capture_output=True, text=True, timeout=2 * NO_CLOCK_S)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    for name in ("plan.csv", "dispatch.csv", "closing_stock.csv", "in_transit.csv"):
        assert (copy / WEEKS[2] / name).read_bytes() == (runs / WEEKS[2] / name).read_bytes()
    # stderr carried timestamped log lines for the scheduler's log
    assert any(line[:4].isdigit() and " INFO " in line for line in done.stderr.splitlines())


def test_a_run_killed_mid_solve_leaves_no_trace_of_its_week(chain, tmp_path):
    runs, _ = chain
    copy = tmp_path / "runs"
    shutil.copytree(runs, copy)
    before = {w: files(copy / w) for w in WEEKS}
    proc = subprocess.Popen([str(FEEDSTOCK), "plan-week", str(SAMPLE), "--week", "2026-W51",
                             "--runs-dir", str(copy), "--no-warm-start", "--quiet"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # wait until it is solving: staging has run.log
            logs = list(copy.glob(".staging-*/run.log"))
            if logs and "built model" in logs[0].read_text():
                break
            time.sleep(0.05)
        else:
            pytest.fail("the run never reached its solve")
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(30)
    assert proc.returncode == -signal.SIGKILL
    assert not (copy / "2026-W51").exists()
    assert {w: files(copy / w) for w in WEEKS} == before
    # the next run sweeps what the killed one left and plans the week
    again = subprocess.run([str(FEEDSTOCK), "plan-week", str(SAMPLE), "--week", "2026-W51",
                            "--runs-dir", str(copy), "--time-limit", str(NO_CLOCK_S)],
                           capture_output=True, text=True, timeout=2 * NO_CLOCK_S)
    assert again.returncode == 0, again.stderr
    assert "left by an interrupted run" in again.stderr
    assert not list(copy.glob(".staging-*"))
    summary = json.loads((copy / "2026-W51" / "summary.json").read_text())
    assert summary["week"] == "2026-W51" and summary["warm_start"]["accepted"]
