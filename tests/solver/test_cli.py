"""The ``feedstock`` CLI through click's CliRunner: exit codes, stdout, files."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from feedstock.cli.main import main
from tests.builders import PLANTS, SITES, SUPPLY, config, write_folder

SUMMARY_KEYS = {"status", "objective_gbp", "bound_gbp", "gap", "cost_lines_gbp", "kpis",
                "build_seconds", "solve_seconds", "scenario"}
CSVS = ["flows.csv", "plants.csv", "stock.csv", "leakage.csv", "decisions.csv",
        "marginal_values.csv"]


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def tiny(tmp_path):
    return write_folder(tmp_path / "tiny")


def test_solve_prints_summary_and_writes_outputs(runner, tiny, tmp_path):
    out = tmp_path / "out"
    res = runner.invoke(main, ["solve", str(tiny), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "OPTIMAL" in res.output
    assert "processing_net" in res.output and "-£1,500" in res.output
    assert "5.0 t fed" in res.output
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary) >= SUMMARY_KEYS
    assert summary["objective_gbp"] == pytest.approx(-1400.0)
    assert sum(summary["cost_lines_gbp"].values()) == pytest.approx(-1400.0)
    for name in CSVS:
        assert (out / name).is_file(), name
    flows = pd.read_csv(out / "flows.csv")
    assert list(flows[["origin", "destination", "mode", "feedstock_id", "week"]].iloc[0]) == [
        "src", "plant", "truck", "mag", "2026-W48"]
    assert flows["tonnes_t"].iloc[0] == pytest.approx(5.0)
    assert flows["trips"].iloc[0] == 1
    assert (out / "flows.geojson").is_file() and (out / "sites.geojson").is_file()


def test_json_prints_only_the_summary(runner, tiny):
    res = runner.invoke(main, ["solve", str(tiny), "--json"])
    assert res.exit_code == 0
    summary = json.loads(res.stdout)
    assert summary["status"] == "optimal"
    assert set(summary) >= SUMMARY_KEYS


def test_time_limit_and_gap_override_scenario(runner, tiny):
    res = runner.invoke(main, ["solve", str(tiny), "--json", "--time-limit", "7", "--gap", "0.2"])
    solver = json.loads(res.stdout)["solver"]
    assert solver["time_limit_s"] == 7 and solver["mip_rel_gap"] == 0.2


def test_bad_cell_exits_2_naming_file_row_column(runner, tmp_path):
    folder = write_folder(tmp_path / "bad", sites=SITES.replace("52.0,-2.0", "95.0,-2.0"))
    res = runner.invoke(main, ["solve", str(folder)])
    assert res.exit_code == 2
    assert "sites.csv, row 3, column lat = '95': must be in [-90, 90]" in res.stderr
    assert "Traceback" not in res.output + res.stderr


def test_validate_lists_every_problem(runner, tmp_path):
    folder = write_folder(tmp_path / "bad", sites=SITES.replace("52.0,-2.0", "95.0,-2.0"),
                          supply=SUPPLY.replace("src,mag", "nowhere,mag"))
    res = runner.invoke(main, ["validate", str(folder)])
    assert res.exit_code == 2
    assert "2 problems" in res.stderr
    assert "supply.csv, row 2, column site_id = 'nowhere': unknown site" in res.stderr


def test_validate_describes_a_good_scenario(runner, tiny):
    res = runner.invoke(main, ["validate", str(tiny)])
    assert res.exit_code == 0
    assert "is valid" in res.output
    assert "1 plant, 1 source" in res.output
    assert "vehicle 5.0 t" in res.output


def test_infeasible_exits_3(runner, tmp_path):
    cfg = config(**{"policy.max_leakage_share": 0.0})
    folder = write_folder(
        tmp_path / "inf", cfg,
        plants=PLANTS.replace(",100,0,reo", ",1,0,reo"),
        sites=SITES.replace(",false,,0", ",false,0,0"))
    out = tmp_path / "out"
    res = runner.invoke(main, ["solve", str(folder), "--out", str(out)])
    assert res.exit_code == 3, res.output
    assert "No plan is possible" in res.stderr
    assert "supply_exceeds_absorption" not in res.stderr  # planner's words, not rule ids
    assert "4 t too much" in res.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "infeasible" and summary["objective_gbp"] is None
    diagnosis = json.loads((out / "diagnosis.json").read_text())
    assert diagnosis["method"] == "pre-solve checks"
    assert diagnosis["findings"][0]["rule"] == "supply_exceeds_absorption"
    assert diagnosis["findings"][0]["amount"] == pytest.approx(4.0)
    assert not (out / "flows.csv").exists()


def test_infeasible_json_prints_the_failure_summary(runner, tmp_path):
    cfg = config(**{"policy.max_leakage_share": 0.0})
    folder = write_folder(tmp_path / "inf", cfg, plants=PLANTS.replace(",100,0,reo", ",1,0,reo"),
                          sites=SITES.replace(",false,,0", ",false,0,0"))
    res = runner.invoke(main, ["solve", str(folder), "--json"])
    assert res.exit_code == 3
    assert json.loads(res.stdout)["status"] == "infeasible"


def test_missing_folder_exits_2(runner, tmp_path):
    res = runner.invoke(main, ["solve", str(tmp_path / "nope")])
    assert res.exit_code == 2
    assert "does not exist" in res.stderr


def test_unexpected_error_exits_1_without_traceback(runner, tiny, monkeypatch):
    def boom(*_a, **_k):
        raise RuntimeError("disk on fire")

    import sys

    monkeypatch.setattr(sys.modules["feedstock.optimizer.solve.pipeline"], "solve", boom)
    res = runner.invoke(main, ["solve", str(tiny)])
    assert res.exit_code == 1
    assert "disk on fire" in res.stderr and "--debug" in res.stderr
    assert "Traceback" not in res.stderr
    res = runner.invoke(main, ["solve", str(tiny), "--debug"])
    assert isinstance(res.exception, RuntimeError)


def test_validate_without_a_scenario_names_the_bundled_sample(runner):
    from feedstock import sample_scenario

    res = runner.invoke(main, ["validate"])
    assert res.exit_code == 0, res.output
    assert str(sample_scenario()) in res.output.splitlines()[0]
    assert "the bundled sample" in res.output
    res = runner.invoke(main, ["validate", "--json"])
    assert json.loads(res.output)["source"] == str(sample_scenario())


def test_validate_runs_the_prechecks(runner, tmp_path):
    """A proven-impossible scenario exits 3 from validate, without a solver; JSON lists checks."""
    cfg = config(**{"policy.max_leakage_share": 0.0})
    folder = write_folder(tmp_path / "inf", cfg, plants=PLANTS.replace(",100,0,reo", ",1,0,reo"),
                          sites=SITES.replace(",false,,0", ",false,0,0"))
    res = runner.invoke(main, ["validate", str(folder)])
    assert res.exit_code == 3
    assert "is valid" in res.stdout and "4 t too much" in res.stderr
    res = runner.invoke(main, ["validate", str(folder), "--json"])
    assert res.exit_code == 3
    (check,) = json.loads(res.stdout)["checks"]
    assert (check["rule"], check["severity"], check["amount"]) == \
        ("supply_exceeds_absorption", "error", 4.0)


def test_validate_prints_precheck_warnings(runner, tmp_path):
    folder = write_folder(tmp_path / "warn", None,
                          sites=SITES + "far,Far yard,source,53.0,-1.0,gb,false,,0\n",
                          supply=SUPPLY + "far,mag,2026-W48,2\n")
    res = runner.invoke(main, ["validate", str(folder)])
    assert res.exit_code == 0
    assert "warnings:" in res.stdout and "2 t of mag at far has no route" in res.stdout


def test_time_limit_with_a_plan_exits_0_and_says_feasible(runner, tiny, monkeypatch):
    """The solver stops at its time limit holding a plan 50 % from the bound."""
    import dataclasses

    from feedstock.optimizer.solve.runners import HighsRunner

    real = HighsRunner.solve_mip

    def stopped(self, m, **kw):
        out = real(self, m, **kw)
        return dataclasses.replace(out, termination="time_limit", detail="maxTimeLimit",
                                   bound=out.objective * 1.5)

    monkeypatch.setattr(HighsRunner, "solve_mip", stopped)
    res = runner.invoke(main, ["solve", str(tiny)])
    assert res.exit_code == 0, res.output
    assert "FEASIBLE, gap 50.00%" in res.stdout and "!! The solver stopped" in res.stdout
    res = runner.invoke(main, ["solve", str(tiny), "--json"])
    summary = json.loads(res.stdout)
    assert summary["status"] == "feasible" and summary["gap"] == pytest.approx(0.5)
