"""Rules across the cells of one row: date order, totals, readers, durations, duplicates.

Each rule is vectorised over the whole column; messages are built only for failing rows.
Dates are compared as datetime64; a blank or unusable date takes no part in a comparison.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Mapping

import numpy as np
import pandas as pd

from rtdelay.cohort._issues import IssueCollector, fmt_date
from rtdelay.cohort._schema import (
    MONTH_DAYS,
    REGION_LOCATION,
    SCORE_COMPONENTS,
    SURGERY_DATE_MIN,
)

__all__ = ["DATE_ORDER_RULES", "check_rows"]

# (earlier, later, strictly after?, why) : later must be on/after (or after) earlier.
DATE_ORDER_RULES: tuple[tuple[str, str, bool, str], ...] = (
    ("surgery_date", "postop_mri_date", False, "the postoperative MRI cannot precede surgery"),
    ("surgery_date", "prert_mri_date", False, "the pre-RT MRI must be taken after surgery"),
    ("postop_mri_date", "prert_mri_date", False,
     "the pre-RT MRI cannot precede the postoperative baseline MRI"),
    ("postop_mri_date", "rt_start_date", False,
     "the postoperative MRI must be taken before radiotherapy starts"),
    ("prert_mri_date", "rt_start_date", False,
     "the pre-RT MRI must be taken on or before the first fraction"),
    ("surgery_date", "rt_start_date", True, "radiotherapy must start after surgery"),
    ("rt_start_date", "local_progression_date", True,
     "local progression after radiotherapy must be dated after its start"),
    ("rt_start_date", "last_imaging_date", False,
     "the last imaging cannot precede the start of radiotherapy"),
    *(
        (other, "last_followup_date", False, "the last follow-up must be the latest contact")
        for other in ("surgery_date", "postop_mri_date", "prert_mri_date", "rt_start_date",
                      "local_progression_date", "last_imaging_date")
    ),
    *(
        (other, "death_date", False, "death must be on or after every other date")
        for other in ("surgery_date", "postop_mri_date", "prert_mri_date", "rt_start_date",
                      "local_progression_date", "last_imaging_date")
    ),
)
"""Date-order rules of DATA_DICTIONARY.md (death vs last follow-up is checked as equality)."""


def _nat(n: int) -> np.ndarray:
    return np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")


def _days(start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Whole days from start to end as float (NaN where either is missing)."""
    with np.errstate(invalid="ignore"):
        delta = (end - start).astype("timedelta64[D]").astype(float)
    delta[np.isnat(start) | np.isnat(end)] = np.nan
    return delta


def _dates(col: Mapping[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    names = {r[0] for r in DATE_ORDER_RULES} | {r[1] for r in DATE_ORDER_RULES}
    return {name: col.get(name, _nat(n)) for name in names}


def _check_dates(c: IssueCollector, col: Mapping[str, np.ndarray], n: int, today: dt.date) -> None:
    d = _dates(col, n)
    lo = np.datetime64(SURGERY_DATE_MIN, "ns")
    hi = np.datetime64(today, "ns")
    s = d["surgery_date"]
    ok = ~np.isnat(s)
    c.add_cells(ok & (s < lo), "surgery_date", "date_range",
                f"is before {SURGERY_DATE_MIN.isoformat()}, the earliest accepted surgery date")
    c.add_cells(ok & (s > hi), "surgery_date", "date_range", "is in the future")
    for name, values in d.items():
        if name == "surgery_date":
            continue
        c.add_cells(~np.isnat(values) & (values > hi), name, "future_date",
                    f"is in the future (after the run's date {today.isoformat()}); a date cannot "
                    "be later than the day of the analysis")
    for earlier, later, strict, why in DATE_ORDER_RULES:
        a, b = d[earlier], d[later]
        both = ~np.isnat(a) & ~np.isnat(b)
        bad = both & ((b < a) | ((b == a) if strict else False))

        def tail(pos: int, a: np.ndarray = a, b: np.ndarray = b, earlier: str = earlier,
                 later: str = later, why: str = why) -> str:
            verb = "is the same day as" if b[pos] == a[pos] else "is before"
            return (f"{later} {fmt_date(b[pos])} {verb} {earlier} {fmt_date(a[pos])}; {why}")

        c.add(bad, later, "date_order", tail)
    death, fu = d["death_date"], d["last_followup_date"]
    bad = ~np.isnat(death) & ~np.isnat(fu) & (death != fu)
    c.add(bad, "death_date", "death_followup",
          lambda pos: (f"death_date {fmt_date(death[pos])} differs from last_followup_date "
                       f"{fmt_date(fu[pos])}; for a patient who died the last follow-up is the "
                       "date of death"))


def _check_totals(c: IssueCollector, col: dict[str, np.ndarray], present: set[str], n: int) -> None:
    for total, comps in SCORE_COMPONENTS.items():
        if not all(name in present for name in comps):
            continue
        parts = np.vstack([col[name] for name in comps])
        complete = ~np.isnan(parts).any(axis=0)
        computed = np.where(complete, parts.sum(axis=0), np.nan)
        stated = col.get(total)
        if stated is None:
            col[total] = computed
            continue
        bad = complete & ~np.isnan(stated) & (stated != computed)
        c.add(bad, total, "total_mismatch",
              lambda pos, t=total, s=stated, k=computed: (
                  f"{t} {int(s[pos])} disagrees with the sum of its components ({int(k[pos])}); "
                  "correct the total or the components"))
        col[total] = np.where(np.isnan(stated), computed, stated)


def _check_readers(c: IssueCollector, col: Mapping[str, np.ndarray]) -> None:
    if "prert_progression" not in col or not {"prert_reader1", "prert_reader2"} <= set(col):
        return
    r1, r2, prog = col["prert_reader1"], col["prert_reader2"], col["prert_progression"]
    adj = col.get("prert_adjudicator", np.full(len(r1), np.nan))
    both = ~np.isnan(r1) & ~np.isnan(r2)
    agree = both & (r1 == r2)
    expected = np.where(agree, r1, np.where(both, adj, np.nan))
    bad = ~np.isnan(expected) & ~np.isnan(prog) & (prog != expected)

    def word(x: float) -> str:
        return "true" if x == 1 else "false"

    def tail(pos: int) -> str:
        source = "the two readers' common call" if agree[pos] else "the adjudicator's call"
        return (f"prert_progression {word(prog[pos])} differs from {source} "
                f"({word(expected[pos])}); it must record the readers' agreement or the "
                "adjudicator's decision")

    c.add(bad, "prert_progression", "reader_agreement", tail)
    unresolved = both & ~agree & np.isnan(adj)
    c.add(unresolved, "prert_adjudicator", "reader_unresolved",
          lambda pos: "the two readers disagree and no adjudicator's call is given",
          severity="warning")


def _check_durations(c: IssueCollector, col: Mapping[str, np.ndarray], n: int) -> None:
    d = _dates(col, n)
    nan = np.full(n, np.nan)
    ti = col.get("ti_months", nan)
    c.add(~np.isnan(ti) & (ti <= 0), "ti_months", "range",
          lambda pos: f"ti_months {ti[pos]:g} is not above 0; radiotherapy must start after surgery")
    lc_m, os_m = col.get("lc_months", nan), col.get("os_months", nan)
    c.add(~np.isnan(lc_m) & ~np.isnan(os_m) & (lc_m * MONTH_DAYS > os_m * MONTH_DAYS + 1.0),
          "lc_months", "duration_order",
          lambda pos: (f"lc_months {lc_m[pos]:g} is longer than os_months {os_m[pos]:g}; local "
                       "control cannot be followed beyond death or the last follow-up"))
    rt = d["rt_start_date"]
    lc_end = np.where(np.isnat(d["local_progression_date"]), d["last_imaging_date"],
                      d["local_progression_date"])
    lc_evt = np.where(np.isnat(lc_end), np.nan, (~np.isnat(d["local_progression_date"])) * 1.0)
    os_end = np.where(np.isnat(d["death_date"]), d["last_followup_date"], d["death_date"])
    os_evt = np.where(np.isnat(os_end), np.nan, (~np.isnat(d["death_date"])) * 1.0)
    checks = (
        ("ti_months", _days(d["surgery_date"], rt), "surgery_date to rt_start_date"),
        ("lc_months", _days(rt, lc_end), "rt_start_date to local progression or last imaging"),
        ("os_months", _days(rt, os_end), "rt_start_date to death or last follow-up"),
    )
    for name, days, span in checks:
        given = col.get(name)
        if given is None:
            continue
        bad = ~np.isnan(given) & ~np.isnan(days) & (np.abs(given * MONTH_DAYS - days) > 1.0)
        c.add(bad, name, "duration_mismatch",
              lambda pos, g=given, dd=days, nm=name, sp=span: (
                  f"{nm} {g[pos]:g} disagrees with the dates ({sp} is {dd[pos]:g} days = "
                  f"{dd[pos] / MONTH_DAYS:.2f} months); dates and durations must agree within "
                  "one day"))
    for name, evt in (("lc_event", lc_evt), ("os_event", os_evt)):
        given = col.get(name)
        if given is None:
            continue
        bad = ~np.isnan(given) & ~np.isnan(evt) & (given != evt)
        c.add(bad, name, "duration_mismatch",
              lambda pos, g=given, nm=name: (
                  f"{nm} {int(g[pos])} disagrees with the dates, which give {1 - int(g[pos])}"))


def _check_location(c: IssueCollector, col: Mapping[str, np.ndarray]) -> None:
    level, loc = col.get("index_level"), col.get("location")
    if level is None or loc is None:
        return
    derived = pd.Series(level, dtype=object).str[0].map(REGION_LOCATION).to_numpy(dtype=object)
    bad = pd.notna(derived) & pd.notna(loc) & (derived != loc)
    c.add(bad, "location", "location_mismatch",
          lambda pos: (f"location {loc[pos]} does not match index_level {level[pos]} "
                       f"({derived[pos]}); the given location is kept"), severity="warning")


def _check_duplicates(c: IssueCollector, ids: np.ndarray) -> None:
    """Every row of a duplicated patient_id is rejected; the rows it occurs in are listed once.

    The first row of the id names every row it occurs in; the others name the first row only,
    so the issues and the quarantine file grow linearly with the copies (listing all rows on
    every row made 5,000 copies of one id a 146 MB quarantine file).
    """
    # NFC and NFD spellings of one id (é as one character or e + accent) are one patient
    keys = [unicodedata.normalize("NFC", v) if isinstance(v, str) else v for v in ids]
    series = pd.Series(keys, dtype=object)
    dup = (series.notna() & series.duplicated(keep=False)).to_numpy()
    if not dup.any():
        return
    rows: dict[str, list[int]] = {}
    for pos in np.flatnonzero(dup).tolist():
        rows.setdefault(str(keys[pos]), []).append(c.source_rows[pos])
    first = dup & ~series.duplicated(keep="first").to_numpy()
    later = dup & ~first

    def tail_first(pos: int) -> str:
        where = ", ".join(str(r) for r in rows[str(keys[pos])])
        return f"patient_id {ids[pos]} appears in rows {where}; each patient must appear once"

    def tail_later(pos: int) -> str:
        seen = rows[str(keys[pos])]
        return (
            f"patient_id {ids[pos]} appears {len(seen)} times, first in row {seen[0]} (the rows are "
            "listed there); each patient must appear once"
        )

    c.add(first, "patient_id", "duplicate", tail_first)
    c.add(later, "patient_id", "duplicate", tail_later)


def check_rows(
    c: IssueCollector,
    col: dict[str, np.ndarray],
    present: set[str],
    n: int,
    today: dt.date,
) -> None:
    """Run every cross-cell rule; fills missing score totals in ``col`` from components."""
    _check_duplicates(c, c.ids)
    _check_totals(c, col, present, n)
    _check_dates(c, col, n, today)
    _check_durations(c, col, n)
    _check_readers(c, col)
    _check_location(c, col)
