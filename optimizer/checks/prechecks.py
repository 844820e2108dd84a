"""Named pre-solve checks: reasons a plan is impossible that the data show without a solver.

Each check is a small function ``check(ctx) -> list[Finding]``. An ``error``
finding is a proof that no plan exists (every check compares a quantity that
must move with an upper bound on what can absorb or carry it), so a solve is not
even started; a ``warning`` is something the plan will have to live with (a
plant that can never run, material with nowhere to go that stays in stock).
``feedstock validate`` and every solve run them all (see ``run_prechecks``).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from feedstock.models.hubs import arriving_by_site_week
from feedstock.models.sets import ModelData, allowed_arc_feeds, outlet_prices
from feedstock.optimizer.base.findings import Diagnosis, Finding, by_size, fmt_t
from feedstock.optimizer.network import Network
from feedstock.optimizer.scenario import Scenario


@dataclass(frozen=True, eq=False)
class Context:
    """What every check reads: the scenario, its network and the model's index sets."""

    sc: Scenario
    net: Network
    data: ModelData
    sites: pd.DataFrame  # by site_id
    feeds: pd.DataFrame  # by feedstock_id
    allowed: pd.DataFrame  # (arc, feedstock) pairs custody and outlet rules allow
    totals: pd.DataFrame  # site_id, feedstock_id, tonnes (supply, arrivals, opening stock)

    @classmethod
    def of(cls, sc: Scenario, net: Network, data: ModelData) -> Context:
        """Derive the shared tables once."""
        sites = sc.table("sites").set_index("site_id")
        feeds = sc.feedstocks.set_index("feedstock_id")
        allowed = allowed_arc_feeds(net.arcs, sites, feeds, outlet_prices(sc))
        totals = pd.concat([sc.inflows[["site_id", "feedstock_id", "tonnes"]],
                            sc.inventory[["site_id", "feedstock_id", "tonnes"]]])
        totals = totals.groupby(["site_id", "feedstock_id"], as_index=False)["tonnes"].sum()
        return cls(sc, net, data, sites, feeds, allowed, totals[totals["tonnes"] > 0])

    @property
    def lands(self) -> pd.Series:
        """The landmass of every site, by site_id: for ``.map`` over whole columns."""
        return self.sites["landmass"].astype(str)

    def storage(self, site: str) -> float:
        """Storage of a site, t (inf where unlimited, 0 for outlets)."""
        return 0.0 if self.sites.at[site, "kind"] == "outlet" \
            else float(self.sites.at[site, "storage_t"])

    def plant_capacity_t(self, site: str) -> np.ndarray:
        """Capacity per week 1..W of a plant with every expansion built, t/week."""
        base = float(self.sc.plants.set_index("site_id").at[site, "capacity_t_per_week"])
        cap = np.full(self.sc.horizon, base)
        for o in self.data.expansions[self.data.expansions["site_id"] == site].itertuples():
            cap[o.first_period - 1:] += o.extra_capacity_t_per_week
        return cap


# ------------------------------------------------------------------ graph helpers

def _edges(ctx: Context, feedstock: str) -> list[tuple[str, str]]:
    rows = ctx.allowed[ctx.allowed["feedstock_id"] == feedstock]
    return list(zip(rows["origin"], rows["destination"], strict=True))


def _closure(start: set[str], edges: list[tuple[str, str]], *, backward: bool) -> set[str]:
    """Nodes reachable from ``start`` along ``edges`` (against them if ``backward``)."""
    nxt: dict[str, list[str]] = defaultdict(list)
    for o, d in edges:
        if backward:
            nxt[d].append(o)
        else:
            nxt[o].append(d)
    seen, todo = set(start), list(start)
    while todo:
        for k in nxt[todo.pop()]:
            if k not in seen:
                seen.add(k)
                todo.append(k)
    return seen


def _sinks(ctx: Context, feedstock: str) -> set[str]:
    """Plants that may take the feedstock (cleared ones for restricted) and outlets buying it."""
    plants = ctx.sc.plants["site_id"]
    restricted = bool(ctx.feeds.at[feedstock, "restricted"])
    out = {p for p in plants if not restricted or bool(ctx.sites.at[p, "cleared"])}
    if not restricted:
        prices = outlet_prices(ctx.sc)
        out |= set(prices.loc[prices["feedstock_id"] == feedstock, "site_id"])
    return out


def _stranded(ctx: Context, restricted: bool) -> list[tuple[str, str, float, float]]:
    """(site, feedstock, tonnes, storage reachable) for material with no route to a sink."""
    out = []
    for f, rows in ctx.totals.groupby("feedstock_id"):
        if bool(ctx.feeds.at[f, "restricted"]) != restricted:
            continue
        edges = _edges(ctx, f)
        good = _closure(_sinks(ctx, f), edges, backward=True)
        for r in rows.itertuples():
            if r.site_id not in good:
                room = sum(ctx.storage(s) for s in _closure({r.site_id}, edges, backward=False))
                out.append((r.site_id, f, float(r.tonnes), room))
    return out


def _stranded_findings(ctx: Context, rule: str, restricted: bool, what: str) -> list[Finding]:
    out = []
    for site, f, tonnes, room in _stranded(ctx, restricted):
        error = tonnes > room + 1e-9
        tail = (f"; it must stay in stock there, but the storage it can reach holds only "
                f"{fmt_t(room)} t" if error else "; it will stay in stock (terminal stock penalty)")
        out.append(Finding(
            rule=rule, site=site, feedstock=f, amount=tonnes - room if error else tonnes,
            unit="t", severity="error" if error else "warning",
            message=f"{fmt_t(tonnes)} t of {f} at {site} has no route {what}{tail}."))
    return out


# ------------------------------------------------------------------ the checks

def no_route_to_plant_or_outlet(ctx: Context) -> list[Finding]:
    """Supply or stock of an unrestricted feedstock that no lane chain links to a plant or buyer."""
    return _stranded_findings(ctx, "no_route_to_plant_or_outlet", restricted=False,
                              what="to any plant or outlet that takes it")


def custody_no_cleared_route(ctx: Context) -> list[Finding]:
    """Restricted (defence) feedstock with no chain of cleared sites to a cleared plant."""
    return _stranded_findings(ctx, "custody_no_cleared_route", restricted=True,
                              what="through cleared sites to a cleared plant")


def supply_exceeds_absorption(ctx: Context) -> list[Finding]:
    r"""Everything available must end in a plant, an outlet or stock at the end of week W.

    .. math:: \sum \mathrm{supply} + \sum \mathrm{inventory} \le \sum_{p,t} \mathrm{cap}_{p,t}
              + \sum_i \mathrm{storage}_i + \min(\mathrm{leakage\ cap}, \sum_{o,t} \mathrm{limit}_o)

    (a shipment arriving after week W does not exist). Unlimited storage
    anywhere or an unlimited outlet row makes the bound infinite.
    """
    nodes = ctx.sites[ctx.sites["kind"] != "outlet"]
    storage = float(nodes["storage_t"].sum())
    plants = sum(float(ctx.plant_capacity_t(p).sum()) for p in ctx.sc.plants["site_id"])
    rows = ctx.sc.outlets["max_t_per_week"]
    outlet = float(rows.sum()) * ctx.sc.horizon if len(rows) else 0.0
    leak = min(ctx.data.leakage_limit_t, outlet)
    room = plants + storage + leak
    available = ctx.data.available_t
    if not math.isfinite(room) or available <= room + 1e-6:
        return []
    return [Finding(
        rule="supply_exceeds_absorption", amount=available - room, unit="t",
        message=(f"{fmt_t(available)} t are available over the horizon but at most "
                 f"{fmt_t(room)} t can be absorbed (plants with every expansion "
                 f"{fmt_t(plants)} t + all storage {fmt_t(storage)} t + leakage allowed "
                 f"{fmt_t(leak)} t): {fmt_t(available - room)} t too much."))]


def blend_unmeetable(ctx: Context) -> list[Finding]:
    """A plant whose blend rules no mix of the feedstocks able to reach it satisfies.

    Per rule row, a feedstock on the wrong side can only be diluted by one on
    the right side; if every reachable feedstock sits at or beyond a bound, those
    strictly beyond it are banned outright (as in ``feedstock.models.sets.banned_feeds``).
    Bans repeat until nothing changes; then a row with every remaining feedstock
    beyond its bound (or no feedstock left) means the plant can never run. Rows
    that fail only jointly through a mix are left to the elastic diagnosis.
    """
    out = []
    for plant, specs in ctx.sc.plant_specs.groupby("site_id", sort=True):
        left = set(_reachable_feeds(ctx, plant))
        if not left:
            continue
        reason = _blend_fixpoint(ctx.feeds, specs, left)
        if reason is not None:
            out.append(Finding(rule="blend_unmeetable", site=str(plant), severity="warning",
                               amount=reason[0], unit=reason[1],
                               message=f"{plant} can never run: {reason[2]}."))
    return out


def _blend_fixpoint(feeds: pd.DataFrame, specs: pd.DataFrame,
                    left: set[str]) -> tuple[float, str, str] | None:
    """Ban feedstocks rule by rule; (excess, attribute, why) for the first unmeetable row."""
    reach = sorted(left)
    changed = True
    while changed:
        changed = False
        for spec in specs.itertuples(index=False):
            vals = feeds.loc[sorted(left), spec.attribute].astype(float)
            for sign, bound in (("<=", spec.max), (">=", spec.min)):
                if math.isnan(bound):
                    continue
                beyond = vals > bound if sign == "<=" else vals < bound
                on_side = vals <= bound if sign == "<=" else vals >= bound
                if beyond.all():
                    best = vals.idxmin() if sign == "<=" else vals.idxmax()
                    return (abs(float(vals[best]) - bound), spec.attribute,
                            f"its rule {spec.attribute} {sign} {bound:g} is not met by any "
                            f"feedstock that can reach it and is not banned by another rule "
                            f"(closest: {best} at {float(vals[best]):g}; reachable: "
                            f"{', '.join(reach)})")
                at_or_beyond = ~(vals < bound) if sign == "<=" else ~(vals > bound)
                if at_or_beyond.all() and beyond.any() and on_side.any():
                    left -= set(vals.index[beyond])
                    changed = True
    return None


def _reachable_feeds(ctx: Context, plant: str) -> list[str]:
    """Feedstocks whose supply or stock has a route to the plant (or is already there)."""
    out = []
    for f, rows in ctx.totals.groupby("feedstock_id"):
        if _sinks(ctx, f).isdisjoint({plant}):
            continue
        if plant in _closure(set(rows["site_id"]), _edges(ctx, f), backward=False):
            out.append(f)
    return out


def offtake_exceeds_output(ctx: Context) -> list[Finding]:
    r"""An offtake larger than the most its plants can make.

    Per row: :math:`\sum_{p,t} \mathrm{cap}_{p,t} \max_f \mathrm{out}_{p,f}` over the
    plants making the product, the row's weeks and the feedstocks that can reach
    them by then (plants whose blend rules ban every such feedstock make nothing);
    for a whole-horizon row also :math:`\sum_f \mathrm{available}_f \max_p \mathrm{out}_{p,f}`.
    ``out`` is the product's own output per t fed (a plant may make several).
    """
    q = ctx.data.outputs
    out = []
    for r in ctx.sc.offtake.itertuples(index=False):
        if r.min_t <= 0:
            continue
        rows = q[(q["product"] == r.product) & ((q["period"] == r.period) | (r.period == 0))]
        best = rows.groupby(["site_id", "period"])["output_t_per_t"].max()
        most = sum(ctx.plant_capacity_t(p)[t - 1] * v for (p, t), v in best.items())
        if r.period == 0 and len(rows):
            per_feed = rows.groupby("feedstock_id")["output_t_per_t"].max()
            avail = ctx.totals.groupby("feedstock_id")["tonnes"].sum()
            most = min(most, float((avail.reindex(per_feed.index).fillna(0) * per_feed).sum()))
        if r.min_t > most + 1e-6:
            when = "over the horizon" if r.period == 0 else f"in {r.week}"
            out.append(Finding(
                rule="offtake_exceeds_output", site=None, week=None if r.period == 0 else r.week,
                amount=r.min_t - most, unit=f"t {r.product}",
                message=(f"Offtake of {fmt_t(r.min_t)} t {r.product} {when} exceeds the most the "
                         f"plants can make ({fmt_t(most)} t with every expansion built and the "
                         f"best feed that can reach them): short by {fmt_t(r.min_t - most)} t.")))
    return out


def ferry_slots_short(ctx: Context) -> list[Finding]:
    """Sea-crossing slots into a landmass that cannot carry what must cross to it.

    Restricted feedstock on a landmass without a cleared plant must cross on
    arcs custody allows, as soon as it outgrows the cleared storage there: by
    the end of week t, ``cum restricted supply(t) - cleared storage`` tonnes must
    have left, against ``sum of slots x payload`` of those arcs in weeks 1..t
    (the first week that fails is named). Over the horizon, an offtake whose
    product only plants on the landmass make also needs the feed it cannot get
    there, over the best yield, carried on any crossing arc. Arcs without a slot
    limit make the capacity infinite (no check).
    """
    arcs = ctx.net.arcs
    o_land = arcs["origin"].map(ctx.lands)  # a Series map: one .at per arc took 2.4 s
    d_land = arcs["destination"].map(ctx.lands)
    restricted = set(ctx.feeds.index[ctx.feeds["restricted"].astype(bool)])
    # restricted tonnes only ever stand at cleared sites, so only arcs from one carry them
    ok = ctx.allowed[ctx.allowed["feedstock_id"].isin(restricted)]
    custody_ok = set(ok.loc[ok["origin"].map(ctx.sites["cleared"]).astype(bool), "arc"])
    out = []
    for land in sorted(set(d_land[o_land != d_land])):
        cross = arcs[(d_land == land) & (o_land != land)]
        cleared = cross[cross["arc"].isin(custody_ok)]
        need_r = _restricted_must_cross(ctx, land)
        can_r = _cumulative_capacity(ctx, cleared)
        late = np.flatnonzero(need_r > can_r + 1e-6)
        if len(late):
            t = int(late[0])
            out.append(Finding(
                rule="ferry_slots_short", site=_lanes(cleared), week=ctx.sc.weeks[t],
                amount=float(need_r[t] - can_r[t]), unit="t",
                message=(f"By the end of {ctx.sc.weeks[t]}, {fmt_t(need_r[t])} t of restricted "
                         f"feedstock must have crossed to {land} (no cleared plant where it is, "
                         f"cleared storage full) but the cleared crossings "
                         f"({_lanes(cleared, slots=True)}) carry at most {fmt_t(can_r[t])} t: "
                         f"{fmt_t(need_r[t] - can_r[t])} t short.")))
            continue
        need_o, why = _offtake_must_cross(ctx, land)
        need = need_o + float(need_r[-1])
        if need_r[-1] > 0:
            why.append(f"{fmt_t(need_r[-1])} t of restricted feedstock")
        can = float(_cumulative_capacity(ctx, cross)[-1])
        if need > can + 1e-6:
            out.append(Finding(
                rule="ferry_slots_short", site=_lanes(cross), amount=need - can, unit="t",
                message=(f"At least {fmt_t(need)} t must cross to {land} over the horizon "
                         f"({'; '.join(why)}) "
                         f"but the crossings ({_lanes(cross, slots=True)}) carry at most "
                         f"{fmt_t(can)} t: {fmt_t(need - can)} t short.")))
    return out


def _lanes(arcs: pd.DataFrame, slots: bool = False) -> str:
    if slots:
        return ", ".join(f"{a.origin}>{a.destination} {a.mode} {a.max_trips_per_week:g}/week x "
                         f"{a.payload_t:g} t" for a in arcs.itertuples()) or "none"
    return ", ".join(f"{a.origin}>{a.destination}" for a in arcs.itertuples()) or "none"


def _cumulative_capacity(ctx: Context, arcs: pd.DataFrame) -> np.ndarray:
    """Tonnes the arcs can carry in weeks 1..t (departures arriving inside the horizon)."""
    weeks = np.arange(1, ctx.sc.horizon + 1)
    per_week = np.zeros(ctx.sc.horizon)
    for a in arcs.itertuples():
        per_week += np.where(weeks + a.transit_weeks <= ctx.sc.horizon,
                             a.max_trips_per_week * a.payload_t, 0.0)
    return np.cumsum(per_week)


def _restricted_must_cross(ctx: Context, land: str) -> np.ndarray:
    """Per week, restricted tonnes elsewhere that no cleared plant or store there can hold."""
    need = np.zeros(ctx.sc.horizon)
    restricted = ctx.feeds.index[ctx.feeds["restricted"].astype(bool)]
    rows = pd.concat([ctx.sc.inflows[["site_id", "feedstock_id", "period", "tonnes"]],
                      ctx.sc.inventory.assign(period=1)[["site_id", "feedstock_id", "period",
                                                         "tonnes"]]])
    rows = rows[rows["feedstock_id"].isin(restricted)]
    rows = rows.assign(land=rows["site_id"].map(ctx.lands))
    for home, part in rows[rows["land"] != land].groupby("land"):
        cleared = ctx.sites[(ctx.sites["landmass"] == home) & ctx.sites["cleared"].astype(bool)
                            & (ctx.sites["kind"] != "outlet")]
        if (cleared["kind"] == "plant").any():
            continue
        by_week = part.groupby("period")["tonnes"].sum().reindex(
            range(1, ctx.sc.horizon + 1), fill_value=0.0).cumsum().to_numpy()
        need += np.maximum(by_week - float(cleared["storage_t"].sum()), 0.0)
    return need


def _offtake_must_cross(ctx: Context, land: str) -> tuple[float, list[str]]:
    need, why = 0.0, []
    on_land = ctx.totals["site_id"].map(ctx.lands) == land
    q = ctx.data.outputs
    q_land = q["site_id"].map(ctx.lands)
    for r in ctx.sc.offtake.itertuples(index=False):
        rows = q[q["product"] == r.product]
        if r.period != 0 or r.min_t <= 0 or not len(rows) or (q_land[rows.index] != land).any():
            continue
        per_feed = rows.groupby("feedstock_id")["output_t_per_t"].max()
        local = ctx.totals[on_land].groupby("feedstock_id")["tonnes"].sum()
        own = float((local.reindex(per_feed.index).fillna(0) * per_feed).sum())
        if r.min_t > own:
            t = (r.min_t - own) / float(per_feed.max())
            need += t
            why.append(f"{r.product} offtake {fmt_t(r.min_t)} t needs {fmt_t(t)} t of feed "
                       f"from elsewhere")
    return need, why


def arrivals_exceed_hub_capacity(ctx: Context) -> list[Finding]:
    r"""Shipments already on their way bring a hub more than it can take in a week.

    .. math:: \sum_f \mathrm{arriving}_{h,f,t} > \mathrm{cap}_h

    They are not decisions of this plan (in_transit.csv), so no plan can avoid it.
    """
    hubs = ctx.sc.hubs.set_index("site_id")["capacity_t_per_week"]
    out = []
    for (hub, t), tonnes in arriving_by_site_week(ctx.data).items():
        cap = float(hubs.get(hub, np.inf))
        if tonnes > cap + 1e-6:
            week = ctx.sc.weeks[int(t) - 1]
            out.append(Finding(
                rule="hub_capacity", site=hub, week=week, amount=tonnes - cap, unit="t",
                message=(f"Shipments already on their way (in_transit.csv) bring {fmt_t(tonnes)} t "
                         f"to {hub} in {week}, above its capacity of {fmt_t(cap)} t/week: "
                         f"{fmt_t(tonnes - cap)} t too many, whatever this plan does.")))
    return out


CHECKS: tuple[Callable[[Context], list[Finding]], ...] = (
    no_route_to_plant_or_outlet, custody_no_cleared_route, supply_exceeds_absorption,
    blend_unmeetable, offtake_exceeds_output, ferry_slots_short, arrivals_exceed_hub_capacity)


def run_prechecks(sc: Scenario, net: Network, data: ModelData) -> Diagnosis:
    """Every named check; errors first, largest first."""
    ctx = Context.of(sc, net, data)
    findings = [f for check in CHECKS for f in check(ctx)]
    errors = sum(f.severity == "error" for f in findings)
    summary = (f"No plan is possible: {errors} pre-solve check(s) failed (no solver was run)."
               if errors else "")
    return Diagnosis(method="pre-solve checks", findings=by_size(findings), summary=summary)
