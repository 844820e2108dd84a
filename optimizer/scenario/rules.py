"""Rules that join tables: references, kinds, custody, landmasses (scenario-format.md).

Each function checks one rule family on typed tables (index = spreadsheet row)
and returns problems; nothing stops at the first one.
"""

from __future__ import annotations

import pandas as pd

from feedstock.optimizer.base.errors import Problem
from feedstock.optimizer.scenario.config import ScenarioConfig
from feedstock.optimizer.scenario.elements import (
    ELEMENTS,
    element_columns,
    reo_notes,
    share_problems,
)
from feedstock.optimizer.scenario.products import SINGLE, basis_columns
from feedstock.optimizer.scenario.tables import MAX_NUMBER, SPECS, to_float

Tables = dict[str, pd.DataFrame]


def cross_table_problems(t: Tables, cfg: ScenarioConfig | None) -> tuple[list[Problem], list[str]]:
    """Every cross-table rule; returns (problems, notes)."""
    problems: list[Problem] = []
    notes: list[str] = []
    for rule in (_feedstock_rules, _supply_rules, _inventory_rules, _in_transit_rules,
                 _plant_rules, _lane_rules, _hub_rules, _spec_rules, _expansion_rules,
                 _outlet_rules, _offtake_rules, _element_rules):
        problems += rule(t)
    if cfg is not None:
        problems += _arrived_before_start(t, cfg)
        problems += _element_policy(t, cfg)
        notes += _sector_notes(t, cfg)
    notes += _hub_notes(t)
    notes += reo_notes(t["feedstocks"])
    return problems, notes


# ------------------------------------------------------------------ helpers

def _sites(t: Tables) -> pd.DataFrame:
    return t["sites"].dropna(subset=["site_id"]).drop_duplicates("site_id").set_index("site_id")


def _kind_of(t: Tables) -> dict[str, str]:
    return _sites(t)["kind"].to_dict()


def _is_set(v: object) -> bool:
    return v is not None and not pd.isna(v)


def _ref(file: str, df: pd.DataFrame, col: str, known: set[str], what: str) -> list[Problem]:
    """Every non-blank value of ``col`` must be one of ``known``."""
    out = []
    for row, v in df[col].items():
        if _is_set(v) and v not in known:
            out.append(Problem(file, int(row), col, str(v), f"unknown {what}"))
    return out


def _site_kind(file: str, df: pd.DataFrame, col: str, kinds: dict[str, str],
               allowed: tuple[str, ...]) -> list[Problem]:
    """Sites named in ``col`` must exist and be of an allowed kind."""
    out = []
    for row, v in df[col].items():
        if not _is_set(v):
            continue
        if v not in kinds:
            out.append(Problem(file, int(row), col, str(v), "unknown site (not in sites)"))
        elif _is_set(kinds[v]) and kinds[v] not in allowed:  # a bad kind is reported in sites
            out.append(Problem(file, int(row), col, str(v),
                               f"site is of kind {kinds[v]}; must be of kind "
                               f"{' or '.join(allowed)}"))
    return out


def _restricted(t: Tables) -> set[str]:
    f = t["feedstocks"]
    return set(f.loc[f["restricted"].fillna(False).astype(bool), "feedstock_id"].dropna())


def _custody(file: str, df: pd.DataFrame, t: Tables, col: str = "site_id") -> list[Problem]:
    """Restricted feedstock may only be held at (or sent to) cleared sites."""
    cleared = _sites(t)["cleared"].fillna(False).astype(bool).to_dict()
    # vectorised: a row-by-row loop took 4.3 s on 2,000 sources' supply (profiled)
    uncleared = df[col].map(cleared).eq(False)  # a known site, not cleared
    bad = df[df["feedstock_id"].isin(_restricted(t)) & uncleared]
    return [Problem(file, int(row), col, str(site),
                    f"restricted feedstock {feed} at a site that is not cleared (chain of custody)")
            for row, site, feed in zip(bad.index, bad[col], bad["feedstock_id"], strict=True)]


def numeric_attributes(feedstocks: pd.DataFrame) -> list[str]:
    """Feedstock columns usable as blend attributes or yield bases."""
    known = {"feedstock_id", "name", "sector", "restricted"}
    return [c for c in feedstocks.columns
            if c not in known and pd.api.types.is_float_dtype(feedstocks[c])]


# ------------------------------------------------------------------ rules

def _feedstock_rules(t: Tables) -> list[Problem]:
    f = t["feedstocks"]
    bad = f["reo_share"] > f["magnet_share"]
    return [Problem("feedstocks.csv", int(row), "reo_share", f"{f.at[row, 'reo_share']:g}",
                    f"must be <= magnet_share ({f.at[row, 'magnet_share']:g})")
            for row in f.index[bad.fillna(False)]]


def _supply_rules(t: Tables) -> list[Problem]:
    s, kinds = t["supply"], _kind_of(t)
    return (_site_kind("supply.csv", s, "site_id", kinds, ("source",))
            + _ref("supply.csv", s, "feedstock_id", set(t["feedstocks"]["feedstock_id"]),
                   "feedstock (not in feedstocks.csv)")
            + _custody("supply.csv", s, t))


def _inventory_rules(t: Tables) -> list[Problem]:
    inv, kinds = t["inventory"], _kind_of(t)
    return (_site_kind("inventory.csv", inv, "site_id", kinds,
                       ("source", "hub", "port", "plant"))
            + _ref("inventory.csv", inv, "feedstock_id", set(t["feedstocks"]["feedstock_id"]),
                   "feedstock (not in feedstocks.csv)")
            + _custody("inventory.csv", inv, t))


def _in_transit_rules(t: Tables) -> list[Problem]:
    """Shipments on their way: known lane ends and mode, a receiving site, custody kept.

    They arrive at a site that receives by lane (never a source) and keeps stock
    (not an outlet: a shipment to a buyer is already sold).
    """
    f, kinds = "in_transit.csv", _kind_of(t)
    df = t["in_transit"]
    return (_site_kind(f, df, "origin", kinds, ("source", "hub", "port", "plant"))
            + _site_kind(f, df, "destination", kinds, ("hub", "port", "plant"))
            + _ref(f, df, "mode", set(t["modes"]["mode"].dropna()), "mode (not in modes.csv)")
            + _ref(f, df, "feedstock_id", set(t["feedstocks"]["feedstock_id"]),
                   "feedstock (not in feedstocks.csv)")
            + _custody(f, df, t, col="destination"))


def _arrived_before_start(t: Tables, cfg: ScenarioConfig) -> list[Problem]:
    """An in-transit shipment due before the horizon has arrived: it belongs in the stock."""
    from feedstock.optimizer.base.weeks import period_of

    out = []
    for row, w in t["in_transit"]["arrival_week"].items():
        if _is_set(w) and period_of(w, cfg.start_week) < 1:
            out.append(Problem("in_transit.csv", int(row), "arrival_week", str(w),
                               f"arrives before the horizon starts ({cfg.start_week}): it is "
                               "stock by now; count it in the opening stock (inventory.csv or "
                               "the stock-take) instead"))
    return out


def _plant_rules(t: Tables) -> list[Problem]:
    p, kinds = t["plants"], _kind_of(t)
    out = _site_kind("plants.csv", p, "site_id", kinds, ("plant",))
    out += _basis_rules(t, "plants.csv", p)
    out += _product_rules(t)
    listed = set(p["site_id"].dropna())
    sites = t["sites"]
    for row, r in sites.iterrows():
        if r["kind"] == "plant" and r["site_id"] not in listed:
            out.append(Problem("sites.csv", int(row), "site_id", str(r["site_id"]),
                               "plant site has no row in plants.csv"))
    return out


def _basis_rules(t: Tables, file: str, df: pd.DataFrame) -> list[Problem]:
    """A yield basis names numeric feedstock columns (``a`` or ``a+b``), none blank."""
    attrs = numeric_attributes(t["feedstocks"])
    out = []
    for row, basis in df["yield_basis"].items():
        if not _is_set(basis):
            continue
        columns = basis_columns(basis)
        if not columns:
            out.append(Problem(file, int(row), "yield_basis", str(basis),
                               "must name a numeric feedstocks.csv column or a +-sum of them"))
        for col in columns:
            why = f"used as yield_basis in {file} row {row}"
            if col in _text_attributes(t) and col not in attrs:
                out += _not_numbers(t, col, why)
            elif col not in attrs:
                out.append(Problem(file, int(row), "yield_basis", str(basis),
                                   f"{col} is not a numeric feedstocks.csv column "
                                   f"({', '.join(attrs)})"))
            else:  # t of basis per t of feed, before the plant's yield
                out += _attribute_cells(t, col, why, share=True)
    return out


def _product_rules(t: Tables) -> list[Problem]:
    """Each plant makes its plants.csv product or its plant_products.csv rows, not both."""
    p, many = t["plants"], t["plant_products"]
    kinds, listed = _kind_of(t), set(p["site_id"].dropna())
    out = _site_kind("plant_products.csv", many, "site_id", kinds, ("plant",))
    out += [Problem("plant_products.csv", int(row), "site_id", str(s),
                    "plant has no row in plants.csv (its capacity and cost)")
            for row, s in many["site_id"].items() if kinds.get(s) == "plant" and s not in listed]
    out += _basis_rules(t, "plant_products.csv", many)
    several = set(many["site_id"].dropna())
    if not several and len(p):
        missing = [c for c in SINGLE if p[c].isna().all()]
        out += [Problem("plants.csv", 1, c, None, "required column is missing or empty (or "
                        "give the plants' products in plant_products.csv)") for c in missing]
        if missing:
            return out
    for row, r in p.iterrows():
        for col in SINGLE:
            if r["site_id"] in several and _is_set(r[col]):
                out.append(Problem("plants.csv", int(row), col, str(r[col]),
                                   f"must be blank: {r['site_id']}'s products are in "
                                   "plant_products.csv"))
            elif r["site_id"] not in several and not _is_set(r[col]):
                out.append(Problem("plants.csv", int(row), col, "",
                                   "must not be blank: give the plant's product here (product, "
                                   "yield_basis, yield, product_value_gbp_per_t) or its products "
                                   "in plant_products.csv"))
    return out


def _attribute_cells(t: Tables, attr: str, why: str, share: bool = False) -> list[Problem]:
    """Cells of a numeric attribute a rule uses: none blank, none huge (a share: in [0, 1]).

    magnet_share and reo_share have their own ranges (feedstocks.csv rules).
    """
    f = t["feedstocks"]
    out = [Problem("feedstocks.csv", int(row), attr, "", f"must not be blank: {why}")
           for row in f.index[f[attr].isna()]]
    if attr in SPECS["feedstocks"].names:
        return out
    lo, hi = (0.0, 1.0) if share else (-MAX_NUMBER, MAX_NUMBER)
    rule = "must be in [0, 1]" if share else \
        "must be in [-1e9, 1e9]: larger numbers make the solver's arithmetic meaningless"
    bad = (f[attr] < lo) | (f[attr] > hi)
    return out + [Problem("feedstocks.csv", int(row), attr, f"{f.at[row, attr]:g}",
                          f"{rule}: {why}") for row in f.index[bad]]


def _lane_rules(t: Tables) -> list[Problem]:
    lanes = t["lanes"]
    if lanes.empty:
        return []
    sites = _sites(t)
    kinds = sites["kind"].to_dict()
    out = (_site_kind("lanes.csv", lanes, "origin", kinds, ("source", "hub", "port", "plant"))
           + _site_kind("lanes.csv", lanes, "destination", kinds,
                        ("hub", "port", "plant", "outlet"))
           + _ref("lanes.csv", lanes, "mode", set(t["modes"]["mode"]), "mode (not in modes.csv)"))
    mode_kind = t["modes"].drop_duplicates("mode").set_index("mode")["kind"].to_dict()
    land = sites["landmass"].to_dict()
    for row, r in lanes.iterrows():
        o, d = r["origin"], r["destination"]
        if _is_set(o) and o == d:
            out.append(Problem("lanes.csv", int(row), "destination", str(d),
                               "must differ from origin"))
        if mode_kind.get(r["mode"]) == "road" and o in land and d in land and land[o] != land[d]:
            out.append(Problem("lanes.csv", int(row), "mode", str(r["mode"]),
                               f"road lane joins {land[o]} and {land[d]}: road arcs only join "
                               "sites on the same landmass"))
    return out


def _hub_rules(t: Tables) -> list[Problem]:
    return _site_kind("hubs.csv", t["hubs"], "site_id", _kind_of(t), ("hub",))


def _text_attributes(t: Tables) -> set[str]:
    """Extra feedstocks.csv columns (not in the spec) that did not read as numbers."""
    return set(t["feedstocks"].columns) - set(SPECS["feedstocks"].names)


def _not_numbers(t: Tables, attr: str, why: str) -> list[Problem]:
    """Cells of a text feedstock column that a rule needs as numbers, each reported."""
    out = []
    for row, v in t["feedstocks"][attr].items():
        text = "" if not _is_set(v) else str(v).strip()
        try:  # the parser that decided the column is text: "inf", "1_000" are not numbers
            to_float(text or "0")
        except ValueError as exc:
            rule = str(exc) if str(exc).startswith("must") else "must be a number"
            out.append(Problem("feedstocks.csv", int(row), attr, text, f"{rule}: {why}"))
    return out


def _spec_rules(t: Tables) -> list[Problem]:
    specs = t["plant_specs"]
    if specs.empty:
        return []
    attrs = numeric_attributes(t["feedstocks"])
    out = _listed_plant("plant_specs.csv", specs, t)
    for row, r in specs.iterrows():
        a = r["attribute"]
        if _is_set(a) and a in _text_attributes(t) and a not in attrs:
            out += _not_numbers(t, a, f"used by plant_specs.csv row {row}")
        elif _is_set(a) and a not in attrs:
            out.append(Problem("plant_specs.csv", int(row), "attribute", str(a),
                               "no feedstock has this numeric attribute (feedstocks.csv columns: "
                               f"{', '.join(attrs)})"))
        elif _is_set(a):
            out += _attribute_cells(t, a, f"used by plant_specs.csv row {row}")
        lo, hi = r["min"], r["max"]
        if not _is_set(lo) and not _is_set(hi):
            out.append(Problem("plant_specs.csv", int(row), "min", "",
                               "min and max are both blank: give at least one bound"))
        elif _is_set(lo) and _is_set(hi) and lo > hi:
            out.append(Problem("plant_specs.csv", int(row), "min", f"{lo:g}",
                               f"must be <= max ({hi:g})"))
    return out


def _expansion_rules(t: Tables) -> list[Problem]:
    return _listed_plant("expansions.csv", t["expansions"], t)


def _listed_plant(file: str, df: pd.DataFrame, t: Tables) -> list[Problem]:
    """Sites must be plants (sites.csv) that have a row in plants.csv."""
    out = _site_kind(file, df, "site_id", _kind_of(t), ("plant",))
    reported = {p.row for p in out}
    listed = set(t["plants"]["site_id"].dropna())
    return out + [Problem(file, int(row), "site_id", str(v), "plant has no row in plants.csv")
                  for row, v in df["site_id"].items()
                  if _is_set(v) and v not in listed and row not in reported]


def _outlet_rules(t: Tables) -> list[Problem]:
    o = t["outlets"]
    out = _site_kind("outlets.csv", o, "site_id", _kind_of(t), ("outlet",))
    known = set(t["feedstocks"]["feedstock_id"]) | {"*"}
    out += _ref("outlets.csv", o, "feedstock_id", known, "feedstock (not in feedstocks.csv or *)")
    restricted = _restricted(t)
    out += [Problem("outlets.csv", int(row), "feedstock_id", str(f),
                    "restricted (defence) feedstock never goes to an outlet")
            for row, f in o["feedstock_id"].items() if f in restricted]
    return out


def _offtake_rules(t: Tables) -> list[Problem]:
    products = set(t["plants"]["product"].dropna()) | set(t["plant_products"]["product"].dropna())
    return _ref("offtake.csv", t["offtake"], "product", products,
                "product (no plant makes it: plants.csv, plant_products.csv)")


def _element_rules(t: Tables) -> list[Problem]:
    return share_problems(t["feedstocks"])


def _element_policy(t: Tables, cfg: ScenarioConfig) -> list[Problem]:
    """``[policy.elements.<e>]`` needs the element's share column, with no blank cell."""
    present = element_columns(t["feedstocks"])
    out = []
    for e in cfg.policy.elements:
        if e not in present:
            out.append(Problem("scenario.toml", None, f"policy.elements.{e}", None,
                               f"feedstocks.csv has no {ELEMENTS[e].column} column: the share of "
                               f"{ELEMENTS[e].name} per t of each feedstock"))
        elif present[e] in numeric_attributes(t["feedstocks"]):  # (text: share_problems says)
            # a blank share would escape the element's penalty and cap unseen
            out += _attribute_cells(t, present[e], f"[policy.elements.{e}] prices or caps it",
                                    share=True)
    return out


# ------------------------------------------------------------------ notes

def _sector_notes(t: Tables, cfg: ScenarioConfig) -> list[str]:
    sectors = set(t["feedstocks"]["sector"].dropna())
    return [f"scenario.toml: policy.sectors.{s} names no sector of feedstocks.csv; it has no effect"
            for s in cfg.policy.sectors if s not in sectors]


def _hub_notes(t: Tables) -> list[str]:
    listed = set(t["hubs"]["site_id"].dropna())
    return [f"sites.csv: hub {h} has no row in hubs.csv; treated as open, uncapacitated, "
            "no handling cost"
            for h in t["sites"].loc[t["sites"]["kind"] == "hub", "site_id"] if h not in listed]


def empty_table(name: str) -> pd.DataFrame:
    """A typed, empty table for an optional file that is absent."""
    spec = SPECS[name]
    dtypes = {"float": float, "int": "Int64"}
    df = pd.DataFrame({c.name: pd.Series(dtype=dtypes.get(c.kind, object))
                       for c in spec.columns})
    df.index.name = "row"
    return df
