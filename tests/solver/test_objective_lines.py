"""Each line of the objective (docs/model.md "Objective"), their sum, and marginal values.

Tiny scenarios (tests/builders.py) whose optimum is worked out by hand in the
docstring. Defaults: src -> plant by truck (10 t, 100 GBP a trip, 100 km),
plant net value -(1000 x 1.0 x reo_share 0.3) = -300 GBP per tonne fed,
no leakage or terminal penalty, no carbon price, one week (W48).

Each test asserts the line's exact value and the decision it drives; the
docstring says what a mis-stated line would change.
"""

from __future__ import annotations

import pytest

from tests.builders import build, config
from tests.plans import exact, lines_add_up, sites, trips

MODE_HEAD = ("mode,kind,payload_t,cost_gbp_per_km,trip_fixed_gbp,handling_gbp_per_t,"
             "co2e_kg_per_tkm,integer_trips")
PLANT_HEAD = ("site_id,process,capacity_t_per_week,cost_gbp_per_t,product,yield_basis,yield,"
              "product_value_gbp_per_t,min_weekly_t")
HUB_HEAD = "site_id,capacity_t_per_week,handling_gbp_per_t,fixed_cost_gbp"
EXPANSION_HEAD = ("site_id,option,extra_capacity_t_per_week,fixed_cost_gbp,"
                  "available_from_week")
LINES = ("transport", "fixed_decisions", "hub_handling", "holding", "processing_net",
         "export_revenue", "leakage_penalty", "carbon", "terminal_stock")


def plant(capacity: float = 100, *, cost: float = 0, value: float = 1000,
          yield_: float = 1.0) -> str:
    return (f"{PLANT_HEAD}\nplant,long_loop,{capacity},{cost},reo,reo_share,{yield_},{value},"
            "0\n")


def only_lines(r, **expected: float) -> None:
    """The named lines have these values; every other line is zero."""
    for line in LINES:
        assert r.cost_lines_gbp[line] == exact(expected.get(line, 0.0)), line
    lines_add_up(r)


def shipped(r, origin: str, destination: str) -> list[float]:
    fl = r.flows
    fl = fl[(fl["origin"] == origin) & (fl["destination"] == destination)]
    by = fl.groupby("period")["tonnes_t"].sum()
    return [float(by.get(t, 0.0)) for t in range(1, len(r.weeks) + 1)]


def stock(r, site: str) -> list[float]:
    st = r.stock
    by = st[st["site_id"] == site].groupby("period")["stock_t"].sum()
    return [float(by.get(t, 0.0)) for t in range(1, len(r.weeks) + 1)]


def fed(r, feedstock: str | None = None) -> float:
    pf = r.plant_feed
    if feedstock is not None:
        pf = pf[pf["feedstock_id"] == feedstock]
    return float(pf["feed_t"].sum())


# ---------------------------------------------------------------- transport

def test_transport_trip_cost_and_per_tonne_cost_with_lane_defaults(solved):
    """Trip cost = trip_fixed + cost_per_km x km; per-tonne cost = mode handling.

    Truck: 10 t, 0.5 GBP/km, 20 GBP a trip, 2 GBP/t handling.
    src -> plant, 100 km, blanks: trip 20 + 0.5 x 100 = 70, 2 GBP/t;
        15 t -> 2 trips = 140 + 30 = 170.
    src2 -> plant overrides: trip_cost_gbp 40, cost_gbp_per_t 1; 5 t -> 45.
    transport = 215; fed 20 x -300 = -6000; optimum -5785.
    Per-tonne cost dropped: 180; km cost dropped: 115.
    """
    modes = f"{MODE_HEAD}\ntruck,road,10,0.5,20,2,0,true\n"
    lanes = """origin,destination,mode,distance_km,trip_cost_gbp,cost_gbp_per_t
src,plant,truck,100,,
src2,plant,truck,100,40,1
"""
    supply = "site_id,feedstock_id,week,tonnes\nsrc,mag,2026-W48,15\nsrc2,mag,2026-W48,5\n"
    r = solved(build(sites=sites("src source", "src2 source", "plant plant"), modes=modes,
                     lanes=lanes, supply=supply))
    assert r.objective_gbp == exact(-5785)
    assert trips(r, "src", "plant") == [2]
    assert trips(r, "src2", "plant") == [1]
    only_lines(r, transport=215, processing_net=-6000)


# ---------------------------------------------------------------- fixed decisions

def test_fixed_decisions_sum_lane_contract_hub_opening_and_expansion(solved):
    """The only way to the plant: a contracted lane into a hub that must be opened,
    and the plant exists only if its expansion is built.

    src -> hub: trip 100, contract 30; hub: opening 40; hub -> plant: trip 100;
    plant capacity 0 + option `new` 10 t/week for 50. 10 t at src.
    fixed_decisions = 30 + 40 + 50 = 120; transport 200; fed -3000.
    Optimum -2680 (vs. 0 for doing nothing). Any fixed cost left out changes
    the line and the optimum.
    """
    lanes = """origin,destination,mode,distance_km,trip_cost_gbp,fixed_cost_gbp
src,hub,truck,100,100,30
hub,plant,truck,100,100,
"""
    r = solved(build(sites=sites("src source", "hub hub", "plant plant"), lanes=lanes,
                     plants=plant(0), hubs=f"{HUB_HEAD}\nhub,,0,40\n",
                     expansions=f"{EXPANSION_HEAD}\nplant,new,10,50,2026-W48\n",
                     supply="site_id,feedstock_id,week,tonnes\nsrc,mag,2026-W48,10\n"))
    assert r.objective_gbp == exact(-2680)
    dec = r.decisions.set_index("decision")
    assert dec.loc["lane_contract", "chosen"]
    assert dec.loc["hub_open", "chosen"]
    assert dec.loc["expansion", "chosen"]
    assert fed(r) == exact(10)
    only_lines(r, transport=200, fixed_decisions=120, processing_net=-3000)


# ---------------------------------------------------------------- hub handling

@pytest.mark.parametrize(("handling", "objective", "via_hub"), [
    (5, -2850, True),
    (7, -2840, False),
])
def test_hub_handling_on_intake_decides_the_route(solved, handling, objective, via_hub):
    """Via hub: 50 + 50 in trips plus handling x 10 t; direct: 160.

    handling 5: 100 + 50 = 150 < 160 -> via hub; optimum 150 - 3000 = -2850,
        hub_handling 50.
    handling 7: 100 + 70 = 170 > 160 -> direct; optimum 160 - 3000 = -2840.
    Without the handling cost both go via hub (-2900).
    """
    lanes = """origin,destination,mode,distance_km,trip_cost_gbp
src,plant,truck,100,160
src,hub,truck,50,50
hub,plant,truck,50,50
"""
    r = solved(build(sites=sites("src source", "hub hub", "plant plant"), lanes=lanes,
                     hubs=f"{HUB_HEAD}\nhub,,{handling},0\n",
                     supply="site_id,feedstock_id,week,tonnes\nsrc,mag,2026-W48,10\n"))
    assert r.objective_gbp == exact(objective)
    assert shipped(r, "src", "hub") == [exact(10 if via_hub else 0)]
    only_lines(r, transport=100 if via_hub else 160,
               hub_handling=10 * handling if via_hub else 0, processing_net=-3000)


def test_hub_handling_counts_tonnes_arriving_after_transit(solved):
    """Handling is paid on intake, also when the lane into the hub takes a week.

    2 weeks; src -> hub transit 1 (50), hub -> plant (50), handling 5 GBP/t,
    10 t at src in W48: leave week 1, arrive week 2, fed week 2.
    transport 100, hub_handling 50, fed -3000: optimum -2850.
    """
    lanes = """origin,destination,mode,distance_km,trip_cost_gbp,transit_weeks
src,hub,truck,50,50,1
hub,plant,truck,50,50,0
"""
    r = solved(build(config(weeks=2), sites=sites("src source", "hub hub", "plant plant"),
                     lanes=lanes, hubs=f"{HUB_HEAD}\nhub,,5,0\n",
                     supply="site_id,feedstock_id,week,tonnes\nsrc,mag,2026-W48,10\n"))
    assert r.objective_gbp == exact(-2850)
    assert shipped(r, "src", "hub") == [exact(10), 0]
    assert shipped(r, "hub", "plant") == [0, exact(10)]
    only_lines(r, transport=100, hub_handling=50, processing_net=-3000)


# ---------------------------------------------------------------- holding

def test_holding_is_charged_on_end_of_week_stock_weeks_1_to_W(solved):
    """Holding 2 GBP/t/week at src, 1 at the plant (capacity 0: it only stores).

    3 weeks; 4 t opening stock at src, 10 t supply in W49. Truck 20 t, trip 20.
    Plans (holding + trips):
      never ship: src 2 x (4 + 14 + 14) = 64
      ship 14 t in week 2: src 2 x 4 = 8, plant 1 x (14 + 14) = 28, trip 20 -> 56
      ship 14 t in week 3: src 2 x (4 + 14) = 36, plant 14, trip 20 -> 70
      ship 4 t in week 1 and 10 t in week 2: 4 x 3 + 10 x 2 = 32 + 40 -> 72
    Optimum 56 = holding 36 + transport 20; stock src [4, 0, 0], plant [0, 14, 14].
    Holding on s[t-1] (weeks 0..W-1) would make "never ship" 2 x 22 = 44 optimal.
    """
    modes = f"{MODE_HEAD}\ntruck,road,20,0,20,0,0,true\n"
    r = solved(build(config(weeks=3), modes=modes, plants=plant(0),
                     sites=sites("src source holding=2", "plant plant holding=1"),
                     inventory="site_id,feedstock_id,tonnes\nsrc,mag,4\n",
                     supply="site_id,feedstock_id,week,tonnes\nsrc,mag,2026-W49,10\n"))
    assert r.objective_gbp == exact(56)
    assert shipped(r, "src", "plant") == [0, exact(14), 0]
    assert stock(r, "src") == [exact(4), 0, 0]
    assert stock(r, "plant") == [0, exact(14), exact(14)]
    only_lines(r, transport=20, holding=36)


# ---------------------------------------------------------------- processing net

def test_processing_net_is_cost_minus_value_times_yield_times_basis(solved):
    """Plant: cost 50 GBP/t, product value 1000, yield 0.9 on reo_share.

    Net per tonne fed: hi (reo 0.3): 50 - 1000 x 0.9 x 0.3 = -220;
    mid (reo 0.1): 50 - 90 = -40; lo (reo 0.05): 50 - 45 = +5 (not fed).
    5 t of each at src. Feed hi + mid = 10 t (1 trip, 100):
    processing_net = -1100 - 200 = -1300; optimum -1200.
    Output: hi 5 x 0.9 x 0.3 = 1.35 t, mid 5 x 0.9 x 0.1 = 0.45 t.
    With yield ignored (1.0) the line would be -1500 - 250 = -1750.
    """
    feedstocks = """feedstock_id,name,sector,restricted,magnet_share,reo_share
hi,Rich,vehicle,false,1.0,0.3
mid,Middling,vehicle,false,1.0,0.1
lo,Poor,vehicle,false,1.0,0.05
"""
    supply = ("site_id,feedstock_id,week,tonnes\nsrc,hi,2026-W48,5\nsrc,mid,2026-W48,5\n"
              "src,lo,2026-W48,5\n")
    r = solved(build(feedstocks=feedstocks, supply=supply,
                     plants=plant(cost=50, value=1000, yield_=0.9)))
    assert r.objective_gbp == exact(-1200)
    out = r.plant_feed.set_index("feedstock_id")
    assert set(out.index) == {"hi", "mid"}
    assert out.at["hi", "feed_t"] == exact(5)
    assert out.at["hi", "output_t"] == exact(1.35)
    assert out.at["mid", "output_t"] == exact(0.45)
    only_lines(r, transport=100, processing_net=-1300)


def test_processing_net_uses_the_plant_yield_basis(solved):
    """A short-loop plant values output on magnet_share, not reo_share.

    Short loop: cost 50, product ndfeb_powder worth 200, yield 0.9 on magnet_share.
    m1 (magnet 0.8, reo 0.2): 50 - 200 x 0.9 x 0.8 = -94 -> fed.
    m2 (magnet 0.25, reo 0.25): 50 - 45 = +5 -> not fed.
    5 t each: feed m1 (1 trip): 100 - 470 = -370; output 5 x 0.9 x 0.8 = 3.6 t.
    On reo_share both would lose money (+14, +5): nothing fed, optimum 0.
    """
    feedstocks = """feedstock_id,name,sector,restricted,magnet_share,reo_share
m1,Clean magnets,vehicle,false,0.8,0.2
m2,Mixed scrap,electronics,false,0.25,0.25
"""
    plants = (f"{PLANT_HEAD}\n"
              "plant,short_loop,100,50,ndfeb_powder,magnet_share,0.9,200,0\n")
    supply = "site_id,feedstock_id,week,tonnes\nsrc,m1,2026-W48,5\nsrc,m2,2026-W48,5\n"
    r = solved(build(feedstocks=feedstocks, plants=plants, supply=supply))
    assert r.objective_gbp == exact(-370)
    out = r.plant_feed.set_index("feedstock_id")
    assert list(out.index) == ["m1"]
    assert out.at["m1", "product"] == "ndfeb_powder"
    assert out.at["m1", "output_t"] == exact(3.6)
    only_lines(r, transport=100, processing_net=-470)


# ---------------------------------------------------------------- export and leakage

MARKET_SITES = sites("src source", "plant plant", "out outlet")
MARKET_LANES = "origin,destination,mode,distance_km\nsrc,plant,truck,100\nsrc,out,truck,100\n"
TEN_T = "site_id,feedstock_id,week,tonnes\nsrc,mag,2026-W48,10\n"


def test_export_revenue_is_negative(solved):
    """Outlet pays 500 GBP/t (> 300 at the plant), no penalty: 10 t exported.

    export_revenue = -5000, transport 100, optimum -4900 (plant: -2900).
    A positive sign would send everything to the plant.
    """
    r = solved(build(sites=MARKET_SITES, lanes=MARKET_LANES, supply=TEN_T,
                     outlets="site_id,feedstock_id,price_gbp_per_t,max_t_per_week\nout,*,500,\n"))
    assert r.objective_gbp == exact(-4900)
    assert float(r.leakage["tonnes_t"].sum()) == exact(10)
    assert fed(r) == exact(0)
    only_lines(r, transport=100, export_revenue=-5000)


@pytest.mark.parametrize(("penalty", "objective", "exported"), [
    (150, -3400, True),
    (250, -2900, False),
])
def test_leakage_penalty_per_tonne_sold_abroad(solved, penalty, objective, exported):
    """Outlet pays 500; the plant 300; default penalty lambda per tonne abroad.

    lambda 150: abroad 500 - 150 = 350 > 300 -> export 10 t:
        100 - 5000 + 1500 = -3400 (leakage_penalty 1500).
    lambda 250: 250 < 300 -> plant: 100 - 3000 = -2900.
    Without the penalty both export (-4900).
    """
    r = solved(build(config(**{"policy.leakage_penalty_gbp_per_t": penalty}),
                     sites=MARKET_SITES, lanes=MARKET_LANES, supply=TEN_T,
                     outlets="site_id,feedstock_id,price_gbp_per_t,max_t_per_week\nout,*,500,\n"))
    assert r.objective_gbp == exact(objective)
    if exported:
        assert float(r.leakage["tonnes_t"].sum()) == exact(10)
        only_lines(r, transport=100, export_revenue=-5000, leakage_penalty=10 * penalty)
    else:
        assert fed(r) == exact(10)
        only_lines(r, transport=100, processing_net=-3000)


# ---------------------------------------------------------------- carbon

@pytest.mark.parametrize(("price", "mode", "objective", "carbon"), [
    (80, "rail", -2894.4, 1.6),
    (0, "truck", -2900, 0.0),
])
def test_carbon_price_per_tonne_co2e_picks_the_cleaner_mode(solved, price, mode, objective,
                                                            carbon):
    """carbon = price / 1000 x kg CO2e/tkm x km x t.

    10 t over 100 km. Truck: trip 100, 0.1 kg/tkm; rail: trip 104, 0.02 kg/tkm.
    At 80 GBP/t CO2e: truck 100 + 80/1000 x 0.1 x 100 x 10 = 108;
    rail 104 + 80/1000 x 0.02 x 100 x 10 = 105.6 -> rail; optimum
    105.6 - 3000 = -2894.4, carbon line 1.6.
    At 0: truck 100 -> -2900.
    Without the /1000 rail would cost 104 + 1600; without the line: truck.
    """
    modes = f"{MODE_HEAD}\ntruck,road,10,0,100,0,0.1,true\nrail,rail,10,0,104,0,0.02,true\n"
    lanes = "origin,destination,mode,distance_km\nsrc,plant,truck,100\nsrc,plant,rail,100\n"
    r = solved(build(config(**{"policy.carbon_price_gbp_per_t_co2e": price}), modes=modes,
                     lanes=lanes, supply="site_id,feedstock_id,week,tonnes\nsrc,mag,2026-W48,10\n"))
    assert r.objective_gbp == exact(objective)
    assert trips(r, "src", "plant", mode) == [1]
    only_lines(r, transport=104 if mode == "rail" else 100, processing_net=-3000,
               carbon=carbon)


# ---------------------------------------------------------------- terminal stock

def test_terminal_stock_penalises_stock_at_every_node_at_end_of_week_W(solved):
    """400 GBP/t on stock left at the end of week W: at sources, hubs and plant buffers.

    2 weeks, plant capacity 6 t/week with 8 t opening stock in its buffer,
    1 t opening stock at a hub and 1 t at a port (neither has a lane),
    10 t at src in W48.
    Feed 6 + 6 = 12 t: the plant's 8 t plus 4 t from src (1 trip, 100).
    Left at the end of week 2: 6 t (at src or in the plant buffer) + 1 t at
    the hub + 1 t at the port = 8 t -> terminal 3200.
    Optimum 100 - 3600 + 3200 = -300.
    Plant buffers exempt: ship all 10 t to the plant -> -2700.
    Penalty on every week's stock: far higher. Hub or port exempt: -700.
    """
    inventory = "site_id,feedstock_id,tonnes\nplant,mag,8\nhub,mag,1\nport,mag,1\n"
    r = solved(build(config(weeks=2, **{"policy.terminal_stock_penalty_gbp_per_t": 400}),
                     sites=sites("src source", "hub hub", "port port", "plant plant"),
                     plants=plant(6),
                     inventory=inventory,
                     supply="site_id,feedstock_id,week,tonnes\nsrc,mag,2026-W48,10\n"))
    assert r.objective_gbp == exact(-300)
    assert fed(r) == exact(12)
    st = r.stock
    last = st[st["period"] == 2]
    assert float(last["stock_t"].sum()) == exact(8)
    assert float(last.loc[last["site_id"] == "hub", "stock_t"].sum()) == exact(1)
    assert float(last.loc[last["site_id"] == "port", "stock_t"].sum()) == exact(1)
    assert sum(trips(r, "src", "plant")) == 1
    only_lines(r, transport=100, processing_net=-3600, terminal_stock=3200)


# ---------------------------------------------------------------- all lines at once

def test_every_line_at_once_adds_up_to_the_objective(solved):
    """One plan that uses every line. 2 weeks, 26 t at src in W48.

    Truck: 10 t, 100 a trip, 2 GBP/t handling, 0.1 kg CO2e/tkm, every lane 100 km.
    src -> hub (contract 30), hub (open 40, handling 5 GBP/t) -> plant;
    plant 6 t/week + option `big` 4 t/week (50); src -> out, outlet `*` 500
    GBP/t, at most 2 t/week; lambda 150; carbon 80 GBP/t; holding 1 GBP/t/week
    at src; terminal 400 GBP/t.
    Plan: build everything; 20 t src -> hub in week 1 (2 trips), hub -> plant
    (2 trips), fed 10 + 10; export 2 t each week (2 trips); 2 t left at src.
      transport      6 trips x 100 + 2 x (20 + 20 + 4) t       = 688
      fixed          30 + 40 + 50                               = 120
      hub_handling   5 x 20                                     = 100
      holding        src stock 4 (week 1) + 2 (week 2)          = 6
      processing     -300 x 20                                  = -6000
      export         -500 x 4                                   = -2000
      leakage        150 x 4                                    = 600
      carbon         80/1000 x 0.1 x 100 = 0.8 /t-arc x 44      = 35.2
      terminal       400 x 2                                    = 800
    Optimum -5650.8.
    """
    modes = f"{MODE_HEAD}\ntruck,road,10,0,100,2,0.1,true\n"
    lanes = """origin,destination,mode,distance_km,fixed_cost_gbp
src,hub,truck,100,30
hub,plant,truck,100,
src,out,truck,100,
"""
    cfg = config(weeks=2, **{"policy.leakage_penalty_gbp_per_t": 150,
                             "policy.carbon_price_gbp_per_t_co2e": 80,
                             "policy.terminal_stock_penalty_gbp_per_t": 400})
    r = solved(build(cfg, modes=modes, lanes=lanes, plants=plant(6),
                     sites=sites("src source holding=1", "hub hub", "plant plant",
                                 "out outlet"),
                     hubs=f"{HUB_HEAD}\nhub,,5,40\n",
                     expansions=f"{EXPANSION_HEAD}\nplant,big,4,50,2026-W48\n",
                     outlets="site_id,feedstock_id,price_gbp_per_t,max_t_per_week\nout,*,500,2\n",
                     supply="site_id,feedstock_id,week,tonnes\nsrc,mag,2026-W48,26\n"))
    assert r.objective_gbp == exact(-5650.8)
    assert bool(r.decisions["chosen"].all())
    assert shipped(r, "src", "hub") == [exact(20), 0]
    assert shipped(r, "src", "out") == [exact(2), exact(2)]
    assert stock(r, "src") == [exact(4), exact(2)]
    only_lines(r, transport=688, fixed_decisions=120, hub_handling=100, holding=6,
               processing_net=-6000, export_revenue=-2000, leakage_penalty=600,
               carbon=35.2, terminal_stock=800)


# ---------------------------------------------------------------- marginal values

def marginal(r, constraint: str) -> list[tuple[str, str, float]]:
    mv = r.marginal_values
    mv = mv[mv["constraint"] == constraint]
    return list(zip(mv["id"], mv["week"], mv["marginal_value_gbp_per_t"], strict=True))


@pytest.mark.parametrize(("capacity", "objective", "value"), [
    (6, -1700, 300),
    (12, -2900, 0),
])
def test_marginal_value_of_plant_capacity(solved, capacity, objective, value):
    """10 t at src, one truck trip (fixed in the LP) has room for 10 t.

    capacity 6: 4 t wait at src; one more t/week of capacity feeds one more
    tonne in the same trip: saves 300 GBP. capacity 12: slack -> 0.
    """
    plants = f"{PLANT_HEAD}\nplant,long_loop,{capacity},0,reo,reo_share,1.0,1000,0\n"
    r = solved(build(plants=plants,
                     supply="site_id,feedstock_id,week,tonnes\nsrc,mag,2026-W48,10\n"))
    assert r.objective_gbp == exact(objective)
    assert marginal(r, "plant_capacity") == [("plant", "2026-W48", exact(value))]


@pytest.mark.parametrize(("slots", "value"), [
    (2, 300),
    (3, 0),
])
def test_marginal_value_of_lane_capacity_only_when_every_slot_is_used(solved, slots, value):
    """A ferry lane at 400 a trip, 10 t a trip, 21 t waiting, max_trips_per_week 2 or 3.

    MIP: 2 trips carry 20 t: 800 - 6000 = -5200; a third trip for 1 t costs
    400 > 300, so the optimum is 2 trips either way.
    With 2 slots (all used) one more t of lane capacity carries one more
    tonne to the plant: 300. With 3 slots a free slot remains: value 0.
    """
    lanes = ("origin,destination,mode,distance_km,trip_cost_gbp,max_trips_per_week\n"
             f"src,plant,truck,100,400,{slots}\n")
    r = solved(build(lanes=lanes,
                     supply="site_id,feedstock_id,week,tonnes\nsrc,mag,2026-W48,21\n"))
    assert r.objective_gbp == exact(-5200)
    assert trips(r, "src", "plant") == [2]
    assert marginal(r, "lane_capacity") == [("src>plant>truck", "2026-W48", exact(value))]
