"""Sweeps over a tiny export case (tests/solver/test_whatif.py ``export_case``).

The buyer pays £400/t, processing earns £300/t, one truck (£100) per lane; the
grid varies the leakage penalty and the plant's capacity. A sweep must equal
the same variants solved one by one -- serially, in 2 worker processes, and on
a Dask LocalCluster, with each worker re-solving on its own model or building
every model anew -- and keep going past a variant that has no plan.
"""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from feedstock import ScenarioError, solve
from feedstock.cli.main import main
from feedstock.optimizer.studies import SweepOptions, grid_from_params, sweep, variants
from tests.builders import build, config, write_folder
from tests.plans import exact
from tests.solver.test_whatif import OUTLET_LANES, OUTLET_SITES, OUTLETS, export_case

GRID = {"policy.leakage_penalty_gbp_per_t": [0, 150, 1000],
        "plants.capacity_t_per_week[plant]": [1, 10]}
COLS = ["policy.leakage_penalty_gbp_per_t", "plants.capacity_t_per_week[plant]", "status",
        "objective_gbp", "leaked_t", "processed_uk_t"]


def test_a_grid_is_every_combination_in_order():
    v = variants({"a": [1, 2], "b": ["x", "y", "z"]})
    assert v[:4] == [{"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 1, "b": "z"},
                     {"a": 2, "b": "x"}] and len(v) == 6
    assert variants([{"a": 1}, {"b": 2}]) == [{"a": 1}, {"b": 2}]
    with pytest.raises(TypeError, match="must be a list"):
        variants({"a": 5})


def test_params_parse_into_a_grid():
    assert grid_from_params(["policy.x=0,1000", "supply.tonnes[sector=wind]*=1,1.5",
                             "expansions.decision[p/o]=build,never"]) == {
        "policy.x": [0, 1000], "supply.tonnes[sector=wind] *=": [1, 1.5],
        "expansions.decision[p/o]": ["build", "never"]}
    with pytest.raises(ValueError, match="KEY=V1,V2"):
        grid_from_params(["no equals sign"])


@pytest.fixture(scope="module")
def serial():
    return sweep(export_case(0, 2), GRID)


def test_a_sweep_equals_the_variants_solved_one_by_one(serial):
    base = export_case(0, 2)
    assert list(serial.index) == list(range(1, 7)) and serial.index.name == "variant"
    for number, v in enumerate(variants(GRID), start=1):
        r = solve(base.with_overrides(v))
        row = serial.loc[number]
        assert row["objective_gbp"] == exact(r.objective_gbp), v
        assert row["leaked_t"] == exact(r.kpis["leaked_t"]), v
        assert (row["policy.leakage_penalty_gbp_per_t"],
                row["plants.capacity_t_per_week[plant]"]) == tuple(v.values())
    # the penalty at £1,000 stops every export; at £0 everything is sold
    assert (serial.loc[serial["policy.leakage_penalty_gbp_per_t"] == 1000, "leaked_t"] == 0).all()
    assert (serial.loc[serial["policy.leakage_penalty_gbp_per_t"] == 0, "leaked_t"] == 5).all()


def test_numbers_only_variants_reuse_one_model_and_equal_rebuilt_ones(serial):
    assert list(serial["model"]) == ["built"] + ["reused"] * 5
    rebuilt = sweep(export_case(0, 2), GRID, options=SweepOptions(persistent=False))
    assert set(rebuilt["model"]) == {"built"}
    pd.testing.assert_frame_equal(rebuilt[COLS], serial[COLS])


def test_two_worker_processes_give_the_same_table(serial):
    par = sweep(export_case(0, 2), GRID, workers=2)
    pd.testing.assert_frame_equal(par[COLS], serial[COLS])


def test_a_dask_local_cluster_gives_the_same_table(serial):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        on_dask = sweep(export_case(0, 2), GRID, client=client)
    pd.testing.assert_frame_equal(on_dask[COLS], serial[COLS])


def test_a_variant_without_a_plan_is_a_row_not_a_crash(tmp_path):
    grid = [{"offtake.min_t[reo]": 0.1}, {"offtake.min_t[reo]": 100}]  # 100 t: impossible
    table = sweep(_with_offtake(), grid, out=tmp_path / "out")
    assert list(table["status"]) == ["optimal", "infeasible"]
    assert pd.isna(table.loc[2, "objective_gbp"]) and "No plan" in table.loc[2, "message"]
    assert (tmp_path / "out" / "v002" / "diagnosis.json").is_file()
    assert (tmp_path / "out" / "v001" / "flows.csv").is_file()
    assert pd.read_csv(tmp_path / "out" / "sweep.csv", index_col="variant").shape[0] == 2


def _with_offtake():
    """The tiny base (5 t, one plant) with 0.1 t of oxide promised in 2026-W48."""
    return build(config(), offtake="product,week,min_t\nreo,2026-W48,0.1\n")


def test_bad_overrides_fail_before_anything_is_solved():
    with pytest.raises(ScenarioError, match="no plants row with id 'nowhere'"):
        sweep(export_case(0, 2), {"plants.capacity_t_per_week[nowhere]": [1, 2]},
              options=SweepOptions(time_limit=1))


def test_the_cli_writes_sweep_csv_and_a_folder_per_variant(tmp_path):
    folder = write_folder(tmp_path / "sc", config(), sites=OUTLET_SITES, lanes=OUTLET_LANES,
                          outlets=OUTLETS)
    out = tmp_path / "out"
    res = CliRunner().invoke(main, ["sweep", str(folder), "--param",
                                    "policy.leakage_penalty_gbp_per_t=0,1000",
                                    "--param", "supply.tonnes[site_id=src]*=1,2",
                                    "--out", str(out)])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out / "sweep.csv", index_col="variant")
    assert len(table) == 4 and sorted(p.name for p in out.iterdir()) == [
        "sweep.csv", "v001", "v002", "v003", "v004"]
    assert table.loc[4, "supply.tonnes[site_id=src] *="] == 2
    assert table.loc[3, "leaked_t"] == exact(0) and table.loc[1, "leaked_t"] == exact(5)
    assert "Wrote" in res.stdout
    assert table["model"].iloc[0] == "built"  # then re-used where only numbers change
    rebuilt = CliRunner().invoke(main, ["sweep", str(folder), "--param",
                                        "policy.leakage_penalty_gbp_per_t=0,1000", "--rebuild",
                                        "--quiet", "--out", str(tmp_path / "rebuilt")])
    assert rebuilt.exit_code == 0, rebuilt.output
    again = pd.read_csv(tmp_path / "rebuilt" / "sweep.csv", index_col="variant")
    assert list(again["model"]) == ["built", "built"]
    assert list(again["objective_gbp"]) == [exact(v) for v in table["objective_gbp"].iloc[[0, 2]]]
    bad = CliRunner().invoke(main, ["sweep", str(folder), "--param", "oops", "--out", str(out)])
    assert bad.exit_code == 2 and "KEY=V1,V2" in bad.output
