"""map.png: the plan on the UK and Ireland, for a planner who looks before reading.

Drawn with matplotlib's object API (``Figure`` + Agg canvas, no pyplot), so
rendering needs no display and never touches global plotting state: worker
threads and sweeps can draw at the same time.
"""

from __future__ import annotations

import io
import math
from pathlib import Path

import geopandas as gpd
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from feedstock.optimizer.outputs.maps.layers import outline

WIDTH_PX = 1600
DPI = 100
SEA, LAND, BORDER = "#dbe9f4", "#f4f1ea", "#9a9a9a"
LEAK_COLOUR = "#d7301f"
KIND_STYLE = {  # marker, colour, size (pt^2), label
    "source": ("o", "#6b6b6b", 28, "source (scrap yard, decommissioning)"),
    "hub": ("s", "#7b3294", 70, "consolidation hub"),
    "port": ("^", "#008080", 90, "ferry port"),
    "plant": ("*", "#1a9641", 380, "UK recycling plant"),
    "outlet": ("X", LEAK_COLOUR, 110, "export outlet (leakage)"),
}
MODE_COLOURS = ["#2c7bb6", "#fdae61", "#5e3c99", "#80cdc1", "#b8860b", "#4d4d4d"]
SEA_COLOUR = "#00a6a6"
LABELLED = ("plant", "port", "outlet", "hub")
BOUNDS = (-13.5, 2.2, 49.8, 59.0)  # lon min, lon max, lat min, lat max: GB, Ireland and
# the Atlantic west of them, where the legend sits
LABEL_OFFSETS = ((7, 4), (7, -14), (-7, 4), (-7, -14), (7, 16), (-7, 16), (7, -26), (-7, -26))


def mode_colours(flows: gpd.GeoDataFrame) -> dict[str, str]:
    """A colour per mode: sea modes teal, road modes from a fixed palette (stable order)."""
    out: dict[str, str] = {}
    road = sorted(set(flows.loc[flows["mode_kind"] != "sea", "mode"]))
    for i, mode in enumerate(road):
        out[mode] = MODE_COLOURS[i % len(MODE_COLOURS)]
    for mode in sorted(set(flows.loc[flows["mode_kind"] == "sea", "mode"])):
        out[mode] = SEA_COLOUR
    return out


def line_widths(tonnes: np.ndarray, t_max: float) -> np.ndarray:
    """Line width in points, by the square root of tonnes (area-like), 0.8 to 9 pt."""
    if t_max <= 0:
        return np.full(len(tonnes), 0.8)
    return 0.8 + 8.2 * np.sqrt(np.clip(tonnes, 0, None) / t_max)




def render_png(flows: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, title: str,
               subtitle: str = "", path: str | Path | None = None) -> bytes:
    """Draw the map; return the PNG bytes (and write them to ``path`` if given)."""
    lon0, lon1, lat0, lat1 = _bounds(sites)
    aspect = 1.0 / math.cos(math.radians((lat0 + lat1) / 2))
    w_in = WIDTH_PX / DPI
    h_in = w_in * (lat1 - lat0) * aspect / (lon1 - lon0)
    fig = Figure(figsize=(w_in, h_in), dpi=DPI, facecolor="white")
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.0, 0.0, 1.0, 0.945))
    ax.set_facecolor(SEA)
    shape = outline()
    shape[shape["kind"] == "land"].plot(ax=ax, color=LAND, edgecolor="#8c8c8c", linewidth=0.6)
    shape[shape["kind"] == "border"].plot(ax=ax, color=BORDER, linewidth=1.0, linestyle="--")
    ax.set_xlim(lon0, lon1)
    ax.set_ylim(lat0, lat1)
    ax.set_aspect(aspect)
    ax.apply_aspect()  # final pixel positions, which label placement needs
    handles = _draw_flows(ax, flows)
    handles += _draw_sites(ax, sites)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("")
    ax.set_ylabel("")
    legend = ax.legend(handles=handles, loc="upper left", fontsize=11, framealpha=0.92,
                       title="Sites, lanes (width by tonnes)", title_fontsize=12)
    legend.set_zorder(10)
    fig.text(0.01, 0.985, title, fontsize=20, weight="bold", va="top")
    if subtitle:
        fig.text(0.01, 0.962, subtitle, fontsize=12.5, va="top", color="#333333")
    ax.text(0.995, 0.003, "Coastline: Natural Earth (public domain). Lanes drawn straight.",
            transform=ax.transAxes, ha="right", va="bottom", fontsize=9, color="#555555")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    data = buf.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data


def _bounds(sites: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """GB and Ireland, widened to every site with a margin."""
    lon0, lon1, lat0, lat1 = BOUNDS
    if len(sites):
        x0, y0, x1, y1 = sites.total_bounds
        lon0, lon1 = min(lon0, x0 - 0.5), max(lon1, x1 + 0.5)
        lat0, lat1 = min(lat0, y0 - 0.4), max(lat1, y1 + 0.4)
    return lon0, lon1, lat0, lat1


def _draw_flows(ax, flows: gpd.GeoDataFrame) -> list:
    """Lanes as lines, thickest on top of the map but under the sites; legend handles."""
    if flows.empty:
        return []
    colours = mode_colours(flows)
    widths = line_widths(flows["tonnes_t"].to_numpy(float), float(flows["tonnes_t"].max()))
    order = np.argsort(widths)[::-1]  # thick first, thin lines stay visible on top
    for i in order:
        row = flows.iloc[i]
        xs, ys = row.geometry.xy
        leak = bool(row["to_outlet"])
        ax.plot(xs, ys, color=LEAK_COLOUR if leak else colours[row["mode"]],
                linewidth=widths[i], alpha=0.85, solid_capstyle="round", zorder=3 + leak,
                linestyle=(0, (4, 1.5)) if row["mode_kind"] == "sea" and not leak else "-")
    kinds = flows.drop_duplicates("mode").set_index("mode")["mode_kind"]
    handles = [Line2D([], [], color=c, lw=3.5,
                      linestyle="--" if kinds.get(m) == "sea" else "-",
                      label=f"{m} ({'sea crossing' if kinds.get(m) == 'sea' else 'road'})")
               for m, c in colours.items()]
    handles.append(Line2D([], [], color=LEAK_COLOUR, lw=3.5, label="to an export outlet "
                          "(leakage)"))
    t_max = float(flows["tonnes_t"].max())
    for t in _nice_steps(t_max):
        handles.append(Line2D([], [], color="#555555", lw=float(line_widths(
            np.array([t]), t_max)[0]), label=f"{t:g} t over the horizon"))
    return handles


def _nice_steps(t_max: float) -> list[float]:
    """Two or three round tonnages up to ``t_max`` for the width legend."""
    if t_max <= 0:
        return []
    top = float(f"{t_max:.1g}")
    steps = [top, top / 4, top / 20]
    return [s for s in steps if s >= 0.1] or [top]


def _draw_sites(ax, sites: gpd.GeoDataFrame) -> list:
    handles, placed = [], []
    for kind, (marker, colour, size, label) in KIND_STYLE.items():
        part = sites[sites["kind"] == kind]
        if part.empty:
            continue
        used = part["throughput_t"].to_numpy(float) > 0
        ax.scatter(part.geometry.x, part.geometry.y, marker=marker, s=size,
                   c=np.where(used, colour, "white"), edgecolors=colour if kind != "plant"
                   else "#0b4f24", linewidths=1.2, zorder=6)
        handles.append(Line2D([], [], marker=marker, color="none", markerfacecolor=colour,
                              markeredgecolor=colour, markersize=math.sqrt(size) * 0.9,
                              label=label))
        if kind in LABELLED:
            for r in part[used | (kind == "plant")].itertuples():
                _label(ax, r.site_id, r.geometry.x, r.geometry.y, placed, kind == "plant")
    handles.append(Line2D([], [], marker="o", color="none", markerfacecolor="white",
                          markeredgecolor="#6b6b6b", markersize=6,
                          label="hollow: no tonnes in this plan"))
    return handles


def _label(ax, text: str, x: float, y: float, placed: list, bold: bool) -> None:
    """Label a site by its id at the first offset whose box misses every earlier label.

    Sites of one city (Belfast's port and two plants, Liverpool's outlet and
    Birkenhead) sit a few pixels apart; a fixed offset would print one label
    over another. Boxes are estimated in display pixels (~0.62 em a character).
    """
    px, py = ax.transData.transform((x, y))
    w, h = 0.62 * 10 * len(text) * DPI / 72, 12 * DPI / 72
    edge = ax.bbox
    for dx, dy in LABEL_OFFSETS:
        ox, oy = dx * DPI / 72, dy * DPI / 72
        x0 = px + ox if dx > 0 else px + ox - w
        box = (x0, py + oy, x0 + w, py + oy + h)
        inside = edge.x0 <= box[0] and box[2] <= edge.x1 and edge.y0 <= box[1] and box[3] <= edge.y1
        if inside and not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3]
                              and b[1] < box[3] for b in placed):
            break
    placed.append(box)
    ax.annotate(text, (x, y), textcoords="offset points", xytext=(dx, dy), zorder=7,
                fontsize=10, color="#111111", ha="left" if dx > 0 else "right",
                weight="bold" if bold else "normal",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.7})
