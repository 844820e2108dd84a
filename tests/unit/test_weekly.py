"""Weekly runs without a solver: the runs folder (lock, staging, publish), the hand-off,
in_transit.csv validation, stock-takes read from their own file, the warm start's mapping."""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from pathlib import Path

import pandas as pd
import pytest

from feedstock import ScenarioError, load_scenario
from feedstock.models.sets import build_sets
from feedstock.optimizer.base.errors import RunExistsError, RunInputError, RunLockedError
from feedstock.optimizer.network import build_network
from feedstock.optimizer.solve.warmstart import PreviousPlan, shifted_start
from feedstock.optimizer.weekly import handoff
from feedstock.optimizer.weekly.runfolder import publish, runs_lock, staging, sweep_staging
from tests.builders import WEEKLY_STOCK, write_weekly

# ------------------------------------------------------------------ runs folder


def _hold_lock(runs: str, ready, release) -> None:
    with runs_lock(Path(runs), wait_s=0):
        ready.set()
        release.wait(30)


def test_a_second_process_waits_then_gives_up_with_who_holds_the_lock(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(tmp_path), ready, release))
    holder.start()
    try:
        assert ready.wait(30)
        began = time.monotonic()
        with pytest.raises(RunLockedError) as info, runs_lock(tmp_path, wait_s=0.3):
            pass
        assert time.monotonic() - began >= 0.3  # it waited before giving up
        assert f"pid {holder.pid}" in str(info.value) and "Nothing was done" in str(info.value)
        assert info.value.exit_code == 5
    finally:
        release.set()
        holder.join(30)
    with runs_lock(tmp_path, wait_s=0):  # released when the holder ended
        pass


def test_the_lock_is_released_when_its_holder_is_killed(tmp_path):
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(tmp_path), ready, release))
    holder.start()
    assert ready.wait(30)
    holder.kill()  # SIGKILL: no finally block runs
    holder.join(30)
    with runs_lock(tmp_path, wait_s=5):
        pass


def test_staging_is_removed_when_writing_fails(tmp_path):
    with pytest.raises(RuntimeError), staging(tmp_path, "2026-W49") as tmp:
        (tmp / "a.csv").write_text("x")
        raise RuntimeError("killed half-way")
    assert list(tmp_path.iterdir()) == []


def test_publish_never_overwrites_without_replace_and_swaps_whole_folders(tmp_path):
    dest = tmp_path / "2026-W49"
    with staging(tmp_path, "2026-W49") as tmp:
        (tmp / "plan.csv").write_text("old")
    publish(tmp, dest, replace=False)
    assert (dest / "plan.csv").read_text() == "old"
    assert oct(dest.stat().st_mode & 0o777) == oct(0o777 & ~_umask())  # not mkdtemp's 0700
    with staging(tmp_path, "2026-W49") as tmp:
        (tmp / "plan.csv").write_text("new")
        (tmp / "extra.csv").write_text("1")
    with pytest.raises(RunExistsError):
        publish(tmp, dest, replace=False)
    assert (dest / "plan.csv").read_text() == "old"
    publish(tmp, dest, replace=True)
    assert sorted(p.name for p in dest.iterdir()) == ["extra.csv", "plan.csv"]
    assert (dest / "plan.csv").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["2026-W49"]  # the old folder is gone


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_sweep_removes_only_staging_folders(tmp_path):
    (tmp_path / "2026-W48").mkdir()
    (tmp_path / ".staging-2026-W49-abc").mkdir()
    (tmp_path / ".staging-2026-W49-abc" / "run.log").write_text("...")
    assert sweep_staging(tmp_path) == [".staging-2026-W49-abc"]
    assert [p.name for p in tmp_path.iterdir()] == ["2026-W48"]


# ------------------------------------------------------------------ hand-off


@pytest.mark.parametrize(("week", "before"), [("2026-W49", "2026-W48"),
                                              ("2027-W01", "2026-W53"),  # 2026 has 53 weeks
                                              ("2026-W01", "2025-W52")])
def test_previous_week_follows_the_iso_calendar(week, before):
    assert handoff.previous_week(week) == before


def test_without_stock_take_or_previous_run_it_says_what_to_give(tmp_path):
    with pytest.raises(RunInputError) as info:
        handoff.find_previous(tmp_path, "2026-W49", required=True)
    msg = str(info.value)
    assert "no stock-take (--stock)" in msg and "2026-W48" in msg and "--stock STOCK.csv" in msg
    assert info.value.exit_code == 2
    assert handoff.find_previous(tmp_path, "2026-W49", required=False) is None


def test_a_previous_run_without_a_plan_cannot_give_the_stock(tmp_path):
    (tmp_path / "2026-W48").mkdir()
    (tmp_path / "2026-W48" / "summary.json").write_text(json.dumps({"status": "infeasible"}))
    with pytest.raises(RunInputError, match=r"made no plan \(status infeasible\)"):
        handoff.find_previous(tmp_path, "2026-W49", required=True)


# ------------------------------------------------------------------ in_transit.csv, stock files


def test_in_transit_rows_are_validated_with_file_row_and_column(tmp_path):
    folder = write_weekly(tmp_path / "sc")
    (folder / "in_transit.csv").write_text(
        "origin,destination,mode,feedstock_id,arrival_week,tonnes\n"
        "src,plant,boat,mag,2026-W48,1\n"      # fine: arrives in week 1
        "src,src,boat,mag,2026-W48,1\n"        # a source receives nothing
        "src,plant,plane,mag,2026-W48,1\n"     # unknown mode
        "src,plant,boat,mag,2026-W47,1\n"      # arrived already: it is stock
        "src,plant,boat,mag,2026-W48,-2\n")    # negative, and a duplicate key
    with pytest.raises(ScenarioError) as info:
        load_scenario(folder)
    got = {(p.file, p.row, p.column) for p in info.value.problems}
    assert {("in_transit.csv", 3, "destination"), ("in_transit.csv", 4, "mode"),
            ("in_transit.csv", 5, "arrival_week"), ("in_transit.csv", 6, "tonnes")} <= got
    rules = " ".join(p.rule for p in info.value.problems)
    assert "count it in the opening stock" in rules


def test_restricted_feedstock_in_transit_to_an_uncleared_site_breaks_custody(tmp_path):
    feeds = ("feedstock_id,name,sector,restricted,magnet_share,reo_share\n"
             "mag,Magnets,vehicle,false,1.0,0.3\ndef,Defence,defence,true,1.0,0.3\n")
    folder = write_weekly(tmp_path / "sc", feedstocks=feeds)
    (folder / "in_transit.csv").write_text(
        "origin,destination,mode,feedstock_id,arrival_week,tonnes\nsrc,plant,boat,def,2026-W48,1\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(folder)
    [p] = info.value.problems
    assert (p.file, p.row, p.column, p.value) == ("in_transit.csv", 2, "destination", "plant")
    assert "chain of custody" in p.rule


def test_a_stock_take_is_read_from_its_own_file_and_problems_name_it(tmp_path):
    folder = write_weekly(tmp_path / "sc")
    stock = tmp_path / "count-2026-W49.csv"
    stock.write_text("site_id,feedstock_id,tonnes\n\nnowhere,mag,1\nsrc,mag,lots\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(folder, config={"start_week": "2026-W49"}, files={"inventory": stock})
    got = {(p.file, p.row, p.column, p.value) for p in info.value.problems}
    assert got == {(str(stock), 3, "site_id", "nowhere"),  # row 2 is blank
                   (str(stock), 4, "tonnes", "lots")}


def test_a_stock_take_replaces_the_folders_inventory_and_the_week_moves(tmp_path):
    folder = write_weekly(tmp_path / "sc", inventory="site_id,feedstock_id,tonnes\nsrc,mag,9\n")
    stock = tmp_path / "stock.csv"
    stock.write_text(WEEKLY_STOCK)
    sc = load_scenario(folder, config={"start_week": "2026-W50"}, files={"inventory": stock})
    assert sc.weeks == ("2026-W50", "2026-W51", "2026-W52")
    assert sc.inventory[["site_id", "tonnes"]].values.tolist() == [["src", 2.0]]
    assert sorted(sc.supply["week"].unique()) == ["2026-W50", "2026-W51", "2026-W52"]
    with pytest.raises(ScenarioError) as info:
        load_scenario(folder, files={"inventory": tmp_path / "missing.csv"})
    assert [(p.file, p.rule) for p in info.value.problems] == [
        (str(tmp_path / "missing.csv"), "file does not exist")]


def test_arrivals_count_as_available_and_start_reachability(tmp_path):
    folder = write_weekly(tmp_path / "sc")
    (folder / "in_transit.csv").write_text(
        "origin,destination,mode,feedstock_id,arrival_week,tonnes\n"
        "src,plant,boat,mag,2026-W49,3\nsrc,plant,boat,mag,2027-W30,1\n")
    sc = load_scenario(folder)
    assert "in_transit.csv: 1 shipment(s) arriving after 2026-W50 ignored" in sc.notes
    d = build_sets(sc, build_network(sc))
    assert d.available_t == pytest.approx(2 * 0 + 15 + 3)  # supply in 3 weeks + arrival
    bal = d.balance.set_index(["site_id", "period"])
    assert bal.loc[("plant", 2), "supply_t"] == 3.0 and bal.loc[("plant", 1), "supply_t"] == 0


# ------------------------------------------------------------------ warm start mapping


def test_the_start_takes_each_iso_week_from_last_weeks_plan_and_repeats_its_last(tmp_path):
    folder = write_weekly(tmp_path / "sc")
    sc = load_scenario(folder, config={"start_week": "2026-W49"})
    d = build_sets(sc, build_network(sc))
    prev = PreviousPlan(
        lane_weeks=pd.DataFrame({"origin": ["src", "src", "src"], "destination": "plant",
                                 "mode": ["truck", "boat", "truck"],
                                 "week": ["2026-W48", "2026-W49", "2026-W50"],
                                 "trips": [1.0, 1.0, 2.0]}),
        decisions=pd.DataFrame(columns=["decision", "id", "chosen"]),
        plants=pd.DataFrame({"site_id": "plant", "week": ["2026-W48", "2026-W49", "2026-W50"],
                             "running": [None] * 3}), source="W48")
    start = shifted_start(prev, d)
    n = start.values["n"]
    # this run's weeks W49, W50, W51 = periods 1, 2, 3; W51 repeats W50 (last week's last)
    assert n[("src>plant>boat", 1)] == 1.0 and n[("src>plant>truck", 1)] == 0.0
    # W50 had 2 trucks; by W50 at most 10 t can have reached src (5 + 5), one truckload:
    # the start is clipped to the trip bound. W51 repeats W50's 2, and 15 t allow 2.
    most = d.trips.set_index(["arc", "period"])["trips_max"]
    assert most[("src>plant>truck", 2)] == 1 and n[("src>plant>truck", 2)] == 1.0
    assert most[("src>plant>truck", 3)] == 2 and n[("src>plant>truck", 3)] == 2.0
    assert ("src>plant>boat", 3) not in n  # a boat leaving in the last week arrives too late
    assert start.matched == sum(1 for (_, t) in n if t <= 2)
