"""Constraint families that move tonnes: balance, storage, trips, hubs, chain of custody.

Every scenario is tiny and its optimum is worked out by hand in the docstring.
Unless a test says otherwise (tests/builders.py): one week (2026-W48), truck
payload 10 t, 100 GBP a trip, no per-tonne cost, no carbon, no leakage or
terminal penalty, plant capacity 100 t/week with net value
-(1000 x 1.0 x reo_share 0.3) = -300 GBP per tonne fed. Week labels:
W48 = period 1, W49 = 2, W50 = 3.

Each docstring also says what the optimum would become if the targeted rule
were dropped or mis-stated, so the test can fail.
"""

from __future__ import annotations

import pytest

from feedstock.optimizer.base.errors import InfeasibleError
from tests.builders import build, config
from tests.plans import exact, lines_add_up, sites, trips

PLANT_HEAD = ("site_id,process,capacity_t_per_week,cost_gbp_per_t,product,yield_basis,yield,"
              "product_value_gbp_per_t,min_weekly_t")
MODE_HEAD = ("mode,kind,payload_t,cost_gbp_per_km,trip_fixed_gbp,handling_gbp_per_t,"
             "co2e_kg_per_tkm,integer_trips")


def feed_by_week(r, site: str = "plant", feedstock: str | None = None) -> list[float]:
    """Tonnes fed into ``site`` in periods 1..W (missing rows are zero)."""
    pf = r.plant_feed
    pf = pf[pf["site_id"] == site]
    if feedstock is not None:
        pf = pf[pf["feedstock_id"] == feedstock]
    by = pf.groupby("period")["feed_t"].sum()
    return [float(by.get(t, 0.0)) for t in range(1, len(r.weeks) + 1)]


def shipped(r, origin: str, destination: str, feedstock: str | None = None,
            mode: str | None = None) -> list[float]:
    """Tonnes leaving on origin->destination in periods 1..W (by departure week)."""
    fl = r.flows
    fl = fl[(fl["origin"] == origin) & (fl["destination"] == destination)]
    if feedstock is not None:
        fl = fl[fl["feedstock_id"] == feedstock]
    if mode is not None:
        fl = fl[fl["mode"] == mode]
    by = fl.groupby("period")["tonnes_t"].sum()
    return [float(by.get(t, 0.0)) for t in range(1, len(r.weeks) + 1)]


def stock(r, site: str, period: int) -> float:
    st = r.stock
    return float(st.loc[(st["site_id"] == site) & (st["period"] == period), "stock_t"].sum())


# ---------------------------------------------------------------- 1. balance

def test_balance_opening_inventory_is_stock_at_the_start_of_week_1(solved):
    """Inventory at the source and in the plant's feed buffer is there in week 1.

    src: 7 t stock + 5 t supply = 12 t -> ceil(12/10) = 2 trips = 200.
    plant: 12 t arriving + 3 t in its buffer = 15 t fed x -300 = -4500.
    Optimum = 200 - 4500 = -4300.
    Without opening stock it would be 100 - 1500 = -1400; without the plant's
    buffer stock only (feed 12) 200 - 3600 = -3400.
    """
    inventory = "site_id,feedstock_id,tonnes\nsrc,mag,7\nplant,mag,3\n"
    r = solved(build(inventory=inventory))
    assert r.objective_gbp == exact(-4300)
    assert trips(r, "src", "plant") == [2]
    assert shipped(r, "src", "plant") == [exact(12)]
    assert feed_by_week(r) == [exact(15)]
    lines_add_up(r)


def test_balance_supply_arrives_in_its_own_week(solved):
    """Supply dated W50 (period 3) exists only from week 3.

    3 weeks, 5 t in W48 and 5 t in W50, plant capacity 5 t/week, holding
    10 GBP/t/week at source and plant. Ship and process each lot in its own
    week: 2 trips = 200, fed 10 x -300 = -3000, no stock held.
    Optimum = -2800, fed [5, 0, 5].
    If the W50 lot were available in week 1, the plant (5 t/week) would have to
    hold it a week: fed [5, 5, 0] and 5 t x 10 of holding -> -2750.
    """
    supply = "site_id,feedstock_id,week,tonnes\nsrc,mag,2026-W48,5\nsrc,mag,2026-W50,5\n"
    plants = f"""{PLANT_HEAD}
plant,long_loop,5,0,reo,reo_share,1.0,1000,0
"""
    r = solved(build(config(weeks=3), supply=supply, plants=plants,
                     sites=sites("src source holding=10", "plant plant holding=10")))
    assert r.objective_gbp == exact(-2800)
    assert feed_by_week(r) == [exact(5), 0, exact(5)]
    assert trips(r, "src", "plant") == [1, 0, 1]
    assert r.cost_lines_gbp["holding"] == exact(0)
    lines_add_up(r)


def test_balance_transit_week_and_no_shipment_past_the_horizon(solved):
    """A lane with transit_weeks = 1 delivers a week later; none arrives after W.

    2 weeks, 5 t supply in W48 and 5 t in W49, terminal penalty 400 GBP/t.
    The W48 lot leaves in week 1 and is fed in week 2: 100 - 1500.
    The W49 lot would arrive in week 3 > W: that shipment does not exist, so
    the 5 t stay at the source: terminal 5 x 400 = 2000.
    Optimum = 100 - 1500 + 2000 = 600.
    If transit were ignored: hold, ship 10 t in week 2 -> 100 - 3000 = -2900.
    If a late shipment could leave (and vanish): 200 - 1500 = -1300.
    """
    supply = "site_id,feedstock_id,week,tonnes\nsrc,mag,2026-W48,5\nsrc,mag,2026-W49,5\n"
    lanes = "origin,destination,mode,distance_km,transit_weeks\nsrc,plant,truck,100,1\n"
    cfg = config(weeks=2, **{"policy.terminal_stock_penalty_gbp_per_t": 400})
    r = solved(build(cfg, supply=supply, lanes=lanes))
    assert r.objective_gbp == exact(600)
    fl = r.flows
    assert list(zip(fl["week"], fl["arrival_week"], fl["tonnes_t"], strict=True)) == [
        ("2026-W48", "2026-W49", exact(5))]
    assert feed_by_week(r) == [0, exact(5)]
    assert stock(r, "src", 2) == exact(5)
    assert r.cost_lines_gbp["terminal_stock"] == exact(2000)
    lines_add_up(r)


def test_balance_supply_outside_the_horizon_is_ignored(solved):
    """A supply row dated after the horizon adds nothing.

    1 week; 5 t in W48 and 50 t in W51 (period 4). Only the 5 t exist:
    1 trip, 100 - 1500 = -1400. Counting the W51 row would give
    55 t -> 6 trips, 600 - 16500 = -15900.
    """
    supply = "site_id,feedstock_id,week,tonnes\nsrc,mag,2026-W48,5\nsrc,mag,2026-W51,50\n"
    r = solved(build(supply=supply))
    assert r.objective_gbp == exact(-1400)
    assert feed_by_week(r) == [exact(5)]


# ---------------------------------------------------------------- 2. storage

@pytest.mark.parametrize(("storage", "objective", "trip_plan"), [
    (4, -2800, [1, 1]),
    (5, -2900, [0, 1]),
])
def test_storage_limit_forces_an_early_shipment(solved, storage, objective, trip_plan):
    """A full source must ship early.

    2 weeks, 5 t in W48 and 5 t in W49 at src. Cheapest: keep the first lot at
    the source and send 10 t in one trip in week 2: 100 - 3000 = -2900.
    With storage_t = 4 at most 4 t may stay at the end of week 1, so a trip
    leaves in week 1 as well: 200 - 3000 = -2800. storage_t = 5 is just enough
    to wait (the bound is <=, not <). Without the limit both cases give -2900.
    """
    supply = "site_id,feedstock_id,week,tonnes\nsrc,mag,2026-W48,5\nsrc,mag,2026-W49,5\n"
    r = solved(build(config(weeks=2), supply=supply,
                     sites=sites(f"src source storage={storage}", "plant plant")))
    assert r.objective_gbp == exact(objective)
    assert trips(r, "src", "plant") == trip_plan
    assert stock(r, "src", 1) <= storage + 1e-6
    assert feed_by_week(r, "plant")[0] + feed_by_week(r, "plant")[1] == exact(10)
    lines_add_up(r)


def test_storage_limit_forces_an_export(solved):
    """Nowhere to keep the surplus: it is sold abroad at a loss.

    10 t at src (storage 1 t), plant capacity 6 t/week with storage 0, outlet
    `out` buys everything (`*`) at 0 GBP/t, leakage penalty 100 GBP/t.
    Feed 6 (1 trip, -1800), keep 1 at src, export 3 (1 trip, penalty 300).
    Optimum = 100 - 1800 + 100 + 300 = -1300.
    Without the storage limits: feed 6, keep 4 -> 100 - 1800 = -1700, no export.
    """
    plants = f"""{PLANT_HEAD}
plant,long_loop,6,0,reo,reo_share,1.0,1000,0
"""
    supply = "site_id,feedstock_id,week,tonnes\nsrc,mag,2026-W48,10\n"
    lanes = "origin,destination,mode,distance_km\nsrc,plant,truck,100\nsrc,out,truck,100\n"
    outlets = "site_id,feedstock_id,price_gbp_per_t,max_t_per_week\nout,*,0,\n"
    cfg = config(**{"policy.leakage_penalty_gbp_per_t": 100})
    r = solved(build(cfg, supply=supply, plants=plants, lanes=lanes, outlets=outlets,
                     sites=sites("src source storage=1", "plant plant storage=0",
                                 "out outlet")))
    assert r.objective_gbp == exact(-1300)
    assert r.leakage["tonnes_t"].sum() == exact(3)
    assert stock(r, "src", 1) == exact(1)
    assert stock(r, "plant", 1) == exact(0)
    assert feed_by_week(r) == [exact(6)]
    assert r.cost_lines_gbp["leakage_penalty"] == exact(300)
    lines_add_up(r)


# ---------------------------------------------------------------- 3. trips

@pytest.mark.parametrize(("integer", "objective", "n"), [
    ("true", -7200, 3.0),
    ("false", -7250, 2.5),
])
def test_trips_integer_are_rounded_up_continuous_are_not(solved, integer, objective, n):
    """25 t on a 10 t truck.

    integer_trips = true: ceil(25/10) = 3 trips = 300; fed 25 x -300 = -7500;
    optimum -7200. integer_trips = false: 2.5 trips = 250 -> -7250.
    Payload dropped: 0 or 1 trip; integrality dropped: 2.5 trips in both cases.
    """
    modes = f"""{MODE_HEAD}
truck,road,10,0,100,0,0,{integer}
"""
    supply = "site_id,feedstock_id,week,tonnes\nsrc,mag,2026-W48,25\n"
    r = solved(build(modes=modes, supply=supply))
    assert r.objective_gbp == exact(objective)
    assert trips(r, "src", "plant") == [exact(n)]
    assert r.cost_lines_gbp["transport"] == exact(100 * n)
    lines_add_up(r)


def test_trips_ferry_slots_force_a_second_route(solved):
    """Two ferry slots a week; the rest goes the long way round.

    25 t. Direct ferry src->plant: 100 a trip, max_trips_per_week 2 (20 t).
    Second route src->port (truck, 100) then port->plant (ferry, 100).
    20 t on the 2 ferry slots = 200; 5 t the long way = 100 + 100.
    Optimum = 400 - 7500 = -7100. Without the slot limit: 3 direct trips,
    300 - 7500 = -7200.
    """
    modes = f"""{MODE_HEAD}
truck,road,10,0,100,0,0,true
ferry,sea,10,0,100,0,0,true
"""
    lanes = """origin,destination,mode,distance_km,max_trips_per_week
src,plant,ferry,100,2
src,port,truck,100,
port,plant,ferry,100,
"""
    supply = "site_id,feedstock_id,week,tonnes\nsrc,mag,2026-W48,25\n"
    r = solved(build(modes=modes, lanes=lanes, supply=supply,
                     sites=sites("src source", "port port", "plant plant")))
    assert r.objective_gbp == exact(-7100)
    assert trips(r, "src", "plant", "ferry") == [2]
    assert shipped(r, "src", "plant") == [exact(20)]
    assert shipped(r, "src", "port") == [exact(5)]
    assert shipped(r, "port", "plant") == [exact(5)]
    assert feed_by_week(r) == [exact(25)]
    lines_add_up(r)


@pytest.mark.parametrize(("tonnes", "objective", "contracted"), [
    (40, -11800, True),
    (10, -2900, False),
])
def test_trips_contracted_lane_only_when_worth_it(solved, tonnes, objective, contracted):
    """A rail lane with a 150 GBP contract (fixed_cost_gbp) vs. the truck.

    Truck: 10 t, 100 a trip. Rail: 50 t, 50 a trip, contract 150.
    40 t: truck 4 trips = 400; rail 150 + 50 = 200 -> rail;
          optimum 200 - 12000 = -11800, fixed_decisions 150.
    10 t: truck 100; rail 150 + 50 = 200 -> truck; optimum 100 - 3000 = -2900.
    Without the contract link (n <= M y) the 10 t would go by rail for 50:
    -2950.
    """
    modes = f"""{MODE_HEAD}
truck,road,10,0,100,0,0,true
rail,rail,50,0,50,0,0,true
"""
    lanes = """origin,destination,mode,distance_km,fixed_cost_gbp
src,plant,truck,100,
src,plant,rail,100,150
"""
    supply = f"site_id,feedstock_id,week,tonnes\nsrc,mag,2026-W48,{tonnes}\n"
    r = solved(build(modes=modes, lanes=lanes, supply=supply))
    assert r.objective_gbp == exact(objective)
    dec = r.decisions
    row = dec[dec["decision"] == "lane_contract"]
    assert list(row["id"]) == ["src>plant>rail"]
    assert bool(row["chosen"].iloc[0]) is contracted
    assert r.cost_lines_gbp["fixed_decisions"] == exact(150 if contracted else 0)
    assert trips(r, "src", "plant", "rail") == [1 if contracted else 0]
    assert trips(r, "src", "plant", "truck") == [0 if contracted else 1]
    lines_add_up(r)


# ---------------------------------------------------------------- 4. hubs

HUB_SITES = sites("src source", "hub hub", "plant plant")
HUB_LANES = """origin,destination,mode,distance_km,trip_cost_gbp
src,plant,truck,100,300
src,hub,truck,50,50
hub,plant,truck,50,50
"""


def test_hub_capacity_sends_the_rest_direct(solved):
    """Hub takes 10 t/week; the via-hub route is cheaper than direct.

    20 t. Via hub: 50 + 50 per 10 t. Direct: 300 per 10 t.
    10 t via hub (100) + 10 t direct (300) = 400; optimum 400 - 6000 = -5600.
    Without the capacity: 20 t via hub, 200 - 6000 = -5800.
    """
    supply = "site_id,feedstock_id,week,tonnes\nsrc,mag,2026-W48,20\n"
    hubs = "site_id,capacity_t_per_week,handling_gbp_per_t,fixed_cost_gbp\nhub,10,0,0\n"
    r = solved(build(sites=HUB_SITES, lanes=HUB_LANES, supply=supply, hubs=hubs))
    assert r.objective_gbp == exact(-5600)
    assert shipped(r, "src", "hub") == [exact(10)]
    assert shipped(r, "src", "plant") == [exact(10)]
    assert feed_by_week(r) == [exact(20)]
    lines_add_up(r)


def test_hub_capacity_counts_intake_in_the_arrival_week(solved):
    """Hub capacity binds on what arrives in a week, not on what left.

    2 weeks, hub capacity 10 t/week. src1 has 10 t in W48, its lane to the hub
    takes a week (transit 1); src2 has 10 t in W49, same-week lane. Both
    would reach the hub in week 2 (20 t > 10), so one lot goes direct (300):
    via hub 50 + 50, direct 300 -> 400; optimum 400 - 6000 = -5600.
    If capacity were counted by departure week (10 in week 1, 10 in week 2)
    both would use the hub: 4 x 50 = 200 -> -5800.
    """
    s = sites("src1 source", "src2 source", "hub hub", "plant plant")
    lanes = """origin,destination,mode,distance_km,trip_cost_gbp,transit_weeks
src1,hub,truck,50,50,1
src2,hub,truck,50,50,0
hub,plant,truck,50,50,0
src1,plant,truck,100,300,0
src2,plant,truck,100,300,0
"""
    supply = "site_id,feedstock_id,week,tonnes\nsrc1,mag,2026-W48,10\nsrc2,mag,2026-W49,10\n"
    hubs = "site_id,capacity_t_per_week,handling_gbp_per_t,fixed_cost_gbp\nhub,10,0,0\n"
    r = solved(build(config(weeks=2), sites=s, lanes=lanes, supply=supply, hubs=hubs))
    assert r.objective_gbp == exact(-5600)
    via_hub = sum(shipped(r, "src1", "hub")) + sum(shipped(r, "src2", "hub"))
    direct = sum(shipped(r, "src1", "plant")) + sum(shipped(r, "src2", "plant"))
    assert via_hub == exact(10)
    assert direct == exact(10)
    assert sum(feed_by_week(r)) == exact(20)
    lines_add_up(r)


@pytest.mark.parametrize(("tonnes", "objective", "opened"), [
    (20, -5550, True),
    (10, -2700, False),
])
def test_hub_with_fixed_cost_opens_only_when_worth_it(solved, tonnes, objective, opened):
    """A hub that costs 250 to open (fixed_cost_gbp), no capacity given.

    20 t: via hub 2 x (50 + 50) + 250 = 450 < direct 2 x 300 = 600 -> open;
          optimum 450 - 6000 = -5550.
    10 t: via hub 100 + 250 = 350 > direct 300 -> closed; 300 - 3000 = -2700.
    If an unopened hub could take tonnes: 10 t via hub for 100 -> -2900.
    """
    supply = f"site_id,feedstock_id,week,tonnes\nsrc,mag,2026-W48,{tonnes}\n"
    hubs = "site_id,capacity_t_per_week,handling_gbp_per_t,fixed_cost_gbp\nhub,,0,250\n"
    r = solved(build(sites=HUB_SITES, lanes=HUB_LANES, supply=supply, hubs=hubs))
    assert r.objective_gbp == exact(objective)
    dec = r.decisions
    row = dec[dec["decision"] == "hub_open"]
    assert list(row["id"]) == ["hub"]
    assert bool(row["chosen"].iloc[0]) is opened
    assert r.cost_lines_gbp["fixed_decisions"] == exact(250 if opened else 0)
    assert shipped(r, "src", "hub") == [exact(tonnes if opened else 0)]
    assert shipped(r, "src", "plant") == [exact(0 if opened else tonnes)]
    lines_add_up(r)


# ---------------------------------------------------------------- custody

def test_chain_of_custody_restricted_feedstock_takes_the_cleared_route(solved):
    """Defence scrap only to cleared, non-outlet sites; the rest may be exported.

    src (cleared) has 10 t `mag` and 10 t `def` (restricted). Routes to the
    cleared plant: via uncleared hub `hubu` (50 + 50) or cleared hub `hubc`
    (150 + 150). Outlet `out` buys `*` at 500 GBP/t (lane 100), no penalty.
    mag: export 100 - 5000 = -4900 beats processing 100 - 3000.
    def: never to `out`, never through `hubu`: via hubc 300 - 3000 = -2700.
    Optimum = -4900 - 2700 = -7600.
    Without custody: def exported too (20 t, 2 trips) -> 200 - 10000 = -9800;
    through hubu allowed -> -4900 - 2900 = -7800.
    """
    feedstocks = """feedstock_id,name,sector,restricted,magnet_share,reo_share
mag,Magnets,vehicle,false,1.0,0.3
def,Defence,defence,true,1.0,0.3
"""
    supply = "site_id,feedstock_id,week,tonnes\nsrc,mag,2026-W48,10\nsrc,def,2026-W48,10\n"
    lanes = """origin,destination,mode,distance_km,trip_cost_gbp
src,hubu,truck,50,50
hubu,plant,truck,50,50
src,hubc,truck,150,150
hubc,plant,truck,150,150
src,out,truck,100,100
"""
    outlets = "site_id,feedstock_id,price_gbp_per_t,max_t_per_week\nout,*,500,\n"
    s = sites("src source cleared", "hubu hub", "hubc hub cleared", "plant plant cleared",
              "out outlet")
    r = solved(build(sites=s, feedstocks=feedstocks, supply=supply, lanes=lanes,
                     outlets=outlets))
    assert r.objective_gbp == exact(-7600)
    fl = r.flows
    def_arcs = set(zip(*(fl.loc[fl["feedstock_id"] == "def", c] for c in
                         ("origin", "destination")), strict=True))
    assert def_arcs == {("src", "hubc"), ("hubc", "plant")}
    assert set(r.leakage["feedstock_id"]) == {"mag"}
    assert r.leakage["tonnes_t"].sum() == exact(10)
    assert feed_by_week(r, feedstock="def") == [exact(10)]
    assert feed_by_week(r, feedstock="mag") == [0]
    lines_add_up(r)


# ---------------------------------------------------------------- infeasible

def test_infeasible_offtake_beyond_plant_capacity_raises(solved):
    """3 t REO in W48 needs 3 / 0.3 = 10 t feed; the plant takes 5 t/week."""
    plants = f"""{PLANT_HEAD}
plant,long_loop,5,0,reo,reo_share,1.0,1000,0
"""
    supply = "site_id,feedstock_id,week,tonnes\nsrc,mag,2026-W48,10\n"
    offtake = "product,week,min_t\nreo,2026-W48,3\n"
    with pytest.raises(InfeasibleError):
        solved(build(plants=plants, supply=supply, offtake=offtake))
