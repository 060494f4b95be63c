"""Figure style and the drawing primitives of survival figures (matplotlib, imported lazily).

Colours are the Okabe–Ito palette (Okabe & Ito 2008, "Color Universal Design"), safe for the
common colour-vision deficiencies; each series also has its own line style so that figures read
in greyscale. Sizes follow journal columns: 85 mm (one column) and 170 mm (two columns).

Nothing here computes a statistic: curves are drawn from ``SurvivalCurve`` arrays as they are,
numbers at risk from ``SurvivalCurve.summary_at(ticks).n_at_risk``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from rtdelay.stats import SurvivalCurve

__all__ = [
    "OKABE_ITO",
    "SERIES_STYLE",
    "WIDTHS_MM",
    "new_figure",
    "series_style",
    "nice_ticks",
    "draw_step",
    "draw_at_risk",
    "finish_axes",
    "AT_RISK_GID",
]

#: Okabe–Ito colours by name.
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

#: Fixed styles for the study's groups: (colour, line style).
SERIES_STYLE: dict[str, tuple[str, str]] = {
    "all": (OKABE_ITO["black"], "-"),
    "NPBR": (OKABE_ITO["blue"], "-"),
    "PBR": (OKABE_ITO["vermillion"], "--"),
}
_CYCLE: tuple[tuple[str, Any], ...] = (
    (OKABE_ITO["blue"], "-"),
    (OKABE_ITO["vermillion"], "--"),
    (OKABE_ITO["bluish_green"], ":"),
    (OKABE_ITO["reddish_purple"], "-."),
    (OKABE_ITO["orange"], (0, (5, 1, 1, 1, 1, 1))),
    (OKABE_ITO["sky_blue"], (0, (1, 1))),
)

#: Journal column widths in millimetres.
WIDTHS_MM: dict[str, float] = {"single": 85.0, "double": 170.0}
_MM = 1.0 / 25.4
FONT_SIZE = 7.0
AT_RISK_GID = "at-risk"
_CHAR_MM = 1.35  # mean width of a character at FONT_SIZE points, in millimetres


def series_style(key: str, index: int) -> tuple[str, Any]:
    """Colour and line style of a series: fixed for all/PBR/NPBR, else from the cycle."""
    if key in SERIES_STYLE:
        return SERIES_STYLE[key]
    return _CYCLE[index % len(_CYCLE)]


def new_figure(
    *,
    width: str = "single",
    n_risk_rows: int = 0,
    height_mm: float | None = None,
    label_chars: int = 4,
) -> tuple[Figure, Axes]:
    """A Figure (no pyplot) with one axes and room below it for ``n_risk_rows`` at-risk rows.

    The layout is fixed arithmetic (no ``tight_layout``): margins in millimetres, the left one
    wide enough for at-risk row labels of ``label_chars`` characters.
    """
    from matplotlib.figure import Figure

    if width not in WIDTHS_MM:
        raise ValueError(f"width must be one of {', '.join(WIDTHS_MM)}; got {width!r}")
    w_mm = WIDTHS_MM[width]
    plot_mm = height_mm if height_mm is not None else (55.0 if width == "single" else 80.0)
    bottom_mm = 12.0 + (4.0 + 3.2 * n_risk_rows if n_risk_rows else 0.0)
    top_mm = 4.0
    h_mm = plot_mm + bottom_mm + top_mm
    left_mm = max(16.0, 6.0 + _CHAR_MM * label_chars) if n_risk_rows else 16.0
    fig = Figure(figsize=(w_mm * _MM, h_mm * _MM))
    ax = fig.add_axes(
        (left_mm / w_mm, bottom_mm / h_mm, 1.0 - (left_mm + 4.0) / w_mm, plot_mm / h_mm)
    )
    ax.tick_params(labelsize=FONT_SIZE, length=2.5, width=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_linewidth(0.6)
    return fig, ax


def nice_ticks(max_time: float, *, steps: Sequence[float] = (1, 2, 3, 6, 12, 24)) -> list[float]:
    """Tick positions 0, s, 2s, ... covering ``max_time`` with at most 8 intervals.

    Beyond ``8 * steps[-1]`` the step grows as ``steps[-1]`` times 1, 2 or 5 x 10^k, so any
    duration, however long (an implausible 1e20 months), gives at most 9 ticks: the number of
    ticks never follows the data's range.

    Examples
    --------
    >>> nice_ticks(30)
    [0.0, 6.0, 12.0, 18.0, 24.0, 30.0]
    >>> len(nice_ticks(1e20)) <= 9
    True
    """
    try:
        top = max(float(max_time), 1.0) if math.isfinite(max_time) else 1.0
    except (TypeError, ValueError, OverflowError):
        top = 1.0
    step = next((float(s) for s in steps if top / s <= 8), None)
    if step is None:
        ratio = top / (8 * float(steps[-1]))
        power = 10.0 ** math.floor(math.log10(ratio))
        factor = next(f for f in (1.0, 2.0, 5.0, 10.0) if f * power >= ratio)
        step = float(steps[-1]) * factor * power
    n = min(int(math.ceil(top / step - 1e-9)), 8)
    if not math.isfinite(step * n):  # near the largest float: eight equal steps (exact: / 8)
        step, n = top / 8, 8
    return [float(step * i) for i in range(n + 1)]


def _steps(curve: SurvivalCurve, transform: Callable[[np.ndarray], np.ndarray]) -> tuple[np.ndarray, ...]:
    t = np.concatenate(([0.0], curve.time))
    s = np.concatenate(([1.0], curve.survival))
    lo = np.concatenate(([1.0], curve.lower))
    hi = np.concatenate(([1.0], curve.upper))
    # limits undefined (NaN) where S = 1 (before the first event): the band has no width there
    flat = np.isnan(lo) & (s == 1.0)
    lo = np.where(flat, 1.0, lo)
    hi = np.where(np.isnan(hi) & (s == 1.0), 1.0, hi)
    return t, transform(s), transform(lo), transform(hi)


def draw_step(
    ax: Axes,
    curve: SurvivalCurve,
    *,
    color: str,
    linestyle: Any,
    label: str,
    risk: bool = False,
    band: bool = True,
    censor_marks: bool = True,
) -> None:
    """Draw a Kaplan-Meier curve (or 1 - S with ``risk``) as a right-continuous step.

    The CI band is the curve's own pointwise limits (for the risk: 1 - upper, 1 - lower), the
    censoring ticks sit on the curve at the times with censored records.
    """
    if risk:
        def tr(a: np.ndarray) -> np.ndarray:
            return 1.0 - a
    else:
        def tr(a: np.ndarray) -> np.ndarray:
            return a
    t, y, lo, hi = _steps(curve, tr)
    ax.step(t, y, where="post", color=color, linestyle=linestyle, linewidth=1.1, label=label)
    if band:
        ax.fill_between(t, np.minimum(lo, hi), np.maximum(lo, hi), step="post", color=color, alpha=0.15, linewidth=0)
    if censor_marks:
        cens = curve.n_censored > 0
        if cens.any():
            ax.plot(curve.time[cens], tr(curve.survival[cens]), linestyle="none", marker="|", markersize=4, markeredgewidth=0.8, color=color)


def draw_at_risk(
    ax: Axes,
    curves: Sequence[tuple[str, SurvivalCurve, str]],
    ticks: Sequence[float],
    *,
    title: str = "Number at risk",
) -> None:
    """Write the numbers at risk under the axes at ``ticks``, one row per curve.

    Numbers come from ``curve.summary_at(ticks).n_at_risk`` (R ``summary(fit, times)``). Each
    number is a text artist with ``gid = "at-risk:<label>"`` so tests can read what was drawn.
    """
    from matplotlib.figure import Figure
    from matplotlib.transforms import blended_transform_factory

    fig = getattr(ax.figure, "figure", ax.figure)  # the root figure (also for a subfigure)
    if not isinstance(fig, Figure):
        raise ValueError("the axes belong to no figure")
    trans = blended_transform_factory(ax.transData, fig.transFigure)
    h_in = fig.get_figheight()
    mm = 1.0 / (25.4 * h_in)  # one millimetre in figure fraction
    bottom = ax.get_position().y0
    y = bottom - 11.0 * mm
    x_mm = 1.0 / (25.4 * fig.get_figwidth())  # one millimetre in figure fraction (x)
    x0 = ax.get_position().x0
    fig.text(x0 - 14.0 * x_mm, y, title, fontsize=FONT_SIZE, ha="left", va="top", fontweight="bold")
    for label, curve, color in curves:
        y -= 3.2 * mm
        fig.text(x0 - 3.0 * x_mm, y, label, fontsize=FONT_SIZE, ha="right", va="top", color=color)
        table = curve.summary_at(list(ticks))
        for t, n in zip(table["time"].to_numpy(), table["n_at_risk"].to_numpy(), strict=True):
            ax.text(float(t), y, str(int(n)), transform=trans, fontsize=FONT_SIZE, ha="center", va="top", clip_on=False, gid=f"{AT_RISK_GID}:{label}")


def finish_axes(ax: Axes, *, xlabel: str, ylabel: str, ticks: Sequence[float], percent: bool = True, ylim: tuple[float, float] = (0.0, 1.0)) -> None:
    """Axis labels, ticks, limits and a percent y axis."""
    from matplotlib.ticker import FuncFormatter

    ax.set_xlim(0.0, ticks[-1] if len(ticks) > 1 else 1.0)
    ax.set_xticks(list(ticks))
    ax.set_ylim(*ylim)
    ax.set_xlabel(xlabel, fontsize=FONT_SIZE)
    ax.set_ylabel(ylabel, fontsize=FONT_SIZE)
    if percent:
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{100 * v:.0f}%"))
