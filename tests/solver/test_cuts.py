"""Valid inequalities (feedstock.models.cuts) and trip bounds never change an optimum."""

from __future__ import annotations

import pytest

from tests.builders import MODES, SUPPLY, build, config

SMALL_TRUCK = MODES.replace("truck,road,10,0,100", "truck,road,10,1,100")
WEEKS3 = config(**{"weeks": 3, "policy.terminal_stock_penalty_gbp_per_t": 50})
SUPPLY3 = SUPPLY + "src,mag,2026-W49,2\nsrc,mag,2026-W50,7\n"
SITES_HOLD = ("site_id,name,kind,lat,lon,landmass,cleared,storage_t,holding_gbp_per_t_week\n"
              "src,Source,source,52.0,-1.0,gb,false,6,3\n"
              "plant,Plant,plant,52.0,-2.0,gb,false,,0\n")

CASES = {
    "one week": dict(),
    "three weeks, holding vs trips": dict(cfg=WEEKS3, supply=SUPPLY3, sites=SITES_HOLD,
                                          modes=SMALL_TRUCK),
    "slots": dict(cfg=WEEKS3, supply=SUPPLY3, modes=SMALL_TRUCK.replace(",10,", ",4,"),
                  lanes="origin,destination,mode,distance_km,max_trips_per_week\n"
                        "src,plant,truck,100,1\n"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_same_optimum_with_and_without_cuts(name, solved):
    case = dict(CASES[name])
    cfg = case.pop("cfg", None)
    sc = build(cfg, **case)
    with_cuts = solved(sc)
    without = solved(sc, cuts=False)
    assert with_cuts.objective_gbp == pytest.approx(without.objective_gbp, abs=1e-6)
    assert with_cuts.status == without.status == "optimal"
