"""report.html: one self-contained page a manager can open from an email.

KPIs, the cost breakdown, plant utilisation by week, leakage by sector, the
decisions taken and the map, with every picture inlined as a PNG data URI and
the styles in the page: no script, no network, no other file.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from feedstock.optimizer.base.units import gbp
from feedstock.optimizer.results.result import Result
from feedstock.optimizer.scenario import Scenario

COST_LABELS = {"transport": "transport", "fixed_decisions": "fixed (contracts, hubs, builds)",
               "hub_handling": "hub handling", "holding": "stock holding",
               "processing_net": "processing net of product value",
               "export_revenue": "export revenue", "leakage_penalty": "leakage penalty",
               "carbon": "carbon", "terminal_stock": "terminal stock"}


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def new_figure(w: float, h: float) -> tuple[Figure, object]:
    """A figure of ``w`` x ``h`` inches (no pyplot: safe in threads and servers) and its axes."""
    fig = Figure(figsize=(w, h), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot()


def cost_chart(result: Result) -> str:
    """Horizontal bars of the cost lines, £ thousand (negative: the chain earns)."""
    lines = result.cost_lines
    fig, ax = new_figure(7.5, 3.6)
    labels = [COST_LABELS.get(k, k) for k in lines.index]
    values = lines.to_numpy(float) / 1e3
    ax.barh(labels, values, color=np.where(values >= 0, "#c0504d", "#4f81bd"))
    ax.axvline(0, color="#333333", lw=0.8)
    ax.invert_yaxis()
    ax.set_xlabel("£ thousand over the horizon (negative = earnings)")
    for y, v in enumerate(values):
        ax.annotate(f"{v:,.1f}", (v, y), xytext=(4 if v >= 0 else -4, 0),
                    textcoords="offset points", va="center", fontsize=8,
                    ha="left" if v >= 0 else "right")
    ax.margins(x=0.25)
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def utilisation_chart(result: Result) -> str:
    """Feed / capacity of each plant per week, % in a grid (lines of equal value would hide).

    A blank cell is a week with no capacity (a plant not yet built).
    """
    plants = result.plants
    grid = plants.pivot_table(index="site_id", columns="week", values="utilisation",
                              aggfunc="first", dropna=False)
    grid = grid.reindex(columns=list(result.weeks))
    fig, ax = new_figure(7.5, 0.9 + 0.45 * max(len(grid), 1))
    values = 100 * grid.to_numpy(float)
    ax.imshow(np.ma.masked_invalid(values), cmap="YlGn", vmin=0, vmax=100, aspect="auto")
    for (i, j), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=7,
                    color="white" if v > 60 else "#222222")
    ax.set_yticks(range(len(grid)), list(grid.index), fontsize=8)
    ax.set_xticks(range(len(grid.columns)), [w[2:] for w in grid.columns], fontsize=7,
                  rotation=60)
    ax.set_title("% of the week's capacity used (blank: no capacity that week)", fontsize=9)
    return _png(fig)


def leakage_chart(result: Result, sc: Scenario) -> str:
    """Tonnes available and tonnes exported, by sector."""
    feeds = sc.feedstocks.set_index("feedstock_id")["sector"]
    avail = pd.concat([sc.inflows[["feedstock_id", "tonnes"]],
                       sc.inventory[["feedstock_id", "tonnes"]]])
    avail = avail.groupby(avail["feedstock_id"].map(feeds))["tonnes"].sum()
    leaked = result.leakage.groupby("sector")["tonnes_t"].sum().reindex(avail.index,
                                                                          fill_value=0.0)
    fig, ax = new_figure(7.5, 3.0)
    x = np.arange(len(avail))
    ax.bar(x - 0.2, avail.to_numpy(), 0.4, label="available (supply + opening stock)",
           color="#9bbb59")
    ax.bar(x + 0.2, leaked.to_numpy(), 0.4, label="exported (leakage)", color="#d7301f")
    ax.set_xticks(x, list(avail.index))
    ax.set_ylabel("t over the horizon")
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8)
    return _png(fig)


def kpi_cards(result: Result) -> list[tuple[str, str]]:
    """(label, value) of the headline figures, formatted with their units."""
    k = result.kpi_values
    return [("objective (net cost; negative = net earnings)", gbp(result.objective_gbp, minus="−")),
            ("gap to the best bound", f"{100 * result.gap:.2f}%"),
            ("processed in the UK", f"{k['processed_uk_t']:,.1f} t"),
            ("exported (leakage)", f"{k['leaked_t']:,.1f} t ({100 * k['leakage_share']:.1f}%)"),
            ("rare-earth oxide recovered", f"{k['reo_recovered_t']:,.1f} t"),
            ("stock at the end", f"{k['final_stock_t']:,.1f} t"),
            ("transport emissions", f"{k['co2e_t']:,.1f} t CO2e"),
            ("available to place", f"{k['available_t']:,.1f} t")]


def element_table(result: Result) -> str:
    """HTML: kg of each element kept in the UK and leaked, by sector and by outlet.

    Empty without element share columns in the data.
    """
    k = result.kpi_values
    kept, leaked = k.get("element_kept_uk_kg"), k.get("element_leaked_kg")
    if not kept:
        return ""
    e = html.escape
    main = "".join(f"<tr><td>{e(el)}</td><td class='n'>{kept[el]:,.1f}</td>"
                   f"<td class='n'>{leaked.get(el, 0.0):,.1f}</td>"
                   f"<td class='n'>{_kept_share(kept[el], leaked.get(el, 0.0))}</td></tr>"
                   for el in kept)
    parts = ["<h2>Elements (kg over the horizon)</h2><table><tr><th>element</th>"
             f"<th>kept in the UK</th><th>leaked abroad</th><th>kept share</th></tr>{main}"
             "</table>"]
    for what in ("sector", "outlet"):
        by = k.get(f"element_leaked_kg_by_{what}", {})
        cols = sorted({c for v in by.values() for c in v if v[c] > 0})
        if not cols:
            continue
        head = "".join(f"<th>{e(c)}</th>" for c in cols)
        rows = "".join(f"<tr><td>{e(el)}</td>" + "".join(
            f"<td class='n'>{by.get(el, {}).get(c, 0.0):,.1f}</td>" for c in cols) + "</tr>"
            for el in kept)
        parts.append(f"<p>Leaked, kg by {what}:</p><table><tr><th>element</th>{head}</tr>"
                     f"{rows}</table>")
    if "element_value_kept_gbp" in k:
        parts.append(f"<p>Element value kept in the UK {gbp(k['element_value_kept_gbp'])}, "
                     f"leaked {gbp(k['element_value_leaked_gbp'])} (contained kg x scenario."
                     "toml's value_gbp_per_kg, before any recovery loss).</p>")
    return "".join(parts)


def _kept_share(kept: float, leaked: float) -> str:
    return f"{kept / (kept + leaked):.0%}" if kept + leaked > 0 else "—"


def render_report(result: Result, sc: Scenario, map_png: bytes | None,
                  path: str | Path | None = None) -> str:
    """The page's HTML (and write it to ``path`` if given)."""
    e = html.escape
    cards = "".join(f"<div class='card'><div class='v'>{e(v)}</div><div class='l'>{e(label)}"
                    "</div></div>" for label, v in kpi_cards(result))
    decisions = result.decisions
    chosen = decisions[decisions["chosen"]]
    rows = "".join(f"<tr><td>{e(str(r.decision))}</td><td>{e(str(r.id))}</td>"
                   f"<td class='n'>£{r.fixed_cost_gbp:,.0f}</td><td>{e(str(r.note))}</td></tr>"
                   for r in chosen.itertuples())
    decided = (f"<table><tr><th>decision</th><th>what</th><th>fixed cost</th><th>note</th></tr>"
               f"{rows}</table>") if rows else "<p>No contract, hub or expansion chosen.</p>"
    map_part = (f"<img alt='map of the plan' src='data:image/png;base64,"
                f"{base64.b64encode(map_png).decode('ascii')}'>") if map_png else \
        "<p>(map not drawn)</p>"
    notes = "".join(f"<li>{e(n)}</li>" for n in result.notes) or "<li>none</li>"
    page = _PAGE.format(
        title=e(f"{result.scenario}: plan {result.weeks[0]} .. {result.weeks[-1]}"),
        status=e(result.status), weeks=len(result.weeks), cards=cards,
        cost=cost_chart(result), util=utilisation_chart(result),
        leak=leakage_chart(result, sc), decisions=decided, map=map_part, notes=notes,
        elements=element_table(result))
    if path is not None:
        Path(path).write_text(page, encoding="utf-8")
    return page


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, Segoe UI, Arial, sans-serif; margin: 24px auto; max-width: 1100px;
       color: #222; padding: 0 16px; }}
h1 {{ font-size: 24px; margin-bottom: 2px; }} h2 {{ font-size: 18px; margin-top: 28px; }}
.sub {{ color: #555; margin-top: 0; }}
.cards {{ display: grid; grid-template-columns: repeat(4, 1fr); gap: 10px; }}
.card {{ border: 1px solid #d0d7de; border-radius: 6px; padding: 10px 12px; background: #f6f8fa; }}
.card .v {{ font-size: 20px; font-weight: 600; }} .card .l {{ font-size: 12px; color: #555; }}
.grid {{ display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }}
img {{ max-width: 100%; height: auto; border: 1px solid #e1e4e8; }}
table {{ border-collapse: collapse; font-size: 13px; }}
td, th {{ border-bottom: 1px solid #e1e4e8; padding: 4px 10px; text-align: left; }}
td.n {{ text-align: right; }}
</style></head><body>
<h1>{title}</h1>
<p class="sub">Status <b>{status}</b> &middot; {weeks} weeks &middot; tonnes are over the
whole horizon unless a chart says per week; £ are the objective's terms.</p>
<div class="cards">{cards}</div>
<div class="grid">
<div><h2>Cost breakdown</h2><img alt="cost breakdown" src="data:image/png;base64,{cost}"></div>
<div><h2>Leakage by sector</h2><img alt="leakage by sector" src="data:image/png;base64,{leak}">
</div>
<div><h2>Plant utilisation by week</h2>
<img alt="plant utilisation by week" src="data:image/png;base64,{util}"></div>
<div><h2>Decisions taken</h2>{decisions}</div>
</div>
{elements}
<h2>Map</h2>{map}
<h2>Notes</h2><ul>{notes}</ul>
</body></html>
"""
