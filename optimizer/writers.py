"""Write a Result to a folder: summary.json, one CSV per table, GeoJSON for GIS users.

Files are written into a temporary folder next to the target and renamed into
place, so a reader never sees half a set of outputs.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from optimizer.bottlenecks import binding_rules
from optimizer.errors import SolveError
from optimizer.network import lines_gdf
from optimizer.result import Result
from optimizer.scenario import Scenario

CSV_FILES = {"flows": "flows.csv", "plants": "plants.csv", "plant_feed": "plant_feed.csv",
             "stock": "stock.csv", "leakage": "leakage.csv", "decisions": "decisions.csv",
             "marginal_values": "marginal_values.csv", "lane_weeks": "lane_weeks.csv",
             "arcs": "arcs.csv"}

OUTPUT_FILES = {"summary.json", "diagnosis.json", "binding.csv", "sites.geojson",
                "lanes.geojson", *CSV_FILES.values()}


def summary_json(result: Result) -> str:
    """summary.json text (stable key order, 2-space indent)."""
    return json.dumps(result.summary(), indent=2, sort_keys=False) + "\n"


@contextmanager
def _staged(out: Path) -> Iterator[Path]:
    """A temporary folder next to ``out`` whose files move into ``out`` only when complete.

    Outputs of an earlier run that this run did not write (a diagnosis.json
    after a plan, a flows.csv after an infeasible run) are removed.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        yield tmp
        out.mkdir(exist_ok=True)
        written = {f.name for f in tmp.iterdir()}
        for name in written:
            os.replace(tmp / name, out / name)
        for name in OUTPUT_FILES - written:  # an earlier run's outputs would mislead
            (out / name).unlink(missing_ok=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_outputs(result: Result, scenario: Scenario, out: str | Path) -> Path:
    """Write every output of one solve to ``out`` (replacing files of the same name)."""
    out = Path(out)
    with _staged(out) as tmp:
        (tmp / "summary.json").write_text(summary_json(result), encoding="utf-8")
        write_tables(result, scenario, tmp)
    return out


def write_tables(result: Result, scenario: Scenario, folder: Path) -> list[Path]:
    """The result tables as CSV, binding.csv and the GeoJSON layers; the paths written."""
    written = []
    for name, file in CSV_FILES.items():
        table = getattr(result, name).drop(columns=["period"], errors="ignore")
        table.to_csv(folder / file, index=False, float_format="%.6g", lineterminator="\n")
        written.append(folder / file)
    binding_rules(scenario, result).to_csv(folder / "binding.csv", index=False,
                                           float_format="%.6g", lineterminator="\n")
    written.append(folder / "binding.csv")
    return written + _write_geo(result, scenario, folder)


def failure_summary(exc: SolveError, scenario: Scenario) -> dict:
    """summary.json of a run that made no plan: the status, why, and where to read more."""
    diagnosis = getattr(exc, "diagnosis", None)
    return {"scenario": scenario.name, "status": exc.status, "objective_gbp": None,
            "bound_gbp": None, "gap": None, "cost_lines_gbp": {}, "kpis": {},
            "message": str(getattr(exc, "message", exc)),
            "weeks": [scenario.weeks[0], scenario.weeks[-1]],
            "diagnosis": None if diagnosis is None else {
                "file": "diagnosis.json", "method": diagnosis.method,
                "findings": len(diagnosis.findings)},
            "notes": list(scenario.notes),
            "overrides": [dict(o) for o in scenario.overrides]}


def write_failure(exc: SolveError, scenario: Scenario, out: str | Path) -> Path:
    """summary.json (and diagnosis.json when there is one) for a run without a plan."""
    out = Path(out)
    with _staged(out) as tmp:
        text = json.dumps(failure_summary(exc, scenario), indent=2) + "\n"
        (tmp / "summary.json").write_text(text, encoding="utf-8")
        diagnosis = getattr(exc, "diagnosis", None)
        if diagnosis is not None:
            (tmp / "diagnosis.json").write_text(diagnosis.to_json(), encoding="utf-8")
    return out


def _write_geo(result: Result, sc: Scenario, folder: Path) -> list[Path]:
    """sites.geojson and lanes.geojson (tonnes and trips over the horizon), WGS84."""
    sites = sc.sites
    sites["storage_t"] = sites["storage_t"].where(np.isfinite(sites["storage_t"]))  # inf -> null
    sites.to_file(folder / "sites.geojson", driver="GeoJSON")
    lanes = result.lane_weeks
    if lanes.empty:
        return [folder / "sites.geojson"]
    total = lanes.groupby(["origin", "destination", "mode"], as_index=False)[
        ["tonnes_t", "trips"]].sum()
    lines_gdf(total, sites).to_file(folder / "lanes.geojson", driver="GeoJSON")
    return [folder / "sites.geojson", folder / "lanes.geojson"]
