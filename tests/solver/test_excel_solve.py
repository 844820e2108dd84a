"""A scenario given as one .xlsx workbook solves to the same plan as its folder twin."""

from __future__ import annotations

import pytest

from feedstock import load_scenario
from feedstock.optimizer.scenario import convert
from tests.builders import WEEKLY_STOCK, write_weekly


def test_workbook_solves_like_its_folder(tmp_path, solved) -> None:
    folder = write_weekly(tmp_path / "weekly", inventory=WEEKLY_STOCK)
    path = tmp_path / "weekly.xlsx"
    convert(folder, path)
    from_folder = solved(load_scenario(folder))
    from_workbook = solved(load_scenario(path))
    assert from_folder.status == from_workbook.status == "optimal"
    assert from_workbook.objective_gbp == pytest.approx(from_folder.objective_gbp, rel=1e-9,
                                                        abs=1e-6)
    assert dict(from_workbook.cost_lines_gbp) == pytest.approx(dict(from_folder.cost_lines_gbp),
                                                              rel=1e-9, abs=1e-6)


def test_weekly_run_from_a_workbook_with_a_stock_take(tmp_path, solved) -> None:
    """plan-week's load: another start week and the stock from a CSV, on the workbook too."""
    folder = write_weekly(tmp_path / "weekly")
    path = tmp_path / "weekly.xlsx"
    convert(folder, path)
    stock = tmp_path / "stock.csv"
    stock.write_text(WEEKLY_STOCK)
    kwargs = {"config": {"start_week": "2026-W49"}, "files": {"inventory": stock}}
    a = solved(load_scenario(folder, **kwargs))
    b = solved(load_scenario(path, **kwargs))
    assert b.objective_gbp == pytest.approx(a.objective_gbp, rel=1e-9, abs=1e-6)
