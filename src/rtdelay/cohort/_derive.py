"""Derived values of a validated cohort (DATA_DICTIONARY.md, "Derived values").

Months = days / 30.4375 (365.25 / 12). Intervals come from the dates when both are given,
otherwise from the durations form (``ti_months``, ``lc_months``/``lc_event``,
``os_months``/``os_event``).

=====================  ===============================================================
``ti_months``          rt_start_date - surgery_date
``inspection_months``  prert_mri_date - surgery_date, else ti_months
``group``              "PBR" when prert_progression is true, "NPBR" when false
``lc_months/_event``   rt_start_date to local_progression_date (1), else last imaging (0)
``os_months/_event``   rt_start_date to death_date (1), else last_followup_date (0)
``followup_months``    os_months
``location``           from index_level (cranial end of a range), unless given
``escc_high_grade``    escc_grade in {2, 3} (Bilsky et al. 2010)
``*_category``         bands of SINS, Tomita, revised Tokuhashi (DOMAIN.md §1-3)
``growth_class``       Tomita growth class of the histology
``ti_bin``             "<1", "1-3", "3-6", "6-9" months ([a, b) intervals); missing if >= 9
=====================  ===============================================================
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from rtdelay.cohort._schema import ESCC_HIGH_GRADES, MONTH_DAYS, REGION_LOCATION

__all__ = ["derive_cohort", "DERIVED_COLUMNS", "TI_BINS", "TI_BIN_LABELS"]

TI_BINS = (0.0, 1.0, 3.0, 6.0, 9.0)
TI_BIN_LABELS = ("<1", "1-3", "3-6", "6-9")
DERIVED_COLUMNS = (
    "ti_months",
    "inspection_months",
    "group",
    "lc_months",
    "lc_event",
    "os_months",
    "os_event",
    "followup_months",
    "location",
    "escc_high_grade",
    "sins_category",
    "tomita_category",
    "tokuhashi_category",
    "growth_class",
    "ti_bin",
)


def _months(start: pd.Series, end: pd.Series) -> pd.Series:
    return (end - start).dt.days.astype(float) / MONTH_DAYS


def _column(frame: pd.DataFrame, name: str, dtype: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series(pd.NA if dtype != "datetime64[ns]" else pd.NaT, index=frame.index,
                     dtype=dtype)


def _map_unique(series: pd.Series, func: Callable[[Any], Any]) -> pd.Series:
    """Apply ``func`` once per distinct non-missing value; missing stays missing."""
    out: dict[Any, Any] = {}
    for value in series.dropna().unique():
        try:
            out[value] = func(int(value) if isinstance(value, float | np.integer) else value)
        except (ValueError, TypeError, KeyError):
            out[value] = None
    return series.map(out).astype(object).where(series.notna(), None)  # type: ignore[call-overload]  # pandas-stubs 2.x: no other=None overload


def derive_cohort(valid: pd.DataFrame) -> pd.DataFrame:
    """Add the derived columns to a validated cohort (``ValidationResult.valid``).

    Parameters
    ----------
    valid : pandas.DataFrame
        Typed rows as validation returns them (dates datetime64, booleans, Int64 scores).

    Returns
    -------
    pandas.DataFrame
        A copy with ``DERIVED_COLUMNS`` added or filled (given durations and location are kept
        where the dates or the level cannot give them).
    """
    from rtdelay.scores import growth_class, sins_category, tokuhashi_category, tomita_category

    out = valid.copy()
    date = "datetime64[ns]"
    surgery = _column(out, "surgery_date", date)
    rt = _column(out, "rt_start_date", date)
    prert = _column(out, "prert_mri_date", date)
    lp = _column(out, "local_progression_date", date)
    last_img = _column(out, "last_imaging_date", date)
    death = _column(out, "death_date", date)
    last_fu = _column(out, "last_followup_date", date)

    ti = _months(surgery, rt)
    out["ti_months"] = ti.fillna(_column(out, "ti_months", "Float64").astype(float))
    inspection = _months(surgery, prert)
    out["inspection_months"] = inspection.fillna(out["ti_months"])

    prog = _column(out, "prert_progression", "boolean").astype("boolean")
    out["group"] = pd.Series(np.where(prog.fillna(False), "PBR", "NPBR"), index=out.index,  # type: ignore[call-overload]  # pandas-stubs 2.x: no other=None overload
                             dtype=object).where(prog.notna(), None)

    lc_end = lp.fillna(last_img)
    lc_from_dates = _months(rt, lc_end)
    use = lc_from_dates.notna()
    given_lc_event = _column(out, "lc_event", "Int64").astype("Int64")
    out["lc_months"] = lc_from_dates.fillna(_column(out, "lc_months", "Float64").astype(float))
    out["lc_event"] = pd.Series(np.where(use, lp.notna().astype(int), np.nan), index=out.index
                                ).astype("Int64").fillna(given_lc_event)

    os_end = death.fillna(last_fu)
    os_from_dates = _months(rt, os_end)
    use = os_from_dates.notna()
    given_os_event = _column(out, "os_event", "Int64").astype("Int64")
    out["os_months"] = os_from_dates.fillna(_column(out, "os_months", "Float64").astype(float))
    out["os_event"] = pd.Series(np.where(use, death.notna().astype(int), np.nan), index=out.index
                                ).astype("Int64").fillna(given_os_event)
    out["followup_months"] = out["os_months"]

    level = _column(out, "index_level", "object").astype(object)
    from_level = level.where(level.notna(), None).str[0].map(REGION_LOCATION)  # type: ignore[call-overload]  # pandas-stubs 2.x: no other=None overload
    given_loc = _column(out, "location", "object").astype(object)
    out["location"] = given_loc.where(given_loc.notna(), from_level).astype(object)
    out["location"] = out["location"].where(out["location"].notna(), None)  # type: ignore[call-overload]  # pandas-stubs 2.x: no other=None overload

    grade = _column(out, "escc_grade", "object").astype(object)
    out["escc_high_grade"] = grade.isin(ESCC_HIGH_GRADES).to_numpy(dtype=bool)

    for total, func in (("sins", sins_category), ("tomita", tomita_category),
                        ("tokuhashi", tokuhashi_category)):
        scores = _column(out, total, "Int64").astype("Float64")
        out[f"{total}_category"] = _map_unique(scores, func)
    out["growth_class"] = _map_unique(_column(out, "histology", "object"), growth_class)

    bins = pd.cut(out["ti_months"], bins=list(TI_BINS), labels=list(TI_BIN_LABELS), right=False)
    out["ti_bin"] = bins.astype(object).where(bins.notna(), None)  # type: ignore[call-overload]  # pandas-stubs 2.x: no other=None overload
    return out
