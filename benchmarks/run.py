"""Benchmark national instances stage by stage; print a line and write JSON per run.

    python benchmarks/run.py benchmarks/instances/n500-f8-w12-s1 [...] --runs 3 \
        [--time-limit 600] [--gap 0.01] [--relax-trips] [--no-start] [--out benchmarks/results]

Each run is a fresh Python process (so peak RSS is that instance's, and nothing
is cached between runs) that times, with ``time.perf_counter``:

* ``load_s``: read and validate the folder (``load_scenario``);
* ``network_s``: distances and arcs (``build_network``);
* ``sets_s``: sparse index sets and the pre-solve checks (``build_sets``, ``run_prechecks``);
* ``build_s``: the Pyomo model (``build_model``, mutable numbers so that the
  re-solve below can re-use it);
* ``handoff_s``: Pyomo -> HiGHS (persistent ``set_instance``);
* ``start_s``: the LP-relax-and-round MIP start (``optimizer/solve/mipstart.py``), 0 with
  ``--no-start``;
* ``solve_s``: HiGHS's MIP search; ``first_plan_s`` and ``gap_1pct_s`` are counted
  from the start of the run (wall clock since the process began loading),
  read off HiGHS's MIP callbacks (the incumbent, bound and gap as they change);
* ``final_gap``, ``status``, ``objective_gbp``, ``bound_gbp``; model size;
* ``peak_rss_mb``: the process's peak resident set (``ru_maxrss``) after the solve;
* a numeric what-if on the same model (every plant's capacity +5 %): ``update_s``
  (sets + writing the new numbers into the Pyomo model) and ``push_s`` (changed
  numbers to the persistent HiGHS instance), and that re-solve's seconds and gap.

It is a benchmark, not a test: it asserts nothing about time. ``--summary``
prints the median of every figure over the runs of each instance.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


class Trace:
    """Records HiGHS's incumbent, bound and gap as the search runs (a progress stand-in)."""

    def __init__(self, t0: float, target_gap: float):
        self.t0 = t0
        self.target = target_gap
        self.first_plan: float | None = None
        self.at_gap: float | None = None
        self.points: list[tuple[float, float | None, float | None]] = []

    def start(self, **_: object) -> None:
        pass

    def close(self) -> None:
        pass

    def update(self, seconds: float, objective: float | None, bound: float | None,
               gap: float | None) -> None:
        now = time.perf_counter() - self.t0
        has_plan = objective is not None and abs(objective) < 1e30
        if has_plan and self.first_plan is None:
            self.first_plan = now
        if has_plan and gap is not None and gap <= self.target and self.at_gap is None:
            self.at_gap = now
        if not self.points or self.points[-1][1] != objective or now - self.points[-1][0] > 5:
            self.points.append((round(now, 2), objective if has_plan else None,
                                bound if bound is not None and abs(bound) < 1e30 else None))


def one_run(folder: str, *, time_limit: float, gap: float, relax_trips: bool, start: bool,
            whatif: float, seed: int | None = None) -> dict:
    """Every stage of one instance, in this process."""
    t0 = time.perf_counter()
    from feedstock.models.build import build_model
    from feedstock.models.sets import build_sets
    from feedstock.optimizer.checks.prechecks import run_prechecks
    from feedstock.optimizer.network import build_network
    from feedstock.optimizer.scenario import load_scenario
    from feedstock.optimizer.solve.runners import HighsRunner, SolverOptions
    from feedstock.optimizer.solve.status import plan_status
    imports = time.perf_counter() - t0

    out: dict = {"instance": Path(folder).name, "time_limit_s": time_limit, "gap_target": gap,
                 "seed": seed,
                 "relax_trips": relax_trips, "mip_start": start, "imports_s": imports}
    t0 = time.perf_counter()
    clock = _Clock(out)
    sc = load_scenario(folder)
    if seed is not None:  # HiGHS's random_seed ([solver] seed)
        sc = sc.with_overrides({"solver.seed": seed})
    if relax_trips:  # what `feedstock solve --relax-trips` does
        from feedstock.optimizer.solve.pipeline import RELAX_TRIPS
        sc = sc.with_overrides(RELAX_TRIPS)
    clock.lap("load_s")
    net = build_network(sc)
    clock.lap("network_s")
    data = build_sets(sc, net)
    checks = run_prechecks(sc, net, data)
    clock.lap("sets_s")
    if checks.errors:
        raise SystemExit(f"{folder}: pre-solve checks fail: {checks.errors[0].message}")
    built = build_model(sc, net, data=data)  # the pipeline's stages, each timed on its own
    clock.lap("build_s")
    out.update(built.size)
    opts = SolverOptions("highs", time_limit, gap, 1, sc.config.solver.seed)
    runner = HighsRunner(opts)
    trace = Trace(t0, gap)
    mip_start = None
    if start:
        from feedstock.optimizer.solve.mipstart import relax_and_round
        lp = relax_and_round(built, runner)
        mip_start, out["start"] = lp.start, lp.info
    clock.lap("start_s")
    if start:  # the start's LPs ran on the instance the MIP uses: the hand-off was in it
        out["start_s"] -= out["start"]["handoff_s"]
    outcome = runner.solve_mip(built.model, progress=trace, unchanged=start,
                               **({"start": mip_start} if mip_start else {}))
    out["handoff_s"] = outcome.load_seconds if not start else out["start"]["handoff_s"]
    out["solve_s"] = outcome.seconds - (outcome.load_seconds or 0.0)
    out["total_s"] = time.perf_counter() - t0
    out["status"] = plan_status(outcome)
    out["objective_gbp"] = outcome.objective
    out["bound_gbp"] = outcome.bound
    out["final_gap"] = _gap(outcome.objective, outcome.bound)
    out["first_plan_s"] = trace.first_plan
    out["gap_1pct_s"] = trace.at_gap if trace.at_gap is not None else (
        out["total_s"] if out["final_gap"] is not None and out["final_gap"] <= gap else None)
    out["build_handoff_share"] = (out["build_s"] + out["handoff_s"]) / out["total_s"]
    out["warm_start"] = outcome.warm_start
    out["trace"] = trace.points
    out["peak_rss_mb"] = _peak_rss_mb()
    if whatif:
        del built, runner
        out["whatif"] = _whatif(sc, data, net, SolverOptions("highs", whatif, gap, 1,
                                                             sc.config.solver.seed))
        out["peak_rss_mb"] = _peak_rss_mb()
    return out


def _whatif(sc, data, net, opts) -> dict:
    """Every plant's capacity +5 %, then +10 %, on one persistent model (as ``Resolver`` does).

    The base is built with mutable numbers and handed to HiGHS (timed: the
    first build of a sweep); each variant is written into the same model
    (``update_s``), its changed numbers pushed to HiGHS (``push_s``) and solved.
    The first push also indexes which coefficients read which numbers (once per
    model), so the second variant's figures are a sweep's steady state.
    """
    from feedstock.models.build import build_model, update_model
    from feedstock.models.sets import build_sets
    from feedstock.optimizer.network import build_network
    from feedstock.optimizer.solve.runners import HighsRunner
    from feedstock.optimizer.solve.status import plan_status

    t = time.perf_counter()
    built = build_model(sc, net, data=data, mutable=True)
    out: dict = {"mutable_build_s": time.perf_counter() - t}
    runner = HighsRunner(opts)
    t = time.perf_counter()
    runner.load(built.model)
    out["mutable_handoff_s"] = time.perf_counter() - t
    variants = []
    for factor in (1.05, 1.10):
        variant = sc.with_overrides({"plants.capacity_t_per_week[*] *=": factor})
        t = time.perf_counter()
        vnet = build_network(variant)
        vdata = build_sets(variant, vnet)
        sets_s = time.perf_counter() - t
        t = time.perf_counter()
        updated = update_model(built, variant, vnet, vdata)
        numbers_s = time.perf_counter() - t
        if updated is None:
            return {**out, "reused": False}
        built = updated
        outcome = runner.solve_mip(updated.model, changed=updated.changed)
        push = outcome.load_seconds or 0.0
        variants.append({
            "capacity_factor": factor, "sets_s": sets_s, "update_s": numbers_s,
            "push_s": push, "model_update_s": numbers_s + push,
            "numbers_changed": len(updated.changed or ()),
            "solve_s": outcome.seconds - push, "status": plan_status(outcome),
            "objective_gbp": outcome.objective,
            "final_gap": _gap(outcome.objective, outcome.bound)})
    return {**out, "reused": True, "variants": variants,
            "first_model_update_s": variants[0]["model_update_s"],
            **{k: variants[-1][k] for k in ("sets_s", "update_s", "push_s", "model_update_s",
                                           "solve_s")}}


class _Clock:
    def __init__(self, out: dict):
        self.out = out
        self.t = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.out[name] = now - self.t
        self.t = now


def _gap(objective: float | None, bound: float | None) -> float | None:
    if objective is None or bound is None:
        return None
    return abs(objective - bound) / max(abs(objective), 1e-9)


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def machine() -> dict:
    """What the figures were measured on."""
    from importlib.metadata import version

    import highspy  # noqa: F401
    import pyomo
    cpu = ""
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(line.split(":", 1)[1].strip() for line in
                   Path("/proc/cpuinfo").read_text().splitlines() if "model name" in line)
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem, 1),
            "python": platform.python_version(), "pyomo": pyomo.version.version,
            "highspy": version("highspy"), "platform": platform.platform()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("instances", nargs="*", help="scenario folders")
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=600.0)
    ap.add_argument("--gap", type=float, default=0.01)
    ap.add_argument("--relax-trips", action="store_true", help="continuous trips")
    ap.add_argument("--no-start", action="store_true", help="no LP-relax-and-round MIP start")
    ap.add_argument("--whatif-time-limit", type=float, default=60.0,
                    help="time limit of the what-if re-solve (0: skip it)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    ap.add_argument("--tag", default="", help="added to the JSON file names")
    ap.add_argument("--seed", type=int, help="HiGHS random_seed (default: the scenario's)")
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--summary", nargs="*", type=Path, help="median of JSON files and exit")
    args = ap.parse_args(argv)
    if args.summary is not None:
        return summarise(args.summary)
    if args.one:
        real_stdout = os.dup(1)
        os.dup2(2, 1)  # anything a library prints goes to stderr; stdout is the JSON
        res = one_run(args.instances[0], time_limit=args.time_limit, gap=args.gap,
                      relax_trips=args.relax_trips, start=not args.no_start,
                      whatif=args.whatif_time_limit, seed=args.seed)
        sys.stdout.flush()
        with os.fdopen(real_stdout, "w") as out:
            json.dump(res, out, default=float)
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    info = machine()
    print(f"machine: {info['cpu']}, {info['cores']} cores, {info['memory_gib']} GiB, "
          f"Python {info['python']}, Pyomo {info['pyomo']}, highspy {info['highspy']}")
    for folder in args.instances:
        for k in range(1, args.runs + 1):
            cmd = [sys.executable, __file__, folder, "--one", "--time-limit",
                   str(args.time_limit), "--gap", str(args.gap)]
            cmd += ["--relax-trips"] * args.relax_trips + ["--no-start"] * args.no_start
            cmd += ["--whatif-time-limit", str(args.whatif_time_limit)]
            cmd += [] if args.seed is None else ["--seed", str(args.seed)]
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            wall = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
            if proc.returncode:
                print(f"{folder} run {k}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
                continue
            res = json.loads(proc.stdout)
            res.update(run=k, process_wall_s=time.perf_counter() - wall, machine=info)
            name = f"{res['instance']}{'-' + args.tag if args.tag else ''}-run{k}.json"
            (args.out / name).write_text(json.dumps(res, indent=1, default=float))
            print(line(res))
    return 0


def line(r: dict) -> str:
    """One run in one line."""
    def s(key: str) -> str:
        v = r.get(key)
        return "-" if v is None else f"{v:.1f}"
    w = r.get("whatif") or {}
    gap = r["final_gap"]
    return (f"{r['instance']} run {r.get('run', 1)}: {r['variables']:,} vars "
            f"({r['integer_variables']:,} int), {r['constraints']:,} rows | load {s('load_s')}"
            f" network {s('network_s')} sets {s('sets_s')} build {s('build_s')} hand-off "
            f"{s('handoff_s')} start {s('start_s')} solve {s('solve_s')} = total "
            f"{s('total_s')} s | first plan {s('first_plan_s')} s, 1% gap "
            f"{s('gap_1pct_s')} s, final gap {'-' if gap is None else f'{gap:.2%}'} "
            f"({r['status']}) | build+hand-off {r['build_handoff_share']:.0%} | peak RSS "
            f"{r['peak_rss_mb']:,.0f} MB"
            + (f" | what-if update {w['model_update_s']:.2f} s (numbers "
               f"{w['update_s']:.2f} + push {w['push_s']:.2f}), re-solve {w['solve_s']:.1f} s"
               if w.get("reused") else ""))


def summarise(files: list[Path]) -> int:
    """Median of every numeric figure over the runs of each instance (and tag)."""
    groups: dict[str, list[dict]] = {}
    for f in files:
        r = json.loads(f.read_text())
        groups.setdefault(f.name.rsplit("-run", 1)[0], []).append(r)
    keys = ["load_s", "network_s", "sets_s", "build_s", "handoff_s", "start_s", "solve_s",
            "total_s", "first_plan_s", "gap_1pct_s", "final_gap", "build_handoff_share",
            "peak_rss_mb"]
    for name, runs in groups.items():
        med = {}
        for k in keys:
            vals = [r[k] for r in runs if r.get(k) is not None]
            med[k] = (statistics.median(vals), min(vals), max(vals)) if vals else None
        upd = [r["whatif"]["model_update_s"] for r in runs if (r.get("whatif") or {}).get(
            "reused")]
        print(f"{name} ({len(runs)} runs; {runs[0]['variables']:,} vars, "
              f"{runs[0]['integer_variables']:,} int; statuses "
              f"{sorted({r['status'] for r in runs})})")
        for k, v in med.items():
            if v is not None:
                print(f"  {k:22s} median {v[0]:10.3f}   range {v[1]:.3f} .. {v[2]:.3f}")
        if upd:
            print(f"  {'whatif_update_s':22s} median {statistics.median(upd):10.3f}   "
                  f"range {min(upd):.3f} .. {max(upd):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
