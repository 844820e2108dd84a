"""benchmarks/generate.py writes ordinary, valid, reproducible national scenarios."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from feedstock import load_scenario

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def generate():
    spec = importlib.util.spec_from_file_location("generate", ROOT / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_an_instance_is_a_valid_scenario_with_the_sources_asked_for(generate, tmp_path):
    out = generate.generate(tmp_path / "n30", sources=30, feedstocks=8, weeks=6, seed=3)
    sc = load_scenario(out)
    sites = sc.sites
    assert (sites["kind"] == "source").sum() == 30
    assert set(generate.KEPT_SOURCES) <= set(sites["site_id"])
    assert sc.horizon == 6 and len(sc.feedstocks) == 8
    assert {"ebike_motor_magnets", "defence_magnets"} <= set(sc.feedstocks["feedstock_id"])
    # the chain is the sample's: its plants, hubs, ports and buyers
    sample = pd.read_csv(ROOT / "data" / "uk-2026" / "sites.csv")
    chain = set(sample.loc[sample["kind"] != "source", "site_id"])
    assert chain <= set(sites["site_id"])
    # national supply ~ --tonnes-per-week (30 t/week by default), lumpy weekly collections
    weekly = sc.supply.groupby("week")["tonnes"].sum()
    assert 15 < weekly.mean() < 45


def test_the_same_seed_writes_the_same_files_and_sources_stand_on_land(generate, tmp_path):
    from shapely import contains_xy

    from feedstock.optimizer.outputs.maps.layers import outline

    a = generate.generate(tmp_path / "a", sources=25, seed=7)
    b = generate.generate(tmp_path / "b", sources=25, seed=7)
    c = generate.generate(tmp_path / "c", sources=25, seed=8)
    for name in ("sites.csv", "supply.csv", "scenario.toml", "feedstocks.csv"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert (a / "supply.csv").read_bytes() != (c / "supply.csv").read_bytes()
    sites = pd.read_csv(a / "sites.csv")
    made = sites[sites["name"].str.startswith("Synthetic")]
    land = outline()
    land = land[land["kind"] == "land"].union_all()
    assert contains_xy(land, made["lon"].to_numpy(), made["lat"].to_numpy()).all()


def test_fewer_feedstocks_keep_defence_and_swarf(generate, tmp_path):
    sc = load_scenario(generate.generate(tmp_path / "f3", sources=10, feedstocks=3, seed=1))
    ids = set(sc.feedstocks["feedstock_id"])
    assert len(ids) == 3 and {"defence_magnets", "manufacturing_swarf"} <= ids
