"""The build-over-time model on tiny cases worked out by hand.

Every case: 2027..2029, three ISO years of 52 weeks each. ``src`` supplies 1 t of
``mag`` a week (52 t a year; forecast.csv scales it). ``plant`` has no capacity of
its own; option ``plant/line`` adds 1 t/week (52 t a year) once built. A tonne
processed earns £300 (reo: 0.3 x £1,000); a trip carries 10 t for £100, so a tonne
moved costs £10 (trips are continuous at this scale). ``out`` buys at £100/t unless a
case says otherwise; neither ``src`` nor ``plant`` may hold stock, so every year's
supply is processed or exported that year. Per tonne: processed -£290, exported
-£90, so a year of the line online is worth 52 x £200 = £10,400 against export.
"""

from __future__ import annotations

import pytest

from feedstock import solve
from feedstock.optimizer.checker import check_plan
from tests.builders import build, config
from tests.plans import exact, lines_add_up, sites

pytestmark = pytest.mark.solver

SITES = sites("src source storage=0", "plant plant storage=0", "out outlet")
LANES = "origin,destination,mode,distance_km\nsrc,plant,truck,100\nsrc,out,truck,100\n"
PLANTS = ("site_id,process,capacity_t_per_week,cost_gbp_per_t,product,yield_basis,yield,"
          "product_value_gbp_per_t,min_weekly_t\nplant,long_loop,0,0,reo,reo_share,1.0,1000,0\n")
OUTLETS = "site_id,feedstock_id,price_gbp_per_t,max_t_per_week\nout,*,100,\n"
SUPPLY_1 = "site_id,feedstock_id,week,tonnes\nsrc,mag,2026-W48,1\n"  # 1 t/week: the base
OPTION = ("site_id,option,extra_capacity_t_per_week,fixed_cost_gbp,available_from_week,"
          "capex_gbp,lifetime_years,lead_time_years,earliest_year,latest_year,group\n")


def line(capex: float, life: int = 10, lead: int = 0, earliest: str = "", latest: str = "",
         extra: float = 1.0, option: str = "line", group: str = "") -> str:
    return (f"plant,{option},{extra},,,{capex},{life},{lead},{earliest},{latest},{group}\n")


def case(options: str, *, rate: float = 0.0, forecast: str | None = None,
         outlets: str = OUTLETS, ban: int | None = None, sites_csv: str = SITES):
    strategy = {"first_year": 2027, "years": 3, "discount_rate": rate}
    if ban is not None:
        strategy["export_ban_from_year"] = ban
    return build(config(strategy=strategy), sites=sites_csv, lanes=LANES, plants=PLANTS,
                 outlets=outlets, expansions=OPTION + options, forecast=forecast,
                 supply=SUPPLY_1)


def plan(sc):
    r = solve(sc, strategic=True, progress=False)
    lines_add_up(r)
    assert r.status == "optimal"
    violations = check_plan(r.source, r)  # the scenario as the strategic run read it
    assert not violations, "\n".join(map(str, violations))
    return r


def built(r) -> dict[str, bool]:
    d = r.decisions
    return dict(zip(d["id"], d["chosen"], strict=True))


def fed(r) -> list[float]:
    by = r.plant_feed.groupby("week")["feed_t"].sum()
    return [float(by.get(y, 0.0)) for y in ("2027", "2028", "2029")]


WAVE = "year,sector,index\n2027,vehicle,1\n2028,vehicle,1\n2029,vehicle,0\n"


def test_a_build_that_pays_only_if_online_early_enough():
    """Supply in 2027 and 2028 only. capex £60,000 over 10 years: £6,000 a year online.

    Decided in 2027 it is online three years for two years of use:
    2 x 10,400 - 3 x 6,000 = +£2,800 against exporting. Decided in 2028: one year of
    use for two of cost, 10,400 - 12,000 = -£1,600: it is not built. Export only:
    104 x -90 = -£9,360; built in 2027: 104 x -290 + 18,000 = -£12,160.
    """
    early = plan(case(line(60_000), forecast=WAVE))
    assert early.objective_gbp == exact(-12_160)
    assert built(early) == {"plant/line@2027": True, "plant/line@2028": False,
                            "plant/line@2029": False}
    assert fed(early) == [exact(52), exact(52), exact(0)]
    late = plan(case(line(60_000, earliest="2028"), forecast=WAVE))
    assert late.objective_gbp == exact(-9_360)
    assert not any(built(late).values())


def test_a_lifetime_that_ends_inside_the_horizon():
    """Decided in 2027 (the only year allowed), lifetime 2: online 2027 and 2028, not 2029.

    capex £10,000 over 2 years = £5,000 a year: 104 t processed, 52 t exported in 2029:
    -30,160 - 4,680 + 10,000 = -£24,840.
    """
    r = plan(case(line(10_000, life=2, earliest="2027", latest="2027")))
    assert r.objective_gbp == exact(-24_840)
    assert fed(r) == [exact(52), exact(52), exact(0)]
    assert r.cost_lines_gbp["fixed_decisions"] == exact(10_000)
    assert r.leakage.groupby("week")["tonnes_t"].sum().to_dict() == {"2029": exact(52)}


SUPPLY_1_5 = "site_id,feedstock_id,week,tonnes\nsrc,mag,2026-W48,1.5\n"


@pytest.mark.parametrize(("group", "objective", "chosen"), [
    ("", -46_860, {"small", "large"}),     # both: 234 t processed, 6,000 + 15,000 paid
    ("line", -37_260, {"large"}),          # one of the group: 156 t processed, 78 t exported
])
def test_two_sizes_in_one_group(group, objective, chosen):
    """1.5 t/week of supply; small (0.5 t/week, capex £20,000) and large (1 t/week, £50,000).

    Both built: 234 x -290 + 3 x (2,000 + 5,000) = -£46,860. In one group only the large
    one: 156 x -290 + 78 x -90 + 15,000 = -£37,260 (small alone: -£30,660).
    """
    options = (line(20_000, extra=0.5, option="small", earliest="2027", latest="2027",
                    group=group)
               + line(50_000, option="large", earliest="2027", latest="2027", group=group))
    sc = case(options)
    sc = sc.replace(supply=sc.table("supply").assign(tonnes=1.5))
    r = plan(sc)
    assert r.objective_gbp == exact(objective)
    assert {k.split("/")[1].split("@")[0] for k, v in built(r).items() if v} == chosen


RAMP = "year,sector,index\n2027,vehicle,0.5\n2028,vehicle,1\n"


def test_discounting_moves_a_build_a_year_later():
    """Supply 26 t in 2027, 52 t from 2028 (the index carries on). capex £50,000, 10 years.

    At r = 0 the annuity is £5,000: 2027 is worth 26 x 200 = 5,200 > 5,000, so build in
    2027: 130 x -290 + 3 x 5,000 = -£22,700. At r = 8 % it is 50,000 x 0.08 / (1 - 1.08^-10)
    = £7,451.47 > 5,200: build in 2028, 2027 exported:
    -2,340 + (-15,080 + 7,451.47) x (1/1.08 + 1/1.08^2).
    """
    flat = plan(case(line(50_000), forecast=RAMP))
    assert flat.objective_gbp == exact(-22_700)
    assert built(flat)["plant/line@2027"]
    annuity = 50_000 * 0.08 / (1 - 1.08 ** -10)
    later = plan(case(line(50_000), forecast=RAMP, rate=0.08))
    assert later.objective_gbp == exact(-2_340 + (-15_080 + annuity) * (1 / 1.08 + 1 / 1.08**2))
    assert built(later) == {"plant/line@2027": False, "plant/line@2028": True,
                            "plant/line@2029": False}


OUTLET_250 = OUTLETS.replace("out,*,100,", "out,*,250,")
SRC_STORES = sites("src source", "plant plant storage=0", "out outlet")


@pytest.mark.parametrize(("ban", "objective", "chosen"), [
    (None, -37_440, set()),                        # 156 t exported at 250 - 10
    (2027, -27_240, {"plant/line@2027"}),          # 156 t processed, 3 years of £6,000
    (2029, -34_040, {"plant/line@2029"}),          # 104 t exported, then built for 2029
])
def test_an_export_ban_makes_a_build_pay(ban, objective, chosen):
    """Abroad pays £250/t: exporting nets -£240/t against -£290/t processed, so the line
    (capex £60,000: £6,000 a year) is worth 52 x 50 = £2,600 a year: not built. Banned,
    the alternative is stock at ``src`` (free here): a year online is worth 52 x 290 =
    £15,080 > £6,000. From 2029: -104 x 240 - 15,080 + 6,000 = -£34,040.
    """
    r = plan(case(line(60_000), outlets=OUTLET_250, ban=ban, sites_csv=SRC_STORES))
    assert r.objective_gbp == exact(objective)
    assert {k for k, v in built(r).items() if v} == chosen
    if ban is not None:
        assert r.leakage.empty or set(r.leakage["week"]) <= {str(y) for y in range(2027, ban)}


def test_capacity_and_rates_scale_with_the_weeks_of_a_year():
    """2026 has 53 ISO weeks: a year of 1 t/week of supply and of capacity is 53 t."""
    sc = build(config(strategy={"first_year": 2026, "years": 1}), sites=SITES, lanes=LANES,
               plants=PLANTS.replace("plant,long_loop,0,", "plant,long_loop,1,"),
               outlets=OUTLETS, supply=SUPPLY_1)
    r = plan(sc)
    assert r.plant_feed["feed_t"].sum() == exact(53)
    assert r.objective_gbp == exact(53 * -290)


class Tampered:
    """A solved plan with some tables or figures replaced: what the checker must catch."""

    def __init__(self, result, **replaced):
        self._result, self._replaced = result, replaced

    def __getattr__(self, name):
        return self._replaced[name] if name in self._replaced else getattr(self._result, name)


def rules(sc, result) -> set[str]:
    return {v.rule for v in check_plan(sc, result)}


def test_the_checker_reads_builds_discounting_and_the_ban_itself():
    """Three plans that the strategic model would never return, each caught by its rule.

    * the 2027 build undone: 52 t fed in 2027 against 0 t/week x 52 weeks of capacity;
    * the build paid undiscounted at 8 %: the decision's cost is not the scenario's;
    * a sale moved into a banned year (2027 -> 2028 with a ban from 2028).
    """
    early = plan(case(line(60_000), forecast=WAVE))
    undone = early.decisions.assign(chosen=False)
    assert "plant_capacity" in rules(early.source, Tampered(early, decisions=undone))

    later = plan(case(line(50_000), forecast=RAMP, rate=0.08))
    d = later.decisions
    paid = d.assign(fixed_cost_gbp=d["fixed_cost_gbp"] * 1.08)
    assert "cost_line" in rules(later.source, Tampered(later, decisions=paid))

    r = plan(case(line(60_000), outlets=OUTLET_250, ban=2029, sites_csv=SRC_STORES))
    late = r.leakage.assign(week="2029", period=3)
    assert "outlet_buys" in rules(r.source, Tampered(r, leakage=late))


def test_cost_by_period_adds_up_to_every_line():
    """The discounted cost of each line over the years is that line; build cost by online year."""
    r = plan(case(line(50_000), forecast=RAMP, rate=0.08))
    table = r.table("cost_by_period")
    by_line = table.groupby("line")["cost_gbp"].sum()
    for name, value in r.cost_lines_gbp.items():
        assert by_line.get(name, 0.0) == exact(value), name
    fixed = table[table["line"] == "fixed_decisions"].set_index("week")
    annuity = 50_000 * 0.08 / (1 - 1.08 ** -10)
    assert fixed["undiscounted_gbp"].to_dict() == {"2028": exact(annuity), "2029": exact(annuity)}


def test_price_indices_of_products_and_outlets():
    """2 t/week of supply, 1 t/week of plant (104 t a year, 52 processed, 52 exported).

    prices.csv: reo x2 from 2029; outlets x0.5 from 2028 (carried into 2029). Processed
    per t: -290, -290, -590; exported: -90, -40, -40. 52 x (-380 - 330 - 630) = -£69,680.
    """
    sc = build(config(strategy={"first_year": 2027, "years": 3}), sites=SITES, lanes=LANES,
               plants=PLANTS.replace("plant,long_loop,0,", "plant,long_loop,1,"),
               outlets=OUTLETS, supply=SUPPLY_1.replace(",1\n", ",2\n"),
               prices="year,item,index\n2029,reo,2\n2028,outlets,0.5\n")
    r = plan(sc)
    assert r.objective_gbp == exact(-69_680)
    value = r.plant_output.groupby("week")["value_gbp"].sum()
    assert value.to_dict() == {"2027": exact(15_600), "2028": exact(15_600),
                               "2029": exact(31_200)}
    assert r.leakage["price_gbp_per_t"].tolist() == [exact(100), exact(50), exact(50)]


def test_quarters_take_13_weeks_and_14_in_the_last_quarter_of_a_53_week_year():
    """2026 in quarters: 13, 13, 13 and 14 weeks; 1 t/week of supply and capacity."""
    sc = build(config(strategy={"first_year": 2026, "years": 1, "period": "quarter"}),
               sites=SITES, lanes=LANES, outlets=OUTLETS, supply=SUPPLY_1,
               plants=PLANTS.replace("plant,long_loop,0,", "plant,long_loop,1,"))
    r = plan(sc)
    assert r.weeks == ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4")
    assert r.plant_feed["feed_t"].tolist() == [exact(13), exact(13), exact(13), exact(14)]
    assert r.objective_gbp == exact(53 * -290)
