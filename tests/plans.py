"""Helpers shared by the hand-worked solver tests: build site tables, read results."""

from __future__ import annotations

import pytest

from feedstock.models.objective import COST_LINES


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


def assert_chains(before, after) -> None:
    """Week ``after`` starts where plan-week run ``before`` (``WeekRun``s) leaves off.

    Its opening stock is the previous plan's end-of-week-1 stock, it receives in
    its week 1 what that plan dispatched with transit 1 (not planned again),
    and its horizon starts one week later.
    """
    planned = before.result.stock.query("period == 1").groupby(
        ["site_id", "feedstock_id"])["stock_t"].sum()
    opening = after.scenario.inventory.set_index(["site_id", "feedstock_id"])["tonnes"]
    assert opening.to_dict() == pytest.approx(planned.to_dict(), abs=1e-6)
    sent = before.result.flows.query("period == 1 and arrival_week != week")
    got = after.scenario.in_transit
    assert got["tonnes"].sum() == pytest.approx(sent["tonnes_t"].sum(), abs=1e-6)
    assert set(got["period"]) <= {1}
    assert after.scenario.weeks[0] == before.scenario.weeks[1]
