"""The package's shape: one import name, stages that import only downwards, one pipeline.

The import-linter contracts live in pyproject.toml. import-linter reads a
package from its folder, and ``feedstock`` is assembled from the repository's
folders (optimizer/, models/, cli/, data/ -> feedstock.*: pyproject.toml
``package-dir``), so the tests lay the package out as a wheel does, in a
temporary folder of links, and lint that.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = {"optimizer": "optimizer", "models": "models", "cli": "cli", "data": "data"}
STAGE_BUILDERS = {"build_network", "build_sets", "build_model"}
PIPELINE = "optimizer/solve/pipeline.py"


def _package_tree(target: Path) -> Path:
    """``target/feedstock/...``: a link per source file, laid out as the wheel installs it."""
    pkg = target / "feedstock"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").symlink_to(ROOT / "feedstock" / "__init__.py")
    for name, folder in FOLDERS.items():
        for src in (ROOT / folder).rglob("*.py"):
            dst = pkg / name / src.relative_to(ROOT / folder)
            dst.parent.mkdir(parents=True, exist_ok=True)
            dst.symlink_to(src)
    return target


def _lint(tree: Path) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("lint-imports")
    if not exe.exists():
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run([str(exe), "--no-cache", str(ROOT / "pyproject.toml")], cwd=tree,
                          env=env, capture_output=True, text=True, timeout=300)


def test_the_import_contracts_hold(tmp_path):
    done = _lint(_package_tree(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_a_back_edge_breaks_the_layers_contract(tmp_path):
    """The contract bites: a scenario module that imports the solver is refused."""
    tree = _package_tree(tmp_path)
    (tree / "feedstock" / "optimizer" / "scenario" / "back_edge.py").write_text(
        "from feedstock.optimizer.solve import pipeline  # noqa: F401\n", encoding="utf-8")
    done = _lint(tree)
    assert done.returncode != 0
    assert "Stages import only the stages below them" in done.stdout
    assert "BROKEN" in done.stdout
    assert "feedstock.optimizer.scenario.back_edge -> feedstock.optimizer.solve" in done.stdout


def test_a_cycle_inside_a_package_breaks_the_acyclic_contract(tmp_path):
    tree = _package_tree(tmp_path)
    raw = tree / "feedstock" / "optimizer" / "scenario" / "raw.py"
    text = raw.read_text(encoding="utf-8")
    raw.unlink()
    raw.write_text(text + "\nfrom feedstock.optimizer.scenario import scenario  # noqa\n",
                   encoding="utf-8")
    done = _lint(tree)
    assert done.returncode != 0
    assert "No import cycles" in done.stdout and "BROKEN" in done.stdout


def _calls(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call):
            f = node.func
            names.add(f.id if isinstance(f, ast.Name) else getattr(f, "attr", ""))
    return names


def test_only_the_pipeline_builds_networks_sets_and_models():
    """One pipeline: no other module of the package assembles the stages itself."""
    offenders = []
    for folder in ("optimizer", "models", "cli", "feedstock"):
        for path in (ROOT / folder).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            called = _calls(path) & STAGE_BUILDERS
            if called and rel != PIPELINE:
                offenders.append(f"{rel}: {sorted(called)}")
    assert not offenders


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_the_public_names_import():
    assert _run("from feedstock import (Scenario, solve, compare, sweep, pareto, plan_week,\n"
                "    Resolver, Result, write, check_plan, ScenarioError, InfeasibleError,\n"
                "    NoPlanError, UnboundedError, FeedstockError, sample_scenario)\n"
                "print(solve.__module__, Resolver.__module__)") == (
        "feedstock.optimizer.solve.pipeline feedstock.optimizer.solve.pipeline")


def test_reading_a_scenario_does_not_load_the_solver_side():
    """Pyomo and HiGHS load with the first name that needs them, not with ``import feedstock``."""
    loaded = _run("import sys, feedstock\n"
                  "sc = feedstock.Scenario.load(feedstock.sample_scenario())\n"
                  "sc = sc.with_overrides({'policy.leakage_penalty_gbp_per_t': 0})\n"
                  "from feedstock import check_plan, ScenarioError\n"
                  "print(sorted(m for m in ('pyomo', 'highspy', 'feedstock.models') "
                  "if m in sys.modules))")
    assert loaded == "[]"
    assert _run("import sys, feedstock\nfeedstock.solve\nprint('pyomo' in sys.modules)") == "True"


@pytest.mark.parametrize("name", ["models", "cli", "optimizer"])
def test_no_generic_top_level_package_is_installed(name, tmp_path):
    """Outside the source tree only ``feedstock`` is importable (no ``models`` to shadow)."""
    done = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True,
                          text=True, timeout=60, cwd=tmp_path,
                          env={**os.environ, "PYTHONPATH": ""})
    assert done.returncode != 0
    assert "No module named" in done.stderr


def test_the_sample_ships_inside_the_package():
    from feedstock import sample_scenario

    folder = sample_scenario()
    assert (folder / "scenario.toml").is_file() and (folder / "supply.csv").is_file()
    assert folder.parent.name == "data" or folder.parent.parts[-2:] == ("feedstock", "data")
