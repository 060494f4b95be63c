"""Figures of the report (matplotlib objects, no pyplot state, imported only when drawing).

- :func:`fig2_pbr_risk`: cumulative risk of progression before RT (1 - S) by months since surgery.
- :func:`fig3_pbr_by_surgery`: the same by operation type, with the log-rank p value.
- :func:`fig4a_local_control`, :func:`fig4b_overall_survival`: by PBR/NPBR from RT start, with
  the 1-year rates marked and the log-rank p value.
- :func:`fig5_waiting_risk`, :func:`fig6_lc_competing`: beyond the article, drawn when the
  results carry ``beyond`` (current-status NPMLE vs the naive Kaplan-Meier risk; cumulative
  incidence of local progression with death competing vs 1 - Kaplan-Meier).

Every function takes the study results, an optional ``ax`` and a ``width`` ("single" 85 mm,
"double" 170 mm) and returns the matplotlib ``Figure``. Curves, bands, censoring ticks, rates and
numbers at risk all come from the same ``SurvivalCurve`` objects. :func:`save_figure` writes png
(300 dpi), svg and pdf deterministically (no dates in the files).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rtdelay.atomic import atomic_file
from rtdelay.report._figstyle import (
    FONT_SIZE,
    OKABE_ITO,
    draw_at_risk,
    draw_step,
    finish_axes,
    new_figure,
    nice_ticks,
    series_style,
)
from rtdelay.report.formatting import format_p, format_percent

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from rtdelay.stats import SurvivalCurve, TestResult
    from rtdelay.study import EndpointResults, StudyResults

__all__ = [
    "FIGURE_FORMATS",
    "fig2_pbr_risk",
    "fig3_pbr_by_surgery",
    "fig4a_local_control",
    "fig4b_overall_survival",
    "fig5_waiting_risk",
    "fig6_lc_competing",
    "figure_builders",
    "save_figure",
    "write_figures",
    "p_label",
]

#: Files written for each curve figure.
FIGURE_FORMATS: tuple[str, ...] = ("png", "svg", "pdf")
_DPI = 300
_METADATA: dict[str, dict[str, Any]] = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None},
}


def p_label(test: TestResult | None, name: str = "Log-rank") -> str:
    """``"Log-rank P = 0.040"`` / ``"Log-rank P < 0.001"``; empty when there is no test."""
    if test is None or test.p_value is None or (isinstance(test.p_value, float) and math.isnan(test.p_value)):
        return ""
    text = format_p(test.p_value)
    return f"{name} P {text.replace('<', '< ')}" if text.startswith("<") else f"{name} P = {text}"


def _axes(ax: Axes | None, *, width: str, n_risk_rows: int, labels: Sequence[str] = ()) -> tuple[Figure, Axes]:
    if ax is not None:
        fig = ax.figure
        return fig, ax  # type: ignore[return-value]
    chars = max([4, *(len(x) for x in labels)])
    return new_figure(width=width, n_risk_rows=n_risk_rows, label_chars=chars)


def _display(key: str) -> str:
    return key if key in ("PBR", "NPBR", "all") else key[:1].upper() + key[1:]


def _legend(ax: Axes, loc: str) -> None:
    leg = ax.legend(loc=loc, fontsize=FONT_SIZE, frameon=False, handlelength=2.6)  # type: ignore[call-overload]
    if leg is not None:
        leg.set_gid("legend")


def _risk_ylim(curves: Sequence[SurvivalCurve]) -> tuple[float, float]:
    highs = [1.0 - float(np.nanmin(np.concatenate(([1.0], c.lower)))) for c in curves if c.time.size]
    top = max([0.1, *highs])
    return 0.0, min(1.0, math.ceil((top + 0.05) * 10.0) / 10.0)


def _pbr_ylim(results: StudyResults) -> tuple[float, float]:
    """One y range for Figs 2 and 3 (overall and by operation), so the two can be compared."""
    iv = results.interval
    curves = [c for c in (iv.pbr_curve, *iv.pbr_curves_by_surgery.values()) if c is not None]
    return _risk_ylim(curves)


def _max_time(curves: Sequence[SurvivalCurve]) -> float:
    return max([float(c.time[-1]) for c in curves if c.time.size] or [1.0])


def _empty(ax: Axes, message: str) -> None:
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center", fontsize=FONT_SIZE)


def fig2_pbr_risk(results: StudyResults, *, ax: Axes | None = None, width: str = "single") -> Figure:
    """Fig. 2: cumulative risk of progression before RT against months since surgery.

    Kaplan-Meier on time to RT with PBR as the event (the article's treatment), drawn as
    1 - S(t) with its pointwise band; the risks the text quotes (``interval.pbr_risk``) are
    marked and labelled.
    """
    curve = results.interval.pbr_curve
    fig, ax = _axes(ax, width=width, n_risk_rows=1 if curve is not None else 0)
    if curve is None or curve.time.size == 0:
        _empty(ax, "No patient: risk of progression before RT not estimated")
        return fig
    color, style = series_style("all", 0)
    draw_step(ax, curve, color=color, linestyle=style, label=f"All patients (n = {curve.n})", risk=True)
    for r in results.interval.pbr_risk:
        if math.isfinite(r.value):
            ax.plot([r.time], [r.value], marker="o", markersize=3, color=color, linestyle="none")
            # above and to the left of the point: the risk only rises, so the curve stays
            # below the point on its left and never crosses the label
            ax.annotate(
                format_percent(r.value), (r.time, r.value), xytext=(-3, 3), textcoords="offset points",
                ha="right", va="bottom", fontsize=FONT_SIZE, gid=f"risk-label:{r.time:g}",
            )
    ticks = nice_ticks(_max_time([curve]), steps=(1, 2, 3, 6))
    finish_axes(ax, xlabel="Months since surgery", ylabel="Cumulative risk of progression before RT", ticks=ticks, ylim=_pbr_ylim(results))
    draw_at_risk(ax, [("All", curve, color)], ticks)
    return fig


def _by_group(
    ax: Axes,
    curves: Mapping[str, SurvivalCurve],
    *,
    risk: bool,
) -> list[tuple[str, SurvivalCurve, str]]:
    drawn = []
    band = len(curves) <= 2  # overlapping bands of three or more curves hide the curves
    for i, (key, curve) in enumerate(curves.items()):
        if curve.time.size == 0:
            continue
        color, style = series_style(key, i)
        label = _display(key)
        draw_step(ax, curve, color=color, linestyle=style, label=f"{label} (n = {curve.n})", risk=risk, band=band)
        drawn.append((label, curve, color))
    return drawn


def fig3_pbr_by_surgery(results: StudyResults, *, ax: Axes | None = None, width: str = "single") -> Figure:
    """Fig. 3: cumulative risk of progression before RT by operation type, with log-rank p."""
    curves = results.interval.pbr_curves_by_surgery
    fig, ax = _axes(ax, width=width, n_risk_rows=len(curves), labels=[_display(k) for k in curves])
    if not curves:
        _empty(ax, "Operation type not recorded: no curves by operation")
        return fig
    drawn = _by_group(ax, curves, risk=True)
    ticks = nice_ticks(_max_time(list(curves.values())), steps=(1, 2, 3, 6))
    finish_axes(ax, xlabel="Months since surgery", ylabel="Cumulative risk of progression before RT", ticks=ticks, ylim=_pbr_ylim(results))
    _legend(ax, "upper left")
    label = p_label(results.interval.pbr_by_surgery_logrank)
    if label:
        ax.text(0.02, 0.62, label, transform=ax.transAxes, fontsize=FONT_SIZE, ha="left", va="top", gid="p-value")
    draw_at_risk(ax, drawn, ticks)
    return fig


def _endpoint_figure(ep: EndpointResults, *, ax: Axes | None, width: str, ylabel: str) -> Figure:
    groups: dict[str, SurvivalCurve] = {k: ep.curves[k] for k in ("PBR", "NPBR") if k in ep.curves}
    if not groups and "all" in ep.curves:
        groups = {"all": ep.curves["all"]}
    fig, ax = _axes(ax, width=width, n_risk_rows=len(groups), labels=list(groups))
    if not groups:
        _empty(ax, "No patient: curve not estimated")
        return fig
    drawn = _by_group(ax, groups, risk=False)
    ticks = nice_ticks(_max_time(list(groups.values())), steps=(3, 6, 12, 24))
    finish_axes(ax, xlabel="Months since the start of radiotherapy", ylabel=ylabel, ticks=ticks, ylim=(0.0, 1.02))
    t = ep.rate_time
    if t <= ticks[-1]:
        ax.axvline(t, color="#777777", linewidth=0.6, linestyle=":")
    marked = [(i, k, ep.rates[k]) for i, k in enumerate(groups) if k in ep.rates and math.isfinite(ep.rates[k].value)]
    highest = max((r.value for _, _, r in marked), default=math.nan)
    for i, key, rate in marked:
        color, _ = series_style(key, i)
        ax.plot([rate.time], [rate.value], marker="o", markersize=3, color=color, linestyle="none")
        # A survival curve only falls: right of the point it is at or below the point, left of
        # it at or above. The highest rate is labelled above-right (no curve is there: each
        # is below its own value later on); the others below-left (their own curve and every
        # higher one are above on that side), so no label sits on a curve.
        top = rate.value == highest
        ax.annotate(
            format_percent(rate.value),
            (rate.time, rate.value),
            xytext=(3, 3) if top else (-3, -3),
            textcoords="offset points",
            ha="left" if top else "right",
            va="bottom" if top else "top",
            fontsize=FONT_SIZE,
            color=color,
            gid=f"rate:{key}",
        )
    _legend(ax, "upper right")
    label = p_label(ep.logrank)
    if label:
        ax.text(0.98, 0.78, label, transform=ax.transAxes, fontsize=FONT_SIZE, ha="right", va="top", gid="p-value")
    draw_at_risk(ax, drawn, ticks)
    return fig


def fig4a_local_control(results: StudyResults, *, ax: Axes | None = None, width: str = "single") -> Figure:
    """Fig. 4a: local control by PBR/NPBR from RT start, 1-year rates marked, log-rank p."""
    return _endpoint_figure(results.local_control, ax=ax, width=width, ylabel="Local control")


def fig4b_overall_survival(results: StudyResults, *, ax: Axes | None = None, width: str = "single") -> Figure:
    """Fig. 4b: overall survival by PBR/NPBR from RT start, 1-year rates marked, log-rank p."""
    return _endpoint_figure(results.overall_survival, ax=ax, width=width, ylabel="Overall survival")


def _beyond(results: StudyResults, part: str) -> Any:
    beyond = getattr(results, "beyond", None)
    value = getattr(beyond, part, None) if beyond is not None else None
    if value is None:
        raise ValueError(f"these results carry no beyond-the-article {part} analysis")
    return value


def fig5_waiting_risk(results: StudyResults, *, ax: Axes | None = None, width: str = "single") -> Figure:
    """Beyond the article: the naive Kaplan-Meier risk of PBR vs the current-status NPMLE.

    The NPMLE (a step function of the look time, ``npmle.at``) is drawn on a fine grid; its
    bootstrap intervals at the article's times are drawn as error bars.

    Raises
    ------
    ValueError
        If ``results`` has no ``beyond.waiting`` analysis.
    """
    waiting = _beyond(results, "waiting")
    fig, ax = _axes(ax, width=width, n_risk_rows=0)
    naive: SurvivalCurve = waiting.naive_km
    color, style = series_style("PBR", 1)
    draw_step(ax, naive, color=color, linestyle=style, label="Kaplan-Meier (article)", risk=True, band=False)
    top = _max_time([naive])
    grid = np.linspace(0.0, top, 400)
    npmle = np.asarray(waiting.npmle.at(grid), dtype=float)
    c2, s2 = series_style("NPBR", 0)
    ax.step(grid, npmle, where="post", color=c2, linestyle=s2, linewidth=1.1, label="Current-status NPMLE")
    times = np.asarray(waiting.times, dtype=float)
    risk = np.asarray(waiting.npmle_risk, dtype=float)
    lo = np.asarray(waiting.npmle_lower, dtype=float)
    hi = np.asarray(waiting.npmle_upper, dtype=float)
    ok = np.isfinite(risk) & np.isfinite(lo) & np.isfinite(hi)
    if ok.any():
        ax.errorbar(times[ok], risk[ok], yerr=[risk[ok] - lo[ok], hi[ok] - risk[ok]], fmt="o", markersize=3, color=c2, capsize=2, linewidth=0.8)
    model_risk = np.asarray(getattr(waiting, "model_risk", np.full(times.size, np.nan)), dtype=float)
    if np.isfinite(model_risk).any():
        ax.plot(times, model_risk, marker="s", markersize=3, linestyle="none", color=OKABE_ITO["bluish_green"], label="Parametric current-status model")
    ticks = nice_ticks(top, steps=(1, 2, 3, 6))
    highs = [0.1, *np.nan_to_num(hi, nan=0.0), *np.nan_to_num(1.0 - naive.survival, nan=0.0)]
    finish_axes(ax, xlabel="Months since surgery", ylabel="Risk of progression before RT", ticks=ticks, ylim=(0.0, min(1.0, math.ceil((max(highs) + 0.05) * 10) / 10)))
    _legend(ax, "upper left")
    return fig


def fig6_lc_competing(results: StudyResults, *, ax: Axes | None = None, width: str = "single") -> Figure:
    """Beyond the article: cumulative incidence of local progression (death competing) vs 1 - KM.

    Each cumulative incidence is drawn with its pointwise confidence band; the numbers at risk
    (patients free of local progression and death, still followed) are tabulated under the axes.

    Raises
    ------
    ValueError
        If ``results`` has no ``beyond.competing`` analysis.
    """
    competing = _beyond(results, "competing")
    keys = [k for k in ("PBR", "NPBR") if k in competing.cif] or [k for k in competing.cif]
    at_risk = [(_display(k), results.local_control.curves[k], series_style(k, i)[0])
               for i, k in enumerate(keys) if k in results.local_control.curves]
    fig, ax = _axes(ax, width=width, n_risk_rows=len(at_risk), labels=[a[0] for a in at_risk])
    top = 1.0
    for i, key in enumerate(keys):
        cif = competing.cif[key]
        color, _style = series_style(key, i)
        t = np.concatenate(([0.0], cif.time))
        y = np.concatenate(([0.0], cif.estimate))
        ax.step(t, y, where="post", color=color, linestyle="-", linewidth=1.1, label=f"{key}: cumulative incidence")
        lo = np.concatenate(([0.0], np.asarray(cif.lower, dtype=float)))
        hi = np.concatenate(([0.0], np.asarray(cif.upper, dtype=float)))
        ok = np.isfinite(lo) & np.isfinite(hi)
        if ok.any():  # pointwise band of the cumulative incidence (cmprsk's variance)
            ax.fill_between(t[ok], lo[ok], hi[ok], step="post", color=color, alpha=0.12,
                            linewidth=0, gid=f"cif-band:{key}")
        top = max(top, float(t[-1]))
        km = results.local_control.curves.get(key)
        if km is not None and km.time.size:
            draw_step(ax, km, color=color, linestyle=":", label=f"{key}: 1 − Kaplan-Meier", risk=True, band=False, censor_marks=False)
            top = max(top, float(km.time[-1]))
    ticks = nice_ticks(top, steps=(3, 6, 12, 24))
    finish_axes(ax, xlabel="Months since the start of radiotherapy", ylabel="Local progression", ticks=ticks)
    _legend(ax, "upper left")
    label = p_label(getattr(competing, "gray", None), name="Gray's test")
    if label:
        ax.text(0.98, 0.05, label, transform=ax.transAxes, fontsize=FONT_SIZE, ha="right", va="bottom", gid="p-value")
    if at_risk:  # at risk of local progression: event-free and under follow-up (as for 1 - KM)
        draw_at_risk(ax, at_risk, ticks)
    return fig


def figure_builders(results: StudyResults) -> dict[str, Any]:
    """``{file stem: builder}`` of the figures these results can give (beyond ones if present)."""
    builders: dict[str, Any] = {
        "fig2_pbr_risk": fig2_pbr_risk,
        "fig3_pbr_by_surgery": fig3_pbr_by_surgery,
        "fig4a_local_control": fig4a_local_control,
        "fig4b_overall_survival": fig4b_overall_survival,
    }
    beyond = getattr(results, "beyond", None)
    if beyond is not None and getattr(beyond, "waiting", None) is not None:
        builders["fig5_waiting_risk"] = fig5_waiting_risk
    if beyond is not None and getattr(beyond, "competing", None) is not None:
        builders["fig6_lc_competing"] = fig6_lc_competing
    cox = getattr(beyond, "cox", None) if beyond is not None else None
    if cox is not None and any(getattr(cox, a, None) is not None for a in ("os_adjusted", "lc_adjusted", "os_wait", "lc_wait")):
        from rtdelay.report._cox_plots import fig7_cox_forest

        builders["fig7_cox_forest"] = lambda res, width="single": fig7_cox_forest(res)
    if cox is not None and any(getattr(cox, a, None) is not None for a in ("os_adjusted", "lc_adjusted")):
        from rtdelay.report._ph_plots import fig8_schoenfeld

        builders["fig8_schoenfeld"] = lambda res, width="single": fig8_schoenfeld(res)
    return builders


def save_figure(
    fig: Figure, stem: str | Path, *, formats: Sequence[str] = FIGURE_FORMATS, pdf_fonttype: int = 3
) -> dict[str, Path]:
    """Save ``fig`` as ``stem.png`` (300 dpi), ``stem.svg`` (text kept as text) and ``stem.pdf``.

    Files carry no creation date, and svg element ids are salted with the file name, so two
    runs give identical files and inline svgs of one page do not share ids. ``pdf_fonttype=42``
    embeds TrueType fonts (text editable in Illustrator, required by some journals) at about
    0.35 s per figure instead of 0.05 s for Type 3.
    """
    if pdf_fonttype not in (3, 42):
        raise ValueError(f"pdf_fonttype must be 3 or 42; got {pdf_fonttype!r}")
    import matplotlib

    unknown = sorted(set(formats) - set(FIGURE_FORMATS))
    if unknown:
        raise ValueError(f"unknown figure format(s) {', '.join(unknown)}; use {', '.join(FIGURE_FORMATS)}")
    base = Path(stem)
    base.parent.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    rc: dict[str, Any] = {"svg.fonttype": "none", "svg.hashsalt": base.name, "pdf.fonttype": pdf_fonttype, "font.size": FONT_SIZE}
    with matplotlib.rc_context(rc):  # type: ignore[arg-type]
        for fmt in formats:
            target = base.with_suffix(f".{fmt}")
            with atomic_file(target, "wb") as fh:
                fig.savefig(fh, format=fmt, dpi=_DPI, metadata=_METADATA[fmt])
            paths[fmt] = target
    return paths


def write_figures(
    results: StudyResults,
    folder: str | Path,
    *,
    formats: Sequence[str] = FIGURE_FORMATS,
    width: str = "single",
    stamp: str | None = None,
) -> dict[str, dict[str, Path]]:
    """Draw every figure the results allow and save each in ``formats`` into ``folder``.

    ``stamp`` (e.g. "Synthetic demo cohort: not patient data") is written small in the lower
    right corner of every figure, so that a figure copied out of the report still says so.
    """
    out = Path(folder)
    written: dict[str, dict[str, Path]] = {}
    for name, build in figure_builders(results).items():
        fig = build(results, width=width)
        if stamp:
            fig.text(0.985, 0.003, stamp, ha="right", va="bottom", fontsize=5.5, color="0.35", style="italic", gid="stamp")
        written[name] = save_figure(fig, out / name, formats=formats)
    return written
