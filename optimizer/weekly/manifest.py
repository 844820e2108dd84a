"""manifest.json of a weekly run: what went in, with what, and how it ended.

Enough to explain a run afterwards and to tell whether two runs had the same
inputs: the SHA-256 of every input file, package and solver versions, the
solver options, start and end time (UTC), exit status and the warm start.
"""

from __future__ import annotations

import hashlib
import json
import platform
import sys
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = ("feedstock", "pyomo", "highspy", "pandas", "numpy", "geopandas", "pandera",
            "pydantic", "click")


def utc_now() -> str:
    """Current time, UTC, ISO 8601 to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def input_hashes(files: dict[str, Path]) -> dict[str, dict[str, str]]:
    """``{label: {path, sha256}}`` for each input file, sorted by label."""
    return {label: {"path": str(path), "sha256": sha256(path)}
            for label, path in sorted(files.items())}


def scenario_files(folder: Path) -> dict[str, Path]:
    """Every regular file of a scenario folder (top level), labelled ``scenario/<name>``.

    A workbook scenario is one file: ``scenario/<name>.xlsx``.
    """
    if folder.is_file():
        return {f"scenario/{folder.name}": folder}
    return {f"scenario/{p.name}": p for p in sorted(folder.iterdir())
            if p.is_file() and not p.name.startswith(".")}


def versions() -> dict[str, str | None]:
    """Python, platform and the installed versions of the packages a plan depends on."""
    out: dict[str, str | None] = {"python": sys.version.split()[0],
                                  "platform": platform.platform()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def manifest_text(manifest: dict[str, Any]) -> str:
    """manifest.json text (keys in the order given, 2-space indent)."""
    return json.dumps(manifest, indent=2) + "\n"
