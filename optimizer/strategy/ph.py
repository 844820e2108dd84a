"""Progressive hedging over futures: mpi-sppy's hub and spokes on MPI ranks.

The extensive form (:mod:`feedstock.optimizer.solve.futures`) puts every future in
one MIP; its size grows with the futures. Progressive hedging (PH) solves each
future's own strategic model instead and prices disagreement on the first-stage
builds (``w[k]`` decided in years ≤ ``commit_until``) until the futures agree.
The engine is mpi-sppy, not a scheduler of our own: a PH *hub* plus *spokes*
that bound the stochastic optimum from both sides, each on its own MPI ranks:

* inner bound (xhatshuffle spoke): one future's first-stage plan from the hub's
  latest iterate, fixed in every future and re-solved; its expected cost is what
  that plan costs (an upper bound);
* outer bound (Lagrangian spoke, from 3 ranks): every future solved with the hub's
  prices W and no agreement, a proven lower bound; on 2 ranks the hub's own
  iteration-0 bound (each future planned alone, "wait and see") is the outer bound.

The wheel stops at ``gap`` between them, ``max_iterations`` or ``time_limit``.
``solve_ph`` launches ``mpiexec -n K python -m feedstock.optimizer.strategy.ph`` so
that ``feedstock strategy --ranks K`` works from a plain shell; started under
``mpiexec`` already, it spins the wheel in this process on every rank. Measured on
2 cores, uk-2035 and its 5 futures (futures.toml): 2 ranks 164 s, 3 ranks 200 s (three
busy processes share two cores), both a gap of 0.03% after one PH iteration.
"""

from __future__ import annotations

import argparse
import contextlib
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
from feedstock.optimizer.scenario import load_scenario

SOLVER = "appsi_highs"  # classic SolverFactory results (Problem[0] bounds); "highs" works too
RHO_FRACTION = 0.5
RHO_FLOOR_GBP = 1.0
INSTALL = "pip install 'feedstock[stochastic]' (mpi-sppy, mpi4py and the mpich wheel)"
KILL_AFTER = (2.0, 300.0)  # a hung job is ended at 2 x time_limit + 300 s (builds, last solves)


def solve_ph(folder: str | Path, futures: Any, *, ranks: int = 2,
             commit_until: int | None = None, gap: float = 0.01,
             time_limit: float = 600.0, max_iterations: int = 50,
             subproblem_gap: float | None = None, rho_fraction: float = RHO_FRACTION,
             base_overrides: dict | None = None, progress: bool = False) -> dict:
    """Progressive hedging of the strategic model of ``folder`` over ``futures``.

    ``futures``: a :class:`~feedstock.optimizer.scenario.futures.Futures` or a list of
    ``Future(name, probability, overrides)``; each future is the folder's scenario
    with ``base_overrides`` and then its own overrides applied. ``ranks`` MPI ranks
    (2, or a multiple of 2 or 3: see :func:`cylinders`); ignored under ``mpiexec``,
    where the world's size is used. ``subproblem_gap`` is each future's MIP gap
    (default ``gap / 4``, so that the subproblems' own slack leaves room for the
    PH gap). ``time_limit`` counts from the start of the ranks: PH starts no
    iteration after it (iteration 0 and the one under way finish). ``progress``
    shows mpi-sppy's iteration table (bounds and gap) on stderr.
    Returns the first-stage builds, the bounds (GBP, discounted), the relative gap,
    mpi-sppy's PH iteration count, seconds, ranks and the number of futures. Raises
    :class:`SolverUnavailableError` without mpi-sppy or ``mpiexec``,
    :class:`NoPlanError` when no first-stage plan was evaluated in time,
    :class:`SolveError` when the MPI job fails.
    """
    here = Path(folder)
    job = {"folder": str(here.resolve()) if here.exists() else str(folder),
           "futures": _plain(futures), "commit_until": commit_until,
           "gap": gap, "time_limit": time_limit, "max_iterations": max_iterations,
           "subproblem_gap": gap / 4 if subproblem_gap is None else subproblem_gap,
           "rho_fraction": rho_fraction, "base_overrides": dict(base_overrides or {})}
    start = time.perf_counter()
    if _launched_size() > 1:
        from mpi4py import MPI
        out = run_wheel(job, MPI.COMM_WORLD)
        out = MPI.COMM_WORLD.bcast(out, root=0)
    else:
        cylinders(ranks, len(job["futures"]))  # a bad rank count fails here, not in MPI
        sc = _scenario.__wrapped__(job["folder"], json.dumps(job["base_overrides"]))
        if sc.config.strategy is None:  # so does a folder that is no strategic scenario
            raise ValueError(f"{sc.name}: scenario.toml has no [strategy] table: no years to "
                             "hedge (docs/scenario-format.md, Strategic planning)")
        out = _launch(job, ranks, progress)
    if out.get("first_stage") is None or out.get("inner_bound_gbp") is None:
        raise NoPlanError("progressive hedging stopped before any first-stage plan was "
                          "evaluated in every future: give it more time (time_limit)")
    return {**out, "seconds": time.perf_counter() - start}


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
    would never agree; cost-proportional rho (Watson & Woodruff, 2011, *Progressive
    hedging innovations for stochastic mixed-integer programs*) puts each build's
    price of disagreement in its own units, so a £600k shift and a £40M plant move
    alike and no objective scaling is needed (HiGHS already solves the model in £).
    The fraction 0.5 is measured: on uk-2035 (4 years, 3 futures, 3 ranks) the
    Lagrangian bound closed to 9.1% in 6 iterations at 0.1, to 1.8% in 4 at 0.5 and
    1.1% in 4 at 1.0 (with a stalled iteration); at 1.0 a future gives way to the
    first average plan at once. The cost is the largest over the futures, so
    every future has the same rho, as PH's convergence theory assumes.
    """
    return [(id(v), max(fraction * cost, RHO_FLOOR_GBP))
            for v, cost in zip(model._feedstock_ph_vars, model._feedstock_ph_rho_costs,
                               strict=True)]


def scenario_creator(name: str, *, folder: str, futures: dict, commit_until: int | None,
                     base_overrides: dict, first_stage: list[dict]) -> Any:
    """The strategic model of future ``name``, the run's first-stage builds attached as ROOT.

    Each rank loads the folder once and builds only its own futures
    (:func:`feedstock.optimizer.solve.futures.future_model`). ``first_stage`` is
    every future's first-stage builds (:func:`_gather_first_stage`): a build that
    this future lacks (never online inside its horizon) gets a free binary
    ``ph_absent[key]`` with no cost, as the extensive form leaves it unlinked
    there. The first-stage cost (reported by mpi-sppy, not used by PH) is the
    fixed cost of the builds; the future's probability is ``_mpisppy_probability``.
    """
    import pyomo.environ as pyo
    from mpisppy.utils import sputils

    built = _BUILT.pop(name, None) or _build(futures[name], folder, base_overrides,
                                             commit_until)[0]
    m = built.model
    cost = built.data.expansions.set_index("key")["fixed_cost_gbp"]
    keys = [b["key"] for b in first_stage]
    absent = [k for k in keys if k not in m.w]
    m.ph_absent = pyo.Var(absent, domain=pyo.Binary)  # a row, so the solver reports its value
    m.ph_absent_row = pyo.Constraint(absent, rule=lambda _m, k: m.ph_absent[k] <= 1)
    m._feedstock_ph_vars = [m.ph_absent[k] if k in absent else m.w[k] for k in keys]
    m._feedstock_ph_rho_costs = [b["cost_gbp"] for b in first_stage]
    m._feedstock_ph_builds = first_stage
    first_cost = pyo.quicksum(float(cost[k]) * m.w[k] for k in keys if k not in absent)
    sputils.attach_root_node(m, first_cost, m._feedstock_ph_vars)
    m._mpisppy_probability = futures[name]["probability"]
    return m


_BUILT: dict[str, Any] = {}  # this rank's futures, built while gathering the first stage


def _build(future: dict, folder: str, base_overrides: dict,
           commit_until: int | None) -> tuple[Any, list[str]]:
    """One future's strategic model and its first-stage keys."""
    from feedstock.optimizer.solve.futures import first_stage_keys, future_model

    sc = _scenario(folder, json.dumps(base_overrides, sort_keys=True))
    if future["overrides"]:
        sc = sc.with_overrides(dict(future["overrides"]))
    until = sc.config.strategy.commit_until if commit_until is None else commit_until
    built = future_model(sc)
    return built, first_stage_keys(built.data, until)


@cache
def _scenario(folder: str, overrides_json: str) -> Any:
    """The folder's scenario with the run's base overrides: loaded once per rank."""
    sc = load_scenario(folder)
    overrides = json.loads(overrides_json)
    return sc.with_overrides(overrides) if overrides else sc


def _gather_first_stage(job: dict, comm: Any, n_cylinders: int) -> tuple[list[dict], bool]:
    """Every future's first-stage builds, and whether the futures all have the same ones.

    mpi-sppy needs the same nonanticipative variables, in one order, in every
    future; a future may lack a build (an override that moves a lead time). Each
    rank builds the futures mpi-sppy will give it (``sputils.scens_to_ranks``, the
    rule of ``SPBase``) and keeps the models for :func:`scenario_creator`, so this
    costs no second build; the ranks then pool the keys. Rho's cost is the largest.
    """
    from mpisppy.utils import sputils

    names = [f["name"] for f in job["futures"]]
    per = comm.Get_size() // n_cylinders
    slices, _ = sputils.scens_to_ranks(len(names), per, comm.Get_rank() // n_cylinders)
    mine: dict[str, list[dict]] = {}
    for i in slices[comm.Get_rank() // n_cylinders]:
        f = job["futures"][i]
        built, keys = _build(f, job["folder"], job["base_overrides"], job["commit_until"])
        _BUILT[f["name"]] = built
        e = built.data.expansions.set_index("key")
        mine[f["name"]] = [{"key": k, "site_id": str(e.at[k, "site_id"]),
                            "option": str(e.at[k, "option"]), "year": int(e.at[k, "decided"]),
                            "cost_gbp": float(e.at[k, "fixed_cost_gbp"])} for k in keys]
    pooled = {n: b for part in comm.allgather(mine) for n, b in part.items()}
    union: dict[str, dict] = {}
    for builds in pooled.values():
        for b in builds:
            if b["key"] not in union or b["cost_gbp"] > union[b["key"]]["cost_gbp"]:
                union[b["key"]] = b
    same = len({tuple(sorted(b["key"] for b in v)) for v in pooled.values()}) == 1
    return [union[k] for k in sorted(union)], same


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
    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):
        # mpi-sppy opens hub.log, xhatclp.log, xhateval.log in the working directory on import
        import mpisppy.cylinders.hub
        import mpisppy.cylinders.xhatshufflelooper_bounder
        import mpisppy.utils.xhat_eval  # noqa: F401
    from mpisppy.spin_the_wheel import WheelSpinner
    from mpisppy.utils import cfg_vanilla as vanilla
    from mpisppy.utils import config

    start = time.perf_counter()
    futures = {f["name"]: f for f in job["futures"]}
    names, _ = cylinders(comm.Get_size(), len(futures))
    first_stage, same = _gather_first_stage(job, comm, len(names))
    cfg = config.Config()
    cfg.popular_args()
    cfg.ph_args()
    cfg.two_sided_args()
    cfg.lagrangian_args()
    cfg.xhatshuffle_args()
    cfg.add_mipgap_specs()
    cfg.solver_name = SOLVER
    cfg.max_iterations = int(job["max_iterations"])
    cfg.time_limit = max(1, int(job["time_limit"] - (time.perf_counter() - start)))
    cfg.rel_gap = float(job["gap"])
    cfg.max_solver_threads = 1  # one HiGHS thread per rank: the ranks are the parallelism
    cfg.iter0_mipgap = cfg.iterk_mipgap = float(job["subproblem_gap"])
    cfg.solver_options = f"time_limit={float(job['time_limit'])}"  # no one solve outlasts the run
    cfg.default_rho = 1.0  # replaced by rho_setter for every first-stage build
    cfg.linearize_binary_proximal_terms = True
    cfg.turn_off_names_check = not same  # ph_absent[k] stands for w[k] where a future lacks it
    kwargs = {"folder": job["folder"], "futures": futures, "commit_until": job["commit_until"],
              "base_overrides": job["base_overrides"], "first_stage": first_stage}
    beans = (cfg, scenario_creator, _denouement, list(futures))
    rho = {"fraction": job["rho_fraction"]}
    hub = vanilla.ph_hub(*beans, scenario_creator_kwargs=kwargs, rho_setter=rho_setter)
    spokes = []
    if "lagrangian" in names:
        spokes.append(vanilla.lagrangian_spoke(*beans, scenario_creator_kwargs=kwargs,
                                               rho_setter=rho_setter))
    spokes.append(vanilla.xhatshuffle_spoke(*beans, scenario_creator_kwargs=kwargs))
    for d in (hub, *spokes):
        d["opt_kwargs"]["options"]["rho_setter_kwargs"] = rho
    wheel = WheelSpinner(hub, spokes)
    wheel.spin(comm_world=comm)

    where = comm.bcast(tempfile.mkdtemp(prefix="feedstock-ph-") if comm.Get_rank() == 0
                       else None, root=0)
    plan_file = Path(where) / "first_stage.json"
    wheel.write_first_stage_solution(str(plan_file), first_stage_solution_writer=_write_plan)
    comm.Barrier()
    if comm.Get_rank() != 0:
        return None
    plan = json.loads(plan_file.read_text()) if plan_file.exists() else None
    shutil.rmtree(where, ignore_errors=True)
    abs_gap, rel_gap = wheel.spcomm.compute_gaps()
    return {"first_stage": plan, "inner_bound_gbp": _finite(wheel.BestInnerBound),
            "outer_bound_gbp": _finite(wheel.BestOuterBound), "gap": _finite(rel_gap),
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
    return None if x is None or abs(float(x)) == float("inf") else float(x)


def _plain(futures: Any) -> list[dict]:
    """Futures as JSON-ready dicts: the MPI ranks rebuild each one from its overrides."""
    items = getattr(futures, "futures", futures)
    out = [{"name": str(f.name), "probability": float(f.probability),
            "overrides": dict(f.overrides)} for f in items]
    if not out:
        raise ValueError("progressive hedging needs at least one future")
    return out


def _launched_size() -> int:
    """The world size mpiexec started this process in (Hydra ``PMI_SIZE``, Open MPI's).

    Read from the environment: a plain process never initialises MPI before it starts mpiexec.
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


def _launch(job: dict, ranks: int, progress: bool) -> dict:
    """Run the job under ``mpiexec -n ranks``; its rank 0 writes the result as JSON."""
    launcher = mpiexec()
    with tempfile.TemporaryDirectory(prefix="feedstock-ph-") as tmp:
        job_file, out_file, log_file = (Path(tmp) / n for n in ("job.json", "out.json", "log"))
        job_file.write_text(json.dumps(job))
        cmd = [launcher, "-n", str(ranks), sys.executable, "-m", __name__,
               "--job", str(job_file), "--out", str(out_file)]
        with open(log_file, "w") as log:
            sink = sys.stderr.fileno() if progress else log.fileno()
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=sink, stderr=sink,
                                    cwd=tmp, start_new_session=True)  # a group: end it whole
            try:
                code = proc.wait(timeout=KILL_AFTER[0] * float(job["time_limit"]) + KILL_AFTER[1])
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGTERM)  # mpiexec passes it on to its ranks
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
                code = None
        if code != 0 or not out_file.exists():
            errors = sorted(Path(tmp).glob("out.json.error*"))
            why = errors[0].read_text() if errors else "\n".join(
                log_file.read_text(errors="replace").splitlines()[-25:]) or "(output above)"
            how = "did not finish in time" if code is None else f"exited with {code}"
            raise SolveError(f"progressive hedging failed: {why}\n({' '.join(cmd[:4])} ... {how})")
        return json.loads(out_file.read_text())


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
    except Exception as exc:  # one failed rank would leave the others waiting: end them all
        traceback.print_exc()
        sys.stderr.flush()
        Path(f"{args.out}.error{comm.Get_rank()}").write_text(f"{type(exc).__name__}: {exc}")
        comm.Abort(1)
        return 1
    if out is not None:
        Path(args.out).write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
