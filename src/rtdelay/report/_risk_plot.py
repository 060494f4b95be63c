"""The risk-of-waiting curve of one patient profile (the web calculator's figure).

Predicted risk of progression before radiotherapy against the wait after surgery (weeks), with
its pointwise 95 % confidence band, from :func:`rtdelay.planning.predict_wait_risk`. Drawn with
matplotlib's object API (no pyplot, thread-safe), returned as png or svg bytes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["risk_curve_bytes"]

_FORMATS = {"png": {"Software": None}, "svg": {"Date": None}}


def risk_curve_bytes(weeks: Sequence[float], risk: Sequence[float], lower: Sequence[float],
                     upper: Sequence[float], *, fmt: str = "svg", title: str = "",
                     note: str = "") -> bytes:
    """The curve ``risk`` by ``weeks`` with the band ``lower``-``upper``, as ``fmt`` bytes.

    Parameters
    ----------
    weeks, risk, lower, upper : sequence of float
        Waits after surgery (weeks) and the predicted risk with its confidence limits (0-1).
    fmt : {"svg", "png"}
    title : str
        Shown above the axes (the profile).
    note : str
        Shown under the axes (which cohort the model was fitted on; "synthetic" for the demo).
    """
    import matplotlib
    from matplotlib.ticker import PercentFormatter

    from rtdelay.report._figstyle import FONT_SIZE, OKABE_ITO, new_figure

    if fmt not in _FORMATS:
        raise ValueError(f"fmt must be svg or png; got {fmt!r}")
    x = np.asarray(weeks, dtype=float)
    y, lo, hi = (np.asarray(v, dtype=float) for v in (risk, lower, upper))
    fig, ax = new_figure(width="single", height_mm=55.0)
    ok = np.isfinite(lo) & np.isfinite(hi)
    if ok.any():
        ax.fill_between(x[ok], lo[ok], hi[ok], color=OKABE_ITO["sky_blue"], alpha=0.35,
                        linewidth=0, label="95% confidence band")
    ax.plot(x, y, color=OKABE_ITO["blue"], linewidth=1.2, label="Predicted risk")
    ax.set_xlim(0, float(x.max()) if x.size else 1.0)
    top = float(np.nanmax(np.concatenate([hi[ok], y]))) if y.size else 1.0
    ax.set_ylim(0.0, min(1.0, max(0.1, np.ceil((top + 0.02) * 10) / 10)))
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    ax.set_xlabel("Wait after surgery (weeks)", fontsize=FONT_SIZE)
    ax.set_ylabel("Risk of progression before RT", fontsize=FONT_SIZE)
    if title:
        ax.set_title(title, fontsize=FONT_SIZE)
    if note:
        fig.text(0.01, 0.01, note, fontsize=FONT_SIZE - 1, color="#555555")
    ax.legend(loc="upper left", fontsize=FONT_SIZE - 0.5, frameon=False)
    buffer = io.BytesIO()
    rc: dict[str, Any] = {"svg.fonttype": "none", "svg.hashsalt": "risk-curve"}
    with matplotlib.rc_context(rc):  # type: ignore[arg-type]
        fig.savefig(buffer, format=fmt, dpi=150, metadata=_FORMATS[fmt])
    return buffer.getvalue()
