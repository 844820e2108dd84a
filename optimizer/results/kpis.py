"""KPIs of docs/model.md, computed from the result tables (not from the model)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from feedstock.models.sets import ModelData
from feedstock.optimizer.scenario import Scenario


def kpis(sc: Scenario, d: ModelData, t: dict[str, pd.DataFrame], total_cost: float) -> dict:
    """Tonnes, shares, output, utilisation, trips, tonne-km, CO2e and marginal values.

    ``cost_per_t_handled_gbp`` divides the total cost by the tonnes the plan
    processed or sold (``cost_per_t_available_gbp`` by every tonne it had to
    place: supply in the horizon + opening stock); both are negative when the
    chain earns more than it spends. ``reo_recovered_t`` is the output of the
    separated oxides (products named ``reo`` or ``*_oxide``); the element KPIs
    (:func:`element_kpis`) appear when feedstocks.csv has element share columns.
    """
    feeds = sc.feedstocks.set_index("feedstock_id")
    supply = d.inputs.inflows.groupby("feedstock_id")["tonnes"].sum().add(
        sc.inventory.groupby("feedstock_id")["tonnes"].sum(), fill_value=0.0)
    available = d.available_t
    leaked = float(t["leakage"]["tonnes_t"].sum())
    processed = float(t["plant_feed"]["feed_t"].sum())
    final = t["stock"][t["stock"]["period"] == d.horizon]["stock_t"].sum()
    avail_sector = supply.groupby(feeds["sector"].reindex(supply.index)).sum()
    leak_sector = t["leakage"].groupby("sector")["tonnes_t"].sum()
    flows = t["flows"]
    trips = t["lane_weeks"].groupby("mode")["trips"].sum()
    mv = t["marginal_values"]
    plants = t["plants"]
    out: dict[str, Any] = {
        "total_cost_gbp": total_cost,
        "available_t": available,
        "processed_uk_t": processed,
        "leaked_t": leaked,
        "final_stock_t": float(final),
        "cost_per_t_available_gbp": total_cost / available if available else None,
        "cost_per_t_handled_gbp": total_cost / (processed + leaked) if processed + leaked
        else None,
        "leakage_share": leaked / available if available else 0.0,
        "leakage_share_by_sector": {
            s: float(leak_sector.get(s, 0.0) / v) if v else 0.0 for s, v in avail_sector.items()},
        "output_by_product_t": t["plant_output"].groupby("product")["output_t"].sum().to_dict(),
        "reo_recovered_t": float(_oxides(t["plant_output"])["output_t"].sum()),
        "product_value_gbp": float(t["plant_output"]["value_gbp"].sum()),
        "plant_utilisation_mean": plants.groupby("site_id")["utilisation"].mean()
        .dropna().to_dict(),
        "plant_utilisation_by_week": {
            p: dict(zip(g["week"], g["utilisation"].round(4), strict=True))
            for p, g in plants.dropna(subset=["utilisation"]).groupby("site_id")},
        "trips_by_mode": trips.to_dict(),
        "tonne_km_by_mode": flows.groupby("mode")["tonne_km"].sum().to_dict(),
        "co2e_t": float((flows["tonnes_t"] * _co2e_per_t(flows, t["arcs"])).sum() / 1000.0),
        "marginal_value_plant_capacity_gbp_per_t_week": _mv_sum(mv, "plant_capacity"),
        "marginal_value_lane_capacity_gbp_per_t_week": _mv_sum(mv, "lane_capacity"),
    }
    out.update(element_kpis(sc, d, t))
    return out


def element_kpis(sc: Scenario, d: ModelData, t: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """Kilograms of each element kept in the UK (processed here) and leaked, and their value.

    Leaked kg are also split by sector and by outlet; value kept and leaked use
    ``[policy.elements.<e>] value_gbp_per_kg`` where given. Empty when
    feedstocks.csv has no element share column.
    """
    kg = d.element_kg
    if kg.empty or not len(kg.columns):
        return {}
    feed, sold = t["plant_feed"], t["leakage"]
    kept = {el: float((feed["feed_t"] * kg[el].reindex(feed["feedstock_id"]).to_numpy()).sum())
            for el in kg.columns}
    leak_kg = {el: sold["tonnes_t"] * kg[el].reindex(sold["feedstock_id"]).to_numpy()
               for el in kg.columns}
    out: dict[str, Any] = {
        "element_kept_uk_kg": kept,
        "element_leaked_kg": {el: float(v.sum()) for el, v in leak_kg.items()},
        "element_leaked_kg_by_sector": {
            el: v.groupby(sold["sector"]).sum().round(6).to_dict() for el, v in leak_kg.items()},
        "element_leaked_kg_by_outlet": {
            el: v.groupby(sold["site_id"]).sum().round(6).to_dict() for el, v in leak_kg.items()},
    }
    values = {el: p.value_gbp_per_kg for el, p in sc.config.policy.elements.items()
              if p.value_gbp_per_kg is not None and el in kg.columns}
    if values:
        out["element_value_kept_gbp"] = sum(kept[el] * v for el, v in values.items())
        out["element_value_leaked_gbp"] = sum(out["element_leaked_kg"][el] * v
                                              for el, v in values.items())
    return out


def _oxides(output: pd.DataFrame) -> pd.DataFrame:
    """Rows of separated oxides: products named ``reo`` or ``*_oxide``."""
    product = output["product"].astype(str)
    return output[(product == "reo") | product.str.endswith("_oxide")]


def _co2e_per_t(flows: pd.DataFrame, arcs: pd.DataFrame) -> pd.Series:
    """Kg CO2e per tonne carried on each flow's arc."""
    per_t = arcs.set_index(["origin", "destination", "mode"])["co2e_kg_per_t"]
    idx = pd.MultiIndex.from_frame(flows[["origin", "destination", "mode"]])
    return pd.Series(per_t.reindex(idx).to_numpy(), index=flows.index)


def _mv_sum(mv: pd.DataFrame, kind: str) -> dict[str, float]:
    """Value of one more t/week in every week: the sum of weekly marginal values."""
    rows = mv[mv["constraint"] == kind]
    return {k: float(v) for k, v in rows.groupby("id")["marginal_value_gbp_per_t"].sum().items()
            if abs(v) > 1e-9}
