"""Time to 1 % through the command a planner runs, over many generated seeds, per start rule.

    python benchmarks/seeds_bench.py [--sizes 50 200 500 2000] [--seeds 1 2 ... 10]
        [--configs alone lp-start portfolio] [--time-limit 120] [--gap 0.01]
        [--out benchmarks/results/seeds.json] [--table] [--sample]

For every size and seed it generates the instance (``generate.py --sources N
--feedstocks 8 --weeks 12 --seed S``, cached under benchmarks/instances/) and
runs, in a fresh process, for each configuration:

* ``alone``: ``feedstock solve INSTANCE --gap G --time-limit T --json --threads 1``
  -- HiGHS alone, the LP start only from 250,000 variables (the old default);
* ``lp-start``: the same with ``--lp-start`` (the rounded relaxation before the search);
* ``portfolio``: ``feedstock solve INSTANCE --gap G --time-limit T --json`` -- the new
  default: the second core's helper beside HiGHS (optimizer/solve/portfolio.py).

``--sample`` runs the bundled sample instead (its own gap, 0.5 %, and time limit),
once per seed as HiGHS's random seed (``--override`` of ``[solver] seed``): the
sample is one instance, and the seed is what makes its solve time swing.

Each line: wall seconds of the whole command (imports to the last byte of JSON),
status and gap, the build (scenario -> Pyomo -> HiGHS), HiGHS's own seconds, the dual
LP, the rest (``overhead``: wall - build - solve: imports, reading, checks, the dual
LP, tables, JSON) and its share of the wall, peak memory. ``--table`` prints the
per-seed tables and the distribution (median, worst) per size and configuration
from the JSON written. It asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FEEDSTOCK = Path(sys.executable).with_name("feedstock")
CONFIGS = {"alone": ["--threads", "1"], "lp-start": ["--threads", "1", "--lp-start"],
           "portfolio": []}


def instance(sources: int, seed: int) -> Path:
    """The generated instance (made once, then reused: generate.py is byte-stable)."""
    folder = ROOT / "benchmarks" / "instances" / f"n{sources}-f8-w12-s{seed}"
    if not (folder / "scenario.toml").exists():
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--sources",
                        str(sources), "--feedstocks", "8", "--weeks", "12", "--seed", str(seed),
                        "--out", str(folder)], check=True, capture_output=True)
    return folder


def sample_seed(seed: int) -> Path:
    """An override file giving HiGHS ``seed`` on the bundled sample (its only variation)."""
    path = Path(tempfile.gettempdir()) / f"feedstock-sample-seed-{seed}.toml"
    path.write_text(f"[solver]\nseed = {seed}\n")
    return path


def run(folder: Path | None, config: str, args: argparse.Namespace, seed: int = 0) -> dict:
    """One ``feedstock solve`` in a fresh process: its wall clock and what it printed.

    ``folder`` None: the bundled sample at its own gap and time limit, HiGHS's
    random seed ``seed``.
    """
    if folder is None:
        name = f"sample-s{seed}"
        cmd = [str(FEEDSTOCK), "solve", "--override", str(sample_seed(seed)), "--json",
               *CONFIGS[config]]
    else:
        name = folder.name
        cmd = [str(FEEDSTOCK), "solve", str(folder), "--gap", str(args.gap), "--time-limit",
               str(args.time_limit), "--json", *CONFIGS[config]]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        began = time.perf_counter()
        child = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(child.pid, 0)  # this child's own peak memory
        wall = time.perf_counter() - began
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    row = {"instance": name, "config": config, "wall_s": round(wall, 2),
           "exit_code": code, "peak_rss_mb": round(usage.ru_maxrss / 1024)}
    if code != 0:
        return {**row, "status": "error", "detail": stderr[-400:]}
    s = json.loads(stdout)
    build, solve, duals = s["build_seconds"], s["solve_seconds"], s["dual_seconds"]
    helper = s["solver"].get("portfolio") or {}
    return {**row, "status": s["status"], "gap": s["gap"], "objective_gbp": s["objective_gbp"],
            "build_s": build, "solve_s": solve, "duals_s": duals,
            "overhead_s": round(wall - build - solve, 2),
            "overhead_share": round((wall - build - solve) / wall, 3),
            "helper_offered": helper.get("offered"), "helper_accepted": helper.get("accepted"),
            "helper_waited_s": helper.get("waited_s"), "dual_lp": s["solver"].get("dual_lp"),
            **_lp_start(s["solver"].get("warm_start") or {})}


def _lp_start(start: dict) -> dict:
    """The LP start's figures when it ran: relaxation and polish seconds, £ before and after."""
    if start.get("source") != "lp_relaxation":
        return {}
    polish = start.get("polish") or {}
    return {"lp_s": start.get("lp_s"), "round_s": start.get("round_s"),
            "polish_s": polish.get("seconds"), "polish_before_gbp": polish.get("before_gbp"),
            "polish_after_gbp": polish.get("after_gbp")}


def line(r: dict) -> str:
    if r["status"] == "error":
        return f"{r['instance']:<18} {r['config']:<10} ERROR exit {r['exit_code']}"
    return (f"{r['instance']:<18} {r['config']:<10} {r['wall_s']:7.1f} s  {r['status']:<10} "
            f"gap {100 * r['gap']:5.2f}%  build {r['build_s']:5.1f}  HiGHS {r['solve_s']:6.1f}  "
            f"duals {r['duals_s']:5.1f} ({r['dual_lp']})  rest {r['overhead_s']:5.1f} s "
            f"({100 * r['overhead_share']:.0f}%)  {r['peak_rss_mb']} MB"
            + (f"  helper {r['helper_accepted']}/{r['helper_offered']} taken, waited "
               f"{r['helper_waited_s']:.1f} s" if r["helper_offered"] is not None else "")
            + (f"  relaxation {r['lp_s']:.1f} s" if r.get("lp_s") is not None else "")
            + (f"  polish {r['polish_s']:.1f} s: {r['polish_before_gbp']:,.0f} -> "
               f"{r['polish_after_gbp']:,.0f}" if r.get("polish_s") is not None else ""))


def _size(r: dict) -> str:
    return r["instance"].split("-")[0]


def _size_order(size: str) -> int:
    """The sample first, then by number of sources."""
    return int(size[1:]) if size[1:].isdigit() else 0


def _short(r: dict) -> bool:
    return r["status"] not in ("optimal", "within_gap")


def _cell(r: dict | None) -> str:
    if r is None:
        return "--"
    if r["status"] == "error":
        return f"error (exit {r['exit_code']})"
    mark = f"**stopped**, {100 * r['gap']:.2f} %" if _short(r) else f"{100 * r['gap']:.2f} %"
    return f"{r['wall_s']:.1f} s ({mark})"


def per_seed(rows: list[dict]) -> None:
    """One markdown table per size: a row per seed, a column per configuration."""
    configs = [c for c in CONFIGS if any(r["config"] == c for r in rows)]
    for size in sorted({_size(r) for r in rows}, key=_size_order):
        got = {(r["instance"], r["config"]): r for r in rows if _size(r) == size}
        print(f"\n{size}: wall of the command (gap reached)\n")
        print("| instance | " + " | ".join(configs) + " |")
        print("|---" * (len(configs) + 1) + "|")
        for name in sorted({i for i, _ in got}, key=lambda i: int(i.rsplit("-s", 1)[1])):
            print(f"| {name} | " + " | ".join(_cell(got.get((name, c))) for c in configs) + " |")


def table(rows: list[dict]) -> None:
    """Per size and configuration: median and worst wall, and how many stopped short of the gap."""
    by: dict[tuple, list[dict]] = {}
    for r in rows:
        if r["status"] != "error":
            by.setdefault((_size(r), r["config"]), []).append(r)
    print("| size | configuration | seeds | median wall | worst wall | short of the gap | "
          "median rest (share) | worst rest (share) | peak memory (median, worst) |")
    print("|---" * 9 + "|")
    for (size, config), rs in sorted(by.items(), key=lambda kv: (_size_order(kv[0][0]),
                                                                 kv[0][1])):
        walls = [r["wall_s"] for r in rs]
        rest = [r.get("overhead_share", 0) for r in rs]
        memory = [r["peak_rss_mb"] for r in rs]
        print(f"| {size} | {config} | {len(rs)} | {statistics.median(walls):.1f} s | "
              f"{max(walls):.1f} s | {sum(map(_short, rs))} | "
              f"{100 * statistics.median(rest):.0f} % | {100 * max(rest):.0f} % | "
              f"{statistics.median(memory):,.0f} MB, {max(memory):,} MB |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[50, 200, 500, 2000])
    ap.add_argument("--seeds", type=int, nargs="+", default=list(range(1, 11)))
    ap.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    ap.add_argument("--time-limit", type=float, default=120.0)
    ap.add_argument("--gap", type=float, default=0.01)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "seeds.json")
    ap.add_argument("--sample", action="store_true",
                    help="the bundled sample instead of --sizes, one run per HiGHS seed")
    ap.add_argument("--table", action="store_true", help="only print the tables of --out")
    args = ap.parse_args()
    if args.table:
        rows = json.loads(args.out.read_text())
        for r in rows:
            print(line(r))
        per_seed(rows)
        print()
        table(rows)
        return
    rows = json.loads(args.out.read_text()) if args.out.exists() else []
    for size in [None] if args.sample else args.sizes:
        for seed in args.seeds:
            folder = None if size is None else instance(size, seed)
            for config in args.configs:
                r = run(folder, config, args, seed)
                print(line(r), flush=True)
                rows = [x for x in rows
                        if (x["instance"], x["config"]) != (r["instance"], config)]
                rows.append(r)
                args.out.parent.mkdir(parents=True, exist_ok=True)
                args.out.write_text(json.dumps(rows, indent=1))
    table(rows)


if __name__ == "__main__":
    main()
