"""The validated, frozen scenario that every later stage reads and none changes.

:func:`load_scenario` (files), :func:`from_tables` (frames in memory) and
:meth:`Scenario.with_overrides` / :meth:`Scenario.replace` (what-if) all make a
scenario the same way: raw cells -> :func:`~feedstock.optimizer.scenario.load.validate_raw`
-> :func:`from_raw`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import pandas as pd

from feedstock.optimizer.base.errors import ScenarioError
from feedstock.optimizer.base.weeks import horizon_labels, is_year, parse_iso_week, period_of
from feedstock.optimizer.scenario import overrides as ov
from feedstock.optimizer.scenario.commitments import apply_commitments
from feedstock.optimizer.scenario.config import ScenarioConfig, override
from feedstock.optimizer.scenario.elements import element_columns
from feedstock.optimizer.scenario.load import raw_from_tables, read_raw, renamed_note, validate_raw
from feedstock.optimizer.scenario.products import plant_products
from feedstock.optimizer.scenario.raw import RawScenario
from feedstock.optimizer.scenario.rules import empty_table, numeric_attributes

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Scenario:
    """A validated scenario: config plus typed tables (docs/scenario-format.md).

    Tables are handed out as copies (cheap under pandas copy-on-write), so no
    caller can change the scenario another caller sees. A what-if is a new
    scenario from :meth:`replace`, validated again.
    """

    config: ScenarioConfig
    _tables: Mapping[str, pd.DataFrame] = field(repr=False)
    source: str = "<memory>"
    notes: tuple[str, ...] = ()
    overrides: tuple[Mapping[str, str], ...] = ()
    """What-if overrides applied to the loaded scenario, in order (see ``with_overrides``)."""

    @classmethod
    def load(cls, path: str | Path) -> Scenario:
        """Read and validate a scenario folder or .xlsx workbook (``load_scenario``)."""
        return load_scenario(path)

    def __post_init__(self) -> None:
        frozen = {k: v.reset_index(drop=True) for k, v in self._tables.items()}
        object.__setattr__(self, "_tables", MappingProxyType(frozen))

    def __getstate__(self) -> dict[str, Any]:
        """Picklable (for worker processes and Dask): the read-only view as a plain dict."""
        state = dict(self.__dict__)
        state["_tables"] = dict(self._tables)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for k, v in state.items():
            object.__setattr__(self, k, v)
        object.__setattr__(self, "_tables", MappingProxyType(dict(state["_tables"])))

    @property
    def tables(self) -> Mapping[str, pd.DataFrame]:
        """Every validated input table, as copies (changing one changes nothing here)."""
        return MappingProxyType({k: v.copy(deep=False) for k, v in self._tables.items()})

    # ------------------------------------------------------------ horizon
    @property
    def name(self) -> str:
        """Scenario name from scenario.toml."""
        return self.config.name

    @property
    def weeks(self) -> tuple[str, ...]:
        """ISO week labels of periods 1..W."""
        return horizon_labels(self.config.start_week, self.config.weeks)

    @property
    def horizon(self) -> int:
        """Number of weeks W."""
        return self.config.weeks

    def period(self, week: str) -> int:
        """Period number of an ISO week (may fall outside 1..W)."""
        return period_of(week, self.config.start_week)

    # ------------------------------------------------------------ tables
    def table(self, name: str) -> pd.DataFrame:
        """A copy of one input table as validated (no derived columns)."""
        return self._tables[name].copy(deep=False)

    @property
    def sites(self) -> gpd.GeoDataFrame:
        """Sites with WGS84 point geometry."""
        df = self.table("sites")
        return gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(df["lon"], df["lat"]),
                                crs="EPSG:4326")

    @property
    def modes(self) -> pd.DataFrame:
        """Transport modes."""
        return self.table("modes")

    @property
    def feedstocks(self) -> pd.DataFrame:
        """Feedstock grades and their attributes."""
        return self.table("feedstocks")

    @property
    def attributes(self) -> list[str]:
        """Numeric feedstock columns (blend attributes, yield bases)."""
        return numeric_attributes(self._tables["feedstocks"])

    @property
    def supply(self) -> pd.DataFrame:
        """Supply rows inside the horizon, with their ``period``."""
        df = self.table("supply")
        df["period"] = [self.period(w) for w in df["week"]]
        return df[(df["period"] >= 1) & (df["period"] <= self.horizon)].reset_index(drop=True)

    @property
    def inventory(self) -> pd.DataFrame:
        """Opening stock (start of week 1)."""
        return self.table("inventory")

    @property
    def in_transit(self) -> pd.DataFrame:
        """Shipments already on their way that arrive inside the horizon, with ``period``."""
        df = self.table("in_transit")
        df["period"] = [self.period(w) for w in df["arrival_week"]]
        return df[df["period"] <= self.horizon].reset_index(drop=True)

    @property
    def inflows(self) -> pd.DataFrame:
        """Tonnes that appear at a site in a week from outside the plan.

        Supply at sources and in-transit arrivals at their destination:
        ``site_id, feedstock_id, period, tonnes`` (opening stock is separate).
        """
        arriving = self.in_transit.rename(columns={"destination": "site_id"})
        cols = ["site_id", "feedstock_id", "period", "tonnes"]
        return pd.concat([self.supply[cols], arriving[cols]], ignore_index=True)

    @property
    def plants(self) -> pd.DataFrame:
        """Processing plants."""
        return self.table("plants")

    @property
    def lanes(self) -> pd.DataFrame:
        """Explicit arcs and overrides."""
        return self.table("lanes")

    @property
    def hubs(self) -> pd.DataFrame:
        """Hub capacities, handling and open/close costs."""
        return self.table("hubs")

    @property
    def plant_products(self) -> pd.DataFrame:
        """What every plant makes: ``site_id, product, yield_basis, yield, value_gbp_per_t``.

        plant_products.csv rows for the plants that have some, else the single
        product of the plant's plants.csv row (``feedstock.optimizer.scenario.products``).
        """
        return plant_products(self._tables["plants"], self._tables["plant_products"])

    @property
    def elements(self) -> dict[str, str]:
        """Element symbol -> feedstocks.csv share column, for the elements the data has."""
        return element_columns(self._tables["feedstocks"])

    @property
    def plant_specs(self) -> pd.DataFrame:
        """Feed blend bounds per plant and attribute."""
        return self.table("plant_specs")

    @property
    def expansions(self) -> pd.DataFrame:
        """Expansion options with ``first_period`` (W+1 = never inside the horizon)."""
        df = self.table("expansions")
        df["first_period"] = [self.horizon + 1 if pd.isna(w)  # a strategic-only option
                              else min(max(1, self.period(w)), self.horizon + 1)
                              for w in df["available_from_week"]]
        return df

    @property
    def outlets(self) -> pd.DataFrame:
        """Outlet price rows (feedstock or ``*``)."""
        return self.table("outlets")

    @property
    def offtake(self) -> pd.DataFrame:
        """Offtake rows inside the horizon; ``period`` 0 means the whole horizon."""
        df = self.table("offtake")
        df = df[~df["week"].map(is_year).astype(bool)]  # a year: strategic runs only
        df["period"] = [0 if w == "all" else self.period(w) for w in df["week"]]
        inside = (df["period"] == 0) | df["period"].between(1, self.horizon)
        return df[inside].reset_index(drop=True)

    # ------------------------------------------------------------ what-if
    def replace(self, config: Mapping[str, Any] | None = None,
                **tables: pd.DataFrame) -> Scenario:
        """A new validated scenario with dotted config keys and/or whole tables replaced.

        >>> cheaper = sc.replace({"policy.leakage_penalty_gbp_per_t": 0})
        >>> bigger = sc.replace(plants=sc.plants.assign(capacity_t_per_week=10))
        """
        cfg = override(self.config, dict(config or {}))
        merged = dict(self.tables)
        unknown = set(tables) - set(merged)
        if unknown:
            raise KeyError(f"unknown table(s): {', '.join(sorted(unknown))}")
        merged.update(tables)
        return from_tables(cfg.model_dump(), merged, source=self.source)

    def with_overrides(self, overrides: Mapping[str, Any] | Iterable[str] | str | Path
                       ) -> Scenario:
        """A new validated scenario with what-if overrides applied (this one is unchanged).

        ``overrides`` is a dict ``{key [op]: value}``, a list of ``"key op value"``
        lines, or the path of a TOML override file; the key syntax is in
        :mod:`feedstock.optimizer.scenario.overrides`:

        >>> ban = sc.with_overrides({"outlets.max_t_per_week[*]": 0})
        >>> windy = sc.with_overrides(["supply.tonnes[sector=wind] *= 2"])
        """
        if isinstance(overrides, str | Path) and not isinstance(overrides, Mapping):
            parsed = ov.read_file(overrides)
        else:
            parsed = ov.parse(overrides)
        config, tables = ov.apply(self.config, self._tables, parsed)
        try:
            new = self.replace(config, **tables)
        except ScenarioError as exc:  # a value the data rules refuse, found in its table
            raise ScenarioError(exc.problems, where=f"{self.source} with overrides "
                                f"({'; '.join(o.text for o in parsed)})") from None
        return dataclasses.replace(new, overrides=(*self.overrides,
                                                   *(o.as_dict() for o in parsed)))

    def committed(self) -> Scenario:
        """The scenario as a weekly run reads it: commitments.csv taken as decided.

        Expansions, lane contracts and hub openings it names are fixed (built /
        open at no fixed cost, or never): see
        :mod:`feedstock.optimizer.scenario.commitments`. The commitments are then
        in those tables, so the result has no commitments.csv of its own.
        """
        if self._tables["commitments"].empty:
            return self
        tables, notes = apply_commitments(self._tables, parse_iso_week(self.weeks[0]),
                                          parse_iso_week(self.weeks[-1]))
        new = self.replace(**tables, commitments=empty_table("commitments"))
        return dataclasses.replace(new, notes=(*new.notes, *notes), overrides=self.overrides)

    def describe(self) -> dict[str, Any]:
        """Short description for ``feedstock validate``."""
        sites = self._tables["sites"]
        supply = self.supply
        return {
            "name": self.name,
            "weeks": f"{self.weeks[0]} .. {self.weeks[-1]} ({self.horizon} weeks)",
            "sites_by_kind": sites["kind"].value_counts().sort_index().to_dict(),
            "feedstocks": list(self.tables["feedstocks"]["feedstock_id"]),
            "supply_t_by_sector": supply.merge(self._tables["feedstocks"][
                ["feedstock_id", "sector"]], on="feedstock_id")
            .groupby("sector")["tonnes"].sum().round(3).to_dict(),
            "supply_weeks": (f"{supply['week'].min()} .. {supply['week'].max()}"
                             if len(supply) else "none"),
            "opening_stock_t": round(float(self._tables["inventory"]["tonnes"].sum()), 3),
            "in_transit_t": round(float(self.in_transit["tonnes"].sum()), 3),
        }


def load_scenario(path: str | Path, *, config: Mapping[str, Any] | None = None,
                  files: Mapping[str, str | Path | None] | None = None) -> Scenario:
    """Read and validate a scenario folder or .xlsx workbook; raise :class:`ScenarioError`.

    The error lists every problem at once. ``config`` sets top-level scenario.toml
    keys before validation (e.g. ``{"start_week": "2026-W49"}`` for a weekly run).
    ``files`` reads a table from another CSV file instead of the folder's file or
    the workbook's sheet (``{"inventory": "stock.csv"}``), or treats it as absent
    (``None``); problems then name that file (its path as given), with its own rows.
    """
    return from_raw(read_raw(path, config=config, files=files))


def from_tables(config: Mapping[str, Any], tables: Mapping[str, pd.DataFrame | None],
                source: str = "<memory>") -> Scenario:
    """Validate in-memory tables (any dtypes) exactly as files would be validated.

    Used for what-if scenarios and tests: every cell goes through the same
    parsers and rules as a CSV cell, so a scenario built in Python can never
    hold a value a file could not.
    """
    return from_raw(raw_from_tables(config, tables, source))


def from_raw(raw: RawScenario) -> Scenario:
    """The frozen scenario of raw cells that pass every rule (else :class:`ScenarioError`)."""
    valid = validate_raw(raw)
    scenario = Scenario(valid.config, valid.tables, source=valid.source, notes=valid.notes)
    return _with_horizon_notes(scenario, raw)


def _with_horizon_notes(sc: Scenario, raw: RawScenario | None = None) -> Scenario:
    """Say how many dated rows fall outside the horizon (they are ignored)."""
    extra = []
    outside = len(sc.table("supply")) - len(sc.supply)
    if outside:
        extra.append(f"supply.csv: {outside} row(s) outside {sc.weeks[0]}..{sc.weeks[-1]} ignored")
    outside = len(sc.table("in_transit")) - len(sc.in_transit)
    if outside:
        extra.append(f"in_transit.csv: {outside} shipment(s) arriving after {sc.weeks[-1]} "
                     "ignored")
    years = int(sc.table("offtake")["week"].map(is_year).sum())
    outside = len(sc.table("offtake")) - len(sc.offtake) - years
    if outside:
        extra.append(f"offtake.csv: {outside} row(s) outside the horizon ignored")
    if years:
        extra.append(f"offtake.csv: {years} row(s) naming a year are for strategic runs: "
                     "ignored by weekly runs")
    late = sc.expansions[sc.expansions["first_period"] > sc.horizon]
    for r in late.itertuples():
        if pd.isna(r.available_from_week):
            extra.append(f"expansions.csv: {r.site_id}/{r.option} has no available_from_week: "
                         "a strategic-only option (weekly runs never build it)")
        else:
            extra.append(f"expansions.csv: {r.site_id}/{r.option} available from "
                         f"{r.available_from_week}, after the horizon: never built in this "
                         "weekly run")
    if raw is not None:
        extra = [renamed_note(n, raw) for n in extra]
    for n in (*sc.notes, *extra):
        log.info(n)
    if not extra:
        return sc
    return dataclasses.replace(sc, notes=(*sc.notes, *extra))
