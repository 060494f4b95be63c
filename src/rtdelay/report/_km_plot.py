"""A survminer-style Kaplan-Meier figure for ``rtdelay km``/``compare --plot``.

Curves per group with their pointwise 95 % bands (log-log, Greenwood), censoring marks, the
numbers at risk under the axes at the x ticks (R ``summary(fit, times)``) and the log-rank p in
the plot area, in the house style of the report's figures (Okabe-Ito colours, 7 pt text).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from rtdelay.report._figstyle import (
    FONT_SIZE,
    draw_at_risk,
    draw_step,
    finish_axes,
    new_figure,
    nice_ticks,
    series_style,
)
from rtdelay.report.formatting import format_p

__all__ = ["km_plot"]


def km_plot(
    time: Any,
    event: Any,
    labels: Any | None,
    target: str | Path,
    *,
    xlabel: str = "Time",
    ylabel: str = "Survival probability",
    p_value: float | None = None,
) -> Path:
    """Draw Kaplan-Meier curves (one per label) and save to ``target`` (.png, .svg or .pdf).

    Parameters
    ----------
    time, event : array-like
        Follow-up times and event indicators (1 event, 0 censored).
    labels : array-like or None
        Group of each row (None: one curve for all rows).
    target : path
        The file; its suffix chooses the format (png at 300 dpi).
    p_value : float, optional
        Printed as "Log-rank P = ..." when given.
    """
    from rtdelay.stats import kaplan_meier

    t = np.asarray(time, dtype=float)
    e = np.asarray(event, dtype=float)
    keys = ["all"] if labels is None else sorted({str(v) for v in np.asarray(labels, dtype=object)})
    groups = np.full(t.shape, "all", dtype=object) if labels is None else np.asarray(labels, dtype=object).astype(str)
    curves = []
    for key in keys:
        m = (groups == key) & ~np.isnan(t) & ~np.isnan(e)
        if m.any():
            curves.append((key, kaplan_meier(t[m], e[m] == 1)))
    names = ["All" if k == "all" else k for k, _ in curves]
    fig, ax = new_figure(width="single", n_risk_rows=len(curves), label_chars=max([4, *(len(n) for n in names)]))
    drawn = []
    for i, ((key, curve), name) in enumerate(zip(curves, names, strict=True)):
        color, style = series_style(key, i)
        draw_step(ax, curve, color=color, linestyle=style, label=f"{name} (n = {curve.n})", band=len(curves) <= 3)
        drawn.append((name, curve, color))
    longest = max([float(c.time[-1]) for _, c in curves if c.time.size] or [1.0])
    ticks = nice_ticks(longest, steps=(1, 2, 3, 5, 6, 10, 12, 24, 50, 100, 250, 500, 1000))
    finish_axes(ax, xlabel=xlabel, ylabel=ylabel, ticks=ticks, ylim=(0.0, 1.02))
    leg = ax.legend(loc="lower left", fontsize=FONT_SIZE, frameon=False, handlelength=2.6)
    if leg is not None:
        leg.set_gid("legend")
    if p_value is not None and p_value == p_value:
        text = format_p(p_value)
        label = f"Log-rank P {text.replace('<', '< ')}" if text.startswith("<") else f"Log-rank P = {text}"
        ax.text(0.98, 0.96, label, transform=ax.transAxes, fontsize=FONT_SIZE, ha="right", va="top", gid="p-value")
    draw_at_risk(ax, drawn, ticks)
    out = Path(target)
    out.parent.mkdir(parents=True, exist_ok=True)
    import matplotlib

    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": out.name, "font.size": FONT_SIZE}):
        fig.savefig(out, format=out.suffix.lstrip(".").lower(), dpi=300, metadata={"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}.get(out.suffix.lstrip(".").lower(), None))
    return out
