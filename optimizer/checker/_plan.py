"""The checker's plumbing: :class:`Violation`, the plan's tables read once, tolerances.

Nothing here imports Pyomo, ``models`` or the solver: a plan is read from the
public tables of a Result (``result.flows`` ...) and from the Scenario alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from feedstock.optimizer.checker.years import Years

COLUMNS: dict[str, list[str]] = {
    "flows": ["origin", "destination", "mode", "feedstock_id", "week", "arrival_week",
              "tonnes_t", "trips", "period"],
    "lane_weeks": ["origin", "destination", "mode", "week", "trips", "tonnes_t", "period"],
    "plants": ["site_id", "product", "week", "feed_t", "capacity_t_per_week", "running",
               "output_t", "period"],
    "plant_feed": ["site_id", "feedstock_id", "week", "feed_t", "product", "output_t", "period"],
    "plant_output": ["site_id", "product", "feedstock_id", "week", "output_t", "value_gbp",
                     "period"],
    "stock": ["site_id", "feedstock_id", "week", "stock_t", "period"],
    "leakage": ["site_id", "feedstock_id", "sector", "week", "tonnes_t", "price_gbp_per_t",
                "penalty_gbp_per_t", "price_row", "period"],
    "decisions": ["decision", "id", "site_id", "chosen", "fixed_cost_gbp"],
    "arcs": ["arc", "origin", "destination", "mode", "mode_kind", "distance_km",
             "trip_cost_gbp", "cost_gbp_per_t", "max_trips_per_week", "fixed_cost_gbp",
             "transit_weeks", "payload_t", "integer_trips", "co2e_kg_per_t", "origin_kind",
             "destination_kind", "defined_by"],
}
NUMERIC = {"tonnes_t", "trips", "period", "feed_t", "capacity_t_per_week", "output_t", "value_gbp",
           "stock_t", "price_gbp_per_t", "penalty_gbp_per_t", "fixed_cost_gbp", "distance_km",
           "trip_cost_gbp", "cost_gbp_per_t", "max_trips_per_week", "transit_weeks",
           "payload_t", "co2e_kg_per_t"}
ROUNDING = 1e-6  # t: tables round to 6 decimals and drop rows below this


@dataclass(frozen=True)
class Violation:
    """One broken rule of docs/model.md, where it is broken, and by how much."""

    rule: str
    where: str
    detail: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.where}: {self.detail}"


def truthy(values: Any) -> pd.Series:
    """Booleans from bools, 0/1 or 'true'/'false' text (tables may come from CSV)."""
    s = pd.Series(values)
    return s.map(lambda v: str(v).strip().lower() in ("true", "1", "1.0", "yes", "y", "t"))


def arc_id(df: pd.DataFrame) -> pd.Series:
    """Arc id ``origin>destination>mode`` of each row."""
    return df["origin"].astype(str) + ">" + df["destination"].astype(str) + ">" \
        + df["mode"].astype(str)


def num(x: float) -> str:
    """Format a number for a message: short, but never hiding a small difference."""
    return f"{x:.6g}" if abs(x) >= 1e-3 or x == 0 else f"{x:.3e}"


def _has(result: Any, name: str) -> bool:
    try:
        return getattr(result, name) is not None
    except (AttributeError, KeyError):
        return False


def _table(result: Any, name: str) -> pd.DataFrame:
    try:
        df = getattr(result, name)
    except (AttributeError, KeyError):  # a result made before the table existed
        df = None
    df = pd.DataFrame(columns=COLUMNS[name]) if df is None else pd.DataFrame(df).copy()
    for col in COLUMNS[name]:
        if col not in df.columns:
            df[col] = np.nan
    for col in NUMERIC.intersection(df.columns):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype(float)
    if "period" in df.columns:
        df["period"] = df["period"].fillna(-1).astype(int)
    return df.reset_index(drop=True)


class Plan:
    """A solved plan's tables (numeric, with arc ids) and the scenario facts the rules need."""

    def __init__(self, sc: Any, result: Any, tol: float):
        self.sc, self.result, self.tol = sc, result, tol
        self.years: Years | None = None
        self.contract_factor = 1.0
        # week arithmetic and horizon filters are redone here, not taken from the
        # Scenario's derived columns, so a bug there cannot pass both sides
        self.horizon = int(sc.config.weeks)
        self.monday = _monday(sc.config.start_week)
        self.weeks = tuple(_label(self.monday + timedelta(weeks=k)) for k in range(self.horizon))
        self.supply = self._inside(sc.table("supply"))
        transit = sc.table("in_transit").rename(columns={"arrival_week": "week"})
        self.in_transit = self._inside(transit)  # arrivals of shipments already on their way
        self.offtake = self._inside(sc.table("offtake"), allow_all=True)
        exp = sc.table("expansions")
        exp["first_period"] = [self.horizon + 1 if pd.isna(w)  # blank: strategic runs only
                               else max(1, int(self.period_of(w)))
                               for w in exp["available_from_week"]]
        exp["key"] = exp["site_id"] + "/" + exp["option"]
        exp["last_period"] = self.horizon
        exp["cost_gbp"] = exp["fixed_cost_gbp"]
        self.expansions = exp
        if getattr(result, "strategic", False) and sc.config.strategy is not None:
            self._read_years(sc)
        t = {name: _table(result, name) for name in COLUMNS}
        sites = pd.DataFrame(sc.sites).drop(columns="geometry", errors="ignore")
        self.sites = sites.set_index("site_id")
        self.kind: dict[str, str] = self.sites["kind"].to_dict()
        self.cleared: dict[str, bool] = dict(zip(self.sites.index,
                                                 truthy(self.sites["cleared"].fillna(False)),
                                                 strict=True))
        self.feeds = sc.feedstocks.set_index("feedstock_id")
        self.restricted = set(self.feeds.index[truthy(self.feeds["restricted"]
                                                      .fillna(False)).to_numpy()])
        pol = sc.config.policy
        self.element_kg = {el: self.feeds[f"{el}_share"].astype(float).fillna(0.0) * 1000.0
                           for el in _ELEMENTS if f"{el}_share" in self.feeds.columns}
        self.penalty = {f: (pol.sectors[s].leakage_penalty_gbp_per_t if s in pol.sectors
                            else pol.leakage_penalty_gbp_per_t)
                        + sum(p.leakage_penalty_gbp_per_kg * float(self.element_kg[el][f])
                              for el, p in pol.elements.items() if el in self.element_kg)
                        for f, s in self.feeds["sector"].items()}
        self.products = _products(sc.table("plants"), sc.table("plant_products"))

        arcs = t["arcs"]
        self.arcs_table = arcs
        self.arcs = arcs.drop_duplicates("arc").set_index("arc")
        self.integer = dict(zip(self.arcs.index, truthy(self.arcs["integer_trips"]), strict=True))

        flows = t["flows"]
        flows["arc"] = arc_id(flows)
        transit = flows["arc"].map(self.arcs["transit_weeks"])
        by_label = pd.Series([self.period_of(w) for w in flows["arrival_week"]],
                             index=flows.index, dtype=float) - flows["period"]
        flows["transit"] = transit.fillna(by_label).fillna(0).astype(int)
        flows["arrival"] = flows["period"] + flows["transit"]
        self.flows = flows

        lanes = t["lane_weeks"]
        lanes["arc"] = arc_id(lanes)
        self.lane_weeks = lanes
        self.trips = lanes.groupby(["arc", "period"])["trips"].sum()

        self.plants_table = t["plants"]
        self.feed = t["plant_feed"]
        self.output = t["plant_output"]
        self.has_output = _has(result, "plant_output")
        self.stock = t["stock"]
        self.leak = t["leakage"]
        dec = t["decisions"]
        dec["chosen"] = truthy(dec["chosen"]).to_numpy()
        self.decisions = dec
        self.prices, self.outlet_rows = self._outlet_prices()

    def _read_years(self, sc: Any) -> None:
        """A strategic plan: periods are years (or quarters), read by ``checker.years``."""
        years = self.years = Years.of(sc)
        self.supply = years.supply(sc, self.supply)
        self.horizon = years.count
        self.weeks = years.labels
        transit = sc.table("in_transit").rename(columns={"arrival_week": "week"})
        self.in_transit = transit.assign(period=1)  # shipments on their way arrive first
        off = sc.table("offtake")
        off = off[off["week"].astype(str).str.fullmatch(r"\d{4}|all")].copy()
        off["periods"] = [tuple(range(1, years.count + 1)) if w == "all" else tuple(
            t for t, y in enumerate(years.years, start=1) if str(y) == w) for w in off["week"]]
        self.offtake = off[off["periods"].map(len) > 0].assign(
            period=lambda d: [0 if w == "all" else p[0] for w, p in zip(d["week"], d["periods"],
                                                                        strict=True)])
        self.expansions = years.builds(sc.table("expansions"))
        self.contract_factor = years.fixed_cost_factor()

    # ------------------------------------------------------------ helpers
    def weeks_in(self, period: int) -> float:
        """Weeks in a period (1 in a weekly plan): every per-week rate scales by it."""
        return 1.0 if self.years is None else self.years.weeks[int(period) - 1]

    def discount(self, period: int) -> float:
        """Discount factor of a period (1 in a weekly plan)."""
        return 1.0 if self.years is None else self.years.discount[int(period) - 1]

    def price_index(self, item: str, period: int) -> float:
        """prices.csv index of a product or of 'outlets' in a period (1 in a weekly plan)."""
        if self.years is None:
            return 1.0
        return self.years.price_index(self.sc.table("prices"), item, int(period))

    def banned(self, period: int) -> bool:
        """Whether outlets may not buy in a period (the strategic export ban)."""
        return self.years is not None and self.years.banned(int(period))

    def period_of(self, label: Any) -> float:
        """Period of an ISO week label (a year or quarter label in a strategic plan), or NaN."""
        if self.years is not None:
            return self.years.period_of(label)
        try:
            return float((_monday(str(label)) - self.monday).days // 7 + 1)
        except (ValueError, TypeError):
            return math.nan

    def _inside(self, df: pd.DataFrame, allow_all: bool = False) -> pd.DataFrame:
        """Rows whose ``week`` falls in the horizon (or is 'all'), with ``period`` (0 = all)."""
        df = df.copy()
        df["period"] = [0 if allow_all and str(w) == "all" else self.period_of(w)
                        for w in df["week"]]
        keep = df["period"].between(1, self.horizon) | (allow_all & (df["period"] == 0))
        return df[keep].astype({"period": int}).reset_index(drop=True)

    def wk(self, period: Any) -> str:
        """ISO label of a period (or 'period k' outside the horizon)."""
        p = int(period)
        return self.weeks[p - 1] if 1 <= p <= self.horizon else f"period {p}"

    def slack(self, scale: float, terms: int = 1) -> float:
        """Return the error allowed on ``scale`` tonnes summed from ``terms`` table rows."""
        return self.tol * max(1.0, abs(scale)) + ROUNDING * terms

    def chosen(self, decision: str, key: str, site: str | None = None,
               option: str | None = None) -> bool:
        """Whether a yes/no decision was taken (a missing row means no)."""
        d = self.decisions
        d = d[(d["decision"] == decision) & d["chosen"]]
        ids = set(d["id"].astype(str))
        if key in ids:
            return True
        return option is not None and bool(((d["id"] == option) & (d["site_id"] == site)).any())

    def available_t(self) -> float:
        """Supply inside the horizon plus opening stock plus in-transit arrivals."""
        return float(self.supply["tonnes"].sum() + self.sc.inventory["tonnes"].sum()
                     + self.in_transit["tonnes"].sum())

    def _outlet_prices(self) -> tuple[dict[tuple[str, str], tuple[float, str]], pd.DataFrame]:
        """(outlet, feedstock) -> (price, row): own row beats ``*``; ``*`` = unrestricted only."""
        rows = self.sc.outlets
        prices: dict[tuple[str, str], tuple[float, str]] = {}
        for r in rows[rows["feedstock_id"] != "*"].itertuples(index=False):
            prices[r.site_id, r.feedstock_id] = (float(r.price_gbp_per_t), r.feedstock_id)
        for r in rows[rows["feedstock_id"] == "*"].itertuples(index=False):
            for f in self.feeds.index:
                if f not in self.restricted and (r.site_id, f) not in prices:
                    prices[r.site_id, f] = (float(r.price_gbp_per_t), "*")
        return prices, rows.reset_index(drop=True)

    def node_kind(self, sites: pd.Series) -> pd.Series:
        """Kind of each site id ('' when unknown)."""
        return sites.map(self.kind).fillna("")

    def base_capacity(self) -> dict[str, float]:
        """plants.csv capacity per plant."""
        return self.sc.plants.set_index("site_id")["capacity_t_per_week"].astype(float).to_dict()

    def capacity(self, plant: str, period: int) -> float:
        """Base capacity plus the chosen builds online in ``period``, t/week."""
        cap = self.base_capacity().get(plant, 0.0)
        for r in self.expansions.itertuples(index=False):
            if r.site_id == plant and r.first_period <= period <= r.last_period and \
                    self.chosen("expansion", r.key, r.site_id, r.option):
                cap += float(r.extra_capacity_t_per_week)
        return cap

    def made_by(self, plant: str) -> pd.DataFrame:
        """The products of a plant: product, yield_basis, yield, value_gbp_per_t."""
        return self.products[self.products["site_id"] == plant]

    def output_per_t(self, plant: str, feedstock: str, product: str | None = None) -> float:
        """T of ``product`` (default: of all its products) per t fed (NaN if unknown).

        Each product: yield x the sum of the feedstock's basis columns (``a+b``).
        """
        rows = self.made_by(plant)
        if product is not None:
            rows = rows[rows["product"] == product]
        if rows.empty or feedstock not in self.feeds.index:
            return math.nan
        return float(sum(float(r.yield_) * self.basis(feedstock, r.yield_basis)
                         for r in rows.rename(columns={"yield": "yield_"}).itertuples()))

    def value_per_t(self, plant: str, feedstock: str, period: int = 1) -> float:
        """GBP of products per t fed: sum over the plant's products of value x output.

        A product's value carries its prices.csv index in a strategic plan.
        """
        rows = self.made_by(plant)
        if rows.empty or feedstock not in self.feeds.index:
            return math.nan
        return float(sum(float(r.value) * self.price_index(r.product, period) * float(r.yield_)
                         * self.basis(feedstock, r.yield_basis)
                         for r in rows.rename(columns={"yield": "yield_", "value_gbp_per_t":
                                                       "value"}).itertuples()))

    def basis(self, feedstock: str, basis: str) -> float:
        """T of basis per t of feedstock: the sum of the named columns."""
        return float(sum(float(self.feeds.at[feedstock, c.strip()])
                         for c in str(basis).split("+") if c.strip()))


_ELEMENTS = ("nd", "pr", "dy", "tb", "gd", "ho", "sm", "la", "ce")  # <symbol>_share columns


def _products(plants: pd.DataFrame, many: pd.DataFrame) -> pd.DataFrame:
    """Each plant's products: plant_products.csv rows, else the plants.csv product columns."""
    cols = ["site_id", "product", "yield_basis", "yield", "value_gbp_per_t"]
    listed = set(many["site_id"]) if len(many) else set()
    one = plants[~plants["site_id"].isin(listed)].rename(
        columns={"product_value_gbp_per_t": "value_gbp_per_t"})
    one = one[one["product"].notna()]
    return pd.concat([one[cols], many[cols] if len(many) else one[cols].iloc[:0]],
                     ignore_index=True)


def _monday(label: str) -> date:
    """Monday of an ISO week label 'YYYY-Www' (ValueError otherwise)."""
    year, week = label.strip().split("-W")
    return date.fromisocalendar(int(year), int(week), 1)


def _label(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"
