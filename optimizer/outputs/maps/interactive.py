"""map.html: the plan as an interactive Leaflet map that opens offline.

Leaflet (BSD-2-Clause, shipped in ``data/``) and every layer are inlined in
the page: it opens from an email attachment or a shared drive with no network.
The default background is the shipped coastline; OpenStreetMap tiles are an
optional base layer that only loads when picked (and only with a network), so
an offline page makes no failing requests.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np

from feedstock.optimizer.outputs.maps.layers import outline
from feedstock.optimizer.outputs.maps.static import (
    KIND_STYLE,
    LAND,
    LEAK_COLOUR,
    SEA,
    line_widths,
    mode_colours,
)

SYMBOLS = {"source": "●", "hub": "■", "port": "▲", "plant": "★", "outlet": "✖"}
SYMBOL_PX = {"source": 11, "hub": 15, "port": 16, "plant": 26, "outlet": 17}
FLOW_PROPS = ["origin", "destination", "mode", "mode_kind", "to_outlet", "weeks_used",
              "tonnes_t", "trips", "distance_km", "cost_gbp", "co2e_kg", "feedstocks"]
SITE_PROPS = ["site_id", "name", "kind", "throughput_t", "received_t", "shipped_t",
              "processed_t", "exported_t", "capacity_t_per_week", "utilisation_mean",
              "utilisation_max", "final_stock_t"]


def _asset(name: str) -> str:
    return (resources.files(__package__) / "data" / name).read_text(encoding="utf-8")


def _geojson(gdf: gpd.GeoDataFrame, props: list[str]) -> dict:
    """A FeatureCollection with only ``props`` (NaN -> null; numbers to 3 decimals), WGS84."""
    keep = gdf[[*props, "geometry"]].copy()
    for col in props:
        if keep[col].dtype.kind == "f":
            keep[col] = keep[col].round(3).astype(object).where(np.isfinite(keep[col]), None)
    return json.loads(keep.to_json(drop_id=True, to_wgs84=True))


def _embed(obj: object) -> str:
    """JSON safe inside a <script> element (no '</script>' can close it early)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).replace("</", "<\\/")


def render_html(flows: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, title: str,
                subtitle: str = "", path: str | Path | None = None) -> str:
    """The page's HTML (and write it to ``path`` if given)."""
    colours = mode_colours(flows) if len(flows) else {}
    f = flows.copy()
    if len(f):
        f["colour"] = [LEAK_COLOUR if leak else colours[m]
                       for m, leak in zip(f["mode"], f["to_outlet"], strict=True)]
        f["weight"] = line_widths(f["tonnes_t"].to_numpy(float),
                                  float(f["tonnes_t"].max())).round(2)
    else:
        f["colour"], f["weight"] = [], []
    data = {
        "flows": _geojson(f, [*FLOW_PROPS, "colour", "weight"]) if len(f) else
        {"type": "FeatureCollection", "features": []},
        "sites": _geojson(sites, SITE_PROPS),
        "outline": _geojson(outline(), ["kind"]),
        "kinds": {k: {"symbol": SYMBOLS[k], "px": SYMBOL_PX[k], "colour": v[1], "label": v[3]}
                  for k, v in KIND_STYLE.items()},
        "modes": [{"mode": m, "colour": c,
                   "sea": bool((flows.loc[flows["mode"] == m, "mode_kind"] == "sea").any())}
                  for m, c in colours.items()],
        "leak": LEAK_COLOUR, "land": LAND, "sea": SEA,
    }
    page = (_TEMPLATE
            .replace("{{TITLE}}", html.escape(title))
            .replace("{{SUBTITLE}}", html.escape(subtitle))
            .replace("{{LEAFLET_CSS}}", _asset("leaflet.css"))
            .replace("{{LEAFLET_JS}}", _asset("leaflet.js"))
            .replace("{{DATA}}", _embed(data)))
    if path is not None:
        Path(path).write_text(page, encoding="utf-8")
    return page


_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{TITLE}}</title>
<style>{{LEAFLET_CSS}}</style>
<style>
html, body { height: 100%; margin: 0; font-family: system-ui, sans-serif; }
#head { padding: 6px 12px; border-bottom: 1px solid #ccc; }
#head h1 { font-size: 18px; margin: 0; } #head p { margin: 2px 0 0; color: #444; font-size: 13px; }
#map { position: absolute; top: 52px; bottom: 0; left: 0; right: 0; }
.site-icon { text-align: center; line-height: 1; text-shadow: 0 0 2px #fff, 0 0 2px #fff; }
.legend { background: rgba(255,255,255,0.92); padding: 6px 10px; font-size: 12px;
          line-height: 18px; border-radius: 4px; box-shadow: 0 0 6px rgba(0,0,0,0.3); }
.legend i.line { display: inline-block; width: 26px; height: 0; margin-right: 6px;
                 vertical-align: middle; border-top-width: 4px; border-top-style: solid; }
.legend span.sym { display: inline-block; width: 26px; text-align: center; margin-right: 6px; }
.leaflet-popup-content table td { padding: 0 6px 0 0; font-size: 12px; }
</style>
</head>
<body>
<div id="head"><h1>{{TITLE}}</h1><p>{{SUBTITLE}}</p></div>
<div id="map"></div>
<script>{{LEAFLET_JS}}</script>
<script>
"use strict";
const DATA = {{DATA}};
function esc(v) {
  return String(v).replace(/[&<>"']/g, c => ({"&": "&amp;", "<": "&lt;", ">": "&gt;",
    '"': "&quot;", "'": "&#39;"})[c]);
}
function num(v, d) {
  return (v === null || v === undefined) ? "–" :
    Number(v).toLocaleString("en-GB", {maximumFractionDigits: d, minimumFractionDigits: d});
}
function table(rows) {
  return "<table>" + rows.map(r => "<tr><td>" + esc(r[0]) + "</td><td><b>" + esc(r[1]) +
    "</b></td></tr>").join("") + "</table>";
}
const map = L.map("map", {zoomSnap: 0.25});
map.getContainer().style.background = DATA.sea;
const outline = L.geoJSON(DATA.outline, {interactive: false, style: f =>
  f.properties.kind === "land"
    ? {color: "#8c8c8c", weight: 0.7, fillColor: DATA.land, fillOpacity: 1}
    : {color: "#9a9a9a", weight: 1, dashArray: "4 3", fill: false}});
const osm = L.tileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png",
  {maxZoom: 18, attribution: "&copy; OpenStreetMap contributors"});
function lanePopup(p) {
  return "<b>" + esc(p.origin) + " &rarr; " + esc(p.destination) + "</b> (" + esc(p.mode) +
    (p.to_outlet ? ", export: leakage" : "") + ")" + table([
      ["tonnes over the horizon", num(p.tonnes_t, 1) + " t"],
      ["trips", num(p.trips, 1)], ["weeks used", p.weeks_used],
      ["transport cost", "£" + num(p.cost_gbp, 0)], ["distance", num(p.distance_km, 0) + " km"],
      ["emissions", num(p.co2e_kg, 0) + " kg CO2e"]]) +
    "<div style='max-width:280px;font-size:12px'>" + esc(p.feedstocks) + "</div>";
}
function group(filter) {
  return L.geoJSON(DATA.flows, {filter: filter,
    style: f => ({color: f.properties.colour, weight: f.properties.weight, opacity: 0.85,
                  dashArray: f.properties.mode_kind === "sea" && !f.properties.to_outlet
                    ? "10 5" : null}),
    onEachFeature: (f, layer) => layer.bindPopup(lanePopup(f.properties))});
}
const overlays = {
  "Road lanes": group(f => f.properties.mode_kind !== "sea" && !f.properties.to_outlet),
  "Sea crossings (Irish Sea)": group(f => f.properties.mode_kind === "sea" &&
                                         !f.properties.to_outlet),
  "Exports to outlets (leakage)": group(f => f.properties.to_outlet),
};
function sitePopup(p) {
  const rows = [["kind", p.kind], ["throughput over the horizon", num(p.throughput_t, 1) + " t"],
    ["received", num(p.received_t, 1) + " t"], ["shipped", num(p.shipped_t, 1) + " t"]];
  if (p.kind === "plant") rows.push(["processed", num(p.processed_t, 1) + " t"]);
  if (p.kind === "outlet") rows.push(["exported (leakage)", num(p.exported_t, 1) + " t"]);
  if (p.capacity_t_per_week !== null) rows.push(["capacity", num(p.capacity_t_per_week, 1) +
    " t/week"], ["utilisation mean / max", num(100 * p.utilisation_mean, 0) + "% / " +
    num(100 * p.utilisation_max, 0) + "%"]);
  rows.push(["stock at the end", num(p.final_stock_t, 1) + " t"]);
  return "<b>" + esc(p.name) + "</b><br><code>" + esc(p.site_id) + "</code>" + table(rows);
}
for (const [kind, k] of Object.entries(DATA.kinds)) {
  const layer = L.geoJSON(DATA.sites, {filter: f => f.properties.kind === kind,
    pointToLayer: (f, ll) => L.marker(ll, {title: f.properties.site_id, icon: L.divIcon({
      className: "site-icon", iconSize: [k.px, k.px], iconAnchor: [k.px / 2, k.px / 2],
      html: "<span style='font-size:" + k.px + "px;color:" + (f.properties.throughput_t > 0
        ? k.colour : "#aaaaaa") + "'>" + k.symbol + "</span>"})}),
    onEachFeature: (f, l) => l.bindPopup(sitePopup(f.properties))});
  if (layer.getLayers().length) overlays["Sites: " + k.label] = layer;
}
outline.addTo(map);
for (const layer of Object.values(overlays)) layer.addTo(map);
L.control.layers({"Coastline (offline)": outline,
                  "OpenStreetMap (needs internet)": osm}, overlays,
                 {collapsed: false}).addTo(map);
L.control.scale({imperial: false}).addTo(map);
const legend = L.control({position: "bottomright"});
legend.onAdd = () => {
  const div = L.DomUtil.create("div", "legend");
  let h = "<b>Lanes</b> (width by tonnes)<br>";
  for (const m of DATA.modes) h += "<i class='line' style='border-top-color:" + m.colour +
    (m.sea ? ";border-top-style:dashed" : "") + "'></i>" + esc(m.mode) +
    (m.sea ? " (sea crossing)" : " (road)") + "<br>";
  h += "<i class='line' style='border-top-color:" + DATA.leak + "'></i>to an export outlet " +
    "(leakage)<br><b>Sites</b> (grey: no tonnes)<br>";
  for (const k of Object.values(DATA.kinds)) h += "<span class='sym' style='color:" + k.colour +
    "'>" + k.symbol + "</span>" + esc(k.label) + "<br>";
  div.innerHTML = h;
  return div;
};
legend.addTo(map);
const all = L.featureGroup(Object.values(overlays));
map.fitBounds(all.getLayers().length ? all.getBounds().pad(0.05) : outline.getBounds());
</script>
</body>
</html>
"""
