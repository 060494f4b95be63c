"""Scaled Schoenfeld residuals of the main Cox model against time (Fig. 8), as R
``plot(cox.zph(fit))``: the picture of the proportional-hazards test the report quotes.

For each coefficient of the PBR-adjusted overall-survival model (the local-control model when
that one could not be fitted): the scaled Schoenfeld residuals (``CoxResult.schoenfeld_residuals``,
equal to R's ``cox.zph(fit, transform = "km")$y``) against the km-transformed event time, a
running-mean smooth of them (an estimate of the coefficient over time, beta(t)), and the fitted
coefficient as a dashed line: under proportional hazards the smooth stays near it. The panel
title carries the ``cox.zph`` p value of the term. The x axis is ``1 - KM(t)``; its ticks are
labelled with the months they correspond to.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from rtdelay.report._beyond_tables import _term_label
from rtdelay.report._figstyle import FONT_SIZE, OKABE_ITO
from rtdelay.report.formatting import format_p

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from rtdelay.study import StudyResults

__all__ = ["fig8_schoenfeld", "ph_model"]

_MODELS = (("os_adjusted", "OS model (PBR adjusted)"), ("lc_adjusted", "LC model (PBR adjusted)"))


def ph_model(results: Any) -> tuple[str, str, Any] | None:
    """``(key, label, fit)`` of the model Fig. 8 shows, or None when none was fitted."""
    cox = getattr(getattr(results, "beyond", None), "cox", None)
    for key, label in _MODELS:
        fit = getattr(cox, key, None) if cox is not None else None
        if fit is not None:
            return key, label, fit
    return None


def _smooth(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Running mean of ``y`` over ``x`` (window: a fifth of the events, at least 3)."""
    order = np.argsort(x, kind="stable")
    xs, ys = x[order], y[order]
    k = max(3, len(xs) // 5)
    if len(xs) < k:
        return xs, np.full(len(xs), ys.mean() if len(ys) else np.nan)
    kernel = np.ones(k) / k
    return np.convolve(xs, kernel, mode="valid"), np.convolve(ys, kernel, mode="valid")


def _term_p(tests: dict[str, Any] | None, name: str) -> float:
    if not tests:
        return math.nan
    row = tests.get(name) or tests.get(name.split("[", 1)[0])
    value = (row or {}).get("p")
    return float(value) if value is not None else math.nan


def fig8_schoenfeld(results: StudyResults, *, width: str = "double") -> Figure:
    """Fig. 8: scaled Schoenfeld residuals and their smooth per coefficient (PH check)."""
    from matplotlib.figure import Figure

    chosen = ph_model(results)
    w_mm = 140.0 if width == "double" else 85.0  # 140 mm: 7 pt text >= 10 px at 680 px
    if chosen is None:
        fig = Figure(figsize=(w_mm / 25.4, 40 / 25.4))
        fig.text(0.5, 0.5, "No Cox model could be fitted on these data", ha="center",
                 fontsize=FONT_SIZE)
        return fig
    key, label, fit = chosen
    try:
        frame = fit.schoenfeld_residuals()
    except Exception as exc:  # a model the residuals cannot be computed for: say why
        fig = Figure(figsize=(w_mm / 25.4, 40 / 25.4))
        fig.text(0.5, 0.5, f"{label}: Schoenfeld residuals not available ({exc})", ha="center",
                 fontsize=FONT_SIZE)
        return fig
    names = [c for c in frame.columns if c not in ("time", "km_time")]
    cols = min(3, max(1, len(names)))
    rows = math.ceil(len(names) / cols) if names else 1
    fig = Figure(figsize=(w_mm / 25.4, (12 + 45 * rows) / 25.4))
    cox_models = getattr(getattr(results, "beyond", None), "cox", None)
    tests = getattr(cox_models, "ph_tests", {}).get(key)
    x = frame["km_time"].to_numpy(dtype=float)
    months = frame["time"].to_numpy(dtype=float)
    picks = np.unique(np.quantile(np.arange(len(x)), [0.0, 0.33, 0.66, 1.0]).round().astype(int))
    for i, name in enumerate(names):
        ax = fig.add_subplot(rows, cols, i + 1)
        y = frame[name].to_numpy(dtype=float)
        ok = np.isfinite(y)
        ax.scatter(x[ok], y[ok], s=4, color="0.55", linewidths=0, gid=f"resid:{name}")
        sx, sy = _smooth(x[ok], y[ok])
        ax.plot(sx, sy, color=OKABE_ITO["blue"], linewidth=1.1, gid=f"smooth:{name}")
        coef = float(fit.coef[list(fit.names).index(name)])
        ax.axhline(coef, color=OKABE_ITO["vermillion"], linestyle="--", linewidth=0.8,
                   gid=f"coef:{name}")
        p = _term_p(tests, name)
        title = _term_label(str(name), fit.names)
        shown = format_p(p)
        shown = f"< {shown[1:]}" if shown.startswith("<") else f"= {shown}"
        ax.set_title(f"{title}\nPH test P {shown}" if math.isfinite(p) else title,
                     fontsize=FONT_SIZE)
        ax.set_xticks(x[picks])
        ax.set_xticklabels([f"{m:.0f}" for m in months[picks]], fontsize=FONT_SIZE)
        ax.tick_params(labelsize=FONT_SIZE, length=2.5, width=0.6)
        ax.set_ylabel("Beta(t)", fontsize=FONT_SIZE)
        if i // cols == rows - 1:
            ax.set_xlabel("Months (on the 1 − KM scale)", fontsize=FONT_SIZE)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    fig.suptitle(f"{label}: scaled Schoenfeld residuals", fontsize=FONT_SIZE + 1)
    fig.tight_layout(rect=(0.0, 0.0, 1.0, 0.96))
    return fig
