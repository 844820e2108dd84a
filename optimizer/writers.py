"""Write a Result to a folder: summary.json, one CSV per table, GeoJSON for GIS users.

Files are written into a temporary folder next to the target and renamed into
place, so a reader never sees half a set of outputs.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from optimizer.bottlenecks import binding_rules
from optimizer.network import lines_gdf
from optimizer.result import Result
from optimizer.scenario import Scenario

CSV_FILES = {"flows": "flows.csv", "plants": "plants.csv", "plant_feed": "plant_feed.csv",
             "stock": "stock.csv", "leakage": "leakage.csv", "decisions": "decisions.csv",
             "marginal_values": "marginal_values.csv", "lane_weeks": "lane_weeks.csv",
             "arcs": "arcs.csv"}


def summary_json(result: Result) -> str:
    """summary.json text (stable key order, 2-space indent)."""
    return json.dumps(result.summary(), indent=2, sort_keys=False) + "\n"


def write_outputs(result: Result, scenario: Scenario, out: str | Path) -> Path:
    """Write every output of one solve to ``out`` (replacing files of the same name)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        (tmp / "summary.json").write_text(summary_json(result), encoding="utf-8")
        for name, file in CSV_FILES.items():
            table = getattr(result, name).drop(columns=["period"], errors="ignore")
            table.to_csv(tmp / file, index=False, float_format="%.6g", lineterminator="\n")
        binding_rules(scenario, result).to_csv(tmp / "binding.csv", index=False,
                                               float_format="%.6g", lineterminator="\n")
        _write_geo(result, scenario, tmp)
        out.mkdir(exist_ok=True)
        for f in tmp.iterdir():
            os.replace(f, out / f.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _write_geo(result: Result, sc: Scenario, folder: Path) -> None:
    """sites.geojson and lanes.geojson (tonnes and trips over the horizon), WGS84."""
    sites = sc.sites
    sites["storage_t"] = sites["storage_t"].where(np.isfinite(sites["storage_t"]))  # inf -> null
    sites.to_file(folder / "sites.geojson", driver="GeoJSON")
    lanes = result.lane_weeks
    if lanes.empty:
        return
    total = lanes.groupby(["origin", "destination", "mode"], as_index=False)[
        ["tonnes_t", "trips"]].sum()
    lines_gdf(total, sites).to_file(folder / "lanes.geojson", driver="GeoJSON")
