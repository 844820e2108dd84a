"""Progressive hedging (mpi-sppy on MPI) against the extensive form of the same futures.

Two cases. The tiny one is ``tests/solver/test_futures.py``'s hedge worked on paper:
a small or a large plant, decided in 2027, futures ``high`` and ``zero`` at 0.5
each; the stochastic optimum is the small plant (-£8,820), a plan neither future
would choose alone. The other is the bundled uk-2035 on a 3-year horizon with
two futures (the forecast as it is and x1.5). In both PH's bounds must hold the
extensive form's optimum: outer bound ≤ optimum ≤ inner bound, so the inner bound
(the expected cost of PH's plan) is within PH's reported gap of the optimum.
"""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

from feedstock import load_scenario
from feedstock.optimizer.scenario.conversion import write_folder
from feedstock.optimizer.scenario.futures import Future, Futures
from feedstock.optimizer.solve.futures import FutureCase, solve_extensive
from feedstock.optimizer.strategy.ph import solve_ph
from tests.plans import exact
from tests.solver.test_futures import HIGH_ZERO, base
from tests.solver.test_strategy import line

# found, not imported: importing mpi4py would make this process an MPI singleton
if any(importlib.util.find_spec(m) is None for m in ("mpisppy", "mpi4py")):
    pytest.skip("progressive hedging needs mpi-sppy and mpi4py (the [stochastic] extra)",
                allow_module_level=True)
if not (Path(sys.executable).parent / "mpiexec").exists() and shutil.which("mpiexec") is None:
    pytest.skip("no mpiexec: pip install mpich (the [stochastic] extra)", allow_module_level=True)

pytestmark = pytest.mark.solver

ROOT = Path(__file__).resolve().parents[2]


def cases(sc, futures: Futures) -> list[FutureCase]:
    return [FutureCase(f.name, f.probability, sc.with_overrides(dict(f.overrides))
                       if f.overrides else sc) for f in futures.futures]


def brackets(ph: dict, ef, tol: float) -> None:
    """outer ≤ the EF's optimum ≤ inner, each within ``tol`` (GBP) and the EF's own gap."""
    assert ph["outer_bound_gbp"] <= ef.objective_gbp + tol
    assert ph["inner_bound_gbp"] >= ef.bound_gbp - tol
    assert ph["inner_bound_gbp"] - ph["outer_bound_gbp"] == pytest.approx(ph["abs_gap_gbp"])
    spread = abs(ph["inner_bound_gbp"] - ef.objective_gbp)
    assert spread <= ph["abs_gap_gbp"] + (ef.objective_gbp - ef.bound_gbp) + tol


def test_ph_finds_the_hedge_no_future_would_choose_alone(tmp_path):
    options = (line(20_000, extra=0.5, option="small", earliest="2027", latest="2027",
                    group="size")
               + line(60_000, option="large", earliest="2027", latest="2027", group="size"))
    sc = base(options)
    write_folder(sc, tmp_path / "tiny")
    ph = solve_ph(tmp_path / "tiny", HIGH_ZERO, ranks=3, gap=1e-6, time_limit=60,
                  max_iterations=30)
    ef = solve_extensive(cases(sc, HIGH_ZERO), 2027, progress=False)
    assert ef.objective_gbp == exact(-8_820)
    assert ph["inner_bound_gbp"] == exact(-8_820)
    assert ph["first_stage"] == [{"site_id": "plant", "option": "small", "year": 2027}]
    assert ph["futures"] == 2 and ph["ranks"] == 3
    assert ph["cylinders"] == ["ph", "lagrangian", "xhatshuffle"]
    brackets(ph, ef, tol=1e-6)


def test_a_future_that_lacks_a_first_stage_build_is_hedged_like_the_extensive_form(tmp_path):
    """In ``slow`` the line takes 3 years to build: built in 2027 it is never online, so
    that future has no ``plant/line@2027`` (PH gives it a free stand-in, as the EF leaves
    it unlinked). The small plant in both futures: -£23,640 each; the line in high and
    nothing in slow: 0.5 x (-27,240 - 14,040) = -£20,640. The small plant it is."""
    sc = base(line(60_000, earliest="2027", latest="2028")
              + line(20_000, extra=0.5, option="small", earliest="2027", latest="2027"))
    futures = Futures((Future("high", 0.5, {}),
                       Future("slow", 0.5, {"expansions.lead_time_years[option=line]": 3})))
    write_folder(sc, tmp_path / "slow")
    ph = solve_ph(tmp_path / "slow", futures, ranks=3, gap=1e-6, time_limit=60,
                  max_iterations=20)
    ef = solve_extensive(cases(sc, futures), 2027, progress=False)
    assert ef.objective_gbp == exact(-23_640)
    assert ph["inner_bound_gbp"] == exact(ef.objective_gbp)
    taken = {f"{b['site_id']}/{b['option']}@{b['year']}" for b in ph["first_stage"]}
    assert taken == {k for k, v in ef.first_stage.items() if v > 0.5}
    brackets(ph, ef, tol=1e-6)


def test_ph_on_uk_2035_agrees_with_the_extensive_form():
    folder = ROOT / "data" / "uk-2035"
    years = {"strategy.years": 3}
    futures = Futures((Future("central", 0.5, {}, reference=True),
                       Future("more-scrap", 0.5, {"forecast.index[*] *=": 1.5})))
    ph = solve_ph(folder, futures, ranks=2, gap=0.005, time_limit=90, max_iterations=3,
                  base_overrides=years)
    sc = load_scenario(folder).with_overrides(years)
    ef = solve_extensive(cases(sc, futures), 2027, gap=1e-4, progress=False)
    assert ph["cylinders"] == ["ph", "xhatshuffle"]  # 2 ranks: the hub's bound is the outer
    assert 1 <= ph["iterations"] <= 3
    brackets(ph, ef, tol=1.0)
    # the plan PH reports is the one its inner bound priced: held in both futures, it costs that
    plan = {f"{b['site_id']}/{b['option']}@{b['year']}": 1.0 for b in ph["first_stage"]}
    held = solve_extensive(cases(sc, futures), 2027, fixed=plan, gap=1e-4, progress=False)
    assert held.objective_gbp == pytest.approx(ph["inner_bound_gbp"], rel=0.005 / 4 + 1e-4)


def test_too_many_ranks_for_the_futures_is_refused_before_mpi_starts(tmp_path):
    with pytest.raises(ValueError, match="only 2 futures"):
        solve_ph(tmp_path, HIGH_ZERO, ranks=9)
    with pytest.raises(ValueError, match="multiple of 2 or 3"):
        solve_ph(tmp_path, HIGH_ZERO, ranks=5)
