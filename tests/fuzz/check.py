"""Run ``feedstock validate`` on a (mutated) scenario folder and judge the outcome.

Acceptable outcomes:

- exit 0: the scenario is valid ("Scenario ... is valid");
- exit 2: "Invalid scenario ...: N problems" followed by exactly N problem lines, each
  naming a file, and for a CSV a row and a column (a whole-file problem may name only
  the file; a problem with a whole row, such as extra values, a row only); for
  scenario.toml a key (or the line of a syntax error);
- exit 3: valid data but no plan is possible (pre-solve checks print a diagnosis).

Anything else fails: exit 1 or any other code, "Traceback" or "Unexpected error" in
the output, a problem line that does not say where. With ``build=True`` a valid
scenario is also loaded and its Pyomo model built (no solve); only
:class:`~feedstock.optimizer.base.errors.FeedstockError` may come out of that.
"""

from __future__ import annotations

import re
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import CliRunner

from feedstock.cli.main import main
from tests.fuzz.editing import SPEC_OF, TOML, read_rows

OUTCOMES = ("valid", "exit 2", "exit 3", "FAILED")

_HEAD = re.compile(r"^Invalid scenario .*: (\d+) problems?, nothing solved$", re.M)
_LINE = re.compile(r"^  - (?P<file>[^\s,]+)(?:, row (?P<row>\d+))?"
                   r"(?:, (?P<label>column|key) (?P<column>.*?))?"
                   r"""(?: = (?P<value>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"))?: """, re.S)
# problems about a whole row (no single column) and where they may be reported
ROW_RULES = ("row has ", "not UTF-8", "not readable as CSV", "TOML syntax error")


@dataclass
class Outcome:
    """What one case did: its outcome, exit code, output and every reason it failed."""

    outcome: str
    exit_code: int | None
    output: str
    failures: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_case(folder: Path, build: bool = False) -> Outcome:
    """Validate ``folder`` through the CLI (in-process) and judge the result."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = CliRunner().invoke(main, ["validate", str(folder)])
    output = result.output
    failures: list[str] = []
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        failures.append("uncaught exception:\n" + "".join(
            traceback.format_exception(*result.exc_info)))
    for marker in ("Traceback", "Unexpected error"):
        if marker in output:
            failures.append(f"{marker!r} in the output")
    code = result.exit_code
    if code == 0:
        if "is valid" not in output:
            failures.append("exit 0 without 'is valid'")
        elif build:
            failures += build_problems(folder)
    elif code == 2:
        failures += problem_lines_failures(folder, output)
    elif code == 3:
        if not output.strip():
            failures.append("exit 3 with no diagnosis printed")
    else:
        failures.append(f"exit code {code} (only 0, 2 or 3 are acceptable)")
    outcome = "FAILED" if failures else {0: "valid", 2: "exit 2", 3: "exit 3"}[code]
    seen = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    return Outcome(outcome, code, output, failures, seen)


def problem_lines_failures(folder: Path, output: str) -> list[str]:
    """Why the problem list of an exit-2 output does not say where each problem is."""
    head = _HEAD.search(output)
    if head is None:
        return ["exit 2 without an 'Invalid scenario ...: N problems' line"]
    lines = [ln for ln in output[head.end():].split("\n") if ln.strip()]
    problems = [ln for ln in lines if ln.startswith("  - ")]
    out = []
    if len(problems) != int(head.group(1)) or len(problems) != len(lines):
        out.append(f"header says {head.group(1)} problems; {len(problems)} problem lines and "
                   f"{len(lines) - len(problems)} other lines follow (a rule or value that "
                   "spans lines?)")
    for line in problems:
        why = _line_failure(folder, line)
        if why:
            out.append(f"{why}: {line!r}")
    return out


def _line_failure(folder: Path, line: str) -> str | None:
    m = _LINE.match(line)
    if m is None:
        return "problem line does not start with a file name"
    file, row, label, column = m["file"], m["row"], m["label"], m["column"]
    rule = line[m.end():]
    if file == TOML:
        if column is not None and label != "key":
            return "scenario.toml problem names a column, not a key"
        if row is not None and column is None and not rule.startswith(ROW_RULES):
            return "scenario.toml problem with a line but no key"
        return None
    if file not in SPEC_OF and not (folder / file).exists():
        return f"names {file!r}, which is neither a scenario file nor in the folder"
    if file not in SPEC_OF:  # sites.geojson / .gpkg, stray files: the file is enough
        return None
    if label == "key":
        return "CSV problem names a key, not a column"
    if row is None and column is not None:
        return "CSV problem names a column but no row"
    if row is not None and column is None and not rule.startswith(ROW_RULES):
        return "CSV problem names a row but no column"
    if column is not None:
        rows = read_rows(folder / file) or [[]]
        known = set(SPEC_OF[file].names) | set(rows[0])
        parts = column.split(",")
        if column not in known and not all(p in known or p.startswith("#")
                                           or p.split("#")[0] in known for p in parts):
            return f"column {column!r} is neither in the file's header nor in the spec"
    return None


def build_problems(folder: Path) -> list[str]:
    """Load, build the network and the Pyomo model; anything but a FeedstockError fails."""
    from feedstock import load_scenario
    from feedstock.optimizer.base.errors import FeedstockError
    from feedstock.optimizer.solve.pipeline import build, prepare

    try:
        sc = load_scenario(folder)
        build(prepare(sc))
    except FeedstockError:
        return []
    except Exception:
        return ["building the model raised:\n" + traceback.format_exc()]
    return []
