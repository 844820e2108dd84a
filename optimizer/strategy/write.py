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
import pandas as pd

from feedstock.optimizer.base.units import gbp
from feedstock.optimizer.outputs.report import COST_LABELS, new_figure
from feedstock.optimizer.strategy.plan import StrategyResult

TABLES = ("builds", "capacity", "flows_by_year", "leakage_by_year", "cost_by_year",
          "commitments", "regret")
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


def reference_rows(s: StrategyResult, df: pd.DataFrame) -> pd.DataFrame:
    """The reference future's rows of a table (all rows when there is one future)."""
    if "future" not in df.columns:
        return df
    return df[df["future"] == s.measures.get("reference")].drop(columns="future")


def strategy_png(s: StrategyResult, path: Path | None = None) -> bytes:
    """Capacity against feed per plant and year (t/yr), a marker where a build comes online.

    With futures: the reference future's feed (bars) and capacity (lines), and
    a shaded band from the lowest to the highest feed of any future.
    """
    cap = reference_rows(s, s.capacity)
    band = s.capacity.groupby(["site_id", "year"])["feed_t"].agg(["min", "max"]) \
        if "future" in s.capacity.columns else None
    builds = reference_rows(s, s.builds)
    plants = list(dict.fromkeys(cap["site_id"]))
    fig, axes = new_figure(8.0, 1.0 + 2.2 * max(len(plants), 1))
    fig.delaxes(axes)
    for i, site in enumerate(plants, start=1):
        ax = fig.add_subplot(len(plants), 1, i)
        c = cap[cap["site_id"] == site]
        ax.bar(c["year"], c["feed_t"], width=0.6, color="#9bbb59", label="feed, t/yr")
        ax.hlines(c["capacity_t"], c["year"] - 0.4, c["year"] + 0.4, color="#1f4e79", lw=2.5,
                  label="capacity, t/yr")
        if band is not None and site in band.index.get_level_values(0):
            b = band.loc[site]
            ax.fill_between(b.index, b["min"], b["max"], color="#f79646", alpha=0.3, step="mid",
                            label=f"feed across {len(s.futures)} futures, t/yr")
        for r in builds[builds["site_id"] == site].itertuples(index=False):
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
    which = "" if band is None else f" in the reference future ({s.measures['reference']})"
    fig.suptitle(f"{s.result.scenario}: plant capacity against feed per year{which} "
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
    c = reference_rows(s, s.cost_by_year).pivot_table(
        index="year", columns="line", values="cost_gbp", aggfunc="sum").fillna(0.0) / 1e3
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
    e = reference_rows(s, s.leakage_by_year).pivot_table(
        index="year", columns="sector", values="tonnes_t", aggfunc="sum") \
        .reindex(s.years).fillna(0.0)
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
    """report.html of a strategic run: builds, futures and their measures, capacity, cost."""
    e = html.escape
    r, m = s.result, s.measures
    many = "future" in s.builds.columns
    builds = "".join(
        f"<tr>{f'<td>{e(b.future)}</td>' if many else ''}<td>{e(b.site_id)}</td>"
        f"<td>{e(b.option)}</td><td>{b.decided_year}</td>"
        f"<td>{b.online_from}–{b.online_to}</td><td class='n'>{b.extra_capacity_t_per_year:,.0f}"
        f"</td><td class='n'>{gbp(b.capex_gbp)}</td><td class='n'>{gbp(b.cost_in_horizon_gbp)}"
        "</td></tr>" for b in s.builds.itertuples(index=False))
    builds = (f"<table><tr>{'<th>future</th>' if many else ''}<th>site</th><th>option</th>"
              "<th>decided</th><th>online</th><th>extra t/yr</th><th>capex</th>"
              f"<th>discounted cost in horizon</th></tr>{builds}</table>") if builds else \
        "<p>Nothing is built.</p>"
    lines = "".join(f"<tr><td>{e(COST_LABELS.get(k, k))}</td><td class='n'>{gbp(v)}</td></tr>"
                    for k, v in r.cost_lines_gbp.items())
    notes = "".join(f"<li>{e(n)}</li>" for n in r.notes) or "<li>none</li>"
    years = f"{s.years[0]}–{s.years[-1]}"
    return _PAGE.format(
        title=e(f"{r.scenario}: strategy {years}"), status=e(str(m["status"])),
        gap=100 * m["gap"], objective=e(gbp(s.objective_gbp, minus="−")),
        rate=100 * m["discount_rate"], builds=builds, futures=_futures_html(s), lines=lines,
        png=base64.b64encode(png).decode("ascii"), cost=_cost_chart(s),
        leak=_leakage_chart(s), notes=notes, reference=e(str(m["reference"])))


def _money(v: float | None) -> str:
    return "—" if v is None or not np.isfinite(v) else gbp(v, minus="−")


def _futures_html(s: StrategyResult) -> str:
    """The measures (RP, EEV, VSS, WS, EVPI with their ranges), per-future cost and regret."""
    e, m = html.escape, s.measures
    rng = m.get("vss_range_gbp"), m.get("evpi_range_gbp")
    rows = [("RP: expected cost of the hedged plan", m["rp_gbp"], None),
            ("EEV: the reference future's own plan, in every future", m["eev_gbp"], None),
            ("VSS = EEV − RP: what planning for uncertainty is worth", m["vss_gbp"], rng[0]),
            ("WS: every future solved with perfect foresight", m["ws_gbp"], None),
            ("EVPI = RP − WS: what a perfect forecast would be worth", m["evpi_gbp"], rng[1])]
    head = "".join(f"<tr><td>{e(label)}</td><td class='n'>{_money(v)}</td><td class='n'>"
                   f"{'' if r is None else _money(r[0]) + ' … ' + _money(r[1])}</td></tr>"
                   for label, v, r in rows)
    per = "".join(f"<tr><td>{e(n)}</td><td class='n'>{f['probability']:g}</td>"
                  f"<td class='n'>{_money(f['cost_gbp'])}</td><td class='n'>"
                  f"{_money(f['ws_gbp'])}</td><td>{e(' + '.join(f['own_first_stage']) or '—')}"
                  "</td></tr>" for n, f in m["futures"].items())
    regret = s.regret.pivot_table(index="plan_of", columns="future", values="regret_gbp",
                                  sort=False)
    reg = "".join(f"<tr><td>{e(str(p))}</td>" + "".join(
        f"<td class='n'>{_money(regret.at[p, f])}</td>" for f in regret.columns) + "</tr>"
        for p in regret.index)
    return (f"<table><tr><th>measure</th><th>£</th><th>range the gaps allow</th></tr>{head}"
            "</table><h3>Each future</h3><table><tr><th>future</th><th>probability</th>"
            "<th>cost of the hedged plan</th><th>its own optimum (WS)</th>"
            f"<th>its own first-stage builds</th></tr>{per}</table>"
            "<h3>Regret (£): a first stage (row) held in each future (column), against that "
            "future's own optimum</h3><table><tr><th>first stage of</th>"
            + "".join(f"<th>{e(str(f))}</th>" for f in regret.columns) + f"</tr>{reg}</table>")


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
<p class="sub">Status <b>{status}</b> (gap {gap:.2f}%) &middot; expected discounted cost
<b>{objective}</b> at {rate:.1f}%/yr (negative = net earnings).</p>
<h2>Strategy: what is built, where and when</h2>{builds}
<h2>Futures: what hedging and foresight are worth</h2>{futures}
<h2>Capacity against feed per plant and year</h2>
<img alt="capacity against feed per plant and year" src="data:image/png;base64,{png}">
<div class="grid">
<div><h2>Cost per year</h2><img alt="cost per year" src="data:image/png;base64,{cost}"></div>
<div><h2>Leakage per year</h2><img alt="leakage per year" src="data:image/png;base64,{leak}">
</div></div>
<h2>Discounted cost lines (£ over the horizon; future {reference})</h2><table>{lines}</table>
<h2>Notes</h2><ul>{notes}</ul>
</body></html>
"""

