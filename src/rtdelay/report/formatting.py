"""Every rule for rendering numbers in rtdelay's tables, figures and report text.

Numbers are computed elsewhere (``rtdelay.stats``, ``rtdelay.study``) and stay unrounded there;
this module alone decides how they are printed, following common journal style (AMA/Vancouver
as used by Radiation Oncology):

- p values: ``<0.001`` below 0.001, otherwise three decimals (``0.040``); ``1.000`` at most.
- percentages: one decimal (``72.8%``); proportions are given as 0..1.
- mean ± SD: one decimal by default (``54.6 ± 11.6``).
- median (range): ``1.6 (0.5–8.9)`` with an en dash.
- n (%): ``14 (15.7%)``.
- rate with 95 % CI: ``72.8% (61.2–81.4)``.
- missing values (None / NaN): an em dash ``—``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = [
    "MISSING",
    "format_p",
    "format_percent",
    "format_mean_sd",
    "format_median_range",
    "format_n_percent",
    "format_rate_ci",
    "format_number",
    "format_hr_ci",
    "format_general",
    "NOT_ESTIMABLE",
    "HR_DISPLAY_RANGE",
]

MISSING = "—"
DASH = "–"


NOT_ESTIMABLE = "not estimable"
HR_DISPLAY_RANGE = (1e-3, 1e3)
"""A hazard ratio or confidence limit outside this range is not printed as a finding."""


def _missing(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def format_number(x: float | None, *, digits: int = 1) -> str:
    """Round half away from zero to ``digits`` decimals (as SPSS and journals print).

    Python's ``round`` uses banker's rounding on binary floats; this uses the decimal value
    of the float's shortest repr, so ``format_number(0.125, digits=2) == "0.13"``.
    """
    if _missing(x):
        return MISSING
    from decimal import ROUND_HALF_UP, Decimal

    assert x is not None
    if math.isinf(float(x)):
        return "∞" if float(x) > 0 else "−∞"
    q = Decimal(1).scaleb(-digits)
    d = Decimal(repr(float(x))).quantize(q, rounding=ROUND_HALF_UP)
    if d == 0:
        d = abs(d)  # no "-0.0"
    return f"{d:.{digits}f}"


def format_p(p: float | None, *, digits: int = 3, threshold: float = 0.001) -> str:
    """Format a p value: ``<0.001`` below the threshold, else ``digits`` decimals.

    A p value that rounds to the threshold but lies below it still prints as ``<0.001``;
    p values above 1 (numerical noise) print as ``1.000``.
    """
    if _missing(p):
        return MISSING
    assert p is not None
    if p < 0:
        raise ValueError(f"a p value cannot be negative: {p!r}")
    if p < threshold:
        return f"<{format_number(threshold, digits=digits)}"
    return format_number(min(p, 1.0), digits=digits)


def format_percent(proportion: float | None, *, digits: int = 1) -> str:
    """Format a proportion (0..1) as a percentage: ``0.728 -> "72.8%"``."""
    if _missing(proportion):
        return MISSING
    assert proportion is not None
    return f"{format_number(100.0 * proportion, digits=digits)}%"


def format_mean_sd(mean: float | None, sd: float | None, *, digits: int = 1) -> str:
    """``54.6 ± 11.6``; an SD that is missing (n = 1) prints as the em dash."""
    if _missing(mean):
        return MISSING
    return f"{format_number(mean, digits=digits)} ± {format_number(sd, digits=digits)}"


def format_median_range(
    median: float | None, low: float | None, high: float | None, *, digits: int = 1
) -> str:
    """``1.6 (0.5–8.9)``."""
    if _missing(median):
        return MISSING
    return (
        f"{format_number(median, digits=digits)} "
        f"({format_number(low, digits=digits)}{DASH}{format_number(high, digits=digits)})"
    )


def format_n_percent(n: int | None, total: int | None, *, digits: int = 1) -> str:
    """``14 (15.7%)``; a zero total prints the count alone."""
    if n is None:
        return MISSING
    if not total:
        return f"{n}"
    return f"{n} ({format_number(100.0 * n / total, digits=digits)}%)"


def format_rate_ci(
    rate: float | None,
    lower: float | None,
    upper: float | None,
    *,
    digits: int = 1,
    ci_label: str | None = None,
) -> str:
    """A survival or cumulative-risk proportion with its CI: ``72.8% (61.2–81.4)``.

    With ``ci_label="95% CI"`` the limits are labelled, for running text:
    ``72.8% (95% CI 61.2–81.4)``.
    """
    if _missing(rate):
        return MISSING
    if _missing(lower) or _missing(upper):
        return format_percent(rate, digits=digits)
    assert lower is not None and upper is not None
    label = f"{ci_label} " if ci_label else ""
    return (
        f"{format_percent(rate, digits=digits)} "
        f"({label}{format_number(100 * lower, digits=digits)}{DASH}{format_number(100 * upper, digits=digits)})"
    )


def format_hr_ci(hr: float | None, ci: Sequence[float | None], *, digits: int = 2) -> str:
    """A hazard ratio with its CI: ``2.31 (1.12–4.75)``.

    A ratio or a confidence limit that is infinite, or outside ``HR_DISPLAY_RANGE``
    (1e-3 to 1e3), prints as ``not estimable``: such a number says the model ran off to
    infinity (too few events, separation), not something about the patients.
    """
    if _missing(hr):
        return MISSING
    low, high = ci
    lo_hr, hi_hr = HR_DISPLAY_RANGE
    for value in (hr, low, high):
        if value is not None and not math.isnan(float(value)) and not lo_hr <= float(value) <= hi_hr:
            return NOT_ESTIMABLE
    return (
        f"{format_number(hr, digits=digits)} "
        f"({format_number(low, digits=digits)}{DASH}{format_number(high, digits=digits)})"
    )


def format_general(x: object, *, digits: int = 3) -> str:
    """Any value of a reproduction table: numbers to at most ``digits`` decimals, trailing zeros
    dropped (``0.7280 -> "0.728"``, ``89.0 -> "89"``), booleans as yes/no, lists joined with
    ", ", None/NaN as the em dash, anything else as ``str``.
    """
    if x is None:
        return MISSING
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        if math.isnan(x):
            return MISSING
        if math.isinf(x):
            return "∞" if x > 0 else "−∞"
        text = format_number(x, digits=digits)
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(x, (list, tuple)):
        return ", ".join(format_general(v, digits=digits) for v in x)
    if isinstance(x, dict):
        return ", ".join(f"{k}: {format_general(v, digits=digits)}" for k, v in x.items())
    if hasattr(x, "__float__"):  # numpy scalars
        return format_general(float(x), digits=digits)  # type: ignore[arg-type]
    return str(x)
