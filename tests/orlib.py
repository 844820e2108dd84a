"""OR-Library capacitated facility location (``cap*``) instances as scenarios.

Beasley's instances have published optima, so they test the whole pipeline
(tables -> validation -> network -> MIP -> HiGHS -> Result) against numbers
nobody in this project computed. The mapping keeps only the parts of the
model the benchmark needs and zeroes every other cost, so that the scenario's
optimum *is* the published one:

* each customer is a ``source`` whose supply (one week) is its demand;
* each facility is a ``plant`` with capacity 0 and one expansion option
  (capacity, fixed cost): opening a facility = building the option;
* each customer-facility pair is a lane whose per-tonne cost is the cost of
  serving the whole demand divided by the demand (demand may be split);
* nothing may leak (no outlets) or wait (``storage_t = 0`` everywhere), so all
  supply ships and every arriving tonne is processed, at zero cost and value.

Format (OR-Library ``capopt`` family): ``m n``, then m pairs
``capacity fixed_cost``, then per customer its demand and m costs. Numbers
may end in ``.`` and lines wrap anywhere, so the reader works on tokens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from feedstock.optimizer.scenario import Scenario, from_tables
from feedstock.optimizer.scenario.raw import toml_text
from feedstock.optimizer.scenario.tables import SPECS

START_WEEK = "2026-W48"
FEEDSTOCK = "demand"
MODE = "assign"
OPTION = "open"
LANDMASS = "orlib"


@dataclass(frozen=True)
class CapInstance:
    """One capacitated facility location instance, as published.

    ``cost[j][i]`` is the cost of serving *all* of customer j's demand from
    facility i (the file's convention), not a cost per unit.
    """

    name: str
    capacity: tuple[float, ...]
    fixed_cost: tuple[float, ...]
    demand: tuple[float, ...]
    cost: tuple[tuple[float, ...], ...]

    @property
    def facilities(self) -> int:
        """Number of facilities m."""
        return len(self.capacity)

    @property
    def customers(self) -> int:
        """Number of customers n."""
        return len(self.demand)


# ---------------------------------------------------------------- reading

def read_cap(path: str | Path) -> CapInstance:
    """Parse an OR-Library ``cap*`` file; ValueError says what is wrong and where.

    The files wrap lines at arbitrary points and write ``25000.`` for
    integers, so the file is read as one stream of whitespace-separated
    numbers and checked only for the count the header implies.
    """
    path = Path(path)
    numbers = _numbers(path.read_text(encoding="ascii", errors="replace").split(), path)
    if len(numbers) < 2:
        raise ValueError(f"{path}: expected 'm n' at the start, found {len(numbers)} number(s)")
    m, n = _count(numbers[0], "m", path), _count(numbers[1], "n", path)
    expected = 2 + 2 * m + n * (m + 1)
    if len(numbers) != expected:
        raise ValueError(f"{path}: {m} facilities x {n} customers need {expected} numbers, "
                         f"found {len(numbers)}")
    facilities = numbers[2:2 + 2 * m]
    rows = [numbers[2 + 2 * m + j * (m + 1):2 + 2 * m + (j + 1) * (m + 1)] for j in range(n)]
    inst = CapInstance(name=path.stem, capacity=tuple(facilities[0::2]),
                       fixed_cost=tuple(facilities[1::2]), demand=tuple(r[0] for r in rows),
                       cost=tuple(tuple(r[1:]) for r in rows))
    _check_signs(inst, path)
    return inst


def _numbers(tokens: list[str], path: Path) -> list[float]:
    """Every token as a float; the first one that is not a number is reported."""
    out = []
    for pos, token in enumerate(tokens, start=1):
        try:
            out.append(float(token))
        except ValueError:
            raise ValueError(f"{path}: token {pos} ({token!r}) is not a number") from None
    return out


def _count(value: float, what: str, path: Path) -> int:
    """Return a header count; it must be a positive whole number."""
    if value != int(value) or value < 1:
        raise ValueError(f"{path}: {what} = {value:g} must be a positive whole number")
    return int(value)


def _check_signs(inst: CapInstance, path: Path) -> None:
    """Negative data would be rejected by the scenario rules with a less helpful message."""
    values = (*inst.capacity, *inst.fixed_cost, *inst.demand, *(c for r in inst.cost for c in r))
    if any(v < 0 for v in values):
        raise ValueError(f"{path}: capacities, fixed costs, demands and costs must be >= 0")


def read_published(readme: str | Path) -> dict[str, tuple[int, int, float]]:
    """Read the published optima from the benchmark README table: name -> (m, n, optimum).

    The README is the one place the figures are written, so tests and the
    benchmark read them from there instead of keeping copies.
    """
    row = re.compile(r"^\|\s*(cap\w+)\s*\|\s*(\d+)\s*x\s*(\d+)\s*\|\s*([0-9.]+)\s*\|\s*$")
    out = {}
    for line in Path(readme).read_text(encoding="utf-8").splitlines():
        hit = row.match(line.strip())
        if hit:
            out[hit[1]] = (int(hit[2]), int(hit[3]), float(hit[4]))
    return out


# ---------------------------------------------------------------- mapping

def _ids(prefix: str, count: int) -> list[str]:
    """Zero-padded site ids (``c01``..``c50``) that sort like the file's order."""
    width = len(str(count))
    return [f"{prefix}{k + 1:0{width}d}" for k in range(count)]


def customer_ids(inst: CapInstance) -> list[str]:
    """Source site id of each customer, in file order (``c01``, ``c02``, ...)."""
    return _ids("c", inst.customers)


def facility_ids(inst: CapInstance) -> list[str]:
    """Plant site id of each facility, in file order (``f01``, ``f02``, ...)."""
    return _ids("f", inst.facilities)


def scenario_config(inst: CapInstance, name: str) -> dict[str, Any]:
    """scenario.toml content: one week, no road lanes, no penalties, exact optimum."""
    return {
        "name": name,
        "description": f"OR-Library {inst.name}: {inst.facilities} facilities x "
                       f"{inst.customers} customers (capacitated facility location)",
        "start_week": START_WEEK,
        "weeks": 1,
        "network": {"auto_road_lanes": False},
        "policy": {"leakage_penalty_gbp_per_t": 0, "carbon_price_gbp_per_t_co2e": 0,
                   "terminal_stock_penalty_gbp_per_t": 0},
        # gap 0: the test compares with the published optimum at 1e-6, not 0.5 %
        "solver": {"name": "highs", "time_limit_s": 600, "mip_rel_gap": 0},
    }


def scenario_tables(inst: CapInstance) -> dict[str, pd.DataFrame]:
    """Build the scenario tables of an instance; customers with zero demand are left out.

    A customer without demand costs nothing in any plan, and its lanes would
    need a cost per tonne of ``cost / 0``.
    """
    customers, plants = customer_ids(inst), facility_ids(inst)
    served = [j for j, d in enumerate(inst.demand) if d > 0]
    return {
        "sites": _sites([customers[j] for j in served], plants),
        "modes": _modes(sum(inst.demand)),
        "feedstocks": _feedstocks(),
        "supply": pd.DataFrame({"site_id": [customers[j] for j in served],
                                "feedstock_id": FEEDSTOCK, "week": START_WEEK,
                                "tonnes": [inst.demand[j] for j in served]}),
        "plants": _plants(plants),
        "expansions": pd.DataFrame({"site_id": plants, "option": OPTION,
                                    "extra_capacity_t_per_week": list(inst.capacity),
                                    "fixed_cost_gbp": list(inst.fixed_cost),
                                    "available_from_week": START_WEEK}),
        "lanes": _lanes(inst, customers, plants, served),
    }


def _sites(customers: list[str], plants: list[str]) -> pd.DataFrame:
    """Place sources and plants on one landmass; storage 0 so no tonne can stay anywhere.

    Coordinates are dummies in central England (every lane gives its distance).
    """
    ids = customers + plants
    kinds = ["source"] * len(customers) + ["plant"] * len(plants)
    lats = [52.0 + 0.01 * k for k in range(len(customers))] \
        + [52.0 + 0.01 * k for k in range(len(plants))]
    lons = [-2.0] * len(customers) + [-1.0] * len(plants)
    return pd.DataFrame({"site_id": ids, "name": ids, "kind": kinds, "lat": lats, "lon": lons,
                         "landmass": LANDMASS, "cleared": False, "storage_t": 0.0,
                         "holding_gbp_per_t_week": 0.0})


def _modes(total_demand: float) -> pd.DataFrame:
    """One free, continuous road mode; one trip can carry all the demand there is."""
    return pd.DataFrame({"mode": [MODE], "kind": ["road"], "payload_t": [max(total_demand, 1.0)],
                         "cost_gbp_per_km": [0.0], "trip_fixed_gbp": [0.0],
                         "handling_gbp_per_t": [0.0], "co2e_kg_per_tkm": [0.0],
                         "integer_trips": [False]})


def _feedstocks() -> pd.DataFrame:
    """Declare a single unrestricted feedstock: the demand being served."""
    return pd.DataFrame({"feedstock_id": [FEEDSTOCK], "name": ["OR-Library demand"],
                         "sector": ["industrial"], "restricted": [False],
                         "magnet_share": [1.0], "reo_share": [0.0]})


def _plants(plants: list[str]) -> pd.DataFrame:
    """Facilities: no base capacity, no processing cost, no product value."""
    return pd.DataFrame({"site_id": plants, "process": "long_loop", "capacity_t_per_week": 0.0,
                         "cost_gbp_per_t": 0.0, "product": "served",
                         "yield_basis": "magnet_share", "yield": 0.0,
                         "product_value_gbp_per_t": 0.0, "min_weekly_t": 0.0})


def _lanes(inst: CapInstance, customers: list[str], plants: list[str],
           served: list[int]) -> pd.DataFrame:
    """Every customer-facility pair; cost per tonne = cost of all the demand / demand."""
    rows = [(customers[j], plants[i], inst.cost[j][i] / inst.demand[j])
            for j in served for i in range(inst.facilities)]
    lanes = pd.DataFrame(rows, columns=["origin", "destination", "cost_gbp_per_t"])
    return lanes.assign(mode=MODE, distance_km=1.0, trip_cost_gbp=0.0)[
        ["origin", "destination", "mode", "distance_km", "trip_cost_gbp", "cost_gbp_per_t"]]


def to_scenario(inst: CapInstance, name: str | None = None) -> Scenario:
    """Return the validated scenario of an instance (name defaults to the instance's)."""
    name = name or inst.name
    return from_tables(scenario_config(inst, name), scenario_tables(inst),
                       source=f"<orlib {inst.name}>")


# ---------------------------------------------------------------- writing

def write_scenario(inst: CapInstance, folder: str | Path, name: str | None = None) -> Path:
    """Write the instance as a scenario folder (CSV tables + scenario.toml) for the CLI.

    Same tables as :func:`to_scenario`; pandas writes floats in their shortest
    round-trip form, so the folder loads back to exactly the same numbers.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for table, frame in scenario_tables(inst).items():
        frame.to_csv(folder / SPECS[table].file, index=False)
    config = scenario_config(inst, name or inst.name)
    (folder / "scenario.toml").write_text(toml_text(config), encoding="utf-8")
    return folder
