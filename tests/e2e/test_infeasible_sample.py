"""Three deliberately infeasible variants of the sample: each diagnosis names rule, place, week.

Each variant is the sample folder with one planner's edit, solved through the
CLI with ``--out``: exit 3, the diagnosis on stderr in words, ``summary.json``
with status ``infeasible`` and ``diagnosis.json`` with rule, site, feedstock,
week, amount and unit.
"""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from feedstock.cli.main import main
from tests.conftest import SAMPLE

BELFAST_PLANTS = {"ionic_belfast", "belfast_harbour"}


def variant(tmp_path, name, edit):
    folder = tmp_path / name
    shutil.copytree(SAMPLE, folder)
    edit(folder)
    return folder


def edit_csv(folder, name, change):
    path = folder / f"{name}.csv"
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    change(df)
    df.to_csv(path, index=False)


def add_supply(site, weeks, tonnes):
    def change(df):
        rows = (df["site_id"] == site) & (df["feedstock_id"] == "defence_magnets") \
            & df["week"].isin(weeks)
        assert rows.sum() == len(weeks)
        df.loc[rows, "tonnes"] = (df.loc[rows, "tonnes"].astype(float) + tonnes).astype(str)
    return change


def solve_variant(folder, tmp_path):
    out = tmp_path / f"{folder.name}-out"
    res = CliRunner().invoke(main, ["solve", str(folder), "--out", str(out),
                                  "--time-limit", "1800"])  # no clock: see test_sample.py
    assert res.exit_code == 3, res.output
    assert "Traceback" not in res.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "infeasible"
    diagnosis = json.loads((out / "diagnosis.json").read_text())
    for f in diagnosis["findings"]:
        assert set(f) >= {"rule", "site", "feedstock", "week", "amount", "unit", "message"}
    return res, diagnosis


def test_defence_surge_beyond_belfast_capacity(tmp_path):
    """+20 t of defence magnets a week at MOD Donnington, W48..W52.

    Cleared storage in GB (27 t) and Belfast (35 t) fills before the commercial
    plant may open (2027-W01); the only cleared plants are in Belfast, so the
    diagnosis asks for Belfast processing capacity in those weeks — never a
    custody exception.
    """
    weeks = [f"2026-W{w}" for w in range(48, 53)]
    folder = variant(tmp_path, "surge",
                     lambda f: edit_csv(f, "supply", add_supply("mod_donnington", weeks, 20)))
    res, d = solve_variant(folder, tmp_path)
    assert d["method"] == "elastic re-solve"
    rules = {(f["rule"], f["site"]) for f in d["findings"] if f["severity"] == "error"}
    assert rules and all(r == "plant_capacity" and s in BELFAST_PLANTS for r, s in rules)
    assert {f["week"] for f in d["findings"]} <= set(weeks)
    assert "more processing capacity in 2026-W" in res.stderr


def test_impossible_tyseley_blend(tmp_path):
    """Tyseley coating_share <= 0.004: no feed it may take is that clean.

    Its opening stock (4 t) exceeds its 3 t store and a plant ships nothing
    out, so it must process in W48 — and cannot within the rule.
    """
    def tighten(df):
        rows = (df["site_id"] == "hypromag_tyseley") & (df["attribute"] == "coating_share")
        df.loc[rows, "max"] = "0.004"

    folder = variant(tmp_path, "blend", lambda f: edit_csv(f, "plant_specs", tighten))
    res, d = solve_variant(folder, tmp_path)
    top = d["findings"][0]
    assert (top["rule"], top["site"], top["week"]) == ("feed_blend_max", "hypromag_tyseley",
                                                        "2026-W48")
    assert "coating_share <= 0.004" in res.stderr
    # the pre-check saw it coming: Tyseley can never run under that rule
    assert any(f["rule"] == "blend_unmeetable" and f["site"] == "hypromag_tyseley"
               for f in d["findings"])


def test_heysham_sailing_cut(tmp_path):
    """No Heysham–Belfast slots and +30 t of defence magnets at DM Kineton in W50.

    Heysham is the only cleared crossing: by the end of W50 the defence stock
    outgrows the cleared storage in GB, and nothing can carry it to Belfast. The
    pre-solve check proves it without the solver.
    """
    def cut(df):
        df.loc[df["origin"] == "heysham", "max_trips_per_week"] = "0"

    def edit(f):
        edit_csv(f, "lanes", cut)
        edit_csv(f, "supply", add_supply("dm_kineton", ["2026-W50"], 30))

    folder = variant(tmp_path, "ferry", edit)
    res, d = solve_variant(folder, tmp_path)
    assert d["method"] == "pre-solve checks"
    (top,) = [f for f in d["findings"] if f["severity"] == "error"]
    assert (top["rule"], top["site"], top["week"]) == ("ferry_slots_short",
                                                        "heysham>belfast_port", "2026-W50")
    assert top["amount"] == pytest.approx(8.0, abs=0.05)
    assert "heysham>belfast_port ferry 0/week" in res.stderr
