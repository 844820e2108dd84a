"""scenario.toml: horizon, policy knobs, network rules and solver options.

Strict and frozen (pydantic, ``extra="forbid"``): a misspelt key is an error, not a
silently ignored default, and a what-if builds a new config with :func:`override`.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from feedstock.optimizer.base.errors import Problem
from feedstock.optimizer.base.weeks import horizon_labels, parse_iso_week
from feedstock.optimizer.scenario.elements import ELEMENTS
from feedstock.optimizer.scenario.tables import MAX_NUMBER, TOO_BIG, read_text

FILE = "scenario.toml"
MAX_INT32 = 2**31 - 1  # HiGHS's integer options (threads, random_seed) are 32-bit


class _Strict(BaseModel):
    # strict: `weeks = true` or `weeks = "12"` is a mistake, not 1 or 12
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)


class NetworkConfig(_Strict):
    """How road arcs are generated from site coordinates."""

    auto_road_lanes: bool = True
    """Generate road arcs between sites on the same landmass."""
    road_circuity: float = Field(1.25, ge=1.0, le=5.0)
    """Road km = geodesic km x circuity."""
    max_road_km: float = Field(900.0, gt=0)
    """No auto road arc longer than this (road km)."""
    nearest: int = Field(4, ge=1)
    """Each origin keeps its k nearest destinations of each kind (plants: all)."""


class SectorPolicy(_Strict):
    """Per-sector override of the leakage penalty."""

    leakage_penalty_gbp_per_t: float = Field(ge=0, le=MAX_NUMBER)


class ElementPolicy(_Strict):
    """What a kilogram of one element leaving the country costs, caps and is worth."""

    leakage_penalty_gbp_per_kg: float = Field(0.0, ge=0, le=MAX_NUMBER)
    """Added to the tonne penalty: share x 1000 kg/t x this, per tonne leaked."""
    max_leakage_kg: float | None = Field(None, ge=0, le=MAX_NUMBER)
    """Optional cap on the kg of this element leaked over the horizon."""
    value_gbp_per_kg: float | None = Field(None, ge=0, le=MAX_NUMBER)
    """Optional value of a kg of the element, for the KPIs' element value kept and leaked."""


class PolicyConfig(_Strict):
    """Policy knobs that price leakage, carbon and leftover stock."""

    leakage_penalty_gbp_per_t: float = Field(1500.0, ge=0, le=MAX_NUMBER)
    """Default lambda: penalty per tonne delivered to an outlet."""
    max_leakage_share: float = Field(1.0, ge=0, le=1)
    """Leaked t <= share x available t (supply in horizon + opening stock)."""
    max_leakage_t: float | None = Field(None, ge=0, le=MAX_NUMBER)
    """Optional absolute cap on leaked t over the horizon (the Pareto frontier's epsilon)."""
    carbon_price_gbp_per_t_co2e: float = Field(0.0, ge=0, le=MAX_NUMBER)
    terminal_stock_penalty_gbp_per_t: float = Field(400.0, ge=0, le=MAX_NUMBER)
    """Penalty per tonne of stock left anywhere at the end of the horizon."""
    sectors: dict[str, SectorPolicy] = Field(default_factory=dict)
    elements: dict[str, ElementPolicy] = Field(default_factory=dict)
    """Per element symbol (``dy``): penalty per kg leaked, cap on kg leaked, value per kg."""

    @field_validator("elements")
    @classmethod
    def _known_elements(cls, v: dict[str, ElementPolicy]) -> dict[str, ElementPolicy]:
        unknown = sorted(set(v) - set(ELEMENTS))
        if unknown:
            raise ValueError(f"unknown element {', '.join(unknown)} (known: "
                             f"{', '.join(ELEMENTS)})")
        return v

    def leakage_limit_t(self, available_t: float) -> float:
        """The leakage cap in t: the share of what is available, and the absolute cap if set."""
        limit = self.max_leakage_share * available_t
        return limit if self.max_leakage_t is None else min(limit, self.max_leakage_t)


class SolverConfig(_Strict):
    """Solver choice and stopping rules."""

    name: str = "highs"
    """Any Pyomo solver name; ``highs`` uses Pyomo's persistent HiGHS interface."""
    time_limit_s: float = Field(120.0, gt=0)
    mip_rel_gap: float = Field(0.005, ge=0, lt=1)
    threads: int = Field(0, ge=0, le=MAX_INT32)
    """0 = solver default."""
    seed: int = Field(0, ge=0, le=MAX_INT32)
    """Random seed passed to the solver, so that runs repeat."""


class StrategyConfig(_Strict):
    """``[strategy]``: the years a strategic run plans, and how it weighs them.

    The weekly keys (``start_week``, ``weeks``) stay: they are the base the
    yearly supply is read from (supply.csv inside them, per week, x period weeks).
    """

    first_year: int = Field(ge=1900, le=9000)
    years: int = Field(ge=1, le=100)
    period: Literal["year", "quarter"] = "year"
    discount_rate: float = Field(0.0, ge=0, le=1)
    """Real, per year: a cost in year y weighs (1 + r)^-(y - first_year)."""
    commit_until: int | None = None
    """Builds decided up to this year are the same in every future (default: first_year)."""
    export_ban_from_year: int | None = Field(None, ge=1900, le=9999)
    """From this year on, outlets buy nothing."""

    @property
    def last_year(self) -> int:
        """The last year of the horizon."""
        return self.first_year + self.years - 1

    @property
    def first_stage_until(self) -> int:
        """The last year whose builds every future shares: ``commit_until``, else the first."""
        return self.commit_until if self.commit_until is not None else self.first_year

    @field_validator("commit_until")
    @classmethod
    def _inside(cls, v: int | None, info: ValidationInfo) -> int | None:
        first, years = info.data.get("first_year"), info.data.get("years")
        if v is not None and first is not None and years is not None \
                and not first <= v <= first + years - 1:
            raise ValueError(f"{v} is outside the horizon {first}..{first + years - 1}")
        return v


class ScenarioConfig(_Strict):
    """Everything scenario.toml holds."""

    name: str = Field(min_length=1)
    description: str = ""
    start_week: str
    """ISO week of period 1, e.g. 2026-W48."""
    weeks: int = Field(ge=1, le=520)
    """Horizon length H."""
    network: NetworkConfig = Field(default_factory=NetworkConfig)
    policy: PolicyConfig = Field(default_factory=PolicyConfig)
    solver: SolverConfig = Field(default_factory=SolverConfig)
    strategy: StrategyConfig | None = None
    """Years for ``feedstock strategy`` (absent: the scenario is weekly only)."""

    @field_validator("start_week")
    @classmethod
    def _iso_week(cls, v: str) -> str:
        parse_iso_week(v)
        return v.strip()

    @field_validator("weeks")
    @classmethod
    def _inside_calendar(cls, v: int, info: ValidationInfo) -> int:
        start = info.data.get("start_week")  # absent if start_week itself is invalid
        if start is not None:
            try:
                horizon_labels(start, v)
            except OverflowError:
                raise ValueError(f"{v} weeks from {start} run past the year 9999") from None
        return v


def read_config(folder: Path) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Parse scenario.toml into a plain dict; TOML syntax errors become problems."""
    path = folder / FILE
    if not path.is_file():
        return None, [Problem(FILE, None, None, None, "required file is missing")]
    text, problems = read_text(path, FILE, "file is empty")
    if text is None:
        return None, problems
    try:
        return tomllib.loads(text), []
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))  # exc.lineno only from Python 3.14
        line = int(found.group(1)) if found else None
        return None, [Problem(FILE, line, None, None, f"TOML syntax error: {exc}")]


def validate_config(data: dict[str, Any]) -> tuple[ScenarioConfig | None, list[Problem]]:
    """Validate a scenario.toml dict; every broken key is reported."""
    try:
        return ScenarioConfig.model_validate(data), []
    except ValidationError as exc:
        return None, [_problem(err, data) for err in exc.errors()]


def override(config: ScenarioConfig, changes: dict[str, Any]) -> ScenarioConfig:
    """A new, re-validated config with dotted-key ``changes`` applied.

    >>> override(cfg, {"solver.time_limit_s": 30, "policy.max_leakage_share": 0.2})
    """
    data = config.model_dump()
    for key, value in changes.items():
        node = data
        *parents, leaf = key.split(".")
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    new, problems = validate_config(data)
    if problems:
        from feedstock.optimizer.base.errors import ScenarioError

        raise ScenarioError(problems, where="overrides")
    assert new is not None
    return new


def _problem(err: dict, data: dict) -> Problem:
    loc = ".".join(str(p) for p in err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        known = _known_keys(err["loc"][:-1])
        close = difflib.get_close_matches(str(err["loc"][-1]), known, n=1)
        path = ".".join([*map(str, err["loc"][:-1]), close[0]]) if close else ""
        hint = f"; did you mean {path}?" if close else ""
        rule = f"unknown key{hint} (known: {', '.join(sorted(known))})"
    elif kind == "missing":
        rule = "required key is missing"
    elif kind == "less_than_equal" and err.get("ctx", {}).get("le") == MAX_NUMBER:
        rule = TOO_BIG
    else:
        rule = err["msg"].removeprefix("Value error, ")
    value = None if kind == "missing" else _lookup(data, err["loc"])
    if isinstance(value, bool):  # as the file says it
        value = "true" if value else "false"
    return Problem(FILE, None, loc, None if value is None else str(value), rule)


def _known_keys(loc: tuple) -> list[str]:
    """Keys allowed at ``loc`` (for a "did you mean" hint)."""
    if tuple(map(str, loc[:2])) == ("policy", "sectors"):
        return list(SectorPolicy.model_fields)
    model: Any = ScenarioConfig
    for part in loc:
        model = model.model_fields[str(part)].annotation
    return list(model.model_fields)


def _lookup(data: Any, loc: tuple) -> Any:
    for part in loc:
        if isinstance(data, dict) and part in data:
            data = data[part]
        else:
            return None
    if isinstance(data, dict):
        return None
    return data


