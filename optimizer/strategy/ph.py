"""Progressive hedging over futures: mpi-sppy's hub and spokes on MPI ranks.

The extensive form (:mod:`feedstock.optimizer.solve.futures`) puts every future in
one MIP; its size grows with the futures. Progressive hedging (PH) solves each
future's own strategic model instead and prices disagreement on the first-stage
builds (``w[k]`` decided in years ≤ ``commit_until``) until the futures agree.
The engine is mpi-sppy, not a scheduler of our own: a PH *hub* plus *spokes*
that bound the stochastic optimum from both sides, each on its own MPI ranks:

* inner bound (xhatshuffle spoke): a futures' first-stage plan, fixed in every
  future and re-solved; its expected cost is what the plan costs (an upper bound);
* outer bound (Lagrangian spoke, from 3 ranks): every future solved with the hub's
  prices W and no agreement, a proven lower bound; on 2 ranks the hub's own
  iteration-0 bound (each future planned alone, "wait and see") is the outer bound.

The wheel stops at ``gap`` between them, ``max_iterations`` or ``time_limit``.
``solve_ph`` launches ``mpiexec -n K python -m feedstock.optimizer.strategy.ph`` so
that ``feedstock strategy --ranks K`` works from a plain shell; started under
``mpiexec`` already, it spins the wheel in this process on every rank.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from functools import cache
from pathlib import Path
from typing import Any

from feedstock.optimizer.base.errors import NoPlanError, SolveError, SolverUnavailableError

SOLVER = "appsi_highs"  # mpi-sppy reads the classic results object (Problem[0] bounds)
RHO_FRACTION = 0.1
RHO_FLOOR_GBP = 1.0
INSTALL = "pip install 'feedstock[stochastic]' (mpi-sppy, mpi4py and the mpich wheel)"
LAUNCH_SECONDS = 120.0  # start-up and model builds on top of time_limit before a kill


def solve_ph(folder: str | Path, futures: Any, *, ranks: int = 2,
             commit_until: int | None = None, gap: float = 0.01,
             time_limit: float = 600.0, max_iterations: int = 50, seed: int = 1134,
             subproblem_gap: float | None = None, rho_fraction: float = RHO_FRACTION,
             base_overrides: dict | None = None, echo: bool = False) -> dict:
    """Progressive hedging of the strategic model of ``folder`` over ``futures``.

    ``futures``: a :class:`~feedstock.optimizer.scenario.futures.Futures` or a list of
    ``Future(name, probability, overrides)``; each future is the folder's scenario
    with ``base_overrides`` and then its own overrides applied. ``ranks`` MPI ranks
    (2, or a multiple of 2 or 3: see :func:`cylinders`); ignored under ``mpiexec``,
    where the world's size is used. ``subproblem_gap`` is each future's MIP gap
    (default ``gap / 4``, so that the subproblems' own slack leaves room for the
    PH gap). Returns the first-stage builds, the bounds (GBP, discounted), the
    relative gap, iterations, seconds, ranks and the number of futures. Raises
    :class:`SolverUnavailableError` without mpi-sppy or ``mpiexec``,
    :class:`NoPlanError` when no first-stage plan was evaluated in time,
    :class:`SolveError` when the MPI job fails.
    """
    job = {"folder": str(folder), "futures": _plain(futures), "commit_until": commit_until,
           "gap": gap, "time_limit": time_limit, "max_iterations": max_iterations,
           "seed": seed, "subproblem_gap": gap / 4 if subproblem_gap is None else subproblem_gap,
           "rho_fraction": rho_fraction, "base_overrides": dict(base_overrides or {})}
    start = time.perf_counter()
    if _launched_size() > 1:
        from mpi4py import MPI
        out = run_wheel(job, MPI.COMM_WORLD)
        out = MPI.COMM_WORLD.bcast(out, root=0)
    else:
        cylinders(ranks, len(job["futures"]))  # a bad rank count fails here, not in MPI
        out = _launch(job, ranks, echo)
    return _checked(out, start)


def cylinders(ranks: int, n_futures: int) -> tuple[tuple[str, ...], int]:
    """The cylinders for ``ranks`` MPI ranks and the ranks each one gets.

    mpi-sppy needs ranks = cylinders x ranks per cylinder, and each rank of a cylinder
    holds at least one future. Every cylinder solves MIPs all the time, so more
    cylinders than cores only share the cores: a multiple of 3 runs hub, Lagrangian
    and xhatshuffle; a multiple of 2 the hub and xhatshuffle (the hub's
    iteration-0 bound is the outer bound).
    """
    if ranks >= 3 and ranks % 3 == 0:
        names, per = ("ph", "lagrangian", "xhatshuffle"), ranks // 3
    elif ranks >= 2 and ranks % 2 == 0:
        names, per = ("ph", "xhatshuffle"), ranks // 2
    else:
        raise ValueError(f"--ranks {ranks}: progressive hedging needs 2 ranks or a multiple "
                         "of 2 or 3 (hub and bound spokes, each on ranks/cylinders ranks)")
    if per > n_futures:
        raise ValueError(f"--ranks {ranks}: {len(names)} cylinders x {per} ranks, but only "
                         f"{n_futures} futures to share among a cylinder's {per} ranks")
    return names, per


def rho_setter(model: Any, fraction: float = RHO_FRACTION) -> list[tuple[int, float]]:
    """PH's rho per first-stage build: ``fraction`` x its discounted fixed cost (GBP).

    PH prices a future's departure from the futures' average plan at about rho per
    unit of ``w`` (the proximal term of a binary is linear: rho/2 (w - 2 w xbar + xbar²)).
    A rho of order 1 is nothing against builds of £1-40 million, so the futures
    would never agree; rho equal to the cost makes them agree in one iteration on
    whatever the first average was. Cost-proportional rho (Watson & Woodruff, 2011,
    *Progressive hedging innovations for stochastic mixed-integer programs*) with a
    fraction of 0.1 sits between: each build's price of disagreement is in its own
    units, so a £600k shift and a £40M plant converge alike and no objective
    scaling is needed (HiGHS already solves the deterministic model in £).
    """
    costs = model._feedstock_ph_costs
    return [(id(v), max(fraction * costs[i], RHO_FLOOR_GBP))
            for i, v in enumerate(model._feedstock_ph_vars)]


def scenario_creator(name: str, *, folder: str, futures: dict, commit_until: int | None,
                     base_overrides: dict) -> Any:
    """The strategic model of future ``name``, its first-stage builds attached as ROOT.

    Each rank loads the folder once and builds only its own futures
    (:func:`feedstock.optimizer.solve.futures.future_model`). The first-stage cost is
    the fixed cost of the first-stage builds (mpi-sppy reports it; PH does not need
    it); the future's probability is ``_mpisppy_probability``.
    """
    import pyomo.environ as pyo
    from mpisppy.utils import sputils

    from feedstock.optimizer.solve.futures import first_stage_keys, future_model

    future = futures[name]
    sc = _scenario(folder, json.dumps(base_overrides, sort_keys=True))
    if future["overrides"]:
        sc = sc.with_overrides(dict(future["overrides"]))
    until = sc.config.strategy.commit_until if commit_until is None else commit_until
    built = future_model(sc)
    m = built.model
    e = built.data.expansions.set_index("key")
    keys = sorted(first_stage_keys(built.data, until))
    m._feedstock_ph_vars = [m.w[k] for k in keys]
    m._feedstock_ph_costs = [float(e.at[k, "fixed_cost_gbp"]) for k in keys]
    m._feedstock_ph_builds = [{"key": k, "site_id": str(e.at[k, "site_id"]),
                               "option": str(e.at[k, "option"]), "year": int(e.at[k, "decided"])}
                              for k in keys]
    first_cost = pyo.quicksum(c * v for c, v in zip(m._feedstock_ph_costs,
                                                    m._feedstock_ph_vars, strict=True))
    sputils.attach_root_node(m, first_cost, m._feedstock_ph_vars)
    m._mpisppy_probability = future["probability"]
    return m


@cache
def _scenario(folder: str, overrides_json: str) -> Any:
    """The folder's scenario with the run's base overrides: loaded once per rank."""
    from feedstock import load_scenario

    sc = load_scenario(folder)
    overrides = json.loads(overrides_json)
    return sc.with_overrides(overrides) if overrides else sc


def _denouement(rank: int, name: str, scenario: Any) -> None:
    """mpi-sppy calls this per future at the end; the result is read from the wheel."""


def run_wheel(job: dict, comm: Any) -> dict | None:
    """Spin mpi-sppy's wheel on ``comm``; global rank 0 returns the result, others None.

    Uses :mod:`mpisppy.utils.cfg_vanilla` for the hub (``ph_hub``: PH with the
    binary proximal terms linearised, as HiGHS solves MILPs, not MIQPs) and the
    spokes (``lagrangian_spoke``, ``xhatshuffle_spoke``), and
    :class:`mpisppy.spin_the_wheel.WheelSpinner` to map them to ranks. The best
    plan is written by the cylinder that found it
    (``WheelSpinner.write_first_stage_solution``) and read back on rank 0.
    """
    from mpisppy.spin_the_wheel import WheelSpinner
    from mpisppy.utils import cfg_vanilla as vanilla
    from mpisppy.utils import config

    start = time.perf_counter()
    futures = {f["name"]: f for f in job["futures"]}
    names, _ = cylinders(comm.Get_size(), len(futures))
    cfg = config.Config()
    cfg.popular_args()
    cfg.ph_args()
    cfg.two_sided_args()
    cfg.lagrangian_args()
    cfg.xhatshuffle_args()
    cfg.add_mipgap_specs()
    cfg.solver_name = SOLVER
    cfg.max_iterations = int(job["max_iterations"])
    cfg.time_limit = max(1, int(job["time_limit"]))
    cfg.rel_gap = float(job["gap"])
    cfg.seed = int(job["seed"])
    cfg.max_solver_threads = 1  # one HiGHS thread per rank: the ranks are the parallelism
    cfg.iter0_mipgap = cfg.iterk_mipgap = float(job["subproblem_gap"])
    cfg.solver_options = f"time_limit={float(job['time_limit'])}"
    cfg.default_rho = 1.0  # replaced by rho_setter for every first-stage build
    cfg.linearize_binary_proximal_terms = True
    kwargs = {"folder": job["folder"], "futures": futures, "commit_until": job["commit_until"],
              "base_overrides": job["base_overrides"]}
    beans = (cfg, scenario_creator, _denouement, list(futures))
    hub = vanilla.ph_hub(*beans, scenario_creator_kwargs=kwargs, rho_setter=rho_setter)
    hub["opt_kwargs"]["options"]["rho_setter_kwargs"] = {"fraction": job["rho_fraction"]}
    spokes = []
    if "lagrangian" in names:
        spokes.append(vanilla.lagrangian_spoke(*beans, scenario_creator_kwargs=kwargs,
                                               rho_setter=rho_setter))
    spokes.append(vanilla.xhatshuffle_spoke(*beans, scenario_creator_kwargs=kwargs))
    for spoke in spokes:
        spoke["opt_kwargs"]["options"]["rho_setter_kwargs"] = {"fraction": job["rho_fraction"]}
    wheel = WheelSpinner(hub, spokes)
    wheel.spin(comm_world=comm)

    with tempfile.TemporaryDirectory() as tmp:
        where = comm.bcast(tmp if comm.Get_rank() == 0 else None, root=0)
        plan_file = os.path.join(where, "first_stage.json")
        wheel.write_first_stage_solution(plan_file, first_stage_solution_writer=_write_plan)
        comm.Barrier()
        if comm.Get_rank() != 0:
            return None
        plan = json.loads(Path(plan_file).read_text()) if Path(plan_file).exists() else None
    inner, outer = wheel.BestInnerBound, wheel.BestOuterBound
    abs_gap, rel_gap = wheel.spcomm.compute_gaps()
    return {"first_stage": plan, "inner_bound_gbp": _finite(inner),
            "outer_bound_gbp": _finite(outer), "gap": _finite(rel_gap),
            "abs_gap_gbp": _finite(abs_gap), "iterations": int(wheel.spcomm.opt._PHIter),
            "seconds": time.perf_counter() - start, "ranks": comm.Get_size(),
            "futures": len(futures), "cylinders": list(names), "solver": SOLVER}


def _write_plan(file_name: str, scenario: Any, bundling: bool) -> None:
    """The first-stage builds taken (w = 1) in the winning cylinder's plan, as JSON."""
    taken = [{k: b[k] for k in ("site_id", "option", "year")}
             for b, v in zip(scenario._feedstock_ph_builds, scenario._feedstock_ph_vars,
                             strict=True) if v.value is not None and v.value > 0.5]
    Path(file_name).write_text(json.dumps(taken))


def _finite(x: Any) -> float | None:
    x = None if x is None else float(x)
    return x if x is not None and abs(x) != float("inf") else None


def _plain(futures: Any) -> list[dict]:
    """Futures as JSON-ready dicts: the MPI ranks rebuild each one from its overrides."""
    items = getattr(futures, "futures", futures)
    out = [{"name": str(f.name), "probability": float(f.probability),
            "overrides": dict(f.overrides)} for f in items]
    if not out:
        raise ValueError("progressive hedging needs at least one future")
    return out


def _launched_size() -> int:
    """The MPI world size this process was started in, from the launcher's environment.

    Read from the environment (MPICH/Hydra ``PMI_SIZE``, Open MPI
    ``OMPI_COMM_WORLD_SIZE``) so a plain process never initialises MPI itself
    before it starts ``mpiexec``.
    """
    for var in ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_SIZE"):
        if os.environ.get(var, "").isdigit():
            return int(os.environ[var])
    return 1


def mpiexec() -> str:
    """``mpiexec`` beside this Python (the ``mpich`` wheel's), else the first on PATH.

    The one beside the interpreter is the launcher of the MPI library that mpi4py
    loads; another MPI's launcher would start K separate one-rank worlds.
    """
    here = Path(sys.executable).parent / "mpiexec"
    found = str(here) if here.exists() else shutil.which("mpiexec")
    missing = [m for m in ("mpisppy", "mpi4py") if importlib.util.find_spec(m) is None]
    if missing or found is None:
        what = ", ".join(missing) if missing else "mpiexec"
        raise SolverUnavailableError(f"progressive hedging needs {what}: {INSTALL}")
    return found


def _launch(job: dict, ranks: int, echo: bool) -> dict:
    """Run the job under ``mpiexec -n ranks``; its rank 0 writes the result as JSON."""
    launcher = mpiexec()
    with tempfile.TemporaryDirectory(prefix="feedstock-ph-") as tmp:
        job_file, out_file, log_file = (Path(tmp) / n for n in ("job.json", "out.json", "log"))
        job_file.write_text(json.dumps(job))
        cmd = [launcher, "-n", str(ranks), sys.executable, "-m", __name__,
               "--job", str(job_file), "--out", str(out_file)]
        with open(log_file, "w") as log:
            sink = None if echo else log
            proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT if sink else None,
                                    start_new_session=True)
            try:
                code = proc.wait(timeout=float(job["time_limit"]) + LAUNCH_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGTERM)  # mpiexec passes it on to its ranks
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                code = None
        if code != 0 or not out_file.exists():
            tail = "\n".join(log_file.read_text(errors="replace").splitlines()[-25:])
            why = "did not finish in time" if code is None else f"exited with {code}"
            raise SolveError(f"progressive hedging ({' '.join(cmd[:4])} ...) {why}\n{tail}")
        return json.loads(out_file.read_text())


def _checked(out: dict, start: float) -> dict:
    """The result with the wall time, or NoPlanError when no plan was evaluated."""
    if out.get("error"):
        raise SolveError(out["error"])
    if out.get("first_stage") is None or out.get("inner_bound_gbp") is None:
        raise NoPlanError("progressive hedging stopped before any first-stage plan was "
                          "evaluated in every future: give it more time (time_limit)")
    return {**out, "seconds": time.perf_counter() - start}


def main(argv: list[str] | None = None) -> int:
    """Entry point of each MPI rank: ``python -m feedstock.optimizer.strategy.ph --job J``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--job", required=True, help="the job as JSON (written by solve_ph)")
    parser.add_argument("--out", required=True, help="rank 0 writes the result here")
    args = parser.parse_args(argv)
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    expected = _launched_size()
    if comm.Get_size() != expected:  # a launcher of another MPI: K worlds of one rank
        print(f"mpiexec started {expected} ranks but mpi4py sees a world of "
              f"{comm.Get_size()}: mpiexec and mpi4py's MPI library differ ({INSTALL})",
              file=sys.stderr)
        return 2
    try:
        out = run_wheel(json.loads(Path(args.job).read_text()), comm)
    except Exception:  # one failed rank would leave the others waiting: end them all
        traceback.print_exc()
        sys.stderr.flush()
        comm.Abort(1)
        return 1
    if out is not None:
        Path(args.out).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
