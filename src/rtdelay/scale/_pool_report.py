"""The pooled report: results.json, a self-contained HTML page with the pooled curves (SVG),
a per-site table and a forest plot of per-site hazard ratios (SVG, no plotting library)."""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any

from rtdelay.atomic import atomic_write
from rtdelay.scale._site import TABLES

__all__ = ["pool_report_html", "write_pool_outputs"]

_W, _H, _PAD = 520, 300, 45
_COLOURS = {"all": "#444444", "PBR": "#c0392b", "NPBR": "#2471a3"}


def _fmt(x: Any, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "NA"
    if isinstance(x, float):
        return f"{x:.{digits}f}"
    return html.escape(str(x))


def _curve_svg(curves: dict[str, Any], title: str, ylabel: str) -> str:
    """Step curves ``{label: (times, values)}`` on [0, tmax] x [0, 1] as an inline SVG."""
    tmax = max((float(t[-1]) for t, _ in curves.values() if len(t)), default=1.0) or 1.0

    def x(t: float) -> float:
        return _PAD + (_W - 2 * _PAD) * t / tmax

    def y(v: float) -> float:
        return _H - _PAD - (_H - 2 * _PAD) * v

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" role="img" aria-label="{html.escape(title)}">']
    parts.append(f'<text x="{_W / 2}" y="16" text-anchor="middle" font-size="13">{html.escape(title)}</text>')
    parts.append(f'<line x1="{_PAD}" y1="{y(0)}" x2="{_W - _PAD}" y2="{y(0)}" stroke="black"/>')
    parts.append(f'<line x1="{_PAD}" y1="{y(0)}" x2="{_PAD}" y2="{y(1)}" stroke="black"/>')
    for v in (0.0, 0.5, 1.0):
        parts.append(f'<text x="{_PAD - 5}" y="{y(v) + 4}" text-anchor="end" font-size="10">{v:g}</text>')
    for k in range(0, 5):
        t = tmax * k / 4
        parts.append(f'<text x="{x(t)}" y="{y(0) + 14}" text-anchor="middle" font-size="10">{t:.0f}</text>')
    parts.append(f'<text x="{_W / 2}" y="{_H - 8}" text-anchor="middle" font-size="11">months</text>')
    parts.append(f'<text x="12" y="{_H / 2}" font-size="11" transform="rotate(-90 12 {_H / 2})" text-anchor="middle">{html.escape(ylabel)}</text>')
    for i, (label, (times, values)) in enumerate(curves.items()):
        pts = [(0.0, 1.0 if ylabel != "cumulative incidence" else 0.0)]
        for t, v in zip(times, values, strict=True):
            pts.append((float(t), pts[-1][1]))
            pts.append((float(t), float(v)))
        path = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in pts if not math.isnan(v))
        colour = _COLOURS.get(str(label), "#777777")
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.6" points="{path}"/>')
        parts.append(f'<text x="{_W - _PAD}" y="{30 + 14 * i}" text-anchor="end" font-size="11" fill="{colour}">{html.escape(str(label))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _forest_svg(rows: list[tuple[str, dict[str, Any]]], title: str) -> str:
    """Hazard ratios with CIs on a log axis, one row per site and the pooled estimates."""
    usable = [(n, e) for n, e in rows if e.get("hazard_ratio") and e.get("lower") and e.get("upper")]
    height = 40 + 22 * max(len(rows), 1) + 30
    lo = min([e["lower"] for _, e in usable] + [0.25])
    hi = max([e["upper"] for _, e in usable] + [4.0])
    lo, hi = math.log(max(lo, 1e-3)), math.log(min(hi, 1e3))

    def x(v: float) -> float:
        return 220 + 260 * (math.log(min(max(v, 1e-3), 1e3)) - lo) / (hi - lo)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="520" height="{height}" role="img" aria-label="{html.escape(title)}">']
    parts.append(f'<text x="260" y="16" text-anchor="middle" font-size="13">{html.escape(title)}</text>')
    parts.append(f'<line x1="{x(1.0)}" y1="28" x2="{x(1.0)}" y2="{height - 25}" stroke="#999" stroke-dasharray="3,3"/>')
    for i, (name, est) in enumerate(rows):
        yy = 40 + 22 * i
        hr = est.get("hazard_ratio")
        text = f"{_fmt(hr, 2)} ({_fmt(est.get('lower'), 2)}-{_fmt(est.get('upper'), 2)})" if hr else "not estimable"
        parts.append(f'<text x="5" y="{yy + 4}" font-size="11">{html.escape(name)}: {text}</text>')
        if hr and est.get("lower") and est.get("upper"):
            parts.append(f'<line x1="{x(est["lower"]):.1f}" y1="{yy}" x2="{x(est["upper"]):.1f}" y2="{yy}" stroke="black"/>')
            shape = "#c0392b" if name.startswith("pooled") else "black"
            parts.append(f'<rect x="{x(hr) - 4:.1f}" y="{yy - 4}" width="8" height="8" fill="{shape}"/>')
    for v in (0.25, 0.5, 1.0, 2.0, 4.0):
        if lo <= math.log(v) <= hi:
            parts.append(f'<text x="{x(v):.1f}" y="{height - 10}" text-anchor="middle" font-size="10">{v:g}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _pooled_curves(docs: list[dict[str, Any]]) -> dict[str, str]:
    from rtdelay.scale._pool import GROUPS, combined_table
    from rtdelay.stats import cumulative_incidence_counts, kaplan_meier_counts

    svgs: dict[str, str] = {}
    for name, title in (("local_control", "Local control (pooled)"), ("overall_survival", "Overall survival (pooled)")):
        tab = combined_table(docs, name)
        if tab is None:
            continue
        curves = kaplan_meier_counts(tab.to_counts(strata="none", groups=GROUPS))
        assert isinstance(curves, dict)
        svgs[name] = _curve_svg({str(g): (c.time, c.survival) for g, c in curves.items()}, title, "survival")
    comp = combined_table(docs, "local_control_competing")
    if comp is not None:
        cif = cumulative_incidence_counts(comp.to_counts(strata="none", groups=GROUPS))
        assert isinstance(cif, dict)
        svgs["local_control_competing"] = _curve_svg(
            {str(g): (c.time, c.estimate) for g, c in cif.items()},
            "Local progression, death competing (pooled Aalen-Johansen)",
            "cumulative incidence",
        )
    return svgs


def pool_report_html(results: dict[str, Any], docs: list[dict[str, Any]]) -> str:
    """The pooled report as one self-contained HTML page (everything escaped)."""
    e = html.escape
    rows = []
    for site, info in results["per_site"].items():
        moved = []
        for table, groups in (info.get("curve_movement") or {}).items():
            for g, m in groups.items():
                if m.get("max_abs_difference") is not None:
                    at12 = m.get("difference_at_12_months")
                    moved.append(
                        f"{table} {g}: at most {m['max_abs_difference']:.3f} (at {m['at_time']:.1f} mo, "
                        f"{m['published_at_risk_there']} at risk), at 12 mo {_fmt(at12)}"
                    )
        rows.append(
            f"<tr><td>{e(site)}</td><td>{_fmt(info.get('n_patients'))}</td><td>{e(str(info.get('disclosure')))}</td>"
            f"<td>{_fmt(info['lc_1y'].get('all'))}</td><td>{_fmt(info['os_1y'].get('all'))}</td>"
            f"<td>{e('; '.join(moved)) or 'none (no disclosure control)'}</td></tr>"
        )
    forest = []
    for name in ("local_control", "overall_survival"):
        cox = results["cox"].get(name) or {}
        if not cox:
            continue
        lines = [(f"site {s}", est) for s, est in cox["per_site"].items()]
        lines.append(("pooled, Cox stratified by site", cox["stratified_by_site"]))
        lines.append(("pooled, fixed-effect meta-analysis", cox["fixed_effect_meta_analysis"]))
        forest.append(_forest_svg(lines, f"Hazard ratio PBR vs NPBR, {name.replace('_', ' ')}"))
    curves = _pooled_curves(docs)
    presets = sorted({str(d.get("disclosure", {}).get("preset")) for d in docs})
    rules = "".join(
        f"<li>{e(str(d['site']))}: <b>{e(str(d.get('disclosure', {}).get('preset')))}</b>: "
        f"{e(str(d.get('disclosure', {}).get('description', '')))}</li>"
        for d in docs
    )
    flags = "".join(f"<li>{e(str(d['site']))}: {e(f)}</li>" for d in docs for f in d.get("flags", []))
    coverage = "".join(
        f"<li>{e(table)}: "
        + "; ".join(f"{e(g)} from {e(', '.join(sites)) or 'no site'}" for g, sites in groups.items())
        + "</li>"
        for table, groups in results.get("coverage", {}).items()
    )
    comp = results.get("competing_local_control", {})
    synthetic = (
        "<p><b>Synthetic data:</b> made from rtdelay's synthetic demo cohort; not patients.</p>" if results.get("synthetic") else ""
    )
    key_rows = "".join(
        f"<tr><td>{e(k)}</td><td>{e(json.dumps(results.get(k)))}</td></tr>"
        for k in ("pbr_cumulative_risk", "lc_1y", "os_1y", "lc_logrank_p", "lc_logrank_p_stratified",
                  "os_logrank_p", "os_logrank_p_stratified")
    )
    return f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>rtdelay pooled analysis</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}td,th{{border:1px solid #ccc;padding:3px 6px}}table{{border-collapse:collapse}}</style>
</head><body><h1>Pooled analysis of {len(docs)} site(s)</h1>{synthetic}
<p>Sites: {e(', '.join(results['sites']))}; patients: {_fmt(results.get('n_patients'))}. Only count tables left the sites.</p>
<h2>Disclosure control</h2><p>Presets applied: {e(', '.join(presets))}.</p><ul>{rules}</ul>
<p>Small cells are never suppressed inside a table (that would break the risk sets): time bins are merged until every
published count is 0 or at least the minimum; with rounding (opensafely) the risk sets are sums of rounded counts.
The per-site table gives, for each published curve, the largest distance between it and the curve of the patient rows,
measured at the site: this is how far the curves may move. It concentrates where few remain at risk.</p>
<ul>{flags}</ul>
<h2>Survival results</h2><p>Which sites each pooled curve rests on (a group withheld at a site is missing
from its contribution):</p><ul>{coverage}</ul><table><tr><th>key</th><th>value</th></tr>{key_rows}</table>
<p>Log-rank tests: pooled (as the analysis of the concatenated cohort) and stratified by site.
Gray's test (local progression, death competing): p = {_fmt(comp.get('gray_p'))}, stratified by site p = {_fmt(comp.get('gray_p_stratified'))}.</p>
{''.join(curves.values())}
<h2>Per site</h2><table><tr><th>site</th><th>patients</th><th>disclosure</th><th>LC at 1 y</th><th>OS at 1 y</th><th>how far the curves may move</th></tr>{''.join(rows)}</table>
<h2>Hazard ratios</h2><p>Per-site Cox estimates (Efron ties) from each site's count table; pooled two ways, each labelled:
the Cox model stratified by site fitted on the pooled count tables (exact for the stratified model), and a fixed-effect
(inverse-variance) meta-analysis of the per-site estimates.</p>{''.join(forest)}
</body></html>
"""


def write_pool_outputs(out_dir: Path, results: dict[str, Any], docs: list[dict[str, Any]]) -> dict[str, Path]:
    """Write results.json, report.html and figures/*.svg into ``out_dir`` (atomic writes)."""
    from rtdelay.stats import jsonable

    paths = {
        "results": atomic_write(out_dir / "results.json", json.dumps(jsonable(results), indent=2, sort_keys=True) + "\n"),
        "report": atomic_write(out_dir / "report.html", pool_report_html(results, docs)),
    }
    figs = out_dir / "figures"
    figs.mkdir(exist_ok=True)
    for name, svg in _pooled_curves(docs).items():
        if name in TABLES:
            paths[f"figure_{name}"] = atomic_write(figs / f"pooled_{name}.svg", svg)
    return paths
