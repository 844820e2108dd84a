"""Constraint families at plants: capacity, expansions, minimum run, blend rules, offtake.

Tiny scenarios (tests/builders.py) with the optimum worked out by hand in each
docstring. Defaults: src -> plant by truck (10 t, 100 GBP a trip), plant net
value -(1000 x yield 1.0 x reo_share 0.3) = -300 GBP per tonne fed, no
leakage or terminal penalty, one week (W48) unless stated. Week labels:
W48 = period 1, W49 = 2, W50 = 3, W51 = 4.

Each docstring says what would change if the targeted rule were dropped or
mis-stated, so the test can fail.
"""

from __future__ import annotations

import pytest

from tests.builders import build, config
from tests.plans import exact, lines_add_up

PLANT_HEAD = ("site_id,process,capacity_t_per_week,cost_gbp_per_t,product,yield_basis,yield,"
              "product_value_gbp_per_t,min_weekly_t")
SITES_HEAD = "site_id,name,kind,lat,lon,landmass,cleared,storage_t,holding_gbp_per_t_week"


def plant(capacity: float, *, cost: float = 0, value: float = 1000, min_weekly: float = 0) -> str:
    """plants.csv with one long-loop plant `plant` making `reo` on reo_share."""
    return (f"{PLANT_HEAD}\nplant,long_loop,{capacity},{cost},reo,reo_share,1.0,{value},"
            f"{min_weekly}\n")


def supply(*rows: tuple[str, str, float]) -> str:
    """supply.csv at `src` from (feedstock, week, tonnes)."""
    body = "".join(f"src,{f},{w},{t}\n" for f, w, t in rows)
    return "site_id,feedstock_id,week,tonnes\n" + body


def feed_by_week(r, feedstock: str | None = None) -> list[float]:
    """Tonnes fed into `plant` in periods 1..W."""
    pf = r.plant_feed
    pf = pf[pf["site_id"] == "plant"]
    if feedstock is not None:
        pf = pf[pf["feedstock_id"] == feedstock]
    by = pf.groupby("period")["feed_t"].sum()
    return [float(by.get(t, 0.0)) for t in range(1, len(r.weeks) + 1)]


def plant_rows(r, column: str) -> list:
    pl = r.plants
    return list(pl.loc[pl["site_id"] == "plant"].sort_values("period")[column])


# ---------------------------------------------------------------- 5. plant capacity

@pytest.mark.parametrize(("capacity", "objective", "fed"), [
    (6, -1700, 6),
    (12, -2900, 10),
])
def test_plant_capacity_limits_weekly_feed(solved, capacity, objective, fed):
    """10 t at src.

    capacity 6 t/week: feed 6 (1 trip) -> 100 - 1800 = -1700; 4 t stay at src.
    capacity 12: feed all 10 -> 100 - 3000 = -2900.
    Without the capacity row the first case would also give -2900.
    """
    r = solved(build(plants=plant(capacity), supply=supply(("mag", "2026-W48", 10))))
    assert r.objective_gbp == exact(objective)
    assert feed_by_week(r) == [exact(fed)]
    assert plant_rows(r, "capacity_t_per_week") == [exact(capacity)]
    lines_add_up(r)


@pytest.mark.parametrize(("fixed_cost", "objective", "built"), [
    (1000, -1900, True),
    (1300, -1700, False),
])
def test_expansion_built_only_when_worth_it(solved, fixed_cost, objective, built):
    """Capacity 6 t/week, option `big` adds 4 t/week; 10 t at src.

    The 4 extra tonnes are worth 4 x 300 = 1200.
    fixed 1000 < 1200 -> build: 100 - 3000 + 1000 = -1900.
    fixed 1300 > 1200 -> do not: 100 - 1800 = -1700.
    Without the expansion's capacity (or its fixed cost) the answers swap or
    collapse to one value.
    """
    expansions = ("site_id,option,extra_capacity_t_per_week,fixed_cost_gbp,available_from_week\n"
                  f"plant,big,4,{fixed_cost},2026-W48\n")
    r = solved(build(plants=plant(6), supply=supply(("mag", "2026-W48", 10)),
                     expansions=expansions))
    assert r.objective_gbp == exact(objective)
    dec = r.decisions
    row = dec[dec["decision"] == "expansion"]
    assert list(row["id"]) == ["plant/big"]
    assert bool(row["chosen"].iloc[0]) is built
    assert feed_by_week(r) == [exact(10 if built else 6)]
    assert r.cost_lines_gbp["fixed_decisions"] == exact(fixed_cost if built else 0)
    lines_add_up(r)


@pytest.mark.parametrize(("available", "objective", "capacities", "built"), [
    ("2026-W40", -7700, [10, 10, 10], True),   # before the horizon: from week 1
    ("2026-W49", -6500, [6, 10, 10], True),    # period 2
    ("2026-W50", -5300, [6, 6, 10], True),     # period 3 (last week)
    ("2026-W51", -5200, [6, 6, 6], False),     # after the horizon: never
])
def test_expansion_counts_from_available_week(solved, available, objective, capacities,
                                              built):
    """3 weeks, 10 t a week at src, capacity 6, option +4 t/week for 1000.

    Feed = capacity of each week; stock waits free at src or in the plant
    buffer, so trips = ceil(total fed / 10) (a week's trip may carry feed for
    the next week).
    W40 (before W48): counts from week 1 -> fed 30, 3 trips:
        300 - 9000 + 1000 = -7700.
    W49: fed 6 + 10 + 10 = 26, 3 trips: 300 - 7800 + 1000 = -6500.
    W50: fed 6 + 6 + 10 = 22, 3 trips: 300 - 6600 + 1000 = -5300
        (not building: 18 t, 2 trips, 200 - 5400 = -5200, so build).
    W51 (after W50): never -> fed 18, 2 trips: 200 - 5400 = -5200.
    If available_from_week were ignored every built case would be -7700;
    if a pre-horizon week meant "never", W40 would give -5200.
    """
    expansions = ("site_id,option,extra_capacity_t_per_week,fixed_cost_gbp,available_from_week\n"
                  f"plant,big,4,1000,{available}\n")
    weekly = supply(("mag", "2026-W48", 10), ("mag", "2026-W49", 10), ("mag", "2026-W50", 10))
    r = solved(build(config(weeks=3), plants=plant(6), supply=weekly, expansions=expansions))
    assert r.objective_gbp == exact(objective)
    assert feed_by_week(r) == [exact(c) for c in capacities]
    assert plant_rows(r, "capacity_t_per_week") == [exact(c) for c in capacities]
    dec = r.decisions
    chosen = dec.loc[dec["decision"] == "expansion", "chosen"]
    assert bool(chosen.any()) is built
    lines_add_up(r)


# ---------------------------------------------------------------- 6. minimum run

@pytest.mark.parametrize(("min_weekly", "objective", "fed"), [
    (0, -2800, [5, 5]),
    (5, -2800, [5, 5]),
    (8, -2750, [0, 10]),
    (12, 450, [0, 0]),
])
def test_minimum_run_zero_or_at_least_min_weekly(solved, min_weekly, objective, fed):
    """2 weeks, 5 t at src in W48 and in W49, holding 30 GBP/t/week everywhere.

    min 0 or 5: feed 5 each week, 2 trips: 200 - 3000 = -2800.
    min 8: week 1 has only 5 t, so wait: one trip in week 2 (100), 5 t held
           one week (150), fed 10: 250 - 3000 = -2750 (running [no, yes]).
    min 12: never 12 t in a week: nothing fed, stock 5 then 10 t held:
           30 x 15 = 450.
    Without the minimum run every case is -2800.
    """
    s = (f"{SITES_HEAD}\nsrc,Source,source,52.0,-1.0,gb,false,,30\n"
         "plant,Plant,plant,52.0,-2.0,gb,false,,30\n")
    r = solved(build(config(weeks=2), sites=s, plants=plant(100, min_weekly=min_weekly),
                     supply=supply(("mag", "2026-W48", 5), ("mag", "2026-W49", 5))))
    assert r.objective_gbp == exact(objective)
    assert feed_by_week(r) == [exact(f) for f in fed]
    if min_weekly > 0:
        assert plant_rows(r, "running") == [f > 0 for f in fed]
    lines_add_up(r)


def test_minimum_run_upper_bound_includes_expansions(solved):
    """cap_max in the minimum-run rule = capacity + every expansion option.

    Capacity 6, option +4 for 100, min_weekly 8, 10 t at src.
    Build and run at 10: 100 + 100 - 3000 = -2800.
    Not built the plant cannot reach 8 t, so nothing runs (0).
    If cap_max were the base capacity (q <= 6 u) the plant could never run:
    optimum 0.
    """
    expansions = ("site_id,option,extra_capacity_t_per_week,fixed_cost_gbp,available_from_week\n"
                  "plant,big,4,100,2026-W48\n")
    r = solved(build(plants=plant(6, min_weekly=8), supply=supply(("mag", "2026-W48", 10)),
                     expansions=expansions))
    assert r.objective_gbp == exact(-2800)
    assert feed_by_week(r) == [exact(10)]
    assert plant_rows(r, "running") == [True]
    lines_add_up(r)


# ---------------------------------------------------------------- 7. blend rules

BLEND_FEEDS = """feedstock_id,name,sector,restricted,magnet_share,reo_share,dy_share,oxidised
lo,Low Dy,vehicle,false,1.0,0.3,0.02,0
hi,High Dy,wind,false,1.0,0.3,0.08,1
"""


@pytest.mark.parametrize(("low", "high", "tonnes_lo", "tonnes_hi", "fed_lo", "fed_hi",
                          "objective"), [
    ("0.04", "", 30, 10, 20, 10, -8700),
    ("", "0.04", 10, 30, 10, 5, -4300),
    ("0.04", "0.04", 30, 30, 30, 15, -13000),
])
def test_blend_min_and_max(solved, low, high, tonnes_lo, tonnes_hi, fed_lo, fed_hi, objective):
    """dy_share of the weekly blend: lo has 0.02, hi has 0.08.

    min 0.04: 0.02 a + 0.08 b >= 0.04 (a + b)  <=>  a <= 2 b.
        lo 30, hi 10 -> feed 20 + 10 = 30 t, 3 trips: 300 - 9000 = -8700.
    max 0.04: b <= a / 2. lo 10, hi 30 -> feed 10 + 5 = 15 t, 2 trips:
        200 - 4500 = -4300.
    min = max = 0.04: a = 2 b exactly. lo 30, hi 30 -> 30 + 15 = 45 t,
        5 trips: 500 - 13500 = -13000.
    Without the rules all supply is fed (-11600, -11600, -17400).
    """
    specs = f"site_id,attribute,min,max\nplant,dy_share,{low},{high}\n"
    r = solved(build(feedstocks=BLEND_FEEDS, plant_specs=specs,
                     supply=supply(("lo", "2026-W48", tonnes_lo), ("hi", "2026-W48", tonnes_hi))))
    assert r.objective_gbp == exact(objective)
    assert feed_by_week(r, "lo") == [exact(fed_lo)]
    assert feed_by_week(r, "hi") == [exact(fed_hi)]
    lines_add_up(r)


def test_blend_max_zero_bans_a_feedstock(solved):
    """A 0/1 attribute with max 0 bans oxidised scrap outright.

    5 t lo (oxidised 0) and 5 t hi (oxidised 1); spec oxidised max 0.
    Only lo is fed: 100 - 1500 = -1400. Without the ban 10 t are fed in the
    same trip: 100 - 3000 = -2900.
    """
    specs = "site_id,attribute,min,max\nplant,oxidised,,0\n"
    r = solved(build(feedstocks=BLEND_FEEDS, plant_specs=specs,
                     supply=supply(("lo", "2026-W48", 5), ("hi", "2026-W48", 5))))
    assert r.objective_gbp == exact(-1400)
    assert feed_by_week(r, "lo") == [exact(5)]
    assert feed_by_week(r, "hi") == [0]
    lines_add_up(r)


# ---------------------------------------------------------------- 9. offtake

@pytest.mark.parametrize(("week", "min_t", "objective", "fed"), [
    ("2026-W49", 3, 1130, [0, 10]),
    ("2026-W48", 3, 1120, [10, 0]),
    ("all", 3, 1120, [10, 0]),
    ("all", 6, 2205, [15, 5]),
    ("2026-W51", 3, 40, [0, 0]),
])
def test_offtake_per_week_and_over_the_horizon(solved, week, min_t, objective, fed):
    """Processing loses money (cost 100, value 0), so only offtake makes the plant run.

    2 weeks, 20 t at src in W48, capacity 15 t/week, holding 1 GBP/t/week at
    src and plant. REO out = 0.3 t per t fed.
    3 t in W49: feed 10 in week 2; 1 trip 100, processing 1000, stock held
        20 then 10 -> 30. Optimum 1130.
    3 t in W48: feed 10 in week 1: stock 10 and 10 -> 20. Optimum 1120.
    3 t over "all": cheapest is week 1 as above -> 1120.
    6 t over "all": 20 t fed, at most 15 a week: [15, 5]; 2 trips carry all
        20 in week 1 (200), 5 t wait in the plant buffer (5), processing
        2000 -> 2205. (Read as 6 t in each week, or in week 1 only, it
        would be infeasible.)
    W51 is outside the horizon: ignored; 20 t held two weeks -> 40.
    """
    s = (f"{SITES_HEAD}\nsrc,Source,source,52.0,-1.0,gb,false,,1\n"
         "plant,Plant,plant,52.0,-2.0,gb,false,,1\n")
    offtake = f"product,week,min_t\nreo,{week},{min_t}\n"
    r = solved(build(config(weeks=2), sites=s, plants=plant(15, cost=100, value=0),
                     supply=supply(("mag", "2026-W48", 20)), offtake=offtake))
    assert r.objective_gbp == exact(objective)
    assert feed_by_week(r) == [exact(f) for f in fed]
    assert plant_rows(r, "output_t") == [exact(0.3 * f) for f in fed]
    lines_add_up(r)
