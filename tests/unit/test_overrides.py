"""What-if overrides (feedstock.optimizer.scenario.overrides): every syntax form, every error, no mutation.

Solver-free: each test loads the bundled sample (or a tiny scenario) and checks
the new scenario's tables and config against the old one's.
"""

from __future__ import annotations

import pytest

from feedstock import Scenario, ScenarioError
from tests.conftest import SAMPLE

OVERRIDES = SAMPLE / "overrides"


@pytest.fixture(scope="module")
def base():
    return Scenario.load(SAMPLE)


def capacity(sc, plant):
    return float(sc.plants.set_index("site_id").at[plant, "capacity_t_per_week"])


def test_a_scenario_toml_key(base):
    new = base.with_overrides({"policy.leakage_penalty_gbp_per_t": 3000})
    assert new.config.policy.leakage_penalty_gbp_per_t == 3000
    assert base.config.policy.leakage_penalty_gbp_per_t == 1500  # the base is untouched


def test_a_cell_by_id_and_the_operators(base):
    assert capacity(base.with_overrides({"plants.capacity_t_per_week[ionic_belfast]": 40}),
                    "ionic_belfast") == 40
    assert capacity(base.with_overrides({"plants.capacity_t_per_week[ionic_belfast] *=": 2}),
                    "ionic_belfast") == pytest.approx(1.2)
    assert capacity(base.with_overrides(["plants.capacity_t_per_week[ionic_belfast] += 1"]),
                    "ionic_belfast") == pytest.approx(1.6)
    assert capacity(base.with_overrides(["plants.capacity_t_per_week[ionic_belfast] -= 0.5"]),
                    "ionic_belfast") == pytest.approx(0.1)
    assert capacity(base, "ionic_belfast") == pytest.approx(0.6)


def test_rows_picked_by_a_joined_column(base):
    new = base.with_overrides({"supply.tonnes[sector=wind] *=": 1.5})
    feeds = base.feedstocks.set_index("feedstock_id")["sector"]
    old, now = base.table("supply"), new.table("supply")
    wind = old["feedstock_id"].map(feeds) == "wind"
    assert (now.loc[wind, "tonnes"] == old.loc[wind, "tonnes"] * 1.5).all()
    assert (now.loc[~wind, "tonnes"] == old.loc[~wind, "tonnes"]).all()
    assert wind.any() and (~wind).any()


def test_several_conditions_and_every_row(base):
    new = base.with_overrides({"outlets.price_gbp_per_t[*]": 0,
                               "supply.tonnes[site_id=emr_liverpool,week=2026-W49]": 9})
    assert (new.outlets["price_gbp_per_t"] == 0).all()
    s = new.table("supply")
    picked = (s["site_id"] == "emr_liverpool") & (s["week"] == "2026-W49")
    assert picked.sum() > 1 and (s.loc[picked, "tonnes"] == 9).all()
    assert (s.loc[~picked, "tonnes"] == base.table("supply").loc[~picked, "tonnes"]).all()


def test_lanes_and_expansions_by_their_ids(base):
    new = base.with_overrides({"lanes.max_trips_per_week[heysham>belfast_port>ferry] +=": 2,
                               "expansions.decision[belfast_harbour/commercial_plant]": "build"})
    lanes = new.lanes.set_index(["origin", "destination", "mode"])
    assert lanes.at[("heysham", "belfast_port", "ferry"), "max_trips_per_week"] == 3
    exp = new.expansions.set_index("option")
    assert exp.at["commercial_plant", "decision"] == "build"
    assert exp.at["extra_shifts", "decision"] == "choose"


def test_overrides_apply_in_order_and_are_recorded(base):
    new = base.with_overrides(["policy.carbon_price_gbp_per_t_co2e = 10",
                               "policy.carbon_price_gbp_per_t_co2e *= 3"])
    assert new.config.policy.carbon_price_gbp_per_t_co2e == 30
    again = new.with_overrides(OVERRIDES / "export-ban.toml")
    assert [o["override"] for o in again.overrides] == [
        "policy.carbon_price_gbp_per_t_co2e = 10", "policy.carbon_price_gbp_per_t_co2e *= 3",
        "policy.max_leakage_share = 0"]
    assert again.overrides[-1]["source"].endswith("export-ban.toml")
    assert base.overrides == ()


SHIPPED = {
    "export-ban.toml": lambda sc: sc.config.policy.max_leakage_share == 0,
    "doubled-wind.toml": lambda sc: sc.supply["tonnes"].sum() > BASE_SUPPLY + 10,  # 21 t of wind
    "belfast-commercial-built.toml": lambda sc: _decision(sc, "commercial_plant") == "build",
    "belfast-commercial-never.toml": lambda sc: _decision(sc, "commercial_plant") == "never",
    "second-shift.toml": lambda sc: _decision(sc, "extra_shifts") == "build",
    "carbon-100.toml": lambda sc: sc.config.policy.carbon_price_gbp_per_t_co2e == 100,
    "dy-oxide-price-doubled.toml": lambda sc: (
        sc.plant_products.set_index("product").loc["dy_oxide", "value_gbp_per_t"] == 390_000
    ).all() and sc.config.policy.elements["dy"].value_gbp_per_kg == 448,
    "dy-leakage-penalty.toml":
        lambda sc: sc.config.policy.elements["dy"].leakage_penalty_gbp_per_kg == 100,
}
BASE_SUPPLY = 256.8  # t in the horizon (SOURCES.md)


def _decision(sc, option):
    return sc.expansions.set_index("option").at[option, "decision"]


def test_every_shipped_override_file_is_tested():
    assert sorted(p.name for p in OVERRIDES.glob("*.toml")) == sorted(SHIPPED)


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_every_shipped_override_file_does_what_it_says(base, name):
    assert base.supply["tonnes"].sum() == pytest.approx(BASE_SUPPLY)
    new = base.with_overrides(OVERRIDES / name)
    assert SHIPPED[name](new) and not SHIPPED[name](base)


def test_lines_with_selectors_holding_equals_and_hyphens(base):
    new = base.with_overrides(["supply.tonnes[sector=wind] *= 2",
                               "supply.tonnes[week=2026-W49] += 1"])
    assert new.supply["tonnes"].sum() > base.supply["tonnes"].sum()


def test_two_operations_on_one_column_in_one_call(base):
    new = base.with_overrides({"supply.tonnes[sector=wind] *=": 2,
                               "supply.tonnes[sector=vehicle] *=": 1.5})
    feeds = base.feedstocks.set_index("feedstock_id")["sector"]
    old, now = base.supply, new.supply
    sector = old["feedstock_id"].map(feeds)
    assert now["tonnes"].sum() == pytest.approx(
        old["tonnes"].sum() + old.loc[sector == "wind", "tonnes"].sum()
        + 0.5 * old.loc[sector == "vehicle", "tonnes"].sum())


def test_a_section_dict_sets_its_keys_not_the_whole_section(base):
    new = base.with_overrides({"policy": {"carbon_price_gbp_per_t_co2e": 100}})
    assert new.config.policy.carbon_price_gbp_per_t_co2e == 100
    assert new.config.policy.max_leakage_share == base.config.policy.max_leakage_share
    assert new.config.policy.sectors == base.config.policy.sectors


def test_a_bool_column_selects_as_files_write_it(base):
    new = base.with_overrides({"sites.storage_t[cleared=yes]": 5})
    sites = new.table("sites")
    assert (sites.loc[sites["cleared"].astype(bool), "storage_t"] == 5).all()


@pytest.mark.parametrize(("overrides", "where", "words"), [
    ({"polcy.leakage_penalty_gbp_per_t": 1}, "polcy.leakage_penalty_gbp_per_t",
     "did you mean policy"),
    ({"plants.capacity[ionic_belfast]": 1}, "plants.capacity[ionic_belfast]",
     "no column 'capacity'"),
    ({"plants.capacity_t_per_week[nowhere]": 1}, "plants.capacity_t_per_week[nowhere]",
     "no plants row with id 'nowhere'"),
    ({"supply.tonnes[colour=red] *=": 2}, "supply.tonnes[colour=red]",
     "no column 'colour'"),
    ({"supply.tonnes[sector=space] *=": 2}, "supply.tonnes[sector=space]", "matches no row"),
    ({"pipes.size[*]": 2}, "pipes.size[*]", "unknown table 'pipes'"),
    ({"plants.product[*] *=": 2}, "plants.product[*]", "needs a numeric column"),
    ({"plants.capacity_t_per_week[*] *=": "lots"}, "plants.capacity_t_per_week[*]",
     "*= needs a number"),
    ({"solver.time_limit_s": "soon"}, "solver.time_limit_s", "valid number"),
    ({"outlets.max_t_per_week[*] *=": 0}, "outlets.max_t_per_week[*]",
     "are blank (unlimited or default)"),
    ({"policy.sectors.wnd.leakage_penalty_gbp_per_t": 0},
     "policy.sectors.wnd.leakage_penalty_gbp_per_t", "no feedstock has sector 'wnd'"),
    ({"outlets.price_gbp_per_t[sector=wind]": 0}, "outlets.price_gbp_per_t[sector=wind]",
     "feedstock_id '*'"),
    ({"supply.tonnes": 3}, "supply.tonnes", "say which rows"),
    ({"plants.capacity_t_per_week[*]": [1, 2]}, "plants.capacity_t_per_week[*]",
     "sets one value"),
])
def test_bad_overrides_name_the_override_and_the_rule(base, overrides, where, words):
    with pytest.raises(ScenarioError) as info:
        base.with_overrides(overrides)
    [p] = info.value.problems
    assert p.column == where and words in p.rule, p
    assert "key " + where in str(info.value)


def test_every_bad_override_is_reported_at_once(base):
    with pytest.raises(ScenarioError) as info:
        base.with_overrides({"plants.capacity[x]": 1, "polcy.x": 1, "nope": 2,
                             "outlets.price_gbp_per_t[nowhere]": 0})
    assert len(info.value.problems) == 4


def test_a_value_the_data_rules_refuse_is_reported_in_its_table(base):
    with pytest.raises(ScenarioError) as info:
        base.with_overrides({"plants.capacity_t_per_week[ionic_belfast]": -1})
    [p] = info.value.problems
    assert (p.file, p.column, p.value) == ("plants.csv", "capacity_t_per_week", "-1")
    assert "with overrides (plants.capacity_t_per_week[ionic_belfast] = -1)" in str(info.value)


def test_override_files_errors_name_the_file(tmp_path, base):
    bad = tmp_path / "bad.toml"
    bad.write_text('"plants.capacity_t_per_week[nowhere]" = 1\n')
    with pytest.raises(ScenarioError) as info:
        base.with_overrides(bad)
    assert info.value.problems[0].file == str(bad)
    broken = tmp_path / "broken.toml"
    broken.write_text("policy = [\n")
    with pytest.raises(ScenarioError, match="not readable as TOML"):
        base.with_overrides(broken)
    with pytest.raises(ScenarioError, match="file does not exist"):
        base.with_overrides(tmp_path / "missing.toml")


def test_a_line_that_is_not_an_override():
    from feedstock.optimizer.scenario.overrides import parse

    with pytest.raises(ScenarioError, match="not an override"):
        parse(["just words"])
