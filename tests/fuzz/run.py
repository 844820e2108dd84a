"""Standalone hostile-input fuzzer for ``feedstock validate``.

    python -m tests.fuzz.run --iterations 2000 [--seed S] [--build] [--out DIR]
    python -m tests.fuzz.run --replay CASE_SEED [--build]     # one case, kept on disk

Each case copies the bundled sample into a temporary folder, applies 1-3 random
mutations (``tests.fuzz.mutations``) and checks the outcome (``tests.fuzz.check``).
At the end it prints counts by outcome and by mutation kind, the time taken and the
cases per second; every failing case is written to ``--out`` (the mutated folder and
``case.json`` with its seed, mutations and output) and the exit code is 1.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from tests.fuzz.check import OUTCOMES, Outcome, check_case
from tests.fuzz.mutations import apply, copy_sample, names


def plan_case(case_seed: int, kinds: list[str], max_mutations: int = 3
              ) -> tuple[list[str], random.Random]:
    """The mutation names of a case and the random stream that applies them."""
    rnd = random.Random(case_seed)
    chosen = [rnd.choice(kinds) for _ in range(rnd.randint(1, max_mutations))]
    return chosen, rnd


def run_case(case_seed: int, kinds: list[str], build: bool, workdir: Path,
             max_mutations: int = 3) -> tuple[list[str], list[str], Outcome]:
    """Copy the sample to ``workdir``, mutate it and check it."""
    chosen, rnd = plan_case(case_seed, kinds, max_mutations)
    folder = copy_sample(workdir / "scenario")
    done = apply(folder, chosen, rnd)
    return chosen, done, check_case(folder, build=build)


def main(argv: list[str] | None = None) -> int:
    """Run the fuzzer; 0 if every case ended acceptably, 1 otherwise."""
    ap = argparse.ArgumentParser(prog="python -m tests.fuzz.run", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--iterations", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=None, help="master seed (default: random)")
    ap.add_argument("--build", action="store_true",
                    help="also load and build the Pyomo model of every valid case")
    ap.add_argument("--out", type=Path, default=Path("fuzz-failures"),
                    help="where failing cases are written (default: ./fuzz-failures)")
    ap.add_argument("--only", action="append", choices=names(), metavar="MUTATION",
                    help="restrict to these mutation kinds (repeatable)")
    ap.add_argument("--max-mutations", type=int, default=3)
    ap.add_argument("--replay", type=int, metavar="CASE_SEED",
                    help="run one case by its seed, print everything, keep the folder")
    args = ap.parse_args(argv)
    logging.disable(logging.CRITICAL)  # the library logs notes for every valid case
    kinds = args.only or names()

    if args.replay is not None:
        return _replay(args.replay, kinds, args.build, args.out, args.max_mutations)

    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    master = random.Random(seed)
    print(f"fuzzing {args.iterations} cases, seed {seed}, build={args.build}, "
          f"{len(kinds)} mutation kinds", flush=True)
    by_outcome: Counter[str] = Counter()
    by_kind: dict[str, Counter[str]] = defaultdict(Counter)
    warned: Counter[str] = Counter()
    failed: list[dict] = []
    start = time.perf_counter()
    for i in range(1, args.iterations + 1):
        case_seed = master.getrandbits(48)
        with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
            chosen, done, result = run_case(case_seed, kinds, args.build, Path(tmp),
                                            args.max_mutations)
            by_outcome[result.outcome] += 1
            for kind in set(chosen):
                by_kind[kind][result.outcome] += 1
            warned.update(result.warnings)
            if result.failures:
                failed.append(_save(args.out, case_seed, done, result, Path(tmp) / "scenario",
                                    args.build))
        if i % 250 == 0:
            rate = i / (time.perf_counter() - start)
            print(f"  {i} cases, {rate:.1f}/s, {by_outcome['FAILED']} failed", flush=True)
    seconds = time.perf_counter() - start
    _report(args.iterations, seconds, by_outcome, by_kind, warned, failed)
    return 1 if failed else 0


def _save(out: Path, case_seed: int, done: list[str], result: Outcome, folder: Path,
          build: bool) -> dict:
    """Keep a failing case: the mutated folder and case.json."""
    dest = out / f"case-{case_seed}"
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(folder, dest / "scenario")
    case = {"case_seed": case_seed, "mutations": done, "exit_code": result.exit_code,
            "failures": result.failures, "output": result.output,
            "replay": f"python -m tests.fuzz.run --replay {case_seed}"
                      + (" --build" if build else "")}
    (dest / "case.json").write_text(json.dumps(case, indent=2, ensure_ascii=False))
    return {**case, "path": str(dest)}


def _replay(case_seed: int, kinds: list[str], build: bool, out: Path,
            max_mutations: int) -> int:
    work = out / f"replay-{case_seed}"
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    _, done, result = run_case(case_seed, kinds, build, work, max_mutations)
    print("mutations:", *done, sep="\n  ")
    print(f"folder: {work / 'scenario'}\nexit code: {result.exit_code}\noutcome: "
          f"{result.outcome}\n--- output\n{result.output}")
    for f in result.failures:
        print("--- failure\n" + f)
    return 1 if result.failures else 0


def _report(n: int, seconds: float, by_outcome: Counter[str],
            by_kind: dict[str, Counter[str]], warned: Counter[str], failed: list[dict]) -> None:
    print(f"\n{n} cases in {seconds:.1f} s ({n / seconds:.1f} cases/s)")
    print("by outcome: " + ", ".join(f"{o} {by_outcome[o]}" for o in OUTCOMES))
    print(f"\n{'mutation':<22}" + "".join(f"{o:>9}" for o in OUTCOMES) + f"{'cases':>9}")
    for kind in sorted(by_kind):
        c = by_kind[kind]
        print(f"{kind:<22}" + "".join(f"{c[o]:>9}" for o in OUTCOMES) + f"{sum(c.values()):>9}")
    if warned:
        print("\nPython warnings seen (cases):")
        for w, k in warned.most_common(10):
            print(f"  {k:>5}  {w[:150]}")
    if failed:
        print(f"\n{len(failed)} FAILED case(s), written under {Path(failed[0]['path']).parent}:")
        for case in failed[:20]:
            first = case["failures"][0].strip().splitlines()
            print(f"  {case['replay']}\n    {'; '.join(case['mutations'])}\n"
                  f"    {first[-1] if first else ''}"[:600])


if __name__ == "__main__":
    sys.exit(main())
