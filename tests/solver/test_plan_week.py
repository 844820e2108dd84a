"""``feedstock plan-week`` on the tiny weekly chain (tests/builders.py WEEKLY).

Three consecutive weeks from one stock-take; every plan re-checked by the
independent checker; the stock and the shipments in transit carried from one
run to the next; a run interrupted half-way leaves nothing; re-runs refuse or
replace; the lock; identical bytes from two processes.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from feedstock.cli.main import main
from feedstock.optimizer.checker import check_plan
from feedstock.optimizer.weekly import plan_week
from feedstock.optimizer.weekly import run as weekly_run
from feedstock.optimizer.weekly.runfolder import runs_lock
from tests.builders import WEEKLY, WEEKLY_STOCK, write_weekly
from tests.plans import assert_chains

WEEKS = ("2026-W48", "2026-W49", "2026-W50")
RUN_FILES = {"summary.json", "manifest.json", "run.log", "dispatch.csv", "plan.csv",
             "closing_stock.csv", "in_transit.csv", "flows.csv", "stock.csv"}


@pytest.fixture
def setup(tmp_path):
    folder = write_weekly(tmp_path / "scenario")
    stock = tmp_path / "stock-take.csv"
    stock.write_text(WEEKLY_STOCK)
    return folder, stock, tmp_path / "runs"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_three_weeks_chain_stock_and_shipments_in_transit(setup):
    folder, stock, runs = setup
    done = [plan_week(folder, w, runs_dir=runs, stock=stock if i == 0 else None)
            for i, w in enumerate(WEEKS)]
    for run in done:
        assert run.exit_code == 0 and run.status == "optimal"
        assert not check_plan(run.scenario, run.result)  # the independent checker
        assert RUN_FILES <= {p.name for p in run.folder.iterdir()}
    # the first run starts from the stock-take ...
    assert done[0].scenario.inventory[["site_id", "tonnes"]].values.tolist() == [["src", 2.0]]
    for before, after in itertools.pairwise(done):
        # ... each later one from the previous run's planned end-of-week stock, with
        # what it dispatched with transit 1 arriving in week 1
        assert_chains(before, after)
    assert any(len(r.scenario.in_transit) for r in done[1:]), "no shipment was in transit"
    assert any(len(r.scenario.inventory) for r in done[1:]), "no stock was carried"
    # warm starts: offered and accepted from the second week on
    assert done[0].summary["warm_start"] is None
    assert all(r.summary["warm_start"]["accepted"] for r in done[1:])


def test_dispatch_is_week_one_of_plan_and_both_are_fixed_format(setup):
    folder, stock, runs = setup
    run = plan_week(folder, WEEKS[0], runs_dir=runs, stock=stock)
    plan = pd.read_csv(run.folder / "plan.csv", dtype=str)
    dispatch = pd.read_csv(run.folder / "dispatch.csv", dtype=str)
    assert list(dispatch.columns) == ["week", "arrival_week", "origin", "destination", "mode",
                                      "feedstock_id", "tonnes_t", "lane_trips",
                                      "lane_tonnes_t", "distance_km"]
    assert set(dispatch["week"]) == {WEEKS[0]} and set(plan["week"]) > {WEEKS[0]}
    pd.testing.assert_frame_equal(plan[plan["week"] == WEEKS[0]].reset_index(drop=True),
                                  dispatch)
    assert plan["tonnes_t"].str.fullmatch(r"\d+\.\d{3}").all()
    assert plan["lane_trips"].str.fullmatch(r"\d+").all()  # integer trips as integers


def test_manifest_says_what_went_in_and_how_it_ended(setup):
    folder, stock, runs = setup
    plan_week(folder, WEEKS[0], runs_dir=runs, stock=stock)
    run = plan_week(folder, WEEKS[1], runs_dir=runs)
    m = json.loads((run.folder / "manifest.json").read_text())
    assert (m["week"], m["exit_code"], m["status"]) == (WEEKS[1], 0, "optimal")
    assert m["opening_stock"] == f"run {WEEKS[0]}" and m["warm_start"]["accepted"] is True
    closing = runs / WEEKS[0] / "closing_stock.csv"
    assert m["inputs"]["previous/closing_stock.csv"]["sha256"] == hashlib.sha256(
        closing.read_bytes()).hexdigest()
    assert "scenario/supply.csv" in m["inputs"] and "scenario/inventory.csv" not in m["inputs"]
    assert m["versions"]["highspy"] and m["versions"]["pyomo"]
    assert m["solver"]["seed"] == 0 and "threads" in m["solver"]
    assert m["started_utc"] <= m["finished_utc"]
    log = (run.folder / "run.log").read_text()
    assert "MIP start accepted" in log and log.startswith("20")  # timestamped lines


def test_a_run_interrupted_while_writing_leaves_nothing_and_touches_no_other_week(
        setup, monkeypatch):
    folder, stock, runs = setup
    plan_week(folder, WEEKS[0], runs_dir=runs, stock=stock)
    before = snapshot(runs / WEEKS[0])
    written = []

    def crash(path):
        written.append(path.name)
        if len(written) == 4:
            raise KeyboardInterrupt("killed while writing")

    monkeypatch.setattr(weekly_run, "after_file", crash)
    with pytest.raises(KeyboardInterrupt):
        plan_week(folder, WEEKS[1], runs_dir=runs)
    assert len(written) == 4  # the staging folder was half-filled
    assert sorted(p.name for p in runs.iterdir()) == [".lock", WEEKS[0]]
    assert snapshot(runs / WEEKS[0]) == before
    monkeypatch.setattr(weekly_run, "after_file", None)
    assert plan_week(folder, WEEKS[1], runs_dir=runs).exit_code == 0


def test_a_forced_rerun_interrupted_at_its_last_file_keeps_the_old_week_whole(
        setup, monkeypatch):
    folder, stock, runs = setup
    plan_week(folder, WEEKS[0], runs_dir=runs, stock=stock)
    before = snapshot(runs / WEEKS[0])

    def full_disk(path):
        if path.name == "manifest.json":  # every other file is written by now
            raise OSError("disk full")

    monkeypatch.setattr(weekly_run, "after_file", full_disk)
    with pytest.raises(OSError, match="disk full"):
        plan_week(folder, WEEKS[0], runs_dir=runs, stock=stock, force=True)
    assert snapshot(runs / WEEKS[0]) == before
    assert sorted(p.name for p in runs.iterdir()) == [".lock", WEEKS[0]]


def test_a_forced_rerun_without_a_plan_keeps_the_booked_plan(setup):
    folder, stock, runs = setup
    plan_week(folder, WEEKS[0], runs_dir=runs, stock=stock)
    before = snapshot(runs / WEEKS[0])
    (folder / "offtake.csv").write_text("product,week,min_t\nreo,2026-W48,100\n")
    run = plan_week(folder, WEEKS[0], runs_dir=runs, stock=stock, force=True)
    assert run.exit_code == 3 and run.folder.name.startswith(f"{WEEKS[0]}.rejected-")
    assert snapshot(runs / WEEKS[0]) == before
    assert (run.folder / "diagnosis.json").is_file()
    assert json.loads((run.folder / "manifest.json").read_text())["published_as"] == \
        run.folder.name


def test_a_sale_on_a_slow_lane_is_not_handed_on_as_in_transit(tmp_path):
    """5 t a week, a buyer paying £900/t (> £300 processing) across a transit-1 lane."""
    sites = WEEKLY["sites"] + "buyer,Buyer,outlet,51.0,2.0,europe,false,,0\n"
    folder = write_weekly(
        tmp_path / "sc", sites=sites,
        lanes=WEEKLY["lanes"] + "src,buyer,boat,300,1\n",
        outlets="site_id,feedstock_id,price_gbp_per_t,max_t_per_week\nbuyer,*,900,\n")
    stock = tmp_path / "stock.csv"
    stock.write_text(WEEKLY_STOCK)
    first = plan_week(folder, WEEKS[0], runs_dir=tmp_path / "runs", stock=stock)
    sold = first.result.flows.query("period == 1 and destination == 'buyer'")
    assert sold["tonnes_t"].sum() > 0  # the plan does sell across the slow lane
    handed = pd.read_csv(first.folder / "in_transit.csv")
    assert "buyer" not in set(handed["destination"])
    assert plan_week(folder, WEEKS[1], runs_dir=tmp_path / "runs").exit_code == 0


def test_shipments_given_in_transit_are_carried_until_they_arrive(tmp_path):
    """A hand-written shipment due in W49 reaches W49's run through W48's hand-off."""
    folder = write_weekly(tmp_path / "sc")
    (folder / "in_transit.csv").write_text(
        "origin,destination,mode,feedstock_id,arrival_week,tonnes\n"
        "src,plant,boat,mag,2026-W49,3\n")
    stock = tmp_path / "stock.csv"
    stock.write_text(WEEKLY_STOCK)
    first = plan_week(folder, WEEKS[0], runs_dir=tmp_path / "runs", stock=stock)
    second = plan_week(folder, WEEKS[1], runs_dir=tmp_path / "runs")
    sent = first.result.flows.query("period == 1 and arrival_week != week")["tonnes_t"].sum()
    got = second.scenario.in_transit
    assert got["tonnes"].sum() == pytest.approx(sent + 3)
    assert not check_plan(second.scenario, second.result)


def test_a_complete_week_is_not_replanned_without_force(setup):
    folder, stock, runs = setup
    runner = CliRunner()
    args = ["plan-week", str(folder), "--week", WEEKS[0], "--stock", str(stock),
            "--runs-dir", str(runs)]
    assert runner.invoke(main, args).exit_code == 0
    before = snapshot(runs / WEEKS[0])
    again = runner.invoke(main, args)
    assert again.exit_code == 2
    assert "already holds a plan" in again.stderr and "--force" in again.stderr
    assert snapshot(runs / WEEKS[0]) == before
    forced = runner.invoke(main, [*args, "--force"])
    assert forced.exit_code == 0
    after = snapshot(runs / WEEKS[0])
    for name in ("plan.csv", "dispatch.csv", "closing_stock.csv", "in_transit.csv"):
        assert after[name] == before[name], name  # same inputs, same bytes
    assert json.loads(after["manifest.json"])["replaced_earlier_run"] == "optimal"


def test_a_week_without_a_plan_publishes_why_and_stops_the_chain(setup):
    folder, stock, runs = setup
    # an offtake no plant can meet in week 1: 100 t of oxide
    (folder / "offtake.csv").write_text("product,week,min_t\nreo,2026-W48,100\n")
    runner = CliRunner()
    res = runner.invoke(main, ["plan-week", str(folder), "--week", WEEKS[0], "--stock",
                               str(stock), "--runs-dir", str(runs)])
    assert res.exit_code == 3, res.output
    week = runs / WEEKS[0]
    assert {"summary.json", "diagnosis.json", "manifest.json", "run.log"} <= set(
        snapshot(week))
    assert json.loads((week / "summary.json").read_text())["status"] == "infeasible"
    manifest = json.loads((week / "manifest.json").read_text())
    assert manifest["exit_code"] == 3 and manifest["solver"]["seed"] == 0  # what was tried
    assert "offtake" in (week / "diagnosis.json").read_text()
    nxt = runner.invoke(main, ["plan-week", str(folder), "--week", WEEKS[1], "--runs-dir",
                               str(runs)])
    assert nxt.exit_code == 2 and "made no plan (status infeasible)" in nxt.stderr
    # a week without a plan is planned again without --force once the data are fixed
    (folder / "offtake.csv").unlink()
    res = runner.invoke(main, ["plan-week", str(folder), "--week", WEEKS[0], "--stock",
                               str(stock), "--runs-dir", str(runs)])
    assert res.exit_code == 0 and not (week / "diagnosis.json").exists()


def test_no_stock_take_and_no_previous_run_exits_2_and_writes_nothing(setup):
    folder, _, runs = setup
    res = CliRunner().invoke(main, ["plan-week", str(folder), "--week", WEEKS[1],
                                    "--runs-dir", str(runs)])
    assert res.exit_code == 2
    assert "no stock-take (--stock) and no run of the previous week 2026-W48" in res.stderr
    assert "Traceback" not in res.output
    assert [p.name for p in runs.iterdir()] == [".lock"]


def test_a_bad_stock_take_is_invalid_input_naming_its_file(setup):
    folder, stock, runs = setup
    stock.write_text("site_id,feedstock_id,tonnes\nsrc,mag,-1\n")
    res = CliRunner().invoke(main, ["plan-week", str(folder), "--week", WEEKS[0], "--stock",
                                    str(stock), "--runs-dir", str(runs)])
    assert res.exit_code == 2
    assert "stock-take.csv, row 2, column tonnes = '-1': must be >= 0" in res.stderr
    assert not (runs / WEEKS[0]).exists()


def test_a_second_run_on_the_same_runs_folder_waits_then_exits_5(setup):
    folder, stock, runs = setup
    with runs_lock(runs, wait_s=0):
        res = CliRunner().invoke(main, ["plan-week", str(folder), "--week", WEEKS[0], "--stock",
                                        str(stock), "--runs-dir", str(runs), "--lock-wait",
                                        "0.2"])
    assert res.exit_code == 5
    assert "Another planning run holds" in res.stderr and "Nothing was done" in res.stderr
    assert not (runs / WEEKS[0]).exists()


def test_quiet_prints_nothing_when_all_is_well(setup):
    folder, stock, runs = setup
    res = CliRunner().invoke(main, ["plan-week", str(folder), "--week", WEEKS[0], "--stock",
                                    str(stock), "--runs-dir", str(runs), "--quiet"])
    assert res.exit_code == 0 and res.stdout == "" and res.stderr == ""


def test_two_processes_write_identical_plans(setup, tmp_path):
    """Separate processes (different hash seeds): byte-identical plan.csv and dispatch.csv."""
    folder, stock, _ = setup
    feedstock = Path(sys.executable).with_name("feedstock")
    outs = []
    for k, seed in enumerate(("1", "2")):
        runs = tmp_path / f"runs{k}"
        for i, week in enumerate(WEEKS[:2]):
            cmd = [str(feedstock), "plan-week", str(folder), "--week", week, "--runs-dir",
                   str(runs), "--quiet"] + (["--stock", str(stock)] if i == 0 else [])
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                                  env={**os.environ, "PYTHONHASHSEED": seed})
            assert done.returncode == 0, done.stderr
        outs.append({w: snapshot(runs / w) for w in WEEKS[:2]})
    for week in WEEKS[:2]:
        for name in ("plan.csv", "dispatch.csv", "closing_stock.csv", "in_transit.csv"):
            assert outs[0][week][name] == outs[1][week][name], (week, name)


def test_a_folder_that_is_not_a_run_is_never_replaced_unasked(setup):
    folder, stock, runs = setup
    (runs / WEEKS[0]).mkdir(parents=True)
    (runs / WEEKS[0] / "notes.txt").write_text("mine")
    args = ["plan-week", str(folder), "--week", WEEKS[0], "--stock", str(stock),
            "--runs-dir", str(runs)]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 2 and "no readable summary.json" in res.stderr
    assert (runs / WEEKS[0] / "notes.txt").read_text() == "mine"
    assert CliRunner().invoke(main, [*args, "--force"]).exit_code == 0
    assert not (runs / WEEKS[0] / "notes.txt").exists()
