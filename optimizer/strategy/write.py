"""Write a strategic plan: CSV tables per year, measures.json, commitments.csv, pictures.

Files go to a staging folder next to the target and are renamed into place, as
for ``feedstock solve --out``: a reader never sees half a set.
"""

from __future__ import annotations

import base64
import html
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from feedstock.optimizer.base.units import gbp
from feedstock.optimizer.outputs.report import COST_LABELS, new_figure
from feedstock.optimizer.strategy.plan import StrategyResult

TABLES = ("builds", "capacity", "flows_by_year", "leakage_by_year", "cost_by_year",
          "commitments")
FILES = (*(f"{t}.csv" for t in TABLES), "measures.json", "summary.json", "strategy.png",
         "report.html")


def measures_json(s: StrategyResult) -> str:
    """measures.json text (RP, EEV, VSS, WS, EVPI, futures, first stage)."""
    return json.dumps(_finite(s.measures), indent=2) + "\n"


def write_strategy(s: StrategyResult, out: str | Path, *, pictures: bool = True) -> Path:
    """Write every file of a strategic plan to ``out`` (``pictures=False``: no png, no html)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for name in TABLES:
            getattr(s, name).to_csv(tmp / f"{name}.csv", index=False, float_format="%.6g",
                                    lineterminator="\n")
        (tmp / "measures.json").write_text(measures_json(s), encoding="utf-8")
        summary = json.dumps(s.result.summary(), indent=2) + "\n"
        (tmp / "summary.json").write_text(summary, encoding="utf-8")
        if pictures:
            png = strategy_png(s, tmp / "strategy.png")
            (tmp / "report.html").write_text(report_html(s, png), encoding="utf-8")
        out.mkdir(exist_ok=True)
        written = {f.name for f in tmp.iterdir()}
        for name in written:
            os.replace(tmp / name, out / name)
        for name in set(FILES) - written:  # an earlier run's pictures would mislead
            (out / name).unlink(missing_ok=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def strategy_png(s: StrategyResult, path: Path | None = None) -> bytes:
    """Capacity against feed per plant and year (t/yr), a marker where a build comes online."""
    cap = s.capacity
    plants = list(dict.fromkeys(cap["site_id"]))
    fig, axes = new_figure(8.0, 1.0 + 2.2 * max(len(plants), 1))
    fig.delaxes(axes)
    for i, site in enumerate(plants, start=1):
        ax = fig.add_subplot(len(plants), 1, i)
        c = cap[cap["site_id"] == site]
        ax.bar(c["year"], c["feed_t"], width=0.6, color="#9bbb59", label="feed, t/yr")
        ax.hlines(c["capacity_t"], c["year"] - 0.4, c["year"] + 0.4, color="#1f4e79", lw=2.5,
                  label="capacity, t/yr")
        b = s.builds[s.builds["site_id"] == site]
        for r in b.itertuples(index=False):
            top = float(c["capacity_t"].max() or 1.0)
            ax.annotate(f"{r.option} (decided {r.decided_year})", (r.online_from, top),
                        xytext=(0, 6), textcoords="offset points", ha="center", fontsize=7)
            ax.axvline(r.online_from - 0.5, color="#c0504d", ls="--", lw=1)
        ax.set_title(site, fontsize=9, loc="left")
        ax.set_ylabel("t/yr")
        ax.set_xticks(s.years)
        ax.grid(axis="y", alpha=0.3)
        ax.margins(y=0.2)
        if i == 1:
            ax.legend(fontsize=7, loc="upper left")
    fig.suptitle(f"{s.result.scenario}: plant capacity against feed per year "
                 "(dashed: a build comes online)", fontsize=10)
    from io import BytesIO

    buf = BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    data = buf.getvalue()
    if path is not None:
        Path(path).write_bytes(data)
    return data


def _cost_chart(s: StrategyResult) -> str:
    """Stacked bars: each cost line per year, GBP thousand undiscounted."""
    c = s.cost_by_year.pivot_table(index="year", columns="line", values="cost_gbp",
                                   aggfunc="sum").fillna(0.0) / 1e3
    fig, ax = new_figure(7.5, 3.6)
    pos, neg = np.zeros(len(c)), np.zeros(len(c))
    for line in c.columns:
        v = c[line].to_numpy(float)
        base = np.where(v >= 0, pos, neg)
        ax.bar(c.index, v, bottom=base, label=COST_LABELS.get(line, line))
        pos, neg = pos + np.clip(v, 0, None), neg + np.clip(v, None, 0)
    ax.axhline(0, color="#333333", lw=0.8)
    ax.set_ylabel("£ thousand in the year (undiscounted)")
    ax.legend(fontsize=6, ncol=2)
    ax.grid(axis="y", alpha=0.3)
    return _b64(fig)


def _leakage_chart(s: StrategyResult) -> str:
    """Tonnes exported per year and sector."""
    e = s.leakage_by_year.pivot_table(index="year", columns="sector", values="tonnes_t",
                                      aggfunc="sum").reindex(s.years).fillna(0.0)
    fig, ax = new_figure(7.5, 3.0)
    bottom = np.zeros(len(e))
    for sector in e.columns:
        ax.bar(e.index, e[sector], bottom=bottom, label=sector)
        bottom += e[sector].to_numpy(float)
    ax.set_ylabel("t/yr exported (leakage)")
    ax.set_xticks(s.years)
    if len(e.columns):
        ax.legend(fontsize=7)
    ax.grid(axis="y", alpha=0.3)
    return _b64(fig)


def _b64(fig) -> str:
    from io import BytesIO

    buf = BytesIO()
    fig.savefig(buf, format="png", dpi=100)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def report_html(s: StrategyResult, png: bytes) -> str:
    """report.html of a strategic run: the Strategy section (builds, capacity, cost, leakage)."""
    e = html.escape
    r, m = s.result, s.measures
    builds = "".join(
        f"<tr><td>{e(b.site_id)}</td><td>{e(b.option)}</td><td>{b.decided_year}</td>"
        f"<td>{b.online_from}–{b.online_to}</td><td class='n'>{b.extra_capacity_t_per_year:,.0f}"
        f"</td><td class='n'>{gbp(b.capex_gbp)}</td><td class='n'>{gbp(b.cost_in_horizon_gbp)}"
        "</td></tr>" for b in s.builds.itertuples(index=False))
    builds = ("<table><tr><th>site</th><th>option</th><th>decided</th><th>online</th>"
              "<th>extra t/yr</th><th>capex</th><th>discounted cost in horizon</th></tr>"
              f"{builds}</table>") if builds else "<p>Nothing is built.</p>"
    lines = "".join(f"<tr><td>{e(COST_LABELS.get(k, k))}</td><td class='n'>{gbp(v)}</td></tr>"
                    for k, v in r.cost_lines_gbp.items())
    notes = "".join(f"<li>{e(n)}</li>" for n in r.notes) or "<li>none</li>"
    years = f"{s.years[0]}–{s.years[-1]}"
    return _PAGE.format(
        title=e(f"{r.scenario}: strategy {years}"), status=e(r.status), gap=100 * r.gap,
        objective=e(gbp(r.objective_gbp, minus="−")), rate=100 * m["discount_rate"],
        builds=builds, lines=lines, png=base64.b64encode(png).decode("ascii"),
        cost=_cost_chart(s), leak=_leakage_chart(s), notes=notes,
        vss=e(gbp(m["vss_gbp"])), evpi=e(gbp(m["evpi_gbp"])), futures=len(m["futures"]))


def _finite(obj):
    if isinstance(obj, dict):
        return {str(k): _finite(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_finite(v) for v in obj]
    if isinstance(obj, float | np.floating):
        return None if not np.isfinite(obj) else round(float(obj), 6)
    if isinstance(obj, np.integer):
        return int(obj)
    return obj


_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: system-ui, Segoe UI, Arial, sans-serif; margin: 24px auto; max-width: 1100px;
       color: #222; padding: 0 16px; }}
h1 {{ font-size: 24px; margin-bottom: 2px; }} h2 {{ font-size: 18px; margin-top: 28px; }}
.sub {{ color: #555; margin-top: 0; }}
img {{ max-width: 100%; height: auto; border: 1px solid #e1e4e8; }}
table {{ border-collapse: collapse; font-size: 13px; }}
td, th {{ border-bottom: 1px solid #e1e4e8; padding: 4px 10px; text-align: left; }}
td.n {{ text-align: right; }}
.grid {{ display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }}
</style></head><body>
<h1>{title}</h1>
<p class="sub">Status <b>{status}</b> (gap {gap:.2f}%) &middot; discounted cost
<b>{objective}</b> at {rate:.1f}%/yr (negative = net earnings) &middot; {futures} future(s):
VSS {vss}, EVPI {evpi}.</p>
<h2>Strategy: what is built, where and when</h2>{builds}
<h2>Capacity against feed per plant and year</h2>
<img alt="capacity against feed per plant and year" src="data:image/png;base64,{png}">
<div class="grid">
<div><h2>Cost per year</h2><img alt="cost per year" src="data:image/png;base64,{cost}"></div>
<div><h2>Leakage per year</h2><img alt="leakage per year" src="data:image/png;base64,{leak}">
</div></div>
<h2>Discounted cost lines (£ over the horizon)</h2><table>{lines}</table>
<h2>Notes</h2><ul>{notes}</ul>
</body></html>
"""

