"""Write a Result to a folder: summary.json, CSV tables, GeoJSON, plan.xlsx and pictures.

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

from feedstock.optimizer.base.errors import SolveError
from feedstock.optimizer.base.units import gbp
from feedstock.optimizer.outputs.maps.layers import flow_lines, site_points
from feedstock.optimizer.outputs.workbook import write_plan_workbook
from feedstock.optimizer.results.binding import binding_rules
from feedstock.optimizer.results.result import Result
from feedstock.optimizer.scenario import Scenario

CSV_FILES = {"flows": "flows.csv", "plants": "plants.csv", "plant_feed": "plant_feed.csv",
             "plant_output": "plant_output.csv",
             "stock": "stock.csv", "leakage": "leakage.csv", "decisions": "decisions.csv",
             "marginal_values": "marginal_values.csv", "lane_weeks": "lane_weeks.csv",
             "arcs": "arcs.csv"}

PICTURES = ("map.png", "map.html", "report.html")  # skipped with maps=False (--no-maps)
OUTPUT_FILES = {"summary.json", "diagnosis.json", "binding.csv", "sites.geojson",
                "flows.geojson", "plan.xlsx", *PICTURES, *CSV_FILES.values()}


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


def write_outputs(result: Result, out: str | Path, *, maps: bool = True) -> Path:
    """Write every output of one solve to ``out`` (replacing files of the same name).

    ``feedstock.write(result, out)``. ``maps=False`` skips map.png, map.html and
    report.html (the slow part: about 3 s on the sample); the tables, GeoJSON
    layers and plan.xlsx are always written.
    """
    out = Path(out)
    with _staged(out) as tmp:
        (tmp / "summary.json").write_text(summary_json(result), encoding="utf-8")
        write_tables(result, tmp, maps=maps)
    return out


def write_tables(result: Result, folder: Path, *, maps: bool = True) -> list[Path]:
    """CSV tables, binding.csv, GeoJSON layers, plan.xlsx (and pictures); the paths written.

    The sites, rules and names come from the scenario the plan is for (``result.source``).
    """
    scenario = result.source
    if scenario is None:
        raise ValueError("this Result does not carry its scenario (Result.source): "
                         "make results with feedstock.solve")
    written = []
    for name, file in CSV_FILES.items():
        table = getattr(result, name).drop(columns=["period"], errors="ignore")
        table.to_csv(folder / file, index=False, float_format="%.6g", lineterminator="\n")
        written.append(folder / file)
    binding = binding_rules(scenario, result)
    binding.to_csv(folder / "binding.csv", index=False, float_format="%.6g",
                   lineterminator="\n")
    written.append(folder / "binding.csv")
    flows, sites = flow_lines(result, scenario), site_points(result, scenario)
    written += _write_geo(flows, sites, folder)
    written.append(write_plan_workbook(result, folder / "plan.xlsx", extra={"binding": binding}))
    if maps:
        written += write_pictures(result, scenario, flows, sites, folder)
    return written


def picture_titles(result: Result) -> tuple[str, str]:
    """Title and subtitle of map.png and map.html: scenario, weeks, status and headline."""
    k = result.kpi_values
    title = f"{result.scenario}: plan {result.weeks[0]} .. {result.weeks[-1]}"
    weeks = len(result.weeks)
    objective = gbp(result.objective_gbp, minus="−")
    subtitle = (f"{result.status}, objective {objective}; {k['processed_uk_t']:,.1f} t "
                f"processed in the UK, {k['leaked_t']:,.1f} t exported; lane widths are "
                f"tonnes over the {weeks} week{'s' if weeks != 1 else ''}")
    return title, subtitle


def write_pictures(result: Result, scenario: Scenario, flows, sites,
                   folder: Path) -> list[Path]:
    """map.png, map.html and report.html (which embeds map.png)."""
    from feedstock.optimizer.outputs.maps.interactive import render_html
    from feedstock.optimizer.outputs.maps.static import render_png
    from feedstock.optimizer.outputs.report import render_report

    title, subtitle = picture_titles(result)
    png = render_png(flows, sites, title, subtitle, folder / "map.png")
    render_html(flows, sites, title, subtitle, folder / "map.html")
    render_report(result, scenario, png, folder / "report.html")
    return [folder / name for name in PICTURES]


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


def _write_geo(flows, sites, folder: Path) -> list[Path]:
    """sites.geojson (points) and flows.geojson (a line per lane over the horizon), WGS84.

    NaN (a site without a capacity) is written as null, not as a number a GIS
    would read as 0. flows.geojson is written even without lanes (no features),
    so a QGIS project that references it still opens.
    """
    for name, gdf in (("sites.geojson", sites), ("flows.geojson", flows)):
        gdf = gdf.copy()
        for col in gdf.columns:
            if col != "geometry" and gdf[col].dtype.kind == "f":
                gdf[col] = gdf[col].where(np.isfinite(gdf[col]))
        gdf.to_file(folder / name, driver="GeoJSON")
    return [folder / "sites.geojson", folder / "flows.geojson"]
