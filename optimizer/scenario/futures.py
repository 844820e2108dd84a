"""futures.toml: the futures a strategic plan hedges against, validated against a scenario.

Each table is a future: a ``probability``, an optional ``reference = true`` and
overrides in the project's own syntax (:mod:`feedstock.optimizer.scenario.overrides`)
applied to the strategic scenario::

    [central]
    probability = 0.4
    reference = true

    [fast-ev]
    probability = 0.2
    "forecast.index[sector=vehicle] *=" = 1.6

    [export-ban-2029]
    probability = 0.1
    "strategy.export_ban_from_year" = 2029

The optional ``[sampling]`` table (a reserved name, not a future) gives a
distribution per override key, for ``feedstock strategy --sample N --seed S``::

    [sampling]
    "forecast.index[sector=vehicle] *=" = { uniform = [0.6, 1.6] }
    "prices.index[item=NdPr oxide] *=" = { triangular = [0.5, 1.0, 1.2] }
    "strategy.export_ban_from_year" = { choice = [2029, 2031, 2099], p = [0.3, 0.3, 0.4] }

``uniform = [low, high]``, ``triangular = [low, mode, high]`` (numbers) and
``choice = [values]`` (with optional probabilities ``p``) are the distributions.
N sampled futures each have probability 1/N; the reference future is the one
drawn nearest the middle of every range (``central`` values: the mean of a
uniform, the mode of a triangular, the likeliest choice).

Rules, every problem reported at once (file, future, key, value, rule):
probabilities are numbers in [0, 1] adding to 1 (within 1e-9); at most one
``reference``; every override applies to the scenario (a key that matches
nothing is named with its future); a future may not change the horizon
(``strategy.first_year``, ``years``, ``period``, ``commit_until``): the
first-stage builds must mean the same years in every future.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from feedstock.optimizer.base.errors import Problem, ScenarioError

FILE = "futures.toml"
SAMPLING = "sampling"
TOLERANCE = 1e-9
FIXED_KEYS = ("strategy.first_year", "strategy.years", "strategy.period", "strategy.commit_until")
_OWN_KEYS = ("probability", "reference")


@dataclass(frozen=True)
class Future:
    """One future: its name, probability and the overrides that make it from the scenario."""

    name: str
    probability: float
    overrides: Mapping[str, Any] = field(default_factory=dict)
    reference: bool = False


@dataclass(frozen=True)
class Futures:
    """The futures of a strategic run; ``reference``: the one a planner would plan for alone."""

    futures: tuple[Future, ...]
    source: str = "<one future>"
    sampling: Mapping[str, Any] = field(default_factory=dict)

    @property
    def reference(self) -> Future:
        """The future marked ``reference = true``, else the most probable (the first on ties)."""
        marked = [f for f in self.futures if f.reference]
        return marked[0] if marked else max(self.futures, key=lambda f: f.probability)

    @property
    def names(self) -> list[str]:
        """The futures' names, in file order."""
        return [f.name for f in self.futures]

    def __len__(self) -> int:
        return len(self.futures)


def one_future(name: str = "base") -> Futures:
    """No futures.toml: the scenario itself, probability 1."""
    return Futures((Future(name, 1.0, {}, True),))


def read_futures(path: str | Path, sc: Any) -> Futures:
    """futures.toml at ``path``, each future checked by applying it to ``sc``.

    Raises :class:`ScenarioError` with every problem found.
    """
    path = Path(path)
    file = str(path)
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except FileNotFoundError:
        raise ScenarioError([Problem(file, None, None, None, "file does not exist")],
                            where=file) from None
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ScenarioError([Problem(file, None, None, None, f"not readable as TOML: {exc}")],
                            where=file) from None
    sampling = data.pop(SAMPLING, {})
    problems: list[Problem] = []
    futures = []
    for name, body in data.items():
        if not isinstance(body, dict):
            problems.append(Problem(file, None, name, _show(body),
                                    "not inside a future: write [future-name] above it"))
            continue
        future, found = _future(file, name, body)
        problems += found
        if future is not None:
            futures.append(future)
    if not data:
        problems.append(Problem(file, None, None, None,
                                "no futures: add a table per future ([name], probability = ...)"))
    problems += _together(file, futures)
    if isinstance(sampling, dict):
        problems += _sampling_problems(file, sampling)
    else:
        problems.append(Problem(file, None, SAMPLING, _show(sampling),
                                "must be a table of override key = {distribution}"))
    problems += _applied(file, futures, sc)
    if problems:
        raise ScenarioError(problems, where=file)
    return Futures(tuple(futures), source=file, sampling=sampling)


def _future(file: str, name: str, body: dict) -> tuple[Future | None, list[Problem]]:
    """One [name] table: probability, reference and overrides (their keys checked later)."""
    problems = []
    if not name.strip():
        problems.append(Problem(file, None, repr(name), None,
                                "a future needs a name: [central], [fast-ev], ..."))
    p = body.get("probability")
    if p is None:
        problems.append(Problem(file, None, f"{name}.probability", None,
                                "missing: every future has a probability in [0, 1]"))
    elif isinstance(p, bool) or not isinstance(p, int | float) or not 0 <= p <= 1:
        problems.append(Problem(file, None, f"{name}.probability", _show(p),
                                "must be a number in [0, 1]"))
    ref = body.get("reference", False)
    if not isinstance(ref, bool):
        problems.append(Problem(file, None, f"{name}.reference", _show(ref),
                                "must be true or false"))
    overrides = _flatten({k: v for k, v in body.items() if k not in _OWN_KEYS})
    for key in overrides:
        bare = key.strip().rstrip("*+-=").strip()
        if bare in FIXED_KEYS:
            problems.append(Problem(file, None, f"{name}.{key}", _show(overrides[key]),
                                    "a future may not change the horizon or commit_until: "
                                    "the first-stage builds must mean the same in every future"))
    if problems:
        return None, problems
    return Future(name, float(p), overrides, bool(ref)), []


def _together(file: str, futures: Sequence[Future]) -> list[Problem]:
    """Probabilities add to 1; at most one reference."""
    problems = []
    total = sum(f.probability for f in futures)
    if futures and abs(total - 1.0) > TOLERANCE:
        problems.append(Problem(file, None, "probability", f"{total:.10g}",
                                f"the futures' probabilities add to {total:.10g}, not 1 ("
                                + " + ".join(f"{f.name} {f.probability:g}" for f in futures)
                                + ")"))
    marked = [f.name for f in futures if f.reference]
    if len(marked) > 1:
        problems.append(Problem(file, None, "reference", ", ".join(marked),
                                "at most one future is the reference"))
    return problems


def _applied(file: str, futures: Sequence[Future], sc: Any) -> list[Problem]:
    """Every future's overrides applied to ``sc``: what they break, named with the future."""
    problems = []
    for f in futures:
        if not f.overrides:
            continue
        try:
            sc.with_overrides(dict(f.overrides))
        except ScenarioError as exc:
            problems += [Problem(file, None, f"{f.name}: " + (p.column or ""), p.value,
                                 p.rule if p.file == "overrides" else f"{p.file}: {p.rule}")
                         for p in exc.problems]
    return problems


# ------------------------------------------------------------------ sampling

_DISTRIBUTIONS = {"uniform": 2, "triangular": 3, "choice": None}


def _sampling_problems(file: str, sampling: Mapping[str, Any]) -> list[Problem]:
    """Each [sampling] key has one distribution with the right numbers."""
    problems = []
    for key, spec in sampling.items():
        where = f"{SAMPLING}.{key}"
        if key.strip().rstrip("*+-=").strip() in FIXED_KEYS:
            problems.append(Problem(file, None, where, _show(spec),
                                    "a future may not change the horizon or commit_until"))
            continue
        kinds = [k for k in spec if k in _DISTRIBUTIONS] if isinstance(spec, dict) else []
        if len(kinds) != 1:
            problems.append(Problem(file, None, where, _show(spec),
                                    "must be one of {uniform = [low, high]}, {triangular = "
                                    "[low, mode, high]}, {choice = [values], p = [...]}"))
            continue
        kind = kinds[0]
        values = spec[kind]
        size = _DISTRIBUTIONS[kind]
        if not isinstance(values, list) or not values or (size and len(values) != size):
            problems.append(Problem(file, None, where, _show(values),
                                    f"{kind} needs a list of {size or 'one or more'} values"))
            continue
        if kind != "choice":
            numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
            if not numeric or list(values) != sorted(values):
                problems.append(Problem(file, None, where, _show(values),
                                        f"{kind} needs numbers in increasing order"))
        elif "p" in spec:
            p = spec["p"]
            ok = isinstance(p, list) and len(p) == len(values) and all(
                isinstance(x, int | float) and x >= 0 for x in p) and abs(sum(p) - 1) <= 1e-9
            if not ok:
                problems.append(Problem(file, None, f"{where}.p", _show(p),
                                        "one probability per choice, each ≥ 0, adding to 1"))
    return problems


def sample_futures(futures: Futures, n: int, seed: int, sc: Any) -> Futures:
    """``n`` futures drawn from ``[sampling]`` (probability 1/n each), checked against ``sc``.

    The same ``seed`` draws the same futures. The reference is the draw nearest
    the centre of every range (scaled by the range), so EEV has a sensible base.
    """
    spec = futures.sampling
    if not spec:
        raise ScenarioError([Problem(futures.source, None, SAMPLING, None,
                                     "--sample needs a [sampling] table of override key = "
                                     "{distribution}")], where=futures.source)
    if n < 1:
        raise ValueError("--sample needs at least one future")
    rng = np.random.default_rng(seed)
    draws = []
    for i in range(n):
        overrides = {key: _draw(rng, dist) for key, dist in spec.items()}
        draws.append(Future(f"sample-{i + 1:03d}", 1.0 / n, overrides))
    ref = min(range(n), key=lambda i: _distance(draws[i].overrides, spec))
    draws[ref] = Future(draws[ref].name, draws[ref].probability, draws[ref].overrides, True)
    problems = _applied(futures.source, draws, sc)
    if problems:
        raise ScenarioError(problems, where=futures.source)
    return Futures(tuple(draws), source=f"{futures.source} [sampling], {n} draws, seed {seed}",
                   sampling=spec)


def _draw(rng: np.random.Generator, dist: Mapping[str, Any]) -> Any:
    """One value of a distribution."""
    if "uniform" in dist:
        lo, hi = dist["uniform"]
        return float(rng.uniform(lo, hi))
    if "triangular" in dist:
        lo, mode, hi = dist["triangular"]
        return float(rng.triangular(lo, mode, hi)) if hi > lo else float(lo)
    values = list(dist["choice"])
    return values[int(rng.choice(len(values), p=dist.get("p")))]


def _distance(overrides: Mapping[str, Any], spec: Mapping[str, Any]) -> float:
    """How far a draw is from the centre of every range (each range scaled to 1)."""
    total = 0.0
    for key, dist in spec.items():
        v = overrides[key]
        if "uniform" in dist:
            lo, hi = dist["uniform"]
            total += ((v - (lo + hi) / 2) / ((hi - lo) or 1.0)) ** 2
        elif "triangular" in dist:
            lo, mode, hi = dist["triangular"]
            total += ((v - mode) / ((hi - lo) or 1.0)) ** 2
        else:
            values, p = list(dist["choice"]), dist.get("p")
            likeliest = values[int(np.argmax(p))] if p else values[0]
            total += 0.0 if v == likeliest else 1.0
    return total


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested TOML tables as dotted keys: ``{"strategy": {"x": 1}}`` -> ``{"strategy.x": 1}``."""
    out: dict[str, Any] = {}
    for k, v in data.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, f"{key}."))
        else:
            out[key] = v
    return out


def _show(v: Any) -> str:
    return str(v)
