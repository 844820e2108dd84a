"""Constraint families at the UK border: leakage cap, sector penalties, outlet limits.

Tiny scenarios (tests/builders.py), optimum worked out by hand in each
docstring. Sites: `src` (source), `plant`, `out` (outlet, an export buyer).
Trucks carry 10 t for 100 GBP a trip on src->plant and src->out. Feeding the
plant is worth 300 GBP/t (1000 x 0.3 REO); an outlet pays its price; the
leakage penalty is 0 unless stated. One week (W48).

Each docstring says what would change if the targeted rule were dropped or
mis-stated, so the test can fail.
"""

from __future__ import annotations

import pytest

from tests.builders import build, config
from tests.plans import exact, lines_add_up

SITES = """site_id,name,kind,lat,lon,landmass,cleared,storage_t,holding_gbp_per_t_week
src,Source,source,52.0,-1.0,gb,false,,0
plant,Plant,plant,52.0,-2.0,gb,false,,0
out,Export buyer,outlet,51.0,1.0,gb,false,,0
"""
LANES = """origin,destination,mode,distance_km
src,plant,truck,100
src,out,truck,100
"""
OUTLET_HEAD = "site_id,feedstock_id,price_gbp_per_t,max_t_per_week"


def market(cfg=None, **tables):
    return build(cfg, sites=SITES, lanes=LANES, **tables)


def leaked(r, feedstock: str | None = None) -> float:
    lk = r.leakage
    if feedstock is not None:
        lk = lk[lk["feedstock_id"] == feedstock]
    return float(lk["tonnes_t"].sum())


def fed(r, feedstock: str | None = None) -> float:
    pf = r.plant_feed
    if feedstock is not None:
        pf = pf[pf["feedstock_id"] == feedstock]
    return float(pf["feed_t"].sum())


# ---------------------------------------------------------------- 8. leakage cap

@pytest.mark.parametrize(("share", "objective", "export_t"), [
    (1.0, -4900, 10),
    (0.4, -3600, 4),
    (0.0, -2900, 0),
])
def test_leakage_cap_counts_supply_and_opening_stock(solved, share, objective, export_t):
    """Outlet pays 500/t (> 300 at the plant); leaked t <= share x available t.

    Available = 5 t supply in W48 + 5 t opening stock = 10 t (the 100 t
    supply row dated W51 is outside the one-week horizon and does not count).
    share 1.0: export all 10: 100 - 5000 = -4900.
    share 0.4: export 4 (100 - 2000), feed 6 (100 - 1800) -> -3600.
    share 0.0: feed all 10: 100 - 3000 = -2900.
    If "available" left out opening stock, share 0.4 would allow 2 t only:
    (100 - 1000) + (100 - 2400) = -3400; if it counted the W51 row (110 t),
    every case would be -4900, as it is without the cap.
    """
    inventory = "site_id,feedstock_id,tonnes\nsrc,mag,5\n"
    supply = "site_id,feedstock_id,week,tonnes\nsrc,mag,2026-W48,5\nsrc,mag,2026-W51,100\n"
    outlets = f"{OUTLET_HEAD}\nout,*,500,\n"
    r = solved(market(config(**{"policy.max_leakage_share": share}), inventory=inventory,
                      supply=supply, outlets=outlets))
    assert r.objective_gbp == exact(objective)
    assert leaked(r) == exact(export_t)
    assert fed(r) == exact(10 - export_t)
    assert r.cost_lines_gbp["export_revenue"] == exact(-500 * export_t)
    lines_add_up(r)


# ---------------------------------------------------------------- sector penalty

def test_sector_penalty_overrides_the_default(solved):
    """Default penalty 100 GBP/t, [policy.sectors.wind] 400 GBP/t; outlet pays 500.

    10 t `veh` (vehicle) and 10 t `wnd` (wind), both worth 300/t at the plant.
    veh abroad: 500 - 100 = 400 > 300 -> export: 100 - 5000 + 1000 = -3900.
    wnd abroad: 500 - 400 = 100 < 300 -> plant: 100 - 3000 = -2900.
    Optimum -6800; export_revenue -5000, leakage_penalty 1000.
    Override ignored: both exported (2 trips) -> 200 - 10000 + 2000 = -7800.
    Override applied to every sector: both fed -> 200 - 6000 = -5800.
    """
    feedstocks = """feedstock_id,name,sector,restricted,magnet_share,reo_share
veh,Vehicle motors,vehicle,false,1.0,0.3
wnd,Wind generators,wind,false,1.0,0.3
"""
    supply = "site_id,feedstock_id,week,tonnes\nsrc,veh,2026-W48,10\nsrc,wnd,2026-W48,10\n"
    outlets = f"{OUTLET_HEAD}\nout,*,500,\n"
    cfg = config(**{"policy.leakage_penalty_gbp_per_t": 100,
                    "policy.sectors": {"wind": {"leakage_penalty_gbp_per_t": 400}}})
    r = solved(market(cfg, feedstocks=feedstocks, supply=supply, outlets=outlets))
    assert r.objective_gbp == exact(-6800)
    assert leaked(r, "veh") == exact(10)
    assert leaked(r, "wnd") == exact(0)
    assert fed(r, "wnd") == exact(10)
    assert list(r.leakage["penalty_gbp_per_t"]) == [exact(100)]
    assert r.cost_lines_gbp["export_revenue"] == exact(-5000)
    assert r.cost_lines_gbp["leakage_penalty"] == exact(1000)
    lines_add_up(r)


# ---------------------------------------------------------------- 10. outlet limits

def test_outlet_feedstock_row_beats_star_and_star_limit_bounds_only_the_rest(solved):
    """outlets.csv: `a` 400 GBP/t max 5 t/week; `*` 500 GBP/t max 3 t/week.

    10 t of `a` and 10 t of `b`; the plant pays 300/t for either.
    `a` is priced by its own row: 400, at most 5 t. `b` falls under `*`: 500,
    at most 3 t. Export a 5 + b 3 = 8 t (1 trip): 100 - 2000 - 1500;
    feed a 5 + b 7 = 12 t (2 trips): 200 - 3600. Optimum -6800.
    `*` beating the row (a at 500, a + b <= 3): export 3, feed 17 ->
    100 - 1500 + 200 - 5100 = -6300. `*` limit also bounding `a`
    (a <= 3): -6600. No limits: export all 20 at 400/500 (2 trips) -> -8800.
    """
    feedstocks = """feedstock_id,name,sector,restricted,magnet_share,reo_share
a,Grade A,vehicle,false,1.0,0.3
b,Grade B,vehicle,false,1.0,0.3
"""
    supply = "site_id,feedstock_id,week,tonnes\nsrc,a,2026-W48,10\nsrc,b,2026-W48,10\n"
    outlets = f"{OUTLET_HEAD}\nout,a,400,5\nout,*,500,3\n"
    r = solved(market(feedstocks=feedstocks, supply=supply, outlets=outlets))
    assert r.objective_gbp == exact(-6800)
    lk = r.leakage.set_index("feedstock_id")
    assert lk.at["a", "tonnes_t"] == exact(5)
    assert lk.at["a", "price_gbp_per_t"] == exact(400)
    assert lk.at["a", "price_row"] == "a"
    assert lk.at["b", "tonnes_t"] == exact(3)
    assert lk.at["b", "price_gbp_per_t"] == exact(500)
    assert lk.at["b", "price_row"] == "*"
    assert fed(r, "a") == exact(5)
    assert fed(r, "b") == exact(7)
    assert r.cost_lines_gbp["export_revenue"] == exact(-3500)
    lines_add_up(r)


def test_outlet_buys_only_what_a_row_covers(solved):
    """An outlet with only an `a` row does not buy `b`, however high its price.

    10 t `a`, 10 t `b`; outlet row `a` at 1000 GBP/t, no `*` row.
    a: export 100 - 10000 = -9900; b: plant 100 - 3000 = -2900. Optimum -12800.
    If `b` could go to the outlet at `a`'s price: 200 - 20000 = -19800.
    """
    feedstocks = """feedstock_id,name,sector,restricted,magnet_share,reo_share
a,Grade A,vehicle,false,1.0,0.3
b,Grade B,vehicle,false,1.0,0.3
"""
    supply = "site_id,feedstock_id,week,tonnes\nsrc,a,2026-W48,10\nsrc,b,2026-W48,10\n"
    outlets = f"{OUTLET_HEAD}\nout,a,1000,\n"
    r = solved(market(feedstocks=feedstocks, supply=supply, outlets=outlets))
    assert r.objective_gbp == exact(-12800)
    assert leaked(r, "a") == exact(10)
    assert leaked(r, "b") == exact(0)
    assert fed(r, "b") == exact(10)
    fl = r.flows
    assert set(fl.loc[fl["destination"] == "out", "feedstock_id"]) == {"a"}
    lines_add_up(r)
