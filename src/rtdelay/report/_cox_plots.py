"""Forest plot of the Cox models of the "beyond the article" section (Fig. 7).

One row per model term: hazard ratio (point) with its 95 % Wald interval (line) on a log axis,
a vertical line at HR = 1, and the numbers written at the right. The numbers are those of the
Cox table (``results.beyond.cox``); nothing is recomputed.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from rtdelay.report._beyond_tables import _COX_LABELS, _term_label
from rtdelay.report._figstyle import FONT_SIZE, OKABE_ITO
from rtdelay.report.formatting import format_hr_ci, format_p

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from rtdelay.study import StudyResults

__all__ = ["fig7_cox_forest", "forest_rows"]


def _p(p: float) -> str:
    text = format_p(p)
    return text.replace("<", "< ") if text.startswith("<") else f"= {text}"


def forest_rows(cox: Any) -> list[tuple[str, str, float, float, float, float]]:
    """(model, term, HR, lower, upper, p) of every fitted model's terms, in table order."""
    rows = []
    for attr, label in _COX_LABELS.items():
        fit = getattr(cox, attr, None)
        if fit is None:
            continue
        for i, name in enumerate(fit.names):
            rows.append(
                (label, _term_label(str(name), fit.names), float(fit.hazard_ratio[i]),
                 float(fit.ci_lower[i]), float(fit.ci_upper[i]), float(fit.p_value[i]))
            )
    return rows


def fig7_cox_forest(results: StudyResults, *, ax: Any = None, width: str = "double") -> Figure:
    """Fig. 7: hazard ratios with 95 % CIs of the Cox models (forest plot)."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import FixedLocator, NullFormatter, NullLocator

    cox = getattr(getattr(results, "beyond", None), "cox", None)
    rows = forest_rows(cox) if cox is not None else []
    models = list(dict.fromkeys(r[0] for r in rows))
    n_lines = len(rows) + len(models)
    w_mm = 140.0 if width == "double" else 85.0  # 140 mm: 7 pt text stays >= 10 px at 680 px
    h_mm = 14.0 + 5.0 * max(n_lines, 1)
    fig = Figure(figsize=(w_mm / 25.4, h_mm / 25.4))
    ax = fig.add_axes((0.43, 10.0 / h_mm, 0.27, 1.0 - 14.0 / h_mm))
    ax.tick_params(labelsize=FONT_SIZE, length=2.5, width=0.6)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    if not rows:
        ax.text(0.5, 0.5, "No Cox model could be fitted on these data", transform=ax.transAxes, ha="center", fontsize=FONT_SIZE)
        ax.set_axis_off()
        return fig
    finite = [v for r in rows for v in r[2:5] if math.isfinite(v) and v > 0]
    lo, hi = min([*finite, 0.5]), max([*finite, 2.0])
    lo, hi = 2.0 ** math.floor(math.log2(lo)), 2.0 ** math.ceil(math.log2(hi))
    y = n_lines
    color = OKABE_ITO["blue"]
    for model in models:
        y -= 1
        ax.text(-0.01, y, model, transform=ax.get_yaxis_transform(), ha="right", va="center", fontsize=FONT_SIZE, fontweight="bold")
        for r in (r for r in rows if r[0] == model):
            y -= 1
            _, term, hr, low, up, p = r
            ax.text(-0.01, y, term, transform=ax.get_yaxis_transform(), ha="right", va="center", fontsize=FONT_SIZE)
            if all(math.isfinite(v) and v > 0 for v in (hr, low, up)):
                ax.plot([max(low, lo), min(up, hi)], [y, y], color=color, linewidth=1.0, solid_capstyle="butt")
                ax.plot([hr], [y], marker="s", markersize=4, color=color, linestyle="none", gid=f"hr:{model}:{term}")
            ax.text(1.02, y, f"{format_hr_ci(hr, (low, up))}, P {_p(p)}", transform=ax.get_yaxis_transform(),
                    ha="left", va="center", fontsize=FONT_SIZE)
    ax.axvline(1.0, color="0.4", linewidth=0.6, linestyle="--")
    ax.set_xscale("log")
    ax.set_xlim(lo, hi)
    ticks = [v for v in 2.0 ** np.arange(math.log2(lo), math.log2(hi) + 1) if lo <= v <= hi]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xticklabels([f"{v:g}" for v in ticks])
    ax.yaxis.set_major_locator(NullLocator())
    ax.set_ylim(-0.6, n_lines - 0.4)
    ax.set_xlabel("Hazard ratio (95% CI), log scale", fontsize=FONT_SIZE)
    return fig
