"""National-scale synthetic scenarios: many collection sites, the sample's real chain.

    python benchmarks/generate.py --sources 500 --feedstocks 8 --weeks 12 --seed 1 \
        --out benchmarks/instances/n500

Writes an ordinary scenario folder (every ``feedstock`` command works on it):
the sample's hubs, ports, plants, export buyers, sea crossings, modes, plant
specs, expansions and offtake (``data/uk-2026``, every number traced in its
SOURCES.md), with ``--sources`` collection sites instead of its 42:

* the six sample sources that lanes.csv names (three wind-decommissioning
  quays, three cleared defence depots) are kept, so the defence custody route
  and the wind flows stay as in the sample;
* every other source is a metal-recycling yard, an authorised treatment
  facility (ATF, end-of-life vehicles), an IT-asset-disposal site (hard disks)
  or a magnet maker (swarf), placed around a real UK population centre
  (weighted by population, scattered ~15 km) and moved onto land with the
  shipped Natural Earth outline;
* national supply (``--tonnes-per-week``, default 30 t/week: about 1,560 t/yr,
  the order of the UK's 2,000 t/yr magnet demand: data/uk-2026/SOURCES.md) is split over
  the sources by their kind and size, in lumpy weekly collections (a source ships
  in a week with probability 0.6; log-normal sizes), so the total does not grow
  with the number of sources: a larger instance is a finer national picture,
  not a bigger chain. Supply covers the horizon plus 4 weeks.

``--feedstocks 8`` adds e-bike and e-scooter motor magnets (vehicle sector) to
the sample's seven; fewer takes the first k of the sample's list (defence and
swarf are always kept: they carry custody and the blend ban). The same
``--seed`` gives byte-identical files. Every generated number is **assumed**.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "uk-2026"

# Kept sample sources: lanes.csv names them (wind quays, cleared defence depots).
KEPT_SOURCES = ("port_of_blyth", "port_of_nigg", "able_humber",
                "mod_donnington", "dm_kineton", "dm_beith")

# UK population centres: name, lat, lon, landmass, population (ONS / NISRA built-up
# areas, rounded, thousands). Weights for placing collection sites.
CENTRES = [
    ("london", 51.507, -0.128, "great_britain", 9000), ("birmingham", 52.486, -1.890,
     "great_britain", 2600), ("manchester", 53.480, -2.242, "great_britain", 2700),
    ("leeds", 53.800, -1.549, "great_britain", 1900), ("liverpool", 53.408, -2.992,
     "great_britain", 900), ("newcastle", 54.978, -1.618, "great_britain", 800),
    ("sheffield", 53.383, -1.466, "great_britain", 700), ("bristol", 51.455, -2.588,
     "great_britain", 700), ("nottingham", 52.954, -1.158, "great_britain", 770),
    ("leicester", 52.637, -1.140, "great_britain", 560), ("glasgow", 55.864, -4.252,
     "great_britain", 1000), ("edinburgh", 55.953, -3.189, "great_britain", 530),
    ("cardiff", 51.482, -3.179, "great_britain", 480), ("coventry", 52.407, -1.510,
     "great_britain", 390), ("stoke", 53.003, -2.180, "great_britain", 380),
    ("southampton", 50.910, -1.404, "great_britain", 860), ("hull", 53.745, -0.336,
     "great_britain", 320), ("plymouth", 50.375, -4.143, "great_britain", 260),
    ("reading", 51.455, -0.978, "great_britain", 330), ("milton_keynes", 52.041, -0.759,
     "great_britain", 270), ("norwich", 52.630, 1.297, "great_britain", 210),
    ("swansea", 51.621, -3.944, "great_britain", 300), ("aberdeen", 57.149, -2.094,
     "great_britain", 220), ("dundee", 56.462, -2.971, "great_britain", 150),
    ("middlesbrough", 54.574, -1.235, "great_britain", 380), ("preston", 53.763, -2.703,
     "great_britain", 340), ("exeter", 50.718, -3.534, "great_britain", 130),
    ("cambridge", 52.205, 0.122, "great_britain", 160), ("peterborough", 52.573, -0.241,
     "great_britain", 200), ("inverness", 57.478, -4.224, "great_britain", 60),
    ("carlisle", 54.892, -2.934, "great_britain", 75), ("swindon", 51.568, -1.772,
     "great_britain", 220), ("ipswich", 52.057, 1.148, "great_britain", 180),
    ("brighton", 50.822, -0.137, "great_britain", 470), ("kent_medway", 51.390, 0.540,
     "great_britain", 330), ("york", 53.960, -1.082, "great_britain", 210),
    ("belfast", 54.597, -5.930, "ireland", 640), ("derry", 54.997, -7.309, "ireland", 110),
    ("newry", 54.176, -6.349, "ireland", 60), ("ballymena", 54.864, -6.276, "ireland", 60),
]

# Kinds of generated source: share of sites, relative tonnes per site, feedstock mix.
KINDS = {
    "yard": (0.45, 3.0, {"ice_small_motor_magnets": 0.55, "industrial_motor_magnets": 0.3,
                         "ev_motor_magnets": 0.15}),
    "atf": (0.35, 1.0, {"ice_small_motor_magnets": 0.6, "ev_motor_magnets": 0.3,
                        "ebike_motor_magnets": 0.1}),
    "itad": (0.15, 1.5, {"hdd_vcm_magnets": 0.9, "ebike_motor_magnets": 0.1}),
    "maker": (0.05, 1.0, {"manufacturing_swarf": 0.7, "industrial_motor_magnets": 0.3}),
}
# National supply split by sector source (share of --tonnes-per-week).
WIND_SHARE, DEFENCE_SHARE = 0.14, 0.02

EXTRA_FEEDSTOCK = {
    "feedstock_id": "ebike_motor_magnets",
    "name": "E-bike and e-scooter hub-motor magnets (small coated sintered arcs)",
    "sector": "vehicle", "restricted": "false", "magnet_share": 0.9, "reo_share": 0.3,
    # the e-bike magnet assay in the sample's SOURCES.md ("Public figures"): Nd 15-16.7,
    # Pr 4.7-5.1, Dy 1.3-2.0 wt% of the magnet (0.224 t Nd+Pr+Dy per t: less than the
    # sample's 0.30, as assayed); x 0.9 magnet per t of feed
    "dy_grade": 0.017, "coating_share": 0.03, "oxidised": 0,
    "nd_share": 0.1422, "pr_share": 0.0441, "dy_share": 0.0153, "tb_share": 0.0,
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sources", type=int, required=True, help="collection sites (>= 6)")
    ap.add_argument("--feedstocks", type=int, default=8, help="feedstock grades, 2..8")
    ap.add_argument("--weeks", type=int, default=12, help="horizon in weeks")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tonnes-per-week", type=float, default=30.0,
                    help="national supply, t/week (split over the sources)")
    ap.add_argument("--out", type=Path, help="folder to write (default "
                    "benchmarks/instances/n<sources>-f<k>-w<weeks>-s<seed>)")
    ap.add_argument("--force", action="store_true", help="replace an existing folder")
    args = ap.parse_args(argv)
    if args.sources < len(KEPT_SOURCES) or not 2 <= args.feedstocks <= 8 or args.weeks < 1:
        ap.error(f"need --sources >= {len(KEPT_SOURCES)}, --feedstocks 2..8, --weeks >= 1")
    out = args.out or ROOT / "benchmarks" / "instances" / (
        f"n{args.sources}-f{args.feedstocks}-w{args.weeks}-s{args.seed}")
    if out.exists():
        if not args.force:
            print(f"{out} exists (use --force to replace it)", file=sys.stderr)
            return 2
        shutil.rmtree(out)
    generate(out, sources=args.sources, feedstocks=args.feedstocks, weeks=args.weeks,
             seed=args.seed, tonnes_per_week=args.tonnes_per_week)
    print(out)
    return 0


def generate(out: Path, *, sources: int, feedstocks: int = 8, weeks: int = 12, seed: int = 1,
             tonnes_per_week: float = 30.0) -> Path:
    """Write one national instance to ``out`` (a new folder) and return it."""
    rng = np.random.default_rng(seed)
    feeds = _feedstocks(feedstocks)
    ids = set(feeds["feedstock_id"])
    sample_sites = pd.read_csv(SAMPLE / "sites.csv")
    kept = sample_sites[sample_sites["site_id"].isin(KEPT_SOURCES)]
    chain = sample_sites[sample_sites["kind"] != "source"]
    made = _sources(rng, sources - len(kept))
    sites = pd.concat([made.drop(columns=["source_kind", "size"]), kept, chain],
                      ignore_index=True)
    start = _read_toml_start()
    supply = _supply(rng, made, kept, ids, weeks + 4, start, tonnes_per_week)

    out.mkdir(parents=True)
    sites.to_csv(out / "sites.csv", index=False, float_format="%.4f")
    feeds.to_csv(out / "feedstocks.csv", index=False)
    supply.to_csv(out / "supply.csv", index=False, float_format="%.3f")
    for name in ("modes", "plants", "plant_products", "hubs", "expansions", "lanes", "offtake"):
        shutil.copy(SAMPLE / f"{name}.csv", out / f"{name}.csv")
    for name in ("plant_specs", "outlets", "inventory"):
        table = pd.read_csv(SAMPLE / f"{name}.csv")
        if "feedstock_id" in table:  # drop rows of feedstocks left out
            table = table[table["feedstock_id"].isin(ids | {"*"})]
        if "site_id" in table and name == "inventory":
            table = table[table["site_id"].isin(set(sites["site_id"]))]
        table.to_csv(out / f"{name}.csv", index=False)
    (out / "scenario.toml").write_text(_scenario_toml(sources, feedstocks, weeks, seed,
                                                      tonnes_per_week))
    return out


def _feedstocks(k: int) -> pd.DataFrame:
    feeds = pd.read_csv(SAMPLE / "feedstocks.csv", dtype={"restricted": str})
    feeds = pd.concat([feeds, pd.DataFrame([EXTRA_FEEDSTOCK])], ignore_index=True)
    must = {"defence_magnets", "manufacturing_swarf"}
    keep = list(must) + [f for f in feeds["feedstock_id"] if f not in must][:k - len(must)]
    return feeds[feeds["feedstock_id"].isin(keep)].reset_index(drop=True)


def _sources(rng: np.random.Generator, count: int) -> pd.DataFrame:
    """``count`` collection sites around population centres, on land."""
    centres = pd.DataFrame(CENTRES, columns=["town", "lat", "lon", "landmass", "pop_k"])
    at = rng.choice(len(centres), size=count, p=centres["pop_k"] / centres["pop_k"].sum())
    kinds = list(KINDS)
    kind = rng.choice(kinds, size=count, p=[KINDS[k][0] for k in kinds])
    c = centres.iloc[at].reset_index(drop=True)
    lat, lon = _on_land(rng, c)
    size = rng.lognormal(0.0, 0.6, size=count) * np.array([KINDS[k][1] for k in kind])
    seq = pd.Series(range(count)).groupby(c["town"].to_numpy()).cumcount() + 1
    site_id = [f"{k}_{t}_{i:03d}" for k, t, i in zip(kind, c["town"], seq, strict=True)]
    names = {"yard": "metal-recycling yard", "atf": "authorised treatment facility (ELV)",
             "itad": "IT asset disposal (hard disks)", "maker": "magnet maker (swarf)"}
    return pd.DataFrame({
        "site_id": site_id,
        "name": [f"Synthetic {names[k]} near {t.replace('_', ' ').title()}"
                 for k, t in zip(kind, c["town"], strict=True)],
        "kind": "source", "lat": lat, "lon": lon, "landmass": c["landmass"],
        "cleared": "false", "storage_t": np.nan, "holding_gbp_per_t_week": 3.0,
        "source_kind": kind, "size": size,
    }).sort_values("site_id").reset_index(drop=True)


def _on_land(rng: np.random.Generator, c: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Scatter ~15 km (sd) around each centre; redraw points that fall in the sea."""
    from shapely import contains_xy

    from feedstock.optimizer.outputs.maps.layers import outline
    land = outline()
    land = land[land["kind"] == "land"].union_all()
    lat = c["lat"].to_numpy(float).copy()
    lon = c["lon"].to_numpy(float).copy()
    todo = np.ones(len(c), bool)
    for _ in range(50):
        k = int(todo.sum())
        if not k:
            break
        lat[todo] = c["lat"].to_numpy(float)[todo] + rng.normal(0, 0.135, k)
        lon[todo] = c["lon"].to_numpy(float)[todo] + rng.normal(0, 0.22, k)
        todo = ~contains_xy(land, lon, lat)
    lat[todo], lon[todo] = c["lat"].to_numpy(float)[todo], c["lon"].to_numpy(float)[todo]
    return lat.round(4), lon.round(4)


def _supply(rng: np.random.Generator, made: pd.DataFrame, kept: pd.DataFrame, ids: set[str],
            weeks: int, start: str, total: float) -> pd.DataFrame:
    """Lumpy weekly collections that add up (in expectation) to ``total`` t/week."""
    rows = []
    for site, kind, size in zip(made["site_id"], made["source_kind"], made["size"], strict=True):
        mix = {f: s for f, s in KINDS[kind][2].items() if f in ids}
        for f, share in mix.items():
            rows.append((site, f, size * share))
    wind = [s for s in kept["site_id"] if s.startswith(("port_", "able_"))]
    defence = [s for s in kept["site_id"] if s not in wind]
    base = pd.DataFrame(rows, columns=["site_id", "feedstock_id", "weight"])
    base["mean_t"] = base["weight"] / base["weight"].sum() * total * (
        1 - WIND_SHARE - DEFENCE_SHARE)
    special = [(s, "wind_dd_magnets", total * WIND_SHARE / len(wind)) for s in wind
               if "wind_dd_magnets" in ids]
    special += [(s, "defence_magnets", total * DEFENCE_SHARE / len(defence)) for s in defence]
    base = pd.concat([base[["site_id", "feedstock_id", "mean_t"]],
                      pd.DataFrame(special, columns=["site_id", "feedstock_id", "mean_t"])],
                     ignore_index=True)
    p_ship = 0.6
    sigma = 0.5
    draws = rng.random((len(base), weeks)) < p_ship
    sizes = rng.lognormal(-sigma ** 2 / 2, sigma, (len(base), weeks))
    tonnes = draws * sizes * (base["mean_t"].to_numpy()[:, None] / p_ship)
    week_ids = _iso_weeks(start, weeks)
    out = pd.DataFrame({
        "site_id": np.repeat(base["site_id"].to_numpy(), weeks),
        "feedstock_id": np.repeat(base["feedstock_id"].to_numpy(), weeks),
        "week": np.tile(week_ids, len(base)),
        "tonnes": tonnes.ravel().round(3),
    })
    return out[out["tonnes"] > 0].sort_values(["site_id", "feedstock_id", "week"]) \
        .reset_index(drop=True)


def _iso_weeks(start: str, count: int) -> list[str]:
    year, week = start.split("-W")
    monday = pd.Timestamp.fromisocalendar(int(year), int(week), 1)
    days = [monday + pd.Timedelta(weeks=k) for k in range(count)]
    return [f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in days]


def _read_toml_start() -> str:
    import tomllib
    return tomllib.loads((SAMPLE / "scenario.toml").read_text())["start_week"]


def _scenario_toml(sources: int, feedstocks: int, weeks: int, seed: int, total: float) -> str:
    import tomllib

    from feedstock.optimizer.scenario.raw import toml_text
    cfg = tomllib.loads((SAMPLE / "scenario.toml").read_text())
    cfg["name"] = f"national-n{sources}-f{feedstocks}-w{weeks}-s{seed}"
    cfg["description"] = (
        f"Synthetic national instance (benchmarks/generate.py --sources {sources} "
        f"--feedstocks {feedstocks} --weeks {weeks} --seed {seed} --tonnes-per-week "
        f"{total:g}): the sample's hubs, ports, plants, buyers and crossings; generated "
        "collection sites and supply (assumed).")
    cfg["weeks"] = weeks
    cfg["solver"] = {**cfg.get("solver", {}), "mip_rel_gap": 0.01, "time_limit_s": 600,
                     "seed": seed}
    return toml_text(cfg)


if __name__ == "__main__":
    sys.exit(main())
