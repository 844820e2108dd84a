"""Shipments already on their way (in_transit.csv): optima worked out by hand.

Tiny base (tests/builders.py): one week 2026-W48, ``src`` -> ``plant`` by truck
(10 t a trip, £100), 5 t of ``mag`` at ``src``, reo_share 0.3 x £1,000 = £300 earned
per tonne processed, plant capacity 100 t/week.
"""

from __future__ import annotations

import pytest

from feedstock import InfeasibleError
from tests.builders import build
from tests.plans import exact, lines_add_up, sites

ARRIVING = "origin,destination,mode,feedstock_id,arrival_week,tonnes\n"


def test_an_arrival_is_processed_and_counts_as_available(solved):
    """5 t by one truck (£100) + 3 t arriving: 8 t x £300 = £2,400 earned -> -£2,300."""
    r = solved(build(in_transit=ARRIVING + "src,plant,truck,mag,2026-W48,3\n"))
    lines_add_up(r)
    assert r.objective_gbp == exact(100 - 8 * 300)
    assert r.kpis["available_t"] == exact(8) and r.kpis["processed_uk_t"] == exact(8)
    assert r.flows["tonnes_t"].sum() == exact(5)  # the 3 t are not shipped again


def test_arrivals_at_a_hub_take_its_capacity_and_pay_its_handling(solved):
    """Hub takes 6 t/week at £10/t; 3 t arrive there, so only 3 of the 5 t at src get through.

    Trips src->hub and hub->plant (£100 each), handling 6 t x £10 = £60, 6 t x £300
    earned: 260 - 1800 = -£1,540; 2 t stay at src.
    """
    sc = build(sites=sites("src source", "hub hub", "plant plant"),
               hubs="site_id,capacity_t_per_week,handling_gbp_per_t,fixed_cost_gbp\nhub,6,10,0\n",
               lanes="origin,destination,mode,distance_km\nsrc,hub,truck,10\nhub,plant,truck,10\n",
               in_transit=ARRIVING + "src,hub,truck,mag,2026-W48,3\n")
    r = solved(sc)
    lines_add_up(r)
    assert r.objective_gbp == exact(260 - 1800)
    assert r.cost_lines_gbp["hub_handling"] == exact(60)
    left = r.stock[(r.stock["site_id"] == "src") & (r.stock["period"] == 1)]["stock_t"].sum()
    assert left == exact(2)


def test_more_arriving_than_the_hub_takes_is_diagnosed_at_the_hub_and_week():
    sc = build(sites=sites("src source", "hub hub", "plant plant"),
               hubs="site_id,capacity_t_per_week,handling_gbp_per_t,fixed_cost_gbp\nhub,6,10,0\n",
               lanes="origin,destination,mode,distance_km\nsrc,hub,truck,10\nhub,plant,truck,10\n",
               in_transit=ARRIVING + "src,hub,truck,mag,2026-W48,7\n")
    from feedstock.optimizer.solve.pipeline import solve

    with pytest.raises(InfeasibleError) as info:
        solve(sc)
    [f] = info.value.diagnosis.errors
    assert (f.rule, f.site, f.week) == ("hub_capacity", "hub", "2026-W48")
    assert f.amount == pytest.approx(1.0)


def test_arrivals_alone_at_a_hub_build_and_solve(solved):
    """Only a transit-1 lane into the hub: its week-1 intake is the arrivals alone (3 t)."""
    sc = build(sites=sites("src source", "hub hub", "plant plant"),
               hubs="site_id,capacity_t_per_week,handling_gbp_per_t,fixed_cost_gbp\nhub,6,10,0\n",
               lanes="origin,destination,mode,distance_km,transit_weeks\n"
                     "src,hub,truck,10,1\nhub,plant,truck,10,0\n",
               in_transit=ARRIVING + "src,hub,truck,mag,2026-W48,3\n")
    r = solved(sc)  # one week: the 5 t at src cannot arrive in time; the 3 t are processed
    assert r.objective_gbp == exact(100 + 30 - 3 * 300)
    assert r.cost_lines_gbp["hub_handling"] == exact(30)


def test_arrivals_alone_beyond_a_hubs_capacity_are_a_pre_solve_finding():
    sc = build(sites=sites("src source", "hub hub", "plant plant"),
               hubs="site_id,capacity_t_per_week,handling_gbp_per_t,fixed_cost_gbp\nhub,2,10,0\n",
               lanes="origin,destination,mode,distance_km,transit_weeks\n"
                     "src,hub,truck,10,1\nhub,plant,truck,10,0\n",
               in_transit=ARRIVING + "src,hub,truck,mag,2026-W48,3\n")
    from feedstock.optimizer.solve.pipeline import solve

    with pytest.raises(InfeasibleError) as info:
        solve(sc)
    assert info.value.diagnosis.method == "pre-solve checks"
    [f] = info.value.diagnosis.errors
    assert (f.rule, f.site, f.week, f.amount) == ("hub_capacity", "hub", "2026-W48", 1.0)
    assert "already on their way" in f.message


def test_arrivals_at_an_uncapacitated_hub_with_a_fixed_cost_open_it(solved):
    """No capacity, £500 to open: M must count the arrivals (10 t > 5 t of supply)."""
    sc = build(sites=sites("src source", "hub hub", "plant plant"),
               hubs="site_id,capacity_t_per_week,handling_gbp_per_t,fixed_cost_gbp\nhub,,0,500\n",
               lanes="origin,destination,mode,distance_km\nsrc,hub,truck,10\nhub,plant,truck,10\n",
               in_transit=ARRIVING + "src,hub,truck,mag,2026-W48,10\n")
    r = solved(sc)
    # open (500), one truck src->hub (100) and two hub->plant (200), 15 t x £300 earned
    assert r.objective_gbp == exact(500 + 100 + 200 - 15 * 300)
