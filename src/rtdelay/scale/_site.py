"""A site's summary: the count tables of every survival analysis and Table 1 counts, disclosed.

Tables (time in months from the study's origins; groups PBR / NPBR unless said):

* ``pbr_risk``: surgery to RT start (``ti_months``), event 1 = progression before RT (PBR),
  one group ``all`` (Fig. 2, ``pbr_cumulative_risk``);
* ``local_control``: ``lc_months`` / ``lc_event`` (Kaplan-Meier and log-rank, ``lc_1y``);
* ``overall_survival``: ``os_months`` / ``os_event`` (``os_1y``, hazard ratios);
* ``local_control_competing``: local progression (event 1) with death without it competing
  (event 2, at ``os_months``), as the study's Aalen-Johansen analysis defines them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from rtdelay.errors import InputError
from rtdelay.scale._counts import SCHEMA_HASH, CountTable, count_frame
from rtdelay.scale._disclosure import (
    MIN_SITE_PATIENTS,
    DisclosureRule,
    apply_rule,
    disclose_count,
    get_rule,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SUMMARY_FORMAT", "TABLES", "site_summary", "site_summary_of_counts", "site_summary_of_frame"]

SUMMARY_FORMAT = "rtdelay-site-summary/1"
#: Patient ids of rtdelay's synthetic demo cohort: a cohort made only of them is marked synthetic.
DEMO_ID_PREFIX = "DEMO-"
SYNTHETIC_NOTICE = "Synthetic data: made from rtdelay's synthetic demo cohort, not from patients."
TABLES: tuple[str, ...] = ("pbr_risk", "local_control", "overall_survival", "local_control_competing")
GROUPS = ("PBR", "NPBR")
_TABLE1 = ("sex", "histology", "location", "escc_grade", "surgery_type", "rt_technique")


def _num(frame: pd.DataFrame, col: str) -> np.ndarray:
    import pandas as pd

    if col not in frame.columns:
        return np.full(len(frame), np.nan)
    return np.asarray(pd.to_numeric(frame[col], errors="coerce"), dtype=float)


def _endpoint_columns(included: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray | None]]:
    """Per table: time, cause (0/1/2) and group of each patient (NaN times dropped later)."""
    groups = included["group"].astype(str).to_numpy()
    ti = _num(included, "ti_months")
    lc_t, lc_e = _num(included, "lc_months"), _num(included, "lc_event")
    os_t, os_e = _num(included, "os_months"), _num(included, "os_event")
    cause_c = np.where(lc_e == 1, 1, np.where(os_e == 1, 2, 0))
    time_c = np.where(cause_c == 2, os_t, lc_t)
    bad_c = np.isnan(lc_e) | np.isnan(os_e)
    return {
        "pbr_risk": (ti, (groups == "PBR").astype(float), None),
        "local_control": (lc_t, lc_e, groups),
        "overall_survival": (os_t, os_e, groups),
        "local_control_competing": (np.where(bad_c, np.nan, time_c), np.where(bad_c, np.nan, cause_c), groups),
    }


def _movement(true: CountTable, published: CountTable) -> dict[str, Any]:
    """Largest |S_published - S_true| of each group's Kaplan-Meier curve (event 1), and where."""
    from rtdelay.stats import kaplan_meier_counts

    out: dict[str, Any] = {}
    if published.n_records == 0:
        return out
    a = kaplan_meier_counts(true.to_counts(strata="none"))
    b = kaplan_meier_counts(published.to_counts(strata="none"))
    assert isinstance(a, dict) and isinstance(b, dict)
    for g, ca in a.items():
        cb = b.get(g)
        if cb is None:
            out[str(g)] = {"max_abs_difference": None, "note": "withheld"}
            continue
        grid = np.union1d(ca.time, cb.time)
        diff = np.abs(ca.at(grid, extend=True) - cb.at(grid, extend=True))
        j = int(np.nanargmax(diff))
        k = int(np.searchsorted(cb.time, grid[j], side="left"))
        at12 = float(abs(ca.at([12.0])[0] - cb.at([12.0])[0]))
        out[str(g)] = {
            "difference_at_12_months": None if np.isnan(at12) else at12,
            "max_abs_difference": float(diff[j]),
            "at_time": float(grid[j]),
            "published_at_risk_there": int(cb.n_at_risk[k]) if k < cb.time.size else 0,
        }
    return out


def _secondary(cells: dict[str, int | None]) -> dict[str, int | None]:
    """Complementary suppression: cells partitioning a published total with exactly one cell
    suppressed would give it away by subtraction; the smallest other nonzero cell is suppressed too."""
    hidden = [k for k, v in cells.items() if v is None]
    if len(hidden) != 1:
        return cells
    others = [(v, k) for k, v in cells.items() if v]
    if others:
        cells = dict(cells)
        cells[min(others)[1]] = None
    return cells


def _table1(included: pd.DataFrame, rule: DisclosureRule) -> dict[str, Any]:
    """Counts by group (PBR / NPBR) of the Table 1 variables, with primary suppression (counts
    between 1 and the minimum minus 1; rounding when the rule rounds) and complementary
    suppression within each group's column and across the two groups."""
    groups = included["group"].astype(str)
    n = {g: disclose_count(int((groups == g).sum()), rule) for g in GROUPS}
    if rule.name != "none":
        n = _secondary(n)
    out: dict[str, Any] = {"n": n | {"all": disclose_count(len(included), rule)}}
    for col in _TABLE1:
        if col not in included.columns:
            continue
        vals = included[col].astype("string").fillna("missing")
        levels = sorted(set(vals.tolist()))
        by_group: dict[str, dict[str, int | None]] = {}
        for g in GROUPS:
            column = {str(level): disclose_count(int(((vals == level) & (groups == g)).sum()), rule) for level in levels}
            by_group[g] = column if rule.name == "none" else _secondary(column)
        out[col] = {str(level): {g: by_group[g][str(level)] for g in GROUPS} for level in levels}
    out["suppression"] = (
        "none"
        if rule.name == "none"
        else f"counts between 1 and {rule.min_cell - 1} published as null, and the smallest other count of "
        "a column where only one was (so that it cannot be recovered by subtraction)"
        + (f"; others rounded to the midpoint of their band of {rule.round_to}" if rule.round_to else "")
    )
    return out


def _checked(site: str, n: int, rule: DisclosureRule) -> str:
    site = str(site).strip()
    if not site:
        raise InputError("--site must be a non-empty site code")
    if len(site) > 64 or not site.isprintable() or "|" in site:
        raise InputError("--site must be at most 64 printable characters, without '|'")
    if rule.name != "none" and n < MIN_SITE_PATIENTS:
        raise InputError(
            f"site {site} has {n} eligible patient(s): fewer than {MIN_SITE_PATIENTS} are refused under "
            f"disclosure '{rule.name}' (use --disclosure none only for the site's own use)"
        )
    return site


def site_summary_of_frame(
    included: pd.DataFrame, *, site: str, disclosure: str = "default", synthetic: bool = False
) -> dict[str, Any]:
    """The site summary document of the eligible patients (derived columns) of one site.

    Builds the count frame of each table of :data:`TABLES` and calls
    :func:`site_summary_of_counts`, with the Table 1 counts.

    Raises
    ------
    InputError
        An empty site code, an unknown preset, or fewer than 10 patients under a preset
        other than ``none``.
    """
    rule = get_rule(disclosure)
    site = _checked(site, len(included), rule)
    frames: dict[str, pd.DataFrame] = {}
    flags: list[str] = []
    for name, (time, cause, group) in _endpoint_columns(included).items():
        ok = ~np.isnan(time) & ~np.isnan(cause)
        if not ok.any():
            flags.append(f"{name}: no patient with the columns it needs")
            continue
        if not ok.all():
            flags.append(f"{name}: {int((~ok).sum())} patient(s) without the columns it needs left out")
        frames[name] = count_frame(
            time[ok], cause[ok].astype(int), site=site, group=None if group is None else group[ok]
        )
    return site_summary_of_counts(
        frames,
        site=site,
        n_patients=len(included),
        disclosure=disclosure,
        table1=_table1(included, rule),
        synthetic=synthetic,
        flags=flags,
    )


def site_summary_of_counts(
    frames: dict[str, pd.DataFrame],
    *,
    site: str,
    n_patients: int,
    disclosure: str = "default",
    table1: dict[str, Any] | None = None,
    synthetic: bool = False,
    flags: list[str] | None = None,
) -> dict[str, Any]:
    """The site summary document of count frames already aggregated (e.g. by an engine).

    ``frames`` maps table names (:data:`TABLES`) to count frames of this site (times in
    months); each is disclosed with the preset, and the movement of its curves measured against
    the undisclosed frame. ``table1`` (already disclosed) is included when given.

    Raises
    ------
    InputError
        An empty site code, an unknown table, an unknown preset, fewer than 10 patients
        under a preset other than ``none``.
    """
    import rtdelay

    rule = get_rule(disclosure)
    site = _checked(site, n_patients, rule)
    unknown = sorted(set(frames) - set(TABLES))
    if unknown:
        raise InputError(f"unknown count table(s) {', '.join(unknown)}; expected some of {', '.join(TABLES)}")
    tables: dict[str, Any] = {}
    movement: dict[str, Any] = {}
    flags = list(flags or [])
    for name in TABLES:
        if name not in frames:
            continue
        frame = frames[name].assign(site=site)
        true = CountTable.from_frame(frame)
        published_frame, tflags = apply_rule(true.to_frame(), rule, time_unit="months")
        published = CountTable.from_frame(published_frame, disclosure=rule.name, flags=tflags)
        flags.extend(f"{name}: {f}" for f in tflags)
        tables[name] = published.to_dict()
        if rule.name != "none":
            movement[name] = _movement(true, published)
    return {
        "format": SUMMARY_FORMAT,
        "rtdelay_version": rtdelay.__version__,
        "schema_hash": SCHEMA_HASH,
        "time_unit": "months",
        "site": site,
        "synthetic": bool(synthetic),
        "notice": SYNTHETIC_NOTICE if synthetic else "",
        "disclosure": rule.to_dict(),
        "flags": flags,
        "n_patients": disclose_count(int(n_patients), rule),
        "tables": tables,
        "table1": table1 if table1 is not None else {"note": "not available from count tables alone"},
        "curve_movement": movement,
        "curve_movement_note": (
            "largest absolute difference between the Kaplan-Meier curve (event 1) of the published table "
            "and that of the patient rows, measured at the site (the movement concentrates where few remain "
            "at risk); in a pooled curve the other sites' risk sets dilute it"
            if movement
            else "no disclosure control: the published tables are the patient rows' counts"
        ),
    }


def site_summary(
    source: str | Path,
    *,
    site: str,
    disclosure: str = "default",
    mapping: str | Path | None = None,
    date_order: str | None = None,
) -> dict[str, Any]:
    """Read, check and select a site's cohort file, then :func:`site_summary_of_frame`."""
    from rtdelay.cohort import read_cohort

    get_rule(disclosure)
    data = read_cohort(Path(source), mapping=mapping, date_order=date_order)
    included = data.eligibility.included
    if len(included) == 0:
        raise InputError(f"{Path(source).name}: no eligible patient")
    ids = included["patient_id"].astype(str) if "patient_id" in included.columns else None
    synthetic = ids is not None and bool(ids.str.startswith(DEMO_ID_PREFIX).all())
    return site_summary_of_frame(included, site=site, disclosure=disclosure, synthetic=synthetic)
