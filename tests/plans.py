"""Helpers shared by the hand-worked solver tests: build site tables, read results."""

from __future__ import annotations

import pytest

from models.objective import COST_LINES


def exact(value: float):
    """Tight comparison for optima computed by hand."""
    return pytest.approx(value, rel=1e-9, abs=1e-6)


def lines_add_up(r) -> None:
    """Every cost line is reported and the lines sum to the objective."""
    assert set(r.cost_lines_gbp) == set(COST_LINES)
    assert sum(r.cost_lines_gbp.values()) == exact(r.objective_gbp)


def sites(*rows: str) -> str:
    """sites.csv text from ``"site_id kind [cleared] [storage=t] [holding=gbp]"`` rows.

    Coordinates are dummies: every lane in these tests states its distance.
    """
    lines = ["site_id,name,kind,lat,lon,landmass,cleared,storage_t,holding_gbp_per_t_week"]
    for i, row in enumerate(rows):
        site, kind, *opts = row.split()
        kv = dict(o.split("=") for o in opts if "=" in o)
        cleared = "true" if "cleared" in opts else "false"
        lines.append(f"{site},{site},{kind},{52 + i / 10:.1f},{-1 - i / 10:.1f},gb,{cleared},"
                     f"{kv.get('storage', '')},{kv.get('holding', '0')}")
    return "\n".join(lines) + "\n"


def trips(r, origin: str, destination: str, mode: str = "truck") -> list[float]:
    """Trips on one arc in periods 1..W."""
    lw = r.lane_weeks
    lw = lw[(lw["origin"] == origin) & (lw["destination"] == destination) & (lw["mode"] == mode)]
    by = lw.set_index("period")["trips"]
    return [float(by.get(t, 0.0)) for t in range(1, len(r.weeks) + 1)]
