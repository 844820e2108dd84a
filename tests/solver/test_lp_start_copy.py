"""The LP start relaxes on its own HiGHS copy while Pyomo's hand-over runs beside it.

With two threads the relaxation runs on :mod:`feedstock.optimizer.solve.highs_copy`'s
copy; with ``threads = 1`` on the runner's own instance, as before. Either way
the same plan, the same proven bound and the same scaling warnings; a hand-over
that fails beside the relaxation fails the run; ``--json`` output stays JSON.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest

from feedstock.optimizer.solve.pipeline import solve
from feedstock.optimizer.solve.runners import HighsRunner
from tests.builders import NEAR_ZERO_BLEND, build, near_zero_blend, write_folder
from tests.plans import exact

FEEDSTOCK = Path(sys.executable).with_name("feedstock")


def test_the_copy_and_the_runner_give_the_same_answer(solved):
    """5 t by a 10 t truck at £100 a trip, cuts left out (tests/solver/test_levers.py).

    Relaxation: half a truck, -1500 + 50 = -1450; the rounded plan one truck,
    -1400, within 5 % of it: the answer with no search, on either instance.
    """
    on_copy = solved(build(), gap=0.05, lp_start=True, cuts=False)
    on_runner = solved(build(), gap=0.05, lp_start=True, cuts=False, threads=1)
    assert on_copy.solver["warm_start"]["relaxed_on"] == "copy"
    assert on_runner.solver["warm_start"]["relaxed_on"] == "runner"
    for result in (on_copy, on_runner):
        assert result.objective_gbp == exact(-1400.0) and result.bound_gbp == exact(-1450.0)
        assert result.solver["termination"].startswith("no search needed")


def test_a_search_after_the_copy_runs_on_the_runner_it_handed_over(solved):
    """Within 3 % the rounded plan (-1400 against -1450) is not enough: HiGHS searches on
    the runner's instance (handed over beside the relaxation) and proves -1400 optimal;
    the marginal values' LP runs there too."""
    tight = solved(build(), gap=0.03, lp_start=True, cuts=False)
    assert tight.solver["warm_start"]["relaxed_on"] == "copy"
    assert tight.objective_gbp == exact(-1400.0) and tight.status == "optimal"
    assert not tight.solver["termination"].startswith("no search")
    assert tight.solver["dual_lp"] is not None


def test_the_scaling_warning_comes_from_the_copy_as_from_the_walk():
    """The 1e-12 blend coefficient (HiGHS drops it on loading) is reported both ways."""
    results = [solve(near_zero_blend(), lp_start=True, threads=t) for t in (2, 1)]
    assert [r.solver["warm_start"]["relaxed_on"] for r in results] == ["copy", "runner"]
    beside = [r.solver["handover_beside_seconds"] for r in results]
    assert beside[0] >= 0 and beside[1] is None  # timed only when it ran beside the copy's LP
    assert results[0].notes == results[1].notes
    assert any("Badly scaled model: matrix" in note for note in results[0].notes)


def test_a_hand_over_that_fails_beside_the_relaxation_fails_the_run(monkeypatch):
    """The relaxation runs on the copy first; the hand-over's error then ends the run."""
    from feedstock.optimizer.solve import mipstart

    solved_lps: list[str] = []
    real_run_lp = mipstart.run_lp

    def broken(self, m):
        raise RuntimeError("hand-over broke")

    def run_lp(highs, budget, **kw):
        solved_lps.append("lp")
        return real_run_lp(highs, budget, **kw)

    monkeypatch.setattr(HighsRunner, "load", broken)
    monkeypatch.setattr(mipstart, "run_lp", run_lp)
    with pytest.raises(RuntimeError, match="hand-over broke"):
        solve(build(), gap=0.05, lp_start=True, cuts=False)
    assert solved_lps == ["lp"]  # the copy's relaxation, then the wait that raised


def test_the_warnings_are_logged_before_the_hand_over_starts(monkeypatch):
    """Pyomo's hand-over swallows whatever the process writes while it runs (beside the
    relaxation: a warning logged then would never reach the console)."""
    seen: list[str] = []
    real = HighsRunner.load

    def load(self, m):
        seen.append("hand-over starts")
        real(self, m)

    class Seen(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    monkeypatch.setattr(HighsRunner, "load", load)
    handler = Seen(logging.WARNING)
    logging.getLogger().addHandler(handler)
    try:
        result = solve(near_zero_blend(), lp_start=True)
    finally:
        logging.getLogger().removeHandler(handler)
    assert result.solver["warm_start"]["relaxed_on"] == "copy"
    warned = next(i for i, line in enumerate(seen) if "Badly scaled model" in line)
    assert warned < seen.index("hand-over starts")


def test_the_console_keeps_json_and_warnings_while_the_hand_over_runs_beside(tmp_path):
    """HiGHS prints a banner on stdout with its first instance in a process (swallowed:
    ``--json`` stays JSON); the scaling warning reaches stderr."""
    folder = write_folder(tmp_path / "near-zero", **NEAR_ZERO_BLEND)
    done = subprocess.run([str(FEEDSTOCK), "solve", str(folder), "--lp-start", "--json"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["solver"]["warm_start"]["relaxed_on"] == "copy"
    assert "Badly scaled model: matrix" in done.stderr
