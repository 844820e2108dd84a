"""Regenerate supply.csv for the uk-2026 sample (deterministic: fixed seed).

Not part of the planning tool: it only documents how the fixed table in
supply.csv was made. Every mean below is assumed; see SOURCES.md for the
reasoning. Run from this folder:  python3 make_supply.py
"""
import csv
import random

SEED = 2026
WEEKS = [f"2026-W{w:02d}" for w in range(48, 54)] + [f"2027-W{w:02d}" for w in range(1, 11)]
# yards run short weeks over Christmas and New Year (assumed)
SEASON = {"2026-W52": 0.6, "2026-W53": 0.5, "2027-W01": 0.8}

EV, ICE, WIND, DEF = "ev_motor_magnets", "ice_small_motor_magnets", "wind_dd_magnets", "defence_magnets"
IND, HDD, SWARF = "industrial_motor_magnets", "hdd_vcm_magnets", "manufacturing_swarf"

# mean tonnes of feed per week by source and feedstock (assumed)
MEANS = {
    "emr_liverpool": {ICE: 0.7, EV: 0.15, IND: 0.2},
    "emr_willesden": {ICE: 0.7, EV: 0.15, IND: 0.2},
    "emr_silvertown": {ICE: 0.5, EV: 0.1},
    "emr_tilbury": {ICE: 0.4, IND: 0.2},
    "emr_glasgow_kgv": {ICE: 0.6, EV: 0.1},
    "emr_birmingham": {ICE: 0.6, EV: 0.2, IND: 0.3, SWARF: 0.3},
    "yard_sheffield": {ICE: 0.2, IND: 0.5, SWARF: 0.5},
    "yard_leeds": {ICE: 0.3, IND: 0.2, HDD: 0.3},
    "yard_manchester": {ICE: 0.3, IND: 0.4, HDD: 0.4},
    "yard_teesside": {ICE: 0.2, IND: 0.4},
    "yard_hull": {ICE: 0.2, IND: 0.1},
    "yard_avonmouth": {ICE: 0.3, EV: 0.1, IND: 0.1},
    "yard_cardiff": {ICE: 0.2, IND: 0.1},
    "yard_swansea": {ICE: 0.15, IND: 0.2},
    "yard_wrexham": {ICE: 0.15, IND: 0.2, SWARF: 0.1},
    "yard_portsmouth": {ICE: 0.2},
    "yard_plymouth": {ICE: 0.15},
    "yard_exeter": {ICE: 0.15},
    "yard_swindon": {ICE: 0.2, EV: 0.1},
    "yard_coventry": {ICE: 0.2, EV: 0.2, SWARF: 0.2},
    "yard_leicester": {ICE: 0.2, IND: 0.2},
    "yard_nottingham": {ICE: 0.25, IND: 0.2},
    "yard_stoke": {ICE: 0.15, IND: 0.15},
    "yard_peterborough": {ICE: 0.2, HDD: 0.2},
    "yard_norwich": {ICE: 0.15},
    "yard_sheerness": {ICE: 0.2},
    "yard_preston": {ICE: 0.15, IND: 0.1},
    "yard_carlisle": {ICE: 0.1},
    "yard_edinburgh": {ICE: 0.25, HDD: 0.2},
    "yard_dundee": {ICE: 0.15},
    "yard_aberdeen": {ICE: 0.15, IND: 0.3},
    "itad_slough": {HDD: 1.4},
    "itad_docklands": {HDD: 0.9},
    "itad_newport": {HDD: 0.7},
    "mod_donnington": {DEF: 0.15},
    "dm_kineton": {DEF: 0.15},
    "dm_beith": {DEF: 0.1},
    "ni_belfast_duncrue": {ICE: 0.3, IND: 0.1},
    "ni_dungannon": {ICE: 0.15, IND: 0.1},
}

# wind decommissioning campaigns: fixed lumps, no noise (assumed)
CAMPAIGNS = {
    ("port_of_blyth", "2026-W49"): 5.0,
    ("port_of_blyth", "2026-W50"): 7.0,
    ("port_of_blyth", "2026-W51"): 6.0,
    ("able_humber", "2027-W03"): 5.0,
    ("able_humber", "2027-W04"): 5.0,
    ("port_of_nigg", "2027-W05"): 6.0,
    ("port_of_nigg", "2027-W06"): 8.0,
    ("port_of_nigg", "2027-W07"): 5.0,
}


def main() -> None:
    rng = random.Random(SEED)
    rows = []
    for site, feeds in MEANS.items():
        for feed, mean in feeds.items():
            for week in WEEKS:
                t = round(mean * SEASON.get(week, 1.0) * rng.uniform(0.5, 1.5), 1)
                if t > 0:
                    rows.append((site, feed, week, f"{t:.1f}"))
    for (site, week), t in CAMPAIGNS.items():
        rows.append((site, WIND, week, f"{t:.1f}"))
    with open("supply.csv", "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(["site_id", "feedstock_id", "week", "tonnes"])
        out.writerows(rows)


if __name__ == "__main__":
    main()
