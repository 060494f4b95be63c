"""Disclosure control of count tables without breaking the risk sets.

A count table publishes, per site, stratum, group and time, the numbers leaving the risk set.
Suppressing a small cell would make every risk set before it wrong (they are sums of the cells
from that time on). Instead the time axis is coarsened:

1. times are put into bins (one week, in the table's time unit, for every preset but ``none``;
   a time goes to the end of its week, 0 stays 0);
2. within each site, stratum and group, and separately for each count (events of interest,
   competing events, censorings), neighbouring nonzero bins are merged from the first time on
   until the merged count reaches the preset's minimum; a merged count carries the mean bin
   time of those it counts (a statistic of at least the minimum number of patients); a last count that stays below the minimum is merged back into
   the one before it. Every published count is then 0 or at least the minimum, and the risk
   sets remain the sums of the published counts;
3. a series with a count whose total is between 1 and the minimum minus 1 cannot be published
   at all: it is withheld and named in the table's flags;
4. ``opensafely``: the minimum is 8 (counts of 7 or fewer would be redacted), then every count is
   rounded to the midpoint of its band of 6 (OpenSAFELY's "midpoint 6 rounding": 7-12 -> 9,
   13-18 -> 15, ...; error at most 3): the risk sets are the sums of the rounded counts, so they
   stay consistent, and the curves move by the rounding (most where few remain at risk).

The cost: event times are known only to the merged bins, so the curves of a published table
are step functions on a coarser grid, and its risk sets count those leaving within a bin as at
risk for the whole bin. :func:`curve_movement` measures at the site how far each published
Kaplan-Meier curve lies from the curve of the patient rows (the largest absolute difference).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from rtdelay.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["MIN_SITE_PATIENTS", "PRESETS", "DisclosureRule", "apply_rule", "disclose_count", "get_rule"]

#: A site with fewer patients is refused under any preset but ``none``.
MIN_SITE_PATIENTS = 10
_COUNTS = ["n_event_1", "n_event_2", "n_censored"]
_WEEK = {"days": 7.0, "weeks": 1.0, "months": 7.0 / 30.4375}


@dataclass(frozen=True)
class DisclosureRule:
    """A preset: minimum published cell, time bin (weeks; 0 = none), rounding base (0 = none)."""

    name: str
    min_cell: int
    bin_weeks: float
    round_to: int
    description: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "preset": self.name,
            "min_cell": self.min_cell,
            "time_bin_weeks": self.bin_weeks,
            "round_to": self.round_to,
            "description": self.description,
            "min_site_patients": 0 if self.name == "none" else MIN_SITE_PATIENTS,
        }


PRESETS: dict[str, DisclosureRule] = {
    "none": DisclosureRule("none", 0, 0.0, 0, "no disclosure control (for the site's own use only)"),
    "default": DisclosureRule(
        "default", 5, 1.0, 0, "weekly time bins, merged until no published count is between 1 and 4"
    ),
    "datashield": DisclosureRule(
        "datashield", 3, 1.0, 0, "DataSHIELD's minimum cell of 3: weekly bins, merged until no count is 1 or 2"
    ),
    "opensafely": DisclosureRule(
        "opensafely",
        8,
        1.0,
        6,
        "OpenSAFELY: counts of 7 or fewer redacted (weekly bins merged until every count is 0 or at least 8), "
        "then every count rounded to the midpoint of its band of 6 (OpenSAFELY midpoint 6: 8-12 -> 9, 13-18 -> 15)",
    ),
    "strict": DisclosureRule("strict", 10, 1.0, 0, "weekly time bins, merged until no count is between 1 and 9"),
}


def get_rule(name: str) -> DisclosureRule:
    try:
        return PRESETS[name]
    except KeyError:
        raise InputError(f"disclosure must be one of {', '.join(PRESETS)}; got {name!r}") from None


def disclose_count(value: int, rule: DisclosureRule) -> int | None:
    """One count of a frequency table (Table 1): None when suppressed, rounded when the rule rounds."""
    if rule.name == "none" or value == 0:
        return int(value)
    if value < rule.min_cell:
        return None
    return _round(value, rule.round_to)


def _round(value: int, base: int) -> int:
    """Midpoint rounding (OpenSAFELY's "midpoint 6"): the value's band of ``base`` counts,
    ``(base (m - 1), base m]``, is published as its midpoint ``base m - base // 2``; 0 stays 0.
    With base 6: 1-6 -> 3, 7-12 -> 9, 13-18 -> 15; the error is at most 3 and averages 0 over a
    band."""
    if base <= 0 or value == 0:
        return int(value)
    return int(base * -(-int(value) // base) - base // 2)


def _merge_column(time: np.ndarray, values: np.ndarray, k: int) -> dict[float, int] | None:
    """One count column of one series, neighbouring nonzero bins merged forward until each
    merged count is at least ``k`` (placed at the mean time of what it counts); a short tail merges back
    into the bins before it. None when the column's total is between 1 and ``k - 1``."""
    out_t: list[float] = []
    out_v: list[int] = []
    acc, acc_tv = 0, 0.0
    for t, v in zip(time.tolist(), values.tolist(), strict=True):
        if v == 0:
            continue
        acc += int(v)
        acc_tv += t * v
        if acc >= k:
            out_t.append(acc_tv)
            out_v.append(acc)
            acc, acc_tv = 0, 0.0
    if acc:
        if not out_v:
            return None
        out_v[-1] += acc
        out_t[-1] += acc_tv
    return {round(tv / v, 6): v for tv, v in zip(out_t, out_v, strict=True)}


def apply_rule(frame: pd.DataFrame, rule: DisclosureRule, *, time_unit: str) -> tuple[pd.DataFrame, list[str]]:
    """The count frame after the rule, and flags naming what was coarsened or withheld."""
    import pandas as pd

    if rule.name == "none":
        return frame.copy(), []
    flags: list[str] = []
    width = rule.bin_weeks * _WEEK[time_unit]
    rows: list[dict[str, Any]] = []
    for (site, stratum, group), part in frame.groupby(["site", "stratum", "group"], sort=True):
        t = part["time"].to_numpy(float)
        binned = np.where(t > 0, np.ceil(np.round(t / width, 9)) * width, 0.0) if width > 0 else t
        agg = (
            pd.DataFrame({"time": binned, **{c: part[c].to_numpy() for c in _COUNTS}})
            .groupby("time", sort=True)[_COUNTS]
            .sum()
        )
        label = f"{site}/{stratum or '-'}/{group}"
        times = agg.index.to_numpy(float)
        cols = [_merge_column(times, agg[c].to_numpy(np.int64), rule.min_cell) for c in _COUNTS]
        if any(c is None for c in cols):
            short = [name for name, c in zip(_COUNTS, cols, strict=True) if c is None]
            flags.append(
                f"withheld {label}: total {', '.join(short)} between 1 and {rule.min_cell - 1} cannot be published"
            )
            continue
        merged_times = sorted(set().union(*[set(c) for c in cols if c is not None]))
        if len(merged_times) < len(agg):
            flags.append(f"coarsened {label}: {len(agg)} weekly bins merged into {len(merged_times)}")
        for tt in merged_times:
            vals = [_round(int(c.get(tt, 0)), rule.round_to) for c in cols if c is not None]
            if sum(vals) == 0:
                continue
            rows.append(
                {"site": site, "stratum": stratum, "group": group, "time": float(tt), **dict(zip(_COUNTS, vals, strict=True))}
            )
    out = pd.DataFrame(rows, columns=["site", "stratum", "group", "time", *_COUNTS])
    if rule.round_to:
        flags.append(f"counts rounded to the midpoint of their band of {rule.round_to}")
    return out, flags
