"""Tiny scenarios written as CSV text, so a test reads like the files a planner edits."""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

from feedstock import Scenario, from_tables
from feedstock.optimizer.scenario.raw import toml_text

CONFIG: dict[str, Any] = {
    "name": "tiny",
    "start_week": "2026-W48",
    "weeks": 1,
    "network": {"auto_road_lanes": False},
    "policy": {"leakage_penalty_gbp_per_t": 0, "terminal_stock_penalty_gbp_per_t": 0},
    "solver": {"time_limit_s": 30, "mip_rel_gap": 0},
}

SITES = """site_id,name,kind,lat,lon,landmass,cleared,storage_t,holding_gbp_per_t_week
src,Source,source,52.0,-1.0,gb,false,,0
plant,Plant,plant,52.0,-2.0,gb,false,,0
"""
MODES = """mode,kind,payload_t,cost_gbp_per_km,trip_fixed_gbp,handling_gbp_per_t,co2e_kg_per_tkm,integer_trips
truck,road,10,0,100,0,0,true
"""
FEEDSTOCKS = """feedstock_id,name,sector,restricted,magnet_share,reo_share
mag,Magnets,vehicle,false,1.0,0.3
"""
SUPPLY = """site_id,feedstock_id,week,tonnes
src,mag,2026-W48,5
"""
PLANTS = """site_id,process,capacity_t_per_week,cost_gbp_per_t,product,yield_basis,yield,product_value_gbp_per_t,min_weekly_t
plant,long_loop,100,0,reo,reo_share,1.0,1000,0
"""
LANES = """origin,destination,mode,distance_km
src,plant,truck,100
"""

BASE = {"sites": SITES, "modes": MODES, "feedstocks": FEEDSTOCKS, "supply": SUPPLY,
        "plants": PLANTS, "lanes": LANES}


def table(text: str) -> pd.DataFrame:
    """A CSV literal as a table of strings (as the loader would read it)."""
    return pd.read_csv(io.StringIO(text.strip() + "\n"), dtype=str, keep_default_na=False)


def config(**changes: Any) -> dict[str, Any]:
    """The tiny config with dotted-key changes, e.g. ``config(**{"policy.x": 1})``."""
    import copy

    cfg = copy.deepcopy(CONFIG)
    for key, value in changes.items():
        node = cfg
        *parents, leaf = key.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return cfg


def build(cfg: dict[str, Any] | None = None, **tables: str | None) -> Scenario:
    """A validated tiny scenario: BASE tables with any table replaced (None drops it)."""
    texts = {**BASE, **tables}
    return from_tables(cfg or CONFIG, {k: table(v) for k, v in texts.items() if v is not None})


# A feedstock 1e-12 above a blend bound: a 1e-12 coefficient next to payload 10.
NEAR_ZERO_BLEND = {
    "feedstocks": FEEDSTOCKS + "nz,Near,vehicle,false,1,0.300000000001\n"
                               "cln,Clean,vehicle,false,1,0.1\n",
    "supply": "site_id,feedstock_id,week,tonnes\nsrc,mag,2026-W48,5\n"
              "src,nz,2026-W48,1\nsrc,cln,2026-W48,1\n",
    "plant_specs": "site_id,attribute,min,max\nplant,reo_share,,0.3\n",
}


def near_zero_blend() -> Scenario:
    """A feedstock 1e-12 above a blend bound: a 1e-12 coefficient next to payload 10."""
    return build(**NEAR_ZERO_BLEND)


def write_folder(folder, cfg: dict[str, Any] | None = None, **tables: str | None):
    """Write a tiny scenario as files (CSV + scenario.toml), as a planner would have it."""
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    texts = {**BASE, **tables}
    for name, text in texts.items():
        if text is not None:
            (folder / f"{name}.csv").write_text(text.strip() + "\n", encoding="utf-8")
    (folder / "scenario.toml").write_text(toml_text(cfg or CONFIG), encoding="utf-8")
    return folder


# ------------------------------------------------------------------ weekly chains
# A 3-week horizon over 6 weeks of supply, so that plan-week runs chain: 5 t of
# ``mag`` a week at ``src``, a truck (same week, £2,000 a trip: never worth it)
# and a slow boat (transit 1, £50 a trip) to ``plant``, which takes only 4 t/week,
# holds 20 t and earns £300 a tonne processed. Stock at the source costs
# £20/t/week, so each week's supply sails that week and stock piles up at the
# plant: each run hands the next a shipment in transit and a closing stock.
WEEKLY_CONFIG: dict[str, Any] = {**CONFIG, "name": "tiny-weekly", "weeks": 3}
WEEKLY = {
    "sites": """site_id,name,kind,lat,lon,landmass,cleared,storage_t,holding_gbp_per_t_week
src,Source,source,52.0,-1.0,gb,false,,20
plant,Plant,plant,52.0,-2.0,gb,false,20,1
""",
    "modes": MODES.replace("truck,road,10,0,100,", "truck,road,10,0,2000,")
    + "boat,sea,10,0,50,0,0,true\n",
    "supply": "site_id,feedstock_id,week,tonnes\n" + "".join(
        f"src,mag,{w},5\n" for w in ("2026-W48", "2026-W49", "2026-W50", "2026-W51",
                                     "2026-W52", "2026-W53")),
    "plants": PLANTS.replace(",100,0,reo", ",4,0,reo"),
    "lanes": LANES.replace("origin,destination,mode,distance_km",
                           "origin,destination,mode,distance_km,transit_weeks")
    .replace("src,plant,truck,100", "src,plant,truck,100,0") + "src,plant,boat,100,1\n",
}
WEEKLY_STOCK = "site_id,feedstock_id,tonnes\nsrc,mag,2\n"


def write_weekly(folder, **tables: str | None):
    """The weekly-chain scenario as files (see WEEKLY), with any table replaced."""
    return write_folder(folder, WEEKLY_CONFIG, **{**WEEKLY, **tables})
